"""Kreislauf domain core: passports, identifiers, documents and their persistence.

Nothing here imports Flask, marshmallow or click; the edges (``api``, ``web``) do.
"""
