"""The JSON-LD contexts that served passports name, and where a reader gets each one.

A passport names three contexts. The W3C VC 2.0 and UNTP (0.7.0, or DPP 0.6.1) contexts are
named by their publishers' URLs, which their publishers serve. The registry's own context is
named by a URL on the registry's own origin, ``Routes.kreislauf_context``, and served there by
``api.contexts`` with CORS, so that a third party can dereference every context a passport
names. The vocabulary IRIs inside it stay ``https://w3id.org/kreislauf#`` whatever the origin
(``schemas/contexts/README.md`` says why).

The package holds a file for every one of them: the registry itself never fetches a context.
This module is light on purpose (no PyLD, no rdflib): building a credential needs only the URLs.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from passport.routes import KREISLAUF_V1_CONTEXT, KREISLAUF_V2_CONTEXT, Routes

VC_V2 = "https://www.w3.org/ns/credentials/v2"
UNTP_DPP = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"
UNTP_07 = "https://vocabulary.uncefact.org/untp/0.7.0/context/"
KREISLAUF_VOCAB = "https://w3id.org/kreislauf#"

# Published contexts: their publishers' URLs -> our packaged file for offline processing.
PUBLISHED: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    UNTP_DPP: "untp-dpp-0.6.1.jsonld",
    UNTP_07: "untp-0.7.0.jsonld",  # ours, the terms 0.7.0 credentials use (README.md)
}

# The registry's own contexts: path on the registry's origin -> packaged file, served as is.
# v2 is v1 without the UNTP 0.6.1 type terms and ``characteristics``, which UNTP 0.7.0's
# protected context defines itself: it is named beside UNTP 0.7.0.
OWN: dict[str, str] = {
    KREISLAUF_V1_CONTEXT: "kreislauf-v1.jsonld",
    KREISLAUF_V2_CONTEXT: "kreislauf-v2.jsonld",
}


def passport_contexts(base_url: str) -> list[str]:
    """The ``@context`` of a passport served by the registry at ``base_url``."""
    return [VC_V2, UNTP_DPP, Routes(base_url).kreislauf_context]


def context_files(base_url: str | None = None) -> dict[str, str]:
    """Every context URL the registry can process offline -> its packaged file.

    Without ``base_url`` only the published contexts: a document naming some registry's own
    context can only be processed by a caller that says which registry it is.
    """
    known = dict(PUBLISHED)
    if base_url is not None:
        root = Routes(base_url).base_url
        known.update({root + path: name for path, name in OWN.items()})
    return known


@cache
def read(name: str) -> bytes:
    """The bytes of a packaged context file (``name`` is a value of PUBLISHED or OWN)."""
    if name not in PUBLISHED.values() and name not in OWN.values():
        raise KeyError(name)
    return (files("schemas") / "contexts" / name).read_bytes()


@cache
def etag(name: str) -> str:
    """A strong validator for a packaged context: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(read(name)).hexdigest()
