"""Data carriers: what a physical item carries to its passport.

``qr`` encodes and draws the QR code of a passport's URI; ``labels`` lays those codes out,
with a few lines of text, on print-ready label sheets (``layouts`` names the sheets,
``faces`` and ``text`` measure the embedded fonts, ``pdf`` writes the file).
"""
