"""The test suite (a package: its modules import each other's helpers and fixtures)."""

import sys

# Keep compiled and assert-rewritten modules in __pycache__ even where the environment says
# not to (PYTHONDONTWRITEBYTECODE=1): a second run then skips compiling and rewriting them in
# each xdist worker. Here, not in tests/conftest.py, because pytest imports this package before
# the conftest and before the project modules the conftest imports, so those are cached too.
# __pycache__/ is ignored by git, and Python and pytest write the files atomically, so workers
# writing the same one do not clash.
sys.dont_write_bytecode = False
