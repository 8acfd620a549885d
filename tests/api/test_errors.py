"""The one error table: every domain error the edges raise has its row, no HTTP status inside."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import Flask

from api.errors import STATUS, domain_problem, status_of, witness_size
from passport import errors


def test_every_domain_error_has_a_row() -> None:
    def leaves(cls: type[errors.KreislaufError]) -> list[type[errors.KreislaufError]]:
        subs = cls.__subclasses__()
        return [cls] if not subs else [x for s in subs for x in leaves(s)]

    missing = [c.__name__ for c in leaves(errors.KreislaufError) if c not in STATUS]
    assert missing == []


@pytest.mark.parametrize(
    ("error", "status", "slug", "title"),
    [
        (errors.CodeRefused("wrong"), 400, "transfer-code-refused", "Transfer code refused"),
        (errors.CodeUsed("used"), 409, "transfer-code-used", "Transfer code refused"),
        (
            errors.CodeExpired("expired", datetime(2027, 3, 1, tzinfo=UTC)),
            410,
            "transfer-code-expired",
            "Transfer code refused",
        ),
        (errors.InvalidRequest("x"), 400, "bad-request", "Bad request"),
        (errors.InvalidRequestedIdentifier("x"), 400, "invalid-identifier", "Invalid identifier"),
        (errors.InvalidIdentifier("x"), 422, "invalid-identifier", "Invalid identifier"),
        (errors.NoSuchLink("x"), 404, "no-such-link", "No such link"),
        (errors.WitnessRequestMalformed("x"), 400, "witness", "Bad request"),
        (errors.WitnessSignatureRefused("x"), 403, "witness", "Forbidden"),
        (errors.WitnessLogUnknown("x"), 404, "witness", "Not found"),
        (errors.WitnessProofRefused("x"), 422, "witness", "Unprocessable"),
    ],
)
def test_rows(error: errors.KreislaufError, status: int, slug: str, title: str) -> None:
    assert status_of(error) == (status, slug)
    with Flask(__name__).app_context():
        response = domain_problem(error)
    body = json.loads(response.get_data())
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert body["type"].endswith("/" + slug) and body["title"] == title
    assert body["detail"] == error.detail


def test_witness_size_mismatch_answers_the_size_as_text() -> None:
    with Flask(__name__).app_context():
        response = witness_size(errors.WitnessSizeMismatch("this witness has size 7", 7))
    assert response.status_code == 409 and response.mimetype == "text/x.tlog.size"
    assert response.get_data() == b"7\n"


def test_domain_errors_carry_no_http_status() -> None:
    for cls in STATUS:
        assert "status" not in vars(cls) and "status" not in cls.__init__.__code__.co_varnames
