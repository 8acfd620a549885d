"""GS1 identifiers: the syntax dictionary, check digits, AI values and GS1 Digital Link URIs.

Standard library only, and nothing of the registry's but ``passport.errors``: every rejection
raises ``InvalidIdentifier`` whose message says why, so the edges can show it to the person
who typed or scanned the identifier. ``identity`` turns a passport document into the key a
passport is issued and resolved under.
"""
