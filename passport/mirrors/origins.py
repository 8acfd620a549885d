"""The registries this one mirrors: adding one (its log's name and key, trusted on first use
unless given) and finding one by the host it is served under (``/mirror/{host}/``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.errors import Conflict, InvalidRequest, MirrorRefused, NotFound
from passport.ledger import client, merkle, note
from passport.mirrors.tables import MirrorOrigin

Get = Callable[[str], bytes]


@dataclass(frozen=True)
class Added:
    origin: MirrorOrigin
    first_use: bool  # the key was read from the origin itself, not given
    size: int  # the origin's checkpoint size when it was added (nothing is fetched yet)
    new: bool  # False: the origin was already mirrored with this key


def base_and_host(url: str) -> tuple[str, str]:
    """The origin's base URL (no trailing slash, no query) and its ``host[:port]``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"the origin URL must be http(s)://host[:port][/path], got {url!r}")
    if parts.query or parts.fragment:
        raise InvalidRequest("the origin URL must have no query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", parts.netloc.lower()


def add_origin(session: Session, url: str, vkey: str | None, get: Get | None = None) -> Added:
    """Record the registry at ``url`` as an origin; its key is ``vkey`` or, if none is given,
    the log key its did:web document names now (trust on first use). The origin's current
    checkpoint must verify with that key and name the same log."""
    base, host = base_and_host(url)
    text, log_origin = client.fetch_checkpoint(base, get)
    if vkey is None:
        verifier = client.log_verifier(base, log_origin, get)
    else:
        try:
            verifier = note.Verifier.from_vkey(vkey.strip())
        except note.NoteError as exc:
            raise InvalidRequest(f"--key is not a C2SP verifier key: {exc}") from None
        if verifier.name != log_origin:
            raise InvalidRequest(
                f"--key names the log {verifier.name!r}, the origin {log_origin!r}"
            )
    try:
        note.verify_note(text, [verifier])
    except note.NoteError as exc:
        raise MirrorRefused(f"{base}'s checkpoint does not verify with its key: {exc}") from None
    size = note.Checkpoint.parse(note.parse_note(text)[0]).size
    found = session.scalar(select(MirrorOrigin).where(MirrorOrigin.host == host))
    if found is not None:
        if found.vkey != verifier.vkey:
            raise Conflict(f"{host} is mirrored already, with another key ({found.vkey})")
        return Added(found, found.trust == "first-use", size, new=False)
    row = MirrorOrigin(
        host=host,
        url=base,
        log_origin=log_origin,
        vkey=verifier.vkey,
        trust="given" if vkey is not None else "first-use",
        size=0,
        root=merkle.EMPTY_ROOT,
        note=None,
        frontier=[],
    )
    session.add(row)
    session.flush()
    return Added(row, vkey is None, size, new=True)


def origins(session: Session) -> list[MirrorOrigin]:
    return list(session.scalars(select(MirrorOrigin).order_by(MirrorOrigin.host)))


def by_host(session: Session, host: str) -> MirrorOrigin:
    """The origin served under ``/mirror/{host}/``; NotFound if this registry mirrors none."""
    found = session.scalar(select(MirrorOrigin).where(MirrorOrigin.host == host.lower()))
    if found is None:
        raise NotFound(f"this registry mirrors no registry at {host!r}")
    return found


def chosen(session: Session, name: str | None) -> list[MirrorOrigin]:
    """The origins ``kreislauf mirror sync [ORIGIN]`` syncs: all, or the one named by its
    host or URL."""
    if name is None:
        return origins(session)
    host = base_and_host(name)[1] if "://" in name else name
    return [by_host(session, host)]
