"""Idempotent writes in the domain, without HTTP: a repeated key finds the first answer, a key
reused for another request is refused, and keys belong to one organisation.

Every test that stores answers runs on SQLite and on PostgreSQL (``tests/conftest.py``).
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.orm import Session

from passport.errors import IdempotencyKeyReused
from passport.idempotency import find_idempotent, remember_idempotent, request_fingerprint
from passport.models import IdempotencyRecord, Organisation

BODY = [{"granularityLevel": "item", "product": {"name": "Kettle", "serialNumber": "S1"}}]
ANSWER = {"count": 1, "passports": [{"id": "p_1"}]}


def test_the_fingerprint_is_the_sha256_of_the_bodys_sorted_compact_json() -> None:
    expected = hashlib.sha256(b'{"a":1,"b":[2,{"c":"\\u00e9"}]}').hexdigest()
    assert request_fingerprint({"b": [2, {"c": "é"}], "a": 1}) == expected
    # Key order does not matter; list order and every value do.
    assert request_fingerprint({"a": 1, "b": 2}) == request_fingerprint({"b": 2, "a": 1})
    assert request_fingerprint([1, 2]) != request_fingerprint([2, 1])
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": "1"})
    assert request_fingerprint(None) == hashlib.sha256(b"null").hexdigest()


def test_the_first_request_finds_nothing_and_its_repeat_finds_the_answer(
    session: Session, acme: Organisation
) -> None:
    fingerprint = request_fingerprint(BODY)
    assert find_idempotent(session, acme, "order-42", fingerprint) is None
    remember_idempotent(session, acme, "order-42", fingerprint, 201, ANSWER)
    session.commit()
    session.expire_all()

    record = find_idempotent(session, acme, "order-42", request_fingerprint(BODY))
    assert record is not None
    assert (record.organisation_pk, record.key) == (acme.pk, "order-42")
    assert (record.request_hash, record.status_code, record.response) == (fingerprint, 201, ANSWER)
    assert record.created_at is not None


def test_a_key_reused_with_another_body_is_refused_naming_the_key(
    session: Session, acme: Organisation
) -> None:
    remember_idempotent(session, acme, "order-42", request_fingerprint(BODY), 201, ANSWER)
    session.commit()
    other = request_fingerprint(BODY + BODY)
    with pytest.raises(IdempotencyKeyReused, match="'order-42' was already used") as caught:
        find_idempotent(session, acme, "order-42", other)
    assert "use a new key" in caught.value.detail
    # The stored answer stays as it was.
    stored = session.get(IdempotencyRecord, (acme.pk, "order-42"))
    assert stored is not None and stored.response == ANSWER


def test_keys_belong_to_one_organisation(
    session: Session, acme: Organisation, rival: Organisation
) -> None:
    remember_idempotent(session, acme, "order-42", request_fingerprint(BODY), 201, ANSWER)
    session.commit()
    # The same key from another organisation is another key: neither a replay nor a reuse.
    assert find_idempotent(session, rival, "order-42", request_fingerprint([])) is None
    remember_idempotent(session, rival, "order-42", request_fingerprint([]), 422, {"title": "x"})
    session.commit()
    mine = find_idempotent(session, acme, "order-42", request_fingerprint(BODY))
    theirs = find_idempotent(session, rival, "order-42", request_fingerprint([]))
    assert mine is not None and theirs is not None
    assert (mine.status_code, theirs.status_code) == (201, 422)
    # Keys are matched exactly.
    assert find_idempotent(session, acme, "Order-42", request_fingerprint([])) is None
