"""What the HTTP edges (``api/`` and ``web/``) share: the registry's settings and the request's
database session. Nothing here knows a route; both edges import it, it imports only the domain.
"""
