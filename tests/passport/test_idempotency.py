"""Idempotent writes in the domain, without HTTP: the first request with a key writes, its
repeats get the stored answer without writing, a failed write leaves no claim, a key reused for
another request is refused, and keys belong to one organisation.

Every test that stores answers runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.orm import Session

from passport.errors import IdempotencyKeyReused
from passport.idempotency import Answer, claim, once, request_fingerprint
from passport.models import IdempotencyRecord, Organisation

BODY = [{"granularityLevel": "item", "product": {"name": "Kettle", "serialNumber": "S1"}}]
ANSWER = {"count": 1, "passports": [{"id": "p_1"}]}
FIRST = Answer(201, ANSWER, "/x#1")


def test_the_fingerprint_is_the_sha256_of_the_bodys_sorted_compact_json() -> None:
    expected = hashlib.sha256(b'{"a":1,"b":[2,{"c":"\\u00e9"}]}').hexdigest()
    assert request_fingerprint({"b": [2, {"c": "é"}], "a": 1}) == expected
    # Key order does not matter; list order and every value do.
    assert request_fingerprint({"a": 1, "b": 2}) == request_fingerprint({"b": 2, "a": 1})
    assert request_fingerprint([1, 2]) != request_fingerprint([2, 1])
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": "1"})
    assert request_fingerprint(None) == hashlib.sha256(b"null").hexdigest()
    # With a target (the request's path), the same body to another place is another request.
    assert request_fingerprint([1], "/a") == hashlib.sha256(b"/a [1]").hexdigest()
    assert request_fingerprint([1], "/a") != request_fingerprint([1], "/b")


class Writes:
    """A write that counts its calls and answers ``ANSWER``."""

    def __init__(self, answer: Answer = FIRST) -> None:
        self.calls = 0
        self.answer = answer

    def __call__(self) -> Answer:
        self.calls += 1
        return self.answer


def test_the_first_request_writes_and_its_repeat_gets_the_stored_answer(
    session: Session, acme: Organisation
) -> None:
    fingerprint = request_fingerprint(BODY)
    write = Writes()
    assert once(session, acme, "order-42", fingerprint, write) == Answer(201, ANSWER, "/x#1")
    session.commit()
    session.expire_all()
    record = session.get(IdempotencyRecord, (acme.pk, "order-42"))
    assert record is not None and record.created_at is not None
    assert (record.request_hash, record.status_code, record.response, record.location) == (
        fingerprint,
        201,
        ANSWER,
        "/x#1",
    )
    again = once(session, acme, "order-42", request_fingerprint(BODY), write)
    assert again == Answer(201, ANSWER, "/x#1", replayed=True)
    assert write.calls == 1
    # Without a key, every request writes.
    assert once(session, acme, None, fingerprint, write).replayed is False
    assert write.calls == 2


def test_a_failed_write_leaves_no_claim_behind(session: Session, acme: Organisation) -> None:
    def fails() -> Answer:
        raise IdempotencyKeyReused("any domain error")

    with pytest.raises(IdempotencyKeyReused):
        once(session, acme, "order-42", request_fingerprint(BODY), fails)
    session.rollback()  # what the edge does with a failed request
    assert session.get(IdempotencyRecord, (acme.pk, "order-42")) is None
    assert claim(session, acme, "order-42", request_fingerprint(BODY), 1.0) is None


def test_a_key_reused_with_another_body_is_refused_naming_the_key(
    session: Session, acme: Organisation
) -> None:
    once(session, acme, "order-42", request_fingerprint(BODY), Writes())
    session.commit()
    write = Writes()
    with pytest.raises(IdempotencyKeyReused, match="'order-42' was already used") as caught:
        once(session, acme, "order-42", request_fingerprint(BODY + BODY), write)
    assert "use a new key" in caught.value.detail
    assert write.calls == 0
    session.rollback()
    # The stored answer stays as it was.
    stored = session.get(IdempotencyRecord, (acme.pk, "order-42"))
    assert stored is not None and stored.response == ANSWER


def test_keys_belong_to_one_organisation(
    session: Session, acme: Organisation, rival: Organisation
) -> None:
    once(session, acme, "order-42", request_fingerprint(BODY), Writes())
    session.commit()
    # The same key from another organisation is another key: neither a replay nor a reuse.
    theirs = once(session, rival, "order-42", request_fingerprint([]), Writes(Answer(422, {})))
    assert not theirs.replayed
    session.commit()
    mine = once(session, acme, "order-42", request_fingerprint(BODY), Writes())
    again = once(session, rival, "order-42", request_fingerprint([]), Writes())
    assert (mine.replayed, mine.status, again.replayed, again.status) == (True, 201, True, 422)
    # Keys are matched exactly.
    assert not once(session, acme, "Order-42", request_fingerprint([]), Writes()).replayed
