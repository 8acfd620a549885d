"""The OpenAPI description of the routes that are not flask-smorest operations: the GS1 resolver,
the DID documents, the transparency log (``/log/v1``), the JSON-LD contexts and the description
itself. Written by hand beside the views they describe; ``tests/api/test_openapi.py`` checks
that every non-page route of the app is here or in a blueprint, and the reverse, and
``tests/api/test_schemathesis.py`` that the answers are what is written.
"""

from __future__ import annotations

from typing import Any

from passport.contexts import OWN
from passport.routes import (
    COMMUNITY,
    CONTEXTS,
    DID_DOCUMENT,
    LOG,
    MIRRORS,
    ORGANISATIONS,
    REGISTRY_DID,
    RESOLVER_DESCRIPTION,
)

__all__ = ["document"]

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
TEXT = {"schema": {"type": "string"}}
OBJECT = {"schema": {"type": "object"}}
# Examples are real: GS1's example GTIN and a GMN of the test fixtures (prefix 9520123), so that
# a generator reaches the registry's passports, not only its 400s.
GTIN = {
    "type": "string",
    "pattern": "^[0-9]{14}$",
    "description": "GTIN-14 (AI 01) with a valid check digit",
    "examples": ["09520123456788"],
}
# GS1 AI encodable character set 82, less "/" (a path segment).
CSET82 = "^[!\"%&'()*+,\\-.0-9:;<=>?A-Z_a-z]{1,MAX}$"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": PROBLEM}}


def _ok(description: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": content, **extra}


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": schema,
        "description": description,
    }


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": schema, "description": description, **extra}


# --- the resolver ------------------------------------------------------------------------------

SIGNED = {
    "application/vc+jwt": {
        "schema": {"type": "string", "description": "VC-JOSE-COSE compact JWS (EdDSA)"}
    },
    "application/vc+sd-jwt": {
        "schema": {"type": "string", "description": "SD-JWT with the reader's disclosures"}
    },
}
LINKSET = {
    "schema": {
        "type": "object",
        "required": ["linkset"],
        "properties": {"linkset": {"type": "array", "items": {"type": "object"}}},
    }
}
HTML = {"schema": {"type": "string", "description": "A page for people"}}
RESOLVER_QUERY = [
    _query(
        "linkType",
        {"type": "string", "examples": ["linkset", "all", "gs1:pip", "gs1:epcis"]},
        "One link of the product (a 307 to it), or `linkset` for the RFC 9264 linkset (`all`: "
        "the same linkset, deprecated: a `Deprecation` header and a `successor-version` link "
        "to `linkset`)",
    ),
    _query(
        "version",
        {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "examples": [1]},
        "One version of the passport (default: the current one); its linkset names the "
        "version before it (`predecessor-version`) and the latest (`latest-version`)",
    ),
    _query(
        "format",
        {"type": "string", "enum": ["jwt", "sd-jwt"]},
        "The passport signed: a VC-JWT or an SD-JWT (else: the Accept header decides)",
    ),
]
RESOLVED = {
    "200": _ok(
        "The passport (application/ld+json) or its linkset, as the Accept header asks; the "
        "Link header lists the product's links",
        {
            "application/ld+json": OBJECT,
            "application/linkset+json": LINKSET,
            **SIGNED,
        },
    ),
    "304": {
        "description": "Not Modified: `If-None-Match` names the view's current strong ETag "
        "(JSON-LD and linksets carry one; docs/CACHING.md). No body",
        "headers": {"ETag": {"schema": {"type": "string"}}},
    },
    "307": {
        "description": "A browser (or no Accept header) goes to the passport's page; "
        "`linkType` to that link",
        "headers": {"Location": {"schema": {"type": "string"}}},
    },
    "308": {
        "description": "The passport moved to another registry: the same path and query there "
        "(docs/FEDERATION.md, 'Moving a passport')",
        "headers": {"Location": {"schema": {"type": "string"}}},
    },
    "400": _ok(
        "The URI breaks the GS1 Digital Link syntax (the rule is named): a problem document, "
        "or a page for browsers",
        {"application/problem+json": PROBLEM, "text/html": HTML},
    ),
    "401": _problem("An API key was sent but is unknown or revoked"),
    "404": _ok(
        "No passport for this product, or it has no link of the `linkType` asked for",
        {"application/problem+json": PROBLEM, "text/html": HTML},
    ),
    "503": _problem("The registry has no signing key (vc+jwt, vc+sd-jwt)"),
}
SERIAL = _path(
    "serial",
    {"type": "string", "pattern": CSET82.replace("MAX", "20"), "examples": ["12345"]},
    "Serial number (AI 21)",
)
LOT = _path(
    "lot",
    {"type": "string", "pattern": CSET82.replace("MAX", "20"), "examples": ["L-7"]},
    "Batch/lot (AI 10)",
)
GTIN_PARAMETER = _path("gtin", GTIN, "GTIN (AI 01)")


def _resolve(summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "tags": ["resolver"],
            "summary": summary,
            "description": "GS1-Conformant resolver: JSON-LD clients get the passport "
            "(a batch's or the model's when the item has none), linkset clients the links, "
            "browsers the page. Reads need no key; with one, restricted properties appear "
            "for the tiers that may see them.",
            "parameters": [*parameters, *RESOLVER_QUERY],
            "security": [{}, {"bearer": []}],
            "responses": RESOLVED,
        }
    }


def _resolver() -> dict[str, dict[str, Any]]:
    return {
        "/01/{gtin}": _resolve("Resolve a product model's GS1 Digital Link", GTIN_PARAMETER),
        "/01/{gtin}/10/{lot}": _resolve("Resolve a batch's Digital Link", GTIN_PARAMETER, LOT),
        "/01/{gtin}/21/{serial}": _resolve(
            "Resolve an item's Digital Link", GTIN_PARAMETER, SERIAL
        ),
        "/01/{gtin}/10/{lot}/21/{serial}": _resolve(
            "Resolve an item's Digital Link with its batch", GTIN_PARAMETER, LOT, SERIAL
        ),
        "/8013/{gmn}": _resolve(
            "Resolve a Global Model Number's Digital Link",
            _path(
                "gmn",
                {
                    "type": "string",
                    "pattern": CSET82.replace("MAX", "25"),
                    "examples": ["1987654Ad4X4bL5ttr2310c2K"],
                },
                "GMN (AI 8013) with its check pair",
            ),
        ),
        f"{COMMUNITY}{{key}}": _resolve(
            "Resolve a community passport's URI (minted by this registry)",
            _path("key", {"type": "string", "pattern": "^[a-z2-7]{16}$"}, "16 characters"),
        ),
        RESOLVER_DESCRIPTION: {
            "get": {
                "tags": ["resolver"],
                "summary": "Describe this resolver (GS1-Conformant Resolver 1.2)",
                "responses": {"200": _ok("The resolver description", {"application/json": OBJECT})},
            }
        },
    }


# --- DID documents -----------------------------------------------------------------------------

DID = {
    "schema": {
        "type": "object",
        "required": ["@context", "id", "verificationMethod"],
        "properties": {"id": {"type": "string", "pattern": "^did:web:"}},
    }
}


def _dids() -> dict[str, dict[str, Any]]:
    return {
        REGISTRY_DID: {
            "get": {
                "tags": ["did"],
                "summary": "The registry's did:web document (passport key and log key)",
                "responses": {
                    "200": _ok("did:web document", {"application/json": DID}),
                    "503": _problem("The registry has no signing key"),
                },
            }
        },
        f"{ORGANISATIONS}/{{org_id}}/{DID_DOCUMENT}": {
            "get": {
                "tags": ["did"],
                "summary": "An organisation's did:web document",
                "parameters": [_path("org_id", {"type": "string"}, "The organisation's id")],
                "responses": {
                    "200": _ok("did:web document", {"application/json": DID}),
                    "404": _problem("Unknown organisation"),
                    "503": _problem("The registry has no signing key"),
                },
            }
        },
    }


# --- the transparency log ----------------------------------------------------------------------

B64 = {"type": "string", "description": "base64 of a SHA-256 hash"}
INDEX = {"type": "string", "pattern": "^[0-9]+$", "examples": ["0"]}
BAD = _problem("The argument is not a number, out of range, or beyond the log's size")
INCLUSION = {
    "type": "object",
    "required": ["index", "size", "leaf_hash", "hashes", "root"],
    "properties": {
        "index": {"type": "integer"},
        "size": {"type": "integer"},
        "leaf_hash": B64,
        "hashes": {"type": "array", "items": B64},
        "root": B64,
    },
}
CONSISTENCY = {
    "type": "object",
    "required": ["first", "second", "hashes", "first_root", "second_root"],
    "properties": {
        "first": {"type": "integer"},
        "second": {"type": "integer"},
        "hashes": {"type": "array", "items": B64},
        "first_root": B64,
        "second_root": B64,
    },
}
SIZE = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def _log_get(summary: str, responses: dict[str, Any], *parameters: Any) -> dict[str, Any]:
    return {
        "get": {
            "tags": ["log"],
            "summary": summary,
            "parameters": list(parameters),
            "responses": responses,
        }
    }


def _log() -> dict[str, dict[str, Any]]:
    signed_note = {"text/plain": TEXT}
    return {
        f"{LOG}/checkpoint": _log_get(
            "The newest signed checkpoint (C2SP tlog-checkpoint, a signed note)",
            {"200": _ok("The checkpoint", signed_note), "404": _problem("No checkpoint yet")},
        ),
        f"{LOG}/proof/inclusion": _log_get(
            "Inclusion proof of a leaf (by index or leaf_hash) in the tree of `size`",
            {
                "200": _ok("The proof", {"application/json": {"schema": INCLUSION}}),
                "400": BAD,
                "404": _problem("No leaf with that hash"),
            },
            _query("size", SIZE, "Tree size", required=True),
            _query("index", {"type": "integer", "minimum": 0}, "Leaf index (or leaf_hash)"),
            _query("leaf_hash", {"type": "string"}, "Leaf hash, 64 hex digits or base64"),
        ),
        f"{LOG}/proof/consistency": _log_get(
            "Consistency proof that the tree of `second` extends the tree of `first`",
            {
                "200": _ok("The proof", {"application/json": {"schema": CONSISTENCY}}),
                "400": BAD,
            },
            _query("first", SIZE, "The older tree size", required=True),
            _query("second", SIZE, "The newer tree size", required=True),
        ),
        f"{LOG}/entries/{{index}}": _log_get(
            "The leaf at `index`: the exact RFC 8785 bytes that were hashed",
            {
                "200": _ok("The leaf", {"application/json": OBJECT}),
                "400": BAD,
                "404": _problem("No such leaf"),
            },
            _path("index", INDEX, "Leaf index"),
        ),
        f"{LOG}/receipt/{{index}}": _log_get(
            "A C2SP tlog-proof of leaf `index` with the newest checkpoint",
            {"200": _ok("The receipt", signed_note), "400": BAD, "404": _problem("No such leaf")},
            _path("index", INDEX, "Leaf index"),
        ),
        f"{LOG}/tile/{{level}}/{{tile}}": _log_get(
            "C2SP tlog-tiles: a hash tile, or with level `entries` an entry bundle",
            {
                "200": _ok("The tile", {"application/octet-stream": TEXT}),
                "400": _problem("Not a tile path"),
                "404": _problem("The log has no such tile (yet)"),
            },
            _path(
                "level",
                {"type": "string", "pattern": "^([0-9]+|entries)$", "examples": ["0", "entries"]},
                "Tile level, or `entries`",
            ),
            _path(
                "tile",
                {
                    "type": "string",
                    "pattern": "^(x[0-9]{3}/)*[0-9]{3}(\\.p/[0-9]+)?$",
                    "examples": ["000.p/1", "000"],
                },
                "Tile index path, e.g. x001/234 or 000.p/5 (a partial tile of width 5)",
            ),
        ),
        f"{LOG}/witness/add-checkpoint": {
            "post": {
                "tags": ["log"],
                "summary": "C2SP tlog-witness: verify another log's checkpoint and cosign it",
                "requestBody": {
                    "required": True,
                    "content": {"text/plain": {"schema": {"type": "string", "maxLength": 65536}}},
                },
                "responses": {
                    "200": _ok("The cosignature line", signed_note),
                    "400": _problem("Malformed request"),
                    "403": _problem("The checkpoint's signature is refused"),
                    "404": _problem("Unknown log"),
                    "409": _ok(
                        "The witness has another size for this log: its size",
                        {"text/x.tlog.size": TEXT},
                    ),
                    "422": _problem("The consistency proof is refused"),
                },
            }
        },
    }


# --- mirrors of other registries ----------------------------------------------------------------

HOST = _path(
    "host", {"type": "string", "examples": ["registry.example.org"]}, "The origin's host[:port]"
)
MIRRORED = (
    "Served as the origin served it; `Kreislauf-Mirror-Of` names the origin, `Last-Modified` "
    "is the time of the last sync"
)


def _mirror_get(summary: str, content: dict[str, Any], *parameters: Any) -> dict[str, Any]:
    return {
        "get": {
            "tags": ["mirrors"],
            "summary": summary,
            "parameters": [HOST, *parameters],
            "responses": {
                "200": _ok(MIRRORED, content),
                "400": _problem("A malformed argument"),
                "404": _problem("This registry mirrors no such origin, passport or version"),
            },
        }
    }


def _mirrors() -> dict[str, dict[str, Any]]:
    at = f"{MIRRORS}/{{host}}"
    pid = _path("passport_id", {"type": "string"}, "The passport's id at the origin")
    version = _query("version", {"type": "integer", "minimum": 1}, "A version (default: newest)")
    fmt = _query("format", {"enum": ["jsonld", "jwt"]}, "jwt: the VC-JWT the origin signed")
    return {
        f"{at}/api/v1/passports/{{passport_id}}": _mirror_get(
            "A mirrored passport's credential",
            {"application/ld+json": OBJECT, "application/vc+jwt": TEXT},
            pid,
            version,
            fmt,
        ),
        f"{at}/api/v1/passports/{{passport_id}}/events": _mirror_get(
            "A mirrored passport's events, each checked against the origin's log",
            {"application/json": OBJECT},
            pid,
        ),
        f"{at}/log/v1/checkpoint": _mirror_get(
            "The origin's checkpoint the mirror holds every leaf of, as the origin signed it",
            {"text/plain": TEXT},
        ),
        f"{at}{REGISTRY_DID}": _mirror_get(
            "The origin's did:web document, as it was when it last verified a credential",
            {"application/json": OBJECT},
        ),
        f"{at}{ORGANISATIONS}/{{org_id}}/{DID_DOCUMENT}": _mirror_get(
            "An issuer's did:web document at the origin (its key verifies the VC-JWTs)",
            {"application/json": OBJECT},
            _path("org_id", {"type": "string"}, "The organisation's id at the origin"),
        ),
        f"{at}/evidence": _mirror_get(
            "Checkpoints the origin signed that cannot both be true, verbatim",
            {"application/json": OBJECT},
        ),
    }


# --- contexts and the description itself -------------------------------------------------------


def _others() -> dict[str, dict[str, Any]]:
    names = sorted(path.removeprefix(CONTEXTS + "/") for path in OWN)
    return {
        f"{CONTEXTS}/{{name}}": {
            "get": {
                "tags": ["contexts"],
                "summary": "One of the registry's own JSON-LD contexts (any origin may read it)",
                "parameters": [
                    _path("name", {"type": "string", "examples": names}, "The context's name")
                ],
                "responses": {
                    "200": _ok("The context", {"application/ld+json": OBJECT}),
                    "304": {"description": "Unchanged (If-None-Match)"},
                    "404": _problem("No such context"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "tags": ["docs"],
                "summary": "This description (OpenAPI 3.1)",
                "responses": {"200": _ok("The description", {"application/json": OBJECT})},
            }
        },
    }


def all_paths() -> dict[str, dict[str, Any]]:
    """The path items written here, by path."""
    return {**_resolver(), **_dids(), **_log(), **_mirrors(), **_others()}


def document(spec: Any) -> None:
    """Add the routes outside flask-smorest to the description (after the blueprints)."""
    # apispec's Flask plugin wants a rule for spec.path(): add to the spec's own paths instead.
    spec.to_dict()["paths"].update(all_paths())
