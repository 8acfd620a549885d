"""The EN 18222 DPP API over the passport's use cases: the EN 18223 shapes (``shapes``), data
elements addressed by RFC 9535 JSONPath (``elements``) and the operations (``service``)."""
