"""Battery passports: the BatteryPass 1.2 profile (EU Battery Regulation 2023/1542 Annex XIII)."""
