"""The transparency log's HTTP read API: checkpoints, proofs, leaves, tiles and receipts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, func, select, update

from api.log import parse_tile_path
from passport.errors import InvalidRequest
from passport.ledger import checkpoints, log, merkle, note, sequencer
from passport.ledger.tile_format import decode_bundle, encode_bundle, tile_path
from passport.models import LogCheckpoint, LogEntry, LogHead, LogNode, Passport
from tests.conftest import settings_of
from tests.helpers import FIXTURES

ORIGIN = "registry.example.org/log/v1"
T = datetime(2026, 1, 1, tzinfo=UTC)
VECTORS = FIXTURES / "tlog-vectors"


def _append(session: Any, n: int, *, at_once: bool = False) -> None:
    """Append ``n`` test leaves, each with its own checkpoint, or ``at_once`` under one."""
    items = [
        sequencer.Item(
            kind="dpp.event.test",
            subject=f"https://id.example/{i % 5}",
            actor_did="did:web:registry.example.org:orgs:x",
            content={"i": i},
            time=T,
        )
        for i in range(n)
    ]
    for chunk in [items] if at_once else [[item] for item in items]:
        sequencer.append_many(session, settings_of(session), chunk)
    session.commit()


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _log_verifier(client: Any) -> note.Verifier:
    """The log key as a client finds it: in the registry's did:web document."""
    document = client.get("/.well-known/did.json").json
    (method,) = [m for m in document["verificationMethod"] if "#log-" in m["id"]]
    x = method["publicKeyJwk"]["x"]
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    return note.Verifier(ORIGIN, Ed25519PublicKey.from_public_bytes(raw))


def _checkpoint(client: Any) -> note.Checkpoint:
    response = client.get("/log/v1/checkpoint")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text, names = note.verify_note(response.get_data(as_text=True), [_log_verifier(client)])
    assert names == [ORIGIN]
    return note.Checkpoint.parse(text)


def test_the_checkpoint_is_signed_by_the_published_log_key(client, session):
    _append(session, 5)
    cp = _checkpoint(client)
    assert (cp.origin, cp.size, cp.root_hash) == (ORIGIN, 5, log.head(session)[1])
    assert cp.extensions == ()
    # The key file and the DID document hold the same key.
    assert (
        client.get("/log/v1/checkpoint").get_data(as_text=True)
        == session.get(LogCheckpoint, 5).note
    )


def test_every_write_signs_its_checkpoint_and_all_are_kept(client, session, settings):
    assert checkpoints.newest(session) is None  # a fresh database, never sealed
    checkpoints.seal(session, settings)  # what `kreislauf init-db` does
    first = checkpoints.newest(session)
    assert first is not None and first.size == 0 and first.root == merkle.EMPTY_ROOT
    checkpoints.seal(session, settings)  # the same head: nothing new is stored
    session.commit()
    assert session.scalars(select(LogCheckpoint)).all() == [first]
    _append(session, 3)  # three writes, three checkpoints
    batch = [sequencer.Item("dpp.event.test", "https://id.example/b", "did:web:x", {}, T)] * 4
    sequencer.append_many(session, settings, batch)  # one write, one checkpoint
    session.commit()
    sizes = session.scalars(select(LogCheckpoint.size).order_by(LogCheckpoint.size)).all()
    assert sizes == [0, 1, 2, 3, 7]
    newest = checkpoints.newest(session)
    assert newest is not None and newest.root == log.head(session)[1]
    text, _ = note.verify_note(newest.note, [checkpoints.verifier(settings)])
    assert note.Checkpoint.parse(text).size == 7
    # Reading signs nothing: the endpoint serves the stored note.
    assert client.get("/log/v1/checkpoint").get_data(as_text=True) == newest.note
    session.rollback()
    assert session.scalars(select(func.count()).select_from(LogCheckpoint)).one() == 5


def test_inclusion_and_consistency_proofs_verify_against_the_checkpoint(client, session):
    _append(session, 13)
    cp = _checkpoint(client)
    hashes = session.scalars(select(LogEntry.leaf_hash).order_by(LogEntry.index)).all()
    for index in range(cp.size):
        body = client.get(f"/log/v1/proof/inclusion?index={index}&size={cp.size}").json
        assert body["index"] == index and body["size"] == cp.size
        assert _b64(body["leaf_hash"]) == hashes[index]
        assert _b64(body["root"]) == cp.root_hash
        proof = [_b64(h) for h in body["hashes"]]
        merkle.verify_inclusion(index, cp.size, hashes[index], proof, cp.root_hash)
    # By leaf hash, in hex and in base64 (URL-encoded or with "+" read as a space).
    for spelling in (hashes[7].hex(), base64.b64encode(hashes[7]).decode()):
        response = client.get(
            "/log/v1/proof/inclusion", query_string={"leaf_hash": spelling, "size": 13}
        )
        assert response.status_code == 200 and response.json["index"] == 7
    for first in range(1, cp.size + 1):
        body = client.get(f"/log/v1/proof/consistency?first={first}&second={cp.size}").json
        assert _b64(body["second_root"]) == cp.root_hash
        merkle.verify_consistency(
            first,
            cp.size,
            [_b64(h) for h in body["hashes"]],
            merkle.root(hashes[:first]),
            cp.root_hash,
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/log/v1/proof/inclusion?index=0", "'size' is required"),
        ("/log/v1/proof/inclusion?index=x&size=3", "'index' must be a non-negative"),
        ("/log/v1/proof/inclusion?index=-1&size=3", "'index' must be a non-negative"),
        ("/log/v1/proof/inclusion?index=0&size=1.5", "'size' must be a non-negative"),
        ("/log/v1/proof/inclusion?index=0&size=0", "must be at least 1"),
        ("/log/v1/proof/inclusion?index=0&size=5", "beyond the log's current size 4"),
        ("/log/v1/proof/inclusion?index=0&size=99999999999999999999", "too large"),
        ("/log/v1/proof/inclusion?index=4&size=4", "not below 'size' 4"),
        ("/log/v1/proof/inclusion?size=4&leaf_hash=abcd", "must be 32 bytes, got 3"),
        ("/log/v1/proof/inclusion?size=4&leaf_hash=%21%21", "neither 64 hex digits nor base64"),
        ("/log/v1/proof/inclusion?size=4&index=1&leaf_hash=" + "00" * 32, "not both"),
        ("/log/v1/proof/consistency?first=0&second=4", "'first' must be at least 1"),
        ("/log/v1/proof/consistency?first=3&second=2", "larger than 'second'"),
        ("/log/v1/proof/consistency?first=1&second=9", "beyond the log's current size"),
        ("/log/v1/proof/consistency?first=1", "'second' is required"),
        ("/log/v1/entries/abc", "'index' must be"),
        ("/log/v1/tile/0/1", "not in the x001/x234/067 form"),
        ("/log/v1/tile/0/000.p/256", "partial tile width"),
        ("/log/v1/tile/0/000.p/08", "partial tile width"),
        ("/log/v1/tile/0/x000/001", "leading zero group"),
        ("/log/v1/tile/x/000", "'level' must be"),
        ("/log/v1/tile/9/000", "beyond any tree"),
        ("/log/v1/tile/entries/000.p/0", "partial tile width"),
        ("/log/v1/receipt/-3", "'index' must be"),
    ],
)
def test_bad_input_is_a_400_problem_with_the_reason(client, session, url, reason):
    _append(session, 4)
    response = client.get(url)
    assert response.status_code == 400, response.data
    assert response.mimetype == "application/problem+json"
    assert reason in response.json["detail"]


def test_unknown_leaves_and_tiles_are_404(client, session):
    _append(session, 4)
    missing = "/log/v1/proof/inclusion?size=4&leaf_hash=" + "00" * 32
    for url in [
        missing,
        "/log/v1/entries/4",
        "/log/v1/receipt/4",
        "/log/v1/tile/0/000",
        "/log/v1/tile/0/000.p/5",
        "/log/v1/tile/1/000.p/1",
        "/log/v1/tile/entries/000",
        "/log/v1/tile/entries/001.p/1",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "application/problem+json"


def test_entries_are_the_exact_leaf_bytes(client, session):
    _append(session, 2)
    response = client.get("/log/v1/entries/1")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.data == session.get(LogEntry, 1).leaf
    assert merkle.leaf_hash(response.data) == session.get(LogEntry, 1).leaf_hash


def test_tiles_hold_the_stored_nodes_and_leaves(client, session):
    _append(session, 300, at_once=True)
    nodes = dict(
        ((level, index), h)
        for level, index, h in session.execute(select(LogNode.level, LogNode.index, LogNode.hash))
    )
    full = client.get("/log/v1/tile/0/000")
    assert full.status_code == 200 and len(full.data) == 256 * 32
    assert "immutable" in full.headers["Cache-Control"]
    assert [full.data[i : i + 32] for i in range(0, 8192, 32)] == [
        nodes[(0, i)] for i in range(256)
    ]
    partial = client.get("/log/v1/tile/0/001.p/44").data
    assert partial == b"".join(nodes[(0, i)] for i in range(256, 300))
    assert client.get("/log/v1/tile/0/001.p/10").data == partial[: 10 * 32]
    assert client.get("/log/v1/tile/1/000.p/1").data == nodes[(8, 0)]
    assert client.get("/log/v1/tile/0/001.p/45").status_code == 404

    bundle = client.get("/log/v1/tile/entries/000").data
    leaves = []
    while bundle:
        n = int.from_bytes(bundle[:2], "big")
        leaves.append(bundle[2 : 2 + n])
        bundle = bundle[2 + n :]
    stored = session.scalars(select(LogEntry.leaf).order_by(LogEntry.index)).all()
    assert leaves == stored[:256]
    assert client.get("/log/v1/tile/entries/001.p/44").data == encode_bundle(stored[256:])


def test_tiles_of_the_reference_tree_match_the_vectors(client, session):
    """The RFC 6962 reference leaves, stored as the log stores its own, give the vector tiles."""
    reference = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
    tiles = json.loads((VECTORS / "derived-dpp-checkpoints.json").read_text())["tiles"]
    sequencer._lock_head(session)
    frontier: list[tuple[int, int, bytes]] = []
    for i, leaf in enumerate(bytes.fromhex(h) for h in reference["leaf_inputs_hex"]):
        h = merkle.leaf_hash(leaf)
        session.add(
            LogEntry(index=i, subject="ref", kind="ref", subject_seq=i, leaf=leaf, leaf_hash=h)
        )
        session.add_all(
            LogNode(level=lv, index=ix, hash=nh) for lv, ix, nh in sequencer._push(frontier, i, h)
        )
    root = merkle.root_from_subtrees([h for _, _, h in frontier])
    session.execute(update(LogHead).values(size=8, root=root))
    session.commit()
    assert client.get("/log/v1/tile/0/000.p/8").data.hex() == tiles["tile/0/000.p/8_hex"]
    assert (
        client.get("/log/v1/tile/entries/000.p/8").data.hex() == tiles["tile/entries/000.p/8_hex"]
    )


def test_tile_paths_use_the_c2sp_encoding():
    assert tile_path(1234067) == "x001/x234/067"
    assert tile_path(0) == "000" and tile_path(1000) == "x001/000"
    assert parse_tile_path("x001/x234/067") == (1234067, None)
    assert parse_tile_path("x001/x234/067.p/8") == (1234067, 8)
    for n in (0, 5, 999, 1000, 256000, 10**12):
        assert parse_tile_path(tile_path(n)) == (n, None)
    for bad in ("67", "x01/000", "000/000", "000.p", "000.p/", "abc", ""):
        with pytest.raises(InvalidRequest):
            parse_tile_path(bad)


def test_a_receipt_verifies_end_to_end(client, session, settings):
    _append(session, 6)
    _append(session, 3)
    for index in (2, 7):  # both covered by the newest checkpoint, which every write signs
        response = client.get(f"/log/v1/receipt/{index}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        text = response.get_data(as_text=True)
        parsed = checkpoints.parse_proof(text)
        leaf = parsed.extra
        assert leaf == session.get(LogEntry, index).leaf
        proof, cp = checkpoints.verify_proof(text, merkle.leaf_hash(leaf), [_log_verifier(client)])
        assert proof.index == index and cp.size > index and cp.origin == ORIGIN
        assert json.loads(leaf)["log"] == ORIGIN
    # A tampered leaf fails.
    with pytest.raises(merkle.ProofError):
        checkpoints.verify_proof(text, merkle.leaf_hash(b"{}"), [_log_verifier(client)])


def test_the_tlog_proof_vector_round_trips():
    vectors = json.loads((VECTORS / "derived-dpp-checkpoints.json").read_text())
    case = vectors["tlog_proof_index5"]
    verifier = note.Verifier.from_vkey(vectors["keys"]["log"]["vkey"])
    proof, cp = checkpoints.verify_proof(
        case["text"], bytes.fromhex(case["leaf_hash_hex"]), [verifier]
    )
    assert (proof.index, cp.size, proof.extra) == (5, 8, None)
    assert checkpoints.format_proof(proof) == case["text"]
    spec = json.loads((VECTORS / "c2sp-spec-examples.json").read_text())["tlog_proof_example"]
    parsed = checkpoints.parse_proof(spec["text"])
    assert parsed.index == 73894 and len(parsed.hashes) == 5 and parsed.extra is not None


def test_a_write_to_the_log_without_a_log_key_is_a_503_and_stores_nothing(
    client, session, settings, maker
):
    from tests.helpers import passport

    _append(session, 2)
    (settings.data_dir / "keys" / "log-ed25519.pem").unlink()
    response = client.post(
        "/api/v1/passports", json=passport("item", serial="NOKEY-1"), headers=maker.headers
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "init-db" in response.json["detail"]
    session.rollback()
    assert log.head(session)[0] == 2
    assert session.scalars(select(func.count()).select_from(Passport)).one() == 0
    # Reads need no key: the stored checkpoint is served as before.
    assert client.get("/log/v1/checkpoint").status_code == 200
    assert client.get("/log/v1/receipt/1").status_code == 200


def test_the_passport_page_says_up_to_which_checkpoint_history_is_verified(client, maker):
    from tests.helpers import passport

    made = client.post(
        "/api/v1/passports", json=passport("item", serial="CP-1"), headers=maker.headers
    )
    assert made.status_code == 201, made.json
    pid = made.json["id"] if "id" in made.json else made.json["passportId"]
    body = client.get(f"/passports/{pid}").get_data(as_text=True)
    size = _checkpoint(client).size
    assert size >= 1
    assert f"History verified up to checkpoint {size}" in body
    # the line leads to the page that explains what it proves, not to the raw signed note
    assert f'<p class="verified"><a href="/passports/{pid}/proof">History verified' in body
    german = client.get(f"/passports/{pid}", headers={"Accept-Language": "de"})
    assert f"Verlauf geprüft bis Prüfpunkt {size}" in german.get_data(as_text=True)


# --- a database written before every write signed its checkpoint ------------------------------


def _unseal_above(session: Any, size: int) -> None:
    """Make the database look as an older version left it: entries beyond its newest checkpoint."""
    session.rollback()  # a fresh transaction: the app may have written since this one began
    session.execute(delete(LogCheckpoint).where(LogCheckpoint.size > size))
    session.commit()


def test_a_log_never_sealed_has_no_checkpoint_to_serve(client):
    response = client.get("/log/v1/checkpoint")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "kreislauf init-db" in response.json["detail"]


def test_an_older_database_answers_from_its_newest_checkpoint_until_init_db_seals(
    client, session, settings, maker, monkeypatch
):
    from click.testing import CliRunner

    from tests.helpers import passport
    from web.cli.main import cli

    _append(session, 3)
    _unseal_above(session, 1)
    # Reads still answer correctly, and still write nothing: a valid (older) checkpoint, a
    # receipt for a covered leaf, a 404 for a leaf no checkpoint covers yet.
    cp = _checkpoint(client)
    assert (cp.size, cp.root_hash) == (1, log.tree_root(session, 1))
    assert client.get("/log/v1/receipt/0").status_code == 200
    uncovered = client.get("/log/v1/receipt/2")
    assert uncovered.status_code == 404
    assert "No signed checkpoint covers leaf 2 yet" in uncovered.json["detail"]
    made = client.post("/api/v1/passports", json=passport("item"), headers=maker.headers)
    page = client.get(f"/passports/{made.json['id']}").get_data(as_text=True)
    assert "History verified up to checkpoint 4" in page  # the write sealed its new head
    _unseal_above(session, 1)
    assert "History verified up to checkpoint 1" in client.get(
        f"/passports/{made.json['id']}"
    ).get_data(as_text=True)
    # `kreislauf init-db` (and `kreislauf run`) seal the head once at startup.
    monkeypatch.setenv("KREISLAUF_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KREISLAUF_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KREISLAUF_BASE_URL", settings.base_url)
    result = CliRunner().invoke(cli, ["init-db"])
    assert result.exit_code == 0, result.output
    assert _checkpoint(client).size == 4
    receipt = client.get("/log/v1/receipt/2").get_data(as_text=True)
    leaf = checkpoints.parse_proof(receipt).extra
    checkpoints.verify_proof(receipt, merkle.leaf_hash(leaf), [_log_verifier(client)])
    # Again: nothing new to sign.
    assert CliRunner().invoke(cli, ["init-db"]).exit_code == 0
    session.rollback()
    assert session.scalars(select(LogCheckpoint.size).order_by(LogCheckpoint.size)).all() == [1, 4]


def test_the_first_write_to_an_older_database_seals_everything_before_it(client, session):
    _append(session, 3)
    _unseal_above(session, 0)
    assert client.get("/log/v1/receipt/1").status_code == 404
    _append(session, 1)
    assert _checkpoint(client).size == 4
    for index in range(4):
        assert client.get(f"/log/v1/receipt/{index}").status_code == 200


def test_an_entry_bundle_decodes_to_its_leaves_and_a_cut_one_is_refused():
    leaves = [b"", b"a", b"x" * 300, bytes(range(256))]
    data = encode_bundle(leaves)
    assert decode_bundle(data) == leaves
    for cut in (1, 3, len(data) - 1):
        with pytest.raises(ValueError, match="ends inside"):
            decode_bundle(data[:cut])
