"""The Open Repair Data Standard (ORDS) v0.3: its records, and reading and writing them as CSV.

ORDS is the Open Repair Alliance's format for community repair data: one CSV row per repair
attempt, 14 columns in a fixed order, UTF-8, a header row (openrepair/datastandard
``standard.rst``; the column order of every v0.3 file in openrepair/data). Sources of the
published data are in the ORDS rows of ``tests/fixtures/SOURCES.md``.

``records`` holds the columns, the vocabularies (statuses, barriers, product categories) and
the typed record; ``reader`` validates files and records; ``writer`` writes CSV and JSON.
"""
