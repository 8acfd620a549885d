"""Registering passports in the EU DPP registry (ESPR Art. 13; Implementing Regulation (EU)
2026/1778): what is sent (``messages``), the queue and its states (``queue``), the run that
sends the queue in batches with retries (``runner``) and the HTTP transport (``transport``,
the standard library's ``urllib``). docs/EU_REGISTRY.md describes the wire format and where it
comes from."""
