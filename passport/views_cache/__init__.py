"""Materialised views of passports: each view built once by ``passport.credentials.reading``
(and the edges that render it), kept under a read key that changes whenever anything the view
depends on changes (docs/CACHING.md), and served again while the key stands.
"""
