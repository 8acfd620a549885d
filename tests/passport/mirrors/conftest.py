"""The mirror tests' two registries: the fixtures of test_mirror.py, for every module here."""

from tests.passport.mirrors.test_mirror import cafe, mirror

__all__ = ["cafe", "mirror"]
