"""Battery passports (EU 2023/1542 Annex XIII, BatteryPass 1.2): the seven categories and their
access list, and the dynamic attributes read from events (``measurements``)."""
