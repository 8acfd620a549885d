"""The credential: a passport served as a W3C VC 2.0 UNTP DigitalProductPassport (unsigned).

Building it (``document``), what a batch or item inherits from its model (``inheritance``),
reading a stored passport as one (``reading``) and serving it signed (``signed``, with
:mod:`passport.signing`).
"""
