"""The transparency log's read API under ``/log/v1``: C2SP checkpoint and tlog-tiles, JSON proofs,
leaves, and C2SP tlog-proof receipts.

Everything is public, and everything but the witness's add-checkpoint POST is a GET that
only reads (every write to the log signs its checkpoint). Bad input is a 400 problem with the
reason, never a 500; a tile, leaf or receipt the log does not (yet) have is a 404.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from flask import Blueprint, Response, json, request
from sqlalchemy.orm import Session

from edge.request import session, settings
from passport.errors import InvalidRequest, NotFound
from passport.ledger import checkpoints, cosigning, log, merkle, tiles, witness
from passport.ledger.tile_format import encode_bundle
from passport.routes import LOG

bp = Blueprint("log", __name__, url_prefix=LOG)

TEXT = "text/plain; charset=utf-8"
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_MAX_INT = (1 << 63) - 1  # BIGINT
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_GROUP = re.compile(r"x[0-9]{3}")


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _int(name: str, value: str | None) -> int:
    if value is None or value == "":
        raise InvalidRequest(f"the query parameter '{name}' is required")
    if not value.isascii() or not value.isdigit():
        raise InvalidRequest(f"'{name}' must be a non-negative decimal integer, got {value!r}")
    number = int(value)
    if number > _MAX_INT:
        raise InvalidRequest(f"'{name}' is too large")
    return number


def _size(name: str, value: str | None, current: int) -> int:
    size = _int(name, value)
    if size == 0:
        raise InvalidRequest(f"'{name}' must be at least 1: the empty tree has nothing to prove")
    if size > current:
        raise InvalidRequest(f"'{name}' {size} is beyond the log's current size {current}")
    return size


def _leaf_hash(value: str) -> bytes:
    if _HEX.fullmatch(value):
        return bytes.fromhex(value)
    try:
        # Query strings turn "+" into a space; accept both alphabets and missing padding.
        text = value.replace(" ", "+").replace("-", "+").replace("_", "/")
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("'leaf_hash' is neither 64 hex digits nor base64") from None
    if len(raw) != merkle.HASH_SIZE:
        raise InvalidRequest(f"'leaf_hash' must be {merkle.HASH_SIZE} bytes, got {len(raw)}")
    return raw


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), mimetype="application/json")


@bp.get("/checkpoint")
def checkpoint() -> Response:
    """The newest signed checkpoint (C2SP tlog-checkpoint): every write to the log signs one.
    Witnesses' cosignatures on it, once the registry has them, follow the log's signature."""
    db = session()
    row = checkpoints.newest(db)
    if row is None:
        raise NotFound("The log has no signed checkpoint yet; `kreislauf init-db` signs one.")
    response = Response(cosigning.with_cosignatures(db, row), content_type=TEXT)
    response.headers["Cache-Control"] = "public, max-age=2"
    return response


@bp.get("/proof/inclusion")
def inclusion() -> Response:
    """Inclusion proof of a leaf (by ``index`` or ``leaf_hash``) in the tree of ``size``."""
    db = session()
    size = _size("size", request.args.get("size"), log.head(db)[0])
    index = _leaf_index(db, size)
    entry = log.entry(db, index)
    assert entry is not None
    return _json(
        {
            "index": index,
            "size": size,
            "leaf_hash": _b64(bytes(entry.leaf_hash)),
            "hashes": [_b64(h) for h in log.inclusion(db, index, size)],
            "root": _b64(log.tree_root(db, size)),
        }
    )


def _leaf_index(db: Session, size: int) -> int:
    """The leaf a proof is asked for: ``index``, or the leaf with ``leaf_hash``, below ``size``."""
    if "leaf_hash" not in request.args:
        index = _int("index", request.args.get("index"))
        if index >= size:
            raise InvalidRequest(f"'index' {index} is not below 'size' {size}")
        return index
    if "index" in request.args:
        raise InvalidRequest("give either 'index' or 'leaf_hash', not both")
    found = tiles.leaf_index(db, _leaf_hash(request.args["leaf_hash"]))
    if found is None:
        raise NotFound("no leaf with that hash is in the log")
    if found >= size:
        raise InvalidRequest(f"the leaf is at index {found}, not in the tree of size {size}")
    return found


@bp.get("/proof/consistency")
def consistency() -> Response:
    """Consistency proof that the tree of ``second`` extends the tree of ``first``."""
    db = session()
    current = log.head(db)[0]
    first = _size("first", request.args.get("first"), current)
    second = _size("second", request.args.get("second"), current)
    if first > second:
        raise InvalidRequest(f"'first' {first} is larger than 'second' {second}")
    return _json(
        {
            "first": first,
            "second": second,
            "hashes": [_b64(h) for h in log.consistency(db, first, second)],
            "first_root": _b64(log.tree_root(db, first)),
            "second_root": _b64(log.tree_root(db, second)),
        }
    )


@bp.get("/entries/<index>")
def entry(index: str) -> Response:
    """The leaf at ``index``: the exact RFC 8785 bytes that were hashed."""
    number = _int("index", index)
    row = log.entry(session(), number)
    if row is None:
        raise NotFound(f"the log has no leaf {number}")
    response = Response(bytes(row.leaf), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@bp.get("/receipt/<index>")
def receipt(index: str) -> Response:
    """A C2SP tlog-proof for leaf ``index``, with the newest checkpoint (which covers it)."""
    number = _int("index", index)
    db = session()
    if log.entry(db, number) is None:
        raise NotFound(f"the log has no leaf {number}")
    return Response(checkpoints.receipt(db, number), content_type=TEXT)


@bp.post("/witness/add-checkpoint")
def add_checkpoint() -> Response:
    """C2SP tlog-witness: verify another log's checkpoint and consistency proof, and cosign it."""
    body = _witness_request()
    db = session()
    # A refusal (a WitnessError) goes to api.errors; teardown rolls the session back.
    line = witness.add_checkpoint(db, checkpoints.signer(settings()), body)
    db.commit()
    return Response(line, content_type=TEXT)


def _witness_request() -> str:
    """The add-checkpoint body as text, refused before reading past :data:`witness.MAX_BODY`."""
    length = request.content_length
    if length is not None and length > witness.MAX_BODY:
        raise InvalidRequest("the request body is too large")
    data = request.get_data(cache=False)
    if len(data) > witness.MAX_BODY:
        raise InvalidRequest("the request body is too large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the request body is not UTF-8") from None


# --- C2SP tlog-tiles ---------------------------------------------------------------------------


def parse_tile_path(path: str) -> tuple[int, int | None]:
    """``x001/x234/067[.p/W]`` -> (N, W or None for a full tile), as C2SP tlog-tiles encodes it."""
    parts = path.split("/")
    width = None
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        w = parts.pop()
        parts[-1] = parts[-1][: -len(".p")]
        if not re.fullmatch(r"[1-9][0-9]*", w) or int(w) >= TILE_WIDTH:
            raise InvalidRequest(f"partial tile width {w!r} is not between 1 and {TILE_WIDTH - 1}")
        width = int(w)
    *groups, last = parts
    if not re.fullmatch(r"[0-9]{3}", last) or not all(_GROUP.fullmatch(g) for g in groups):
        raise InvalidRequest(f"tile index path {path!r} is not in the x001/x234/067 form")
    if groups and groups[0] == "x000":
        raise InvalidRequest(f"tile index path {path!r} has a leading zero group")
    digits = "".join(g[1:] for g in groups) + last
    number = int(digits)
    if number > _MAX_INT:
        raise InvalidRequest("tile index is too large")
    return number, width


def _tile_response(data: bytes, full: bool) -> Response:
    response = Response(data, mimetype="application/octet-stream")
    # Full tiles never change; a partial one is replaced by a wider one as the log grows.
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if full else "public, max-age=2"
    )
    return response


@bp.get("/tile/<level>/<path:rest>")
def hash_tile(level: str, rest: str) -> Response:
    """Tile ``level``/N: the hashes at tree level 8·L, indices 256·N … 256·N + W − 1."""
    if level == "entries":
        return entry_bundle(rest)
    tree_level = _tile_level(level) * TILE_HEIGHT
    number, width = parse_tile_path(rest)
    width_ = width or TILE_WIDTH
    first = number * TILE_WIDTH
    db = session()
    size = log.head(db)[0]
    if (first + width_) << tree_level > size:
        raise NotFound(f"the log (size {size}) has no tile {level}/{rest}")
    hashes = tiles.node_hashes(db, tree_level, first, width_)
    if len(hashes) != width_:
        raise RuntimeError(f"the log's node table lacks hashes of tile {level}/{rest}")
    return _tile_response(b"".join(bytes(h) for h in hashes), width is None)


def _tile_level(level: str) -> int:
    tile_level = _int("level", level)
    if tile_level > 63 // TILE_HEIGHT:
        raise InvalidRequest(f"tile level {tile_level} is beyond any tree")
    return tile_level


def entry_bundle(rest: str) -> Response:
    """Entry bundle N: the leaves 256·N … 256·N + W − 1, each as a big-endian uint16 length
    followed by the leaf bytes."""
    number, width = parse_tile_path(rest)
    width_ = width or TILE_WIDTH
    first = number * TILE_WIDTH
    db = session()
    size = log.head(db)[0]
    if first + width_ > size:
        raise NotFound(f"the log (size {size}) has no entry bundle {rest}")
    leaves = tiles.leaves(db, first, width_)
    if len(leaves) != width_:
        raise RuntimeError(f"the log lacks leaves of entry bundle {rest}")
    return _tile_response(encode_bundle([bytes(leaf) for leaf in leaves]), width is None)
