"""C2SP tlog-policy: parsing (every rule of the spec's syntax section) and the quorum."""

from __future__ import annotations

import re

import pytest

from passport.ledger import merkle, note
from passport.ledger.policy import PolicyError, parse

LOG = "example.org/log/v1"


def _log() -> note.Signer:
    return note.Signer.from_seed(LOG, b"\x01" * 32)


def _witness(n: int) -> note.Signer:
    return note.Signer.from_seed(
        f"witness{n}.example",
        bytes([n + 10]) * 32,
        note.ALG_COSIGNATURE_V1,
        timestamp=1_700_000_000,
    )


def _vkey(signer: note.Signer) -> str:
    return signer.verifier.vkey


def _spec_example() -> str:
    """The spec's example policy (its keys elided there), with real keys."""
    w = {name: _vkey(_witness(n)) for n, name in enumerate(["X1", "X2", "X3", "Y1", "Y2", "Y3"])}
    return (
        f"log {_vkey(_log())}\n\n"
        f"witness X1 {w['X1']}\nwitness X2 {w['X2']}\nwitness X3 {w['X3']}\n"
        "group X-witnesses 2 X1 X2 X3\n\n"
        f"witness Y1 {w['Y1']}\nwitness Y2 {w['Y2']}\nwitness Y3 {w['Y3']}\n"
        "group Y-witnesses any Y1 Y2 Y3\n\n"
        "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n"
    )


def test_the_spec_example_quorum():
    policy = parse(_spec_example())
    assert [log.verifier.name for log in policy.logs] == [LOG]
    assert sorted(policy.witnesses) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert policy.satisfied({"X1", "X3", "Y2"})
    assert not policy.satisfied({"X1", "Y1", "Y2", "Y3"})  # one X is not two
    assert not policy.satisfied({"X1", "X2", "X3"})  # no Y
    assert not policy.satisfied(set())
    assert policy.describe() == "all of (2 of X1, X2, X3), (1 of Y1, Y2, Y3)"


def test_cosignatures_are_counted_by_the_policys_keys():
    policy = parse(_spec_example())
    body = note.Checkpoint(LOG, 3, merkle.root([merkle.leaf_hash(b"a")] * 3)).format()
    signed = note.sign_note(body, _log(), _witness(0), _witness(2), _witness(4))
    assert policy.cosigners(signed) == ["X1", "X3", "Y2"]
    assert policy.satisfied(policy.cosigners(signed))
    stranger = note.Signer.from_seed(
        "x.example", b"\x63" * 32, note.ALG_COSIGNATURE_V1, timestamp=1
    )
    assert policy.cosigners(note.sign_note(body, _log(), stranger)) == []  # unknown: ignored
    forged = signed.replace(body, body.replace(" 3\n", " 4\n").replace("\n3\n", "\n4\n"))
    with pytest.raises(note.NoteError, match="does not verify"):
        policy.cosigners(forged)


def test_whitespace_comments_and_urls():
    text = f"  # a comment\n\t\nlog\t{_vkey(_log())}  https://example.org \n"
    text += f"witness W {_vkey(_witness(1))} https://w.example/log/v1/witness\nquorum W\n"
    policy = parse(text)
    assert policy.logs[0].url == "https://example.org"
    assert policy.witnesses["W"].url == "https://w.example/log/v1/witness"
    assert parse("quorum none\n").satisfied(set())
    assert parse("quorum none\n").describe() == "no cosignature"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "no quorum line"),
        ("quorum none\nquorum none\n", "exactly one quorum"),
        ("quorum W\n", "not defined before"),
        ("group G any W\nquorum G\n", "not defined before"),
        ("witness none {w1}\nquorum none\n", "predefined"),
        ("witness W {w1}\ngroup G any none\nquorum G\n", "'none' cannot be a group member"),
        ("witness W {w1}\nwitness W {w2}\nquorum W\n", "already defined"),
        ("witness W {w1}\nwitness V {w1}\nquorum W\n", "already in the policy"),
        ("witness W {w1}\ngroup G 2 W\nquorum G\n", "threshold must be 1 to 1"),
        ("witness W {w1}\ngroup G 0 W\nquorum G\n", "threshold must be 1 to 1"),
        ("witness W {w1}\ngroup G 01 W\nquorum G\n", "decimal number"),
        ("witness W {w1}\ngroup G any W W\nquorum G\n", "listed twice"),
        (
            "witness W {w1}\nwitness V {w2}\ngroup G any W\ngroup H any W V\nquorum H\n",
            "already a member of a group",
        ),
        ("log {w1}\nquorum none\n", "Ed25519 (0x01)"),
        ("witness W {log}\nquorum W\n", "cosignature/v1 (0x04)"),
        ("log {log}\nlog {log}\nquorum none\n", "already in the policy"),
        ("log not-a-key\nquorum none\n", "vkey is invalid"),
        ("witness W\nquorum W\n", "witness <name> <vkey>"),
        ("log {log} https://a https://b\nquorum none\n", "too many fields"),
        ("monitor M\nquorum none\n", "unknown keyword"),
        ("quorum none\r\n", "control character 0x0d"),
    ],
)
def test_each_rule_is_named(text, rule):
    filled = text.format(w1=_vkey(_witness(1)), w2=_vkey(_witness(2)), log=_vkey(_log()))
    with pytest.raises(PolicyError, match=re.escape(rule)):
        parse(filled)
