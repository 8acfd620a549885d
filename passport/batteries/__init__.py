"""Battery passports (EU 2023/1542, BatteryPass 1.2): the dynamic attributes read from events."""
