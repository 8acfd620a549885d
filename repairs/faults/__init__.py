"""The fault, suggested from open repair data (docs/FAULTS.md).

``data`` (the Open Repair Alliance quests: records and fault lists) · ``features`` (what the
model reads in a note) · ``model`` (naive Bayes, its file) · ``training`` (the split and the
reproducible training) · ``evaluation`` (figures beside a baseline) · ``language`` (a note's
language, for the figures) · ``suggestion`` (the shipped model, loaded on first use).

The shipped model is data derived from CC BY-SA 4.0 data: attribution "Open Repair Alliance /
The Restart Project" (see README.md here and the model's metadata).
"""
