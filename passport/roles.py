"""The roles an organisation can have (DESIGN §2).

A module of its own, importing nothing, so that ``kreislauf --help`` lists them without loading
the models.
"""

from __future__ import annotations

ROLES = ("manufacturer", "repairer", "refurbisher", "remanufacturer", "recycler", "authority")
