"""Lifecycle events: what may happen to a product, who may say so, and how it reads in EPCIS.

A request body names a ``type``, an ``eventTime`` with its UTC offset, and the details of that
type under a key of the same name (``schemas/event.schema.json``). Each type maps to a CBV 2.0
business step and disposition, to the roles that may record it, and to the product's life
status afterwards. Events are append-only: a ``correction`` declares an earlier event wrong, and
the product's status is always derived from the whole history.

One idea per module, from the bottom up:

- ``catalogue``: the event types and their CBV 2.0 mapping;
- ``sensors``: the battery attributes an event may measure, as EPCIS sensor reports;
- ``times``: RFC 3339 event times, stored in UTC, written in the recorder's offset;
- ``status``: the product's life status and ownership count, derived from its history;
- ``parsing``: a request body, validated into a ``NewEvent``;
- ``rules``: who may record which event, and when;
- ``epcis``: events and histories as EPCIS 2.0 JSON-LD;
- ``hashing`` (with ``hash_fields``, ``hash_values``, ``hash_checks``, ``bare_words``,
  ``canonical``): the CBV 2.0 event hash, as the reference generator computes it;
- ``history``: the use cases, recording and reading a passport's history in the database.
"""
