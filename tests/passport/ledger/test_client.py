"""Checking a passport's history against a registry's signed log, without a server: the
client's ``get`` is handed a registry answered from a database session.

What goes over real HTTP (and the command line) is in ``tests/api/test_witness.py``.
Every test that builds a registry runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import base64
import io
import json
import urllib.error
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from passport.events import history
from passport.ledger import checkpoints, client, log, merkle, note
from passport.models import Organisation, Passport
from passport.organisations import create_organisation
from passport.passports import issuing
from tests.conftest import BASE_URL, settings_of
from tests.helpers import passport

NOW = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
DPP = "https://ref.gs1.org/voc/dpp"
REPAIR = {
    "type": "repair",
    "eventTime": "2026-05-01T10:00:00+02:00",
    "repair": {"outcome": "fixed"},
}

Get = Callable[[str], bytes]


def _http_error(url: str, code: int, body: dict[str, Any] | None = None) -> urllib.error.HTTPError:
    data = io.BytesIO(json.dumps(body).encode() if body is not None else b"")
    return urllib.error.HTTPError(url, code, "Not Found", Message(), data)


def _answers(pages: dict[str, Any]) -> Get:
    """A ``get`` that answers from a table of URLs; a 404 for any other."""

    def get(url: str) -> bytes:
        if url not in pages:
            raise _http_error(url, 404, {"detail": f"nothing at {url}"})
        found = pages[url]
        if isinstance(found, Exception):
            raise found
        return found if isinstance(found, bytes) else json.dumps(found).encode()

    return get


# --- where a passport is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://registry.example.org/api/v1/passports/p_abc",
        "https://registry.example.org/api/v1/passports/p_abc/",
        "https://registry.example.org/passports/p_abc",
        "https://registry.example.org/passports/p%5Fabc",
    ],
)
def test_a_passports_api_address_or_page_names_it_without_asking(url: str) -> None:
    assert client.passport_address(url, _answers({})) == (BASE_URL, "p_abc")


def test_the_address_in_a_qr_code_is_resolved_through_its_linkset() -> None:
    qr = "http://localhost:5000/01/09520123456788/21/K1?x=1"
    linkset = {
        "linkset": [
            {
                "anchor": qr,
                # The link carries the registry's public address; only its path is taken.
                DPP: [{"href": "https://registry.example.org/api/v1/passports/p_k1"}],
            }
        ]
    }
    get = _answers({"http://localhost:5000/01/09520123456788/21/K1?x=1&linkType=linkset": linkset})
    assert client.passport_address(qr, get) == ("http://localhost:5000", "p_k1")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            _http_error("u", 404, {"detail": "No passport is registered"}),
            "names no passport: 404 No passport is registered",
        ),
        (_http_error("u", 400), "names no passport: 400 Not Found"),
        (b"<html>not json</html>", "answered no GS1 linkset"),
        ({"linkset": [{"anchor": "x"}]}, "has no passport \\(gs1:dpp\\) link"),
        ({"linkset": [{DPP: [{"href": "https://elsewhere.example/shop/k1"}]}]}, "has no passport"),
        ({}, "has no passport"),
    ],
)
def test_an_address_that_names_no_passport_says_what_it_takes(answer: Any, reason: str) -> None:
    url = "https://registry.example.org/01/09520123456788"
    get = _answers({f"{url}?linkType=linkset": answer})
    with pytest.raises(ValueError, match=reason) as caught:
        client.passport_address(url, get)
    assert "<registry>/api/v1/passports/<id>" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://registry.example.org/passports/p",
        "/passports/p",
        "https:///passports/p",
    ],
)
def test_only_http_addresses_are_taken(url: str) -> None:
    with pytest.raises(ValueError, match="must be http"):
        client.passport_address(url, _answers({}))


# --- a registry answered from the session ---------------------------------------------------------


class Registry:
    """What the client reads from a registry, answered from the test's database."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.replaced: dict[str, Any] = {}

    def get(self, url: str) -> bytes:
        if url in self.replaced:
            value = self.replaced[url]
            return value if isinstance(value, bytes) else json.dumps(value).encode()
        s, routes = self.session, client.Routes(BASE_URL)
        if url == routes.checkpoint:
            newest = checkpoints.newest(s)
            assert newest is not None
            return newest.note.encode()
        if url == routes.registry_did_document:
            public = checkpoints.verifier(settings_of(s)).public_key
            raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
            x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
            key = {"id": "did:web:registry.example.org#log-1", "publicKeyJwk": {"x": x}}
            return json.dumps({"verificationMethod": [key]}).encode()
        for item in self.passports():
            rows = history.list_events(s, item)
            if url == routes.events(item.public_id):
                events = [{"seq": e.seq, "type": e.type} for e in rows]
                return json.dumps({"passport": item.uri, "events": events}).encode()
            for event in rows:
                if url == routes.event_receipt(item.public_id, event.seq):
                    entry = log.event_entry(s, item.uri, event)
                    assert entry is not None
                    return checkpoints.receipt(s, entry.index).encode()
        parts = urlsplit(url)
        if url.startswith(f"{BASE_URL}/log/v1/proof/consistency?"):
            query = parse_qs(parts.query)
            hashes = log.consistency(s, int(query["first"][0]), int(query["second"][0]))
            body = {"hashes": [base64.b64encode(h).decode() for h in hashes]}
            return json.dumps(body).encode()
        raise _http_error(url, 404, {"detail": "No such thing"})

    def passports(self) -> list[Passport]:
        return list(self.session.scalars(select(Passport)))


@pytest.fixture
def registry(session: Session, acme: Organisation) -> tuple[Registry, Passport, Passport]:
    """Two kettles, the first with two repairs (recorded after the second kettle's issue)."""
    cafe, _ = create_organisation(session, "Repair Café Cardiff", "repairer")
    settings = settings_of(session)
    first = issuing.issue_passport(session, settings, acme, passport(serial="K1"))
    second = issuing.issue_passport(session, settings, acme, passport(serial="K2"))
    for _ in range(2):
        history.record_event(session, settings, cafe, first.public_id, REPAIR, now=NOW)
    history.record_event(session, settings, cafe, second.public_id, REPAIR, now=NOW)
    session.commit()
    return Registry(session), first, second


def test_every_event_is_proved_in_the_signed_log(session: Session, registry: Any) -> None:
    reg, first, _ = registry
    url = f"{BASE_URL}/api/v1/passports/{first.public_id}"
    result = client.verify_history(url, reg.get)
    assert result.ok, result.lines
    assert [text for _, text in result.lines] == [
        f"checkpoint 5 signed by {log.origin(BASE_URL)}",
        "event 1 (repair): in the log at index 2",
        "event 2 (repair): in the log at index 3",
    ]


def test_an_older_receipt_is_checked_for_consistency_with_the_newest_checkpoint(
    session: Session, registry: Any
) -> None:
    reg, first, _ = registry
    routes = client.Routes(BASE_URL)
    # Event 1's receipt as it was handed out when the log had 3 leaves.
    entry = log.event_entry(session, first.uri, history.get_event(session, first, 1))
    assert entry is not None and entry.index == 2
    old = checkpoints.parse_proof(checkpoints.receipt(session, entry.index))
    body = note.Checkpoint(log.origin(BASE_URL), 3, log.tree_root(session, 3)).format()
    signed = note.sign_note(body, checkpoints.signer(settings_of(session)))
    proof = checkpoints.TlogProof(2, log.inclusion(session, 2, 3), signed, old.extra)
    reg.replaced[routes.event_receipt(first.public_id, 1)] = checkpoints.format_proof(
        proof
    ).encode()
    result = client.verify_history(f"{BASE_URL}/passports/{first.public_id}", reg.get)
    assert result.ok, result.lines

    # A fork: a tree of size 3 that holds the same leaf but is not the log's, signed with the
    # log's key. The leaf is included in it, but it does not extend to the newest checkpoint.
    assert old.extra is not None
    forked = [merkle.leaf_hash(b"other 0"), merkle.leaf_hash(b"other 1")]
    forked.append(merkle.leaf_hash(old.extra))
    body = note.Checkpoint(log.origin(BASE_URL), 3, merkle.root(forked)).format()
    signed = note.sign_note(body, checkpoints.signer(settings_of(session)))
    proof = checkpoints.TlogProof(2, merkle.inclusion_proof(2, forked), signed, old.extra)
    reg.replaced[routes.event_receipt(first.public_id, 1)] = checkpoints.format_proof(
        proof
    ).encode()
    result = client.verify_history(f"{BASE_URL}/passports/{first.public_id}", reg.get)
    assert not result.ok
    assert result.lines[1][0] is False
    assert (
        result.lines[1][1].startswith("event 1 (repair): ") and "consistency" in result.lines[1][1]
    )
    assert result.lines[2] == (True, "event 2 (repair): in the log at index 3")


def test_a_receipt_for_another_passports_event_fails_that_event_only(
    session: Session, registry: Any
) -> None:
    reg, first, second = registry
    routes = client.Routes(BASE_URL)
    reg.replaced[routes.event_receipt(first.public_id, 2)] = reg.get(
        routes.event_receipt(second.public_id, 1)
    )
    result = client.verify_history(f"{BASE_URL}/api/v1/passports/{first.public_id}", reg.get)
    assert not result.ok
    assert result.lines[1] == (True, "event 1 (repair): in the log at index 2")
    assert result.lines[2] == (
        False,
        "event 2 (repair): the receipt's leaf is not this passport's event",
    )


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda text: text.replace("extra ", "extro ", 1), "no index line"),
        (
            lambda text: "\n".join(
                line for line in text.split("\n") if not line.startswith("extra ")
            ),
            "carries no leaf",
        ),
    ],
)
def test_a_broken_receipt_fails_its_event(
    session: Session, registry: Any, tamper: Callable[[str], str], reason: str
) -> None:
    reg, first, _ = registry
    routes = client.Routes(BASE_URL)
    good = reg.get(routes.event_receipt(first.public_id, 1)).decode()
    reg.replaced[routes.event_receipt(first.public_id, 1)] = tamper(good).encode()
    result = client.verify_history(f"{BASE_URL}/api/v1/passports/{first.public_id}", reg.get)
    assert result.lines[1][0] is False and reason in result.lines[1][1]


def test_a_checkpoint_not_signed_by_the_published_key_fails_everything(
    session: Session, registry: Any
) -> None:
    reg, first, _ = registry
    routes = client.Routes(BASE_URL)
    origin = log.origin(BASE_URL)
    size, root = log.head(session)
    impostor = note.Signer.from_seed(origin, b"\x02" * 32)
    reg.replaced[routes.checkpoint] = note.sign_note(
        note.Checkpoint(origin, size, root).format(), impostor
    ).encode()
    with pytest.raises(note.NoteError):
        client.verify_history(f"{BASE_URL}/api/v1/passports/{first.public_id}", reg.get)


def test_an_unknown_passport_is_named(session: Session, registry: Any) -> None:
    reg, _, _ = registry
    with pytest.raises(ValueError, match="has no passport 'p_nope'"):
        client.verify_history(f"{BASE_URL}/api/v1/passports/p_nope", reg.get)


def test_a_passport_without_events_has_only_the_checkpoint_and_is_not_ok(
    session: Session, acme: Organisation
) -> None:
    item = issuing.issue_passport(session, settings_of(session), acme, passport())
    session.commit()
    result = client.verify_history(
        f"{BASE_URL}/api/v1/passports/{item.public_id}", Registry(session).get
    )
    assert result.lines == [(True, f"checkpoint 1 signed by {log.origin(BASE_URL)}")]
    assert result.ok
    assert not client.Result().ok  # nothing checked is nothing verified


# --- pull-mode witnessing ------------------------------------------------------------------------


def test_the_witness_request_carries_a_proof_only_between_two_sizes(
    session: Session, registry: Any
) -> None:
    reg, _, _ = registry
    text, origin = client.fetch_checkpoint(BASE_URL, reg.get)
    assert origin == log.origin(BASE_URL) and text == checkpoints.newest(session).note
    assert client.witness_request(BASE_URL, 0, text, reg.get) == f"old 0\n\n{text}"
    assert client.witness_request(BASE_URL, 5, text, reg.get) == f"old 5\n\n{text}"
    proof = log.consistency(session, 2, 5)
    assert client.fetch_consistency(BASE_URL, 2, 5, reg.get) == proof
    lines = "".join(note.b64encode(h) + "\n" for h in proof)
    assert client.witness_request(BASE_URL, 2, text, reg.get) == f"old 2\n{lines}\n{text}"
    proof = log.consistency(session, 1, 5)  # from size 1, too
    lines = "".join(note.b64encode(h) + "\n" for h in proof)
    assert client.witness_request(BASE_URL, 1, text, reg.get) == f"old 1\n{lines}\n{text}"
    # Plain http is a registry address too (a test server, a registry on a local network).
    assert (
        client.fetch_consistency("http://registry.example", 1, 2, lambda _: b'{"hashes": []}') == []
    )


@pytest.mark.parametrize("base", ["file:///tmp", "registry.example.org"])
def test_pull_mode_takes_http_registries_only(base: str) -> None:
    with pytest.raises(ValueError, match="must be http"):
        client.fetch_checkpoint(base, _answers({}))
    with pytest.raises(ValueError, match="must be http"):
        client.fetch_consistency(base, 1, 2, _answers({}))


def _receipt(reg: Registry, pid: str, seq: int) -> checkpoints.TlogProof:
    return checkpoints.parse_proof(
        reg.get(client.Routes(BASE_URL).event_receipt(pid, seq)).decode()
    )


def _replace_receipt(reg: Registry, pid: str, seq: int, proof: checkpoints.TlogProof) -> None:
    url = client.Routes(BASE_URL).event_receipt(pid, seq)
    reg.replaced[url] = checkpoints.format_proof(proof).encode()


def test_a_receipt_from_another_log_or_a_fork_of_the_same_size_fails_its_event(
    session: Session, registry: Any
) -> None:
    reg, first, _ = registry
    url = f"{BASE_URL}/api/v1/passports/{first.public_id}"
    signer, origin = checkpoints.signer(settings_of(session)), log.origin(BASE_URL)
    good = _receipt(reg, first.public_id, 1)
    assert good.extra is not None
    size = note.Checkpoint.parse(note.parse_note(good.checkpoint)[0]).size
    leaf = json.loads(good.extra)

    # The leaf names another log.
    extra = json.dumps(leaf | {"log": "other.example/log/v1"}).encode()
    _replace_receipt(reg, first.public_id, 1, checkpoints.TlogProof(2, [], good.checkpoint, extra))
    line = client.verify_history(url, reg.get).lines[1]
    assert line == (False, "event 1 (repair): the receipt's leaf belongs to another log")

    # The checkpoint, signed with the log's key, is of another log's tree.
    body = note.Checkpoint("other.example/log/v1", size, log.tree_root(session, size)).format()
    other = checkpoints.TlogProof(2, good.hashes, note.sign_note(body, signer), good.extra)
    _replace_receipt(reg, first.public_id, 1, other)
    line = client.verify_history(url, reg.get).lines[1]
    assert line == (False, "event 1 (repair): the receipt's checkpoint is of another log")

    # A fork as large as the newest checkpoint, holding the same leaf.
    forked = [merkle.leaf_hash(b"other %d" % n) for n in range(size)]
    forked[2] = merkle.leaf_hash(good.extra)
    body = note.Checkpoint(origin, size, merkle.root(forked)).format()
    fork = checkpoints.TlogProof(
        2, merkle.inclusion_proof(2, forked), note.sign_note(body, signer), good.extra
    )
    _replace_receipt(reg, first.public_id, 1, fork)
    line = client.verify_history(url, reg.get).lines[1]
    assert line == (
        False,
        "event 1 (repair): two checkpoints of one size have different roots",
    )

    # A fork of one leaf, the event's own: even a tree of size 1 must extend to the newest.
    body = note.Checkpoint(origin, 1, merkle.leaf_hash(good.extra)).format()
    alone = checkpoints.TlogProof(0, [], note.sign_note(body, signer), good.extra)
    _replace_receipt(reg, first.public_id, 1, alone)
    ok, text = client.verify_history(url, reg.get).lines[1]
    assert not ok and "consistency" in text, text


def test_the_log_key_must_be_the_only_one_and_errors_other_than_404_are_raised(
    session: Session, registry: Any
) -> None:
    reg, first, _ = registry
    routes = client.Routes(BASE_URL)
    url = f"{BASE_URL}/api/v1/passports/{first.public_id}"
    document = json.loads(reg.get(routes.registry_did_document))
    for methods in ([], document["verificationMethod"] * 2):
        reg.replaced[routes.registry_did_document] = {"verificationMethod": methods}
        with pytest.raises(note.NoteError, match="did.json has no single log key"):
            client.verify_history(url, reg.get)
    del reg.replaced[routes.registry_did_document]

    def broken(asked: str) -> bytes:
        if asked == routes.events(first.public_id):
            raise _http_error(asked, 500)
        return reg.get(asked)  # type: ignore[no-any-return]

    with pytest.raises(urllib.error.HTTPError):
        client.verify_history(url, broken)
