"""Passports: issuing them, their versions, community passports and finding one."""
