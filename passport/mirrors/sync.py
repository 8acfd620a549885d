"""``kreislauf mirror sync``: bring an origin's copy up to its newest checkpoint (C2SP
tlog-mirror, pulled rather than pushed).

1. The origin's checkpoint must verify with the key stored for it and name its log.
2. It must extend what the mirror holds: the origin's consistency proof from the held size
   must verify, and the same size must have the same root. If not, the mirror keeps both
   signed checkpoints as evidence and goes no further (it never accepts a history that is
   inconsistent with one it has seen).
3. The new leaves come from the entry bundles; with the held right edge of the tree they must
   make the checkpoint's root, or nothing is stored.
4. The documents of every passport whose leaves the mirror holds but not yet its documents are
   fetched and checked (``passport.mirrors.documents``); a passport refused there is left out
   and tried again at the next sync, and the others are kept.

The caller commits once: the checkpoint, its leaves and the documents, or the evidence.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from passport.db import begin_write
from passport.errors import MirrorRefused
from passport.ledger import client, merkle, note
from passport.ledger.tile_format import decode_bundle, tile_path
from passport.mirrors import cosigning, documents, tree
from passport.mirrors.documents import Get, Leaf
from passport.mirrors.tables import MirrorDocument, MirrorEntry, MirrorEvidence, MirrorOrigin
from passport.routes import LOG

BUNDLE = 256  # leaves per C2SP tlog-tiles entry bundle
CHUNK = 500  # rows per INSERT


def _nothing(*_: object) -> None:
    return None


@dataclass(frozen=True)
class Progress:
    """How a long sync reports: ``start(what, total)`` at each stage, ``step(n)`` as it goes."""

    start: Callable[[str, int], None] = _nothing
    step: Callable[[int], None] = _nothing


@dataclass
class Report:
    host: str
    before: int
    size: int
    entries: int = 0
    passports: int = 0
    refused: list[str] = field(default_factory=list)  # passports left out, and why
    evidence: MirrorEvidence | None = None
    stale: bool = False  # the origin served a checkpoint older than the one held


def sync(
    session: Session,
    origin: MirrorOrigin,
    get: Get | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    commit: Callable[[], None] | None = None,
    cosigner: note.Signer | None = None,
) -> Report:
    """Sync ``origin`` (see the module's description); raises MirrorRefused if the origin's
    checkpoint or entries do not verify. With ``cosigner`` (the mirror's key,
    ``passport.mirrors.cosigning``) a checkpoint whose leaves are stored is cosigned in the
    transaction that stores them (C2SP tlog-mirror: never before they are durable).

    Without ``commit`` everything is written in the caller's transaction. With it (the command
    passes ``session.commit``), nothing is written while the origin is being asked: each step
    fetches first, then writes in a short transaction of its own (the log's new leaves, then
    each passport's documents), so a long sync never holds the database's write lock while it
    waits for the network, and what it verified is kept if it is interrupted."""
    get = get or client.fetch
    writing = _Writing(session, commit)
    progress = progress or Progress()
    text = get(f"{origin.url}{LOG}/checkpoint").decode("utf-8")
    checkpoint = _verified(origin, text)
    report = Report(origin.host, origin.size, origin.size)
    if checkpoint.size < origin.size:
        report.stale = True
    elif checkpoint.size == origin.size and origin.note is not None:
        if checkpoint.root_hash != origin.root:
            writing.begin()
            report.evidence = _evidence(session, origin, text, [], "same size, another root")
            return report
        if cosigner is not None and origin.cosignature is None:  # held from before 0020
            writing.begin()
            origin.cosignature = cosigning.cosign(cosigner, origin.note, now or _now())
    else:
        proof = _proof(origin, checkpoint, get)
        if not merkle_holds(origin, checkpoint, proof):
            reason = "the consistency proof from the held checkpoint does not verify"
            writing.begin()
            report.evidence = _evidence(session, origin, text, proof, reason)
            return report
        leaves = fetch_leaves(origin.url, origin.size, checkpoint.size, get, progress)
        writing.begin(origin)
        report.entries = _append(session, origin, checkpoint, leaves)
        origin.note = text
        origin.cosignature = (
            None if cosigner is None else cosigning.cosign(cosigner, text, now or _now())
        )
    writing.begin()
    origin.synced_at = now or _now()
    report.size = origin.size
    writing.end()
    _documents(session, origin, get, progress, report, writing)
    return report


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Writing:
    """Short write transactions when the caller gives ``commit`` (see :func:`sync`)."""

    session: Session
    commit: Callable[[], None] | None

    def begin(self, origin: MirrorOrigin | None = None) -> None:
        """End what was read so far and open a writer's transaction; with ``origin``, refuse
        to go on if another sync advanced it meanwhile."""
        if self.commit is not None:
            size = None if origin is None else origin.size
            self.commit()
            begin_write(self.session)
            if origin is not None:
                self.session.refresh(origin)
                if origin.size != size:
                    raise MirrorRefused("another sync advanced this origin meanwhile: run again")

    def end(self) -> None:
        if self.commit is not None:
            self.commit()


def _verified(origin: MirrorOrigin, text: str) -> note.Checkpoint:
    try:
        body, _ = note.verify_note(text, [note.Verifier.from_vkey(origin.vkey)])
        checkpoint = note.Checkpoint.parse(body)
    except note.NoteError as exc:
        raise MirrorRefused(f"{origin.url}'s checkpoint is not signed by its key: {exc}") from None
    if checkpoint.origin != origin.log_origin:
        raise MirrorRefused(f"{origin.url}'s checkpoint names the log {checkpoint.origin!r}")
    return checkpoint


def _proof(origin: MirrorOrigin, checkpoint: note.Checkpoint, get: Get) -> list[bytes]:
    """The origin's consistency proof from the held size. An origin that cannot be reached
    raises OSError (nothing is kept: that is no evidence); a malformed answer is refused."""
    if origin.size == 0:
        return []
    try:
        return client.fetch_consistency(origin.url, origin.size, checkpoint.size, get)
    except (ValueError, KeyError, TypeError) as exc:
        raise MirrorRefused(f"{origin.url}'s consistency proof is malformed: {exc}") from None


def merkle_holds(origin: MirrorOrigin, checkpoint: note.Checkpoint, proof: list[bytes]) -> bool:
    if origin.size == 0:
        return True
    try:
        merkle.verify_consistency(
            origin.size, checkpoint.size, proof, origin.root, checkpoint.root_hash
        )
    except merkle.ProofError:
        return False
    return True


def _evidence(
    session: Session, origin: MirrorOrigin, offered: str, proof: list[bytes], reason: str
) -> MirrorEvidence:
    """Keep the held and the offered checkpoint (once per offered one)."""
    found = session.scalar(
        select(MirrorEvidence).where(
            MirrorEvidence.origin_pk == origin.pk, MirrorEvidence.offered == offered
        )
    )
    if found is not None:
        return found
    row = MirrorEvidence(
        origin_pk=origin.pk,
        held=origin.note or "",
        offered=offered,
        proof=[base64.b64encode(h).decode("ascii") for h in proof],
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row


def _append(
    session: Session, origin: MirrorOrigin, checkpoint: note.Checkpoint, leaves: list[bytes]
) -> int:
    """Store the leaves up to ``checkpoint``, refused unless they make its root."""
    frontier = tree.push(tree.load(origin.frontier), leaves)
    if tree.root(frontier) != checkpoint.root_hash:
        raise MirrorRefused(f"{origin.url}'s entries do not make the root its checkpoint signs")
    rows = []
    for offset, leaf in enumerate(leaves):
        subject, kind, _ = documents.leaf_facts(leaf, origin.log_origin)
        index = origin.size + offset
        rows.append(
            {"origin_pk": origin.pk, "index": index, "subject": subject, "kind": kind, "leaf": leaf}
        )
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(MirrorEntry), rows[start : start + CHUNK])
    origin.size, origin.root = checkpoint.size, checkpoint.root_hash
    origin.frontier = tree.dump(frontier)
    return len(rows)


def fetch_leaves(base: str, start: int, end: int, get: Get, p: Progress) -> list[bytes]:
    """The leaves [start, end) from the origin's entry bundles (partial ones where the tree
    ends inside a bundle)."""
    if end <= start:
        return []
    p.start("leaves", end - start)
    leaves: list[bytes] = []
    for number in range(start // BUNDLE, (end - 1) // BUNDLE + 1):
        first = number * BUNDLE
        width = min(BUNDLE, end - first)
        path = tile_path(number) + ("" if width == BUNDLE else f".p/{width}")
        try:
            bundle = decode_bundle(get(f"{base}{LOG}/tile/entries/{path}"))
        except ValueError as error:
            raise MirrorRefused(str(error)) from error
        if len(bundle) != width:
            raise MirrorRefused(f"entry bundle {path} holds {len(bundle)} leaves, not {width}")
        taken = bundle[max(start - first, 0) :]
        leaves += taken
        p.step(len(taken))
    return leaves


# --- the documents ---------------------------------------------------------------------------


def _documents(
    session: Session,
    origin: MirrorOrigin,
    get: Get,
    p: Progress,
    report: Report,
    writing: _Writing,
) -> None:
    """Fetch the documents of every passport the mirror holds leaves of but not documents."""
    wanted = incomplete(session, origin)
    p.start("passports", len(wanted))
    for subject, (pid, have) in wanted.items():
        leaves = [
            Leaf(kind, documents.leaf_facts(leaf, origin.log_origin)[2])
            for kind, leaf in session.execute(
                select(MirrorEntry.kind, MirrorEntry.leaf)
                .where(MirrorEntry.origin_pk == origin.pk, MirrorEntry.subject == subject)
                .order_by(MirrorEntry.index)
            )
        ]
        try:
            pid = pid or documents.passport_id(origin.url, subject, get)
            fetched = documents.fetch(origin.url, origin.log_origin, pid, leaves, have, get)
        except (MirrorRefused, OSError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, MirrorRefused) else str(exc)
            report.refused.append(f"{subject}: {detail}")
        else:
            writing.begin()
            _keep(session, origin, subject, fetched)
            writing.end()
            report.passports += 1
        p.step(1)


def _keep(session: Session, origin: MirrorOrigin, subject: str, fetched: documents.Fetched) -> None:
    pid = fetched.passport_id
    for number, (body, token) in fetched.versions.items():
        for kind, media_type, data in (
            ("version", documents.JSON_LD, body),
            ("jwt", documents.VC_JWT, token),
        ):
            session.add(
                MirrorDocument(
                    origin_pk=origin.pk,
                    passport_id=pid,
                    kind=kind,
                    number=number,
                    subject=subject,
                    media_type=media_type,
                    body=data,
                )
            )
    for path, data in fetched.dids.items():
        # One row per DID document, replaced by the newest that verified a credential.
        session.merge(
            MirrorDocument(
                origin_pk=origin.pk,
                passport_id=path,
                kind="did",
                number=0,
                subject=path,
                media_type=documents.JSON,
                body=data,
            )
        )
    session.execute(
        delete(MirrorDocument).where(
            MirrorDocument.origin_pk == origin.pk,
            MirrorDocument.passport_id == pid,
            MirrorDocument.kind == "events",
        )
    )
    session.add(
        MirrorDocument(
            origin_pk=origin.pk,
            passport_id=pid,
            kind="events",
            number=fetched.event_count,
            subject=subject,
            media_type=documents.JSON,
            body=fetched.events,
        )
    )
    session.flush()


def incomplete(session: Session, origin: MirrorOrigin) -> dict[str, tuple[str | None, int]]:
    """subject -> (its passport id if known, the versions held) for every passport whose
    mirrored leaves commit to more than the mirror holds documents of."""
    leaves: dict[str, list[int]] = {}
    for subject, kind in session.execute(
        select(MirrorEntry.subject, MirrorEntry.kind).where(MirrorEntry.origin_pk == origin.pk)
    ):
        counts = leaves.setdefault(subject, [0, 0])
        counts[0 if kind in documents.VERSION_KINDS else 1] += 1
    held: dict[str, tuple[str, int, int]] = {}  # subject -> (id, versions, events or -1)
    for subject, pid, kind, number in session.execute(
        select(
            MirrorDocument.subject,
            MirrorDocument.passport_id,
            MirrorDocument.kind,
            MirrorDocument.number,
        ).where(MirrorDocument.origin_pk == origin.pk)
    ):
        _, versions, events = held.get(subject, (pid, 0, -1))
        if kind == "did":
            continue
        if kind == "version":
            versions = max(versions, number)
        elif kind == "events":
            events = number
        held[subject] = (pid, versions, events)
    wanted: dict[str, tuple[str | None, int]] = {}
    for subject, (versions, events) in leaves.items():
        pid, have_versions, have_events = held.get(subject, ("", 0, -1))
        if have_versions < versions or have_events < events:
            wanted[subject] = (pid or None, have_versions)
    return wanted
