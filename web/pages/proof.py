"""The page that tells a consumer what a passport's proof bundle proves and how to check it."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue

from edge.request import session, settings
from passport.errors import KeyMissing, NotFound
from passport.ledger import checkpoints, proof_bundle
from passport.passports import lookup
from web.html import not_found, render
from web.pages import witnesses
from web.pages.moves import arrived, departed


def proof_page(passport_id: str) -> ResponseReturnValue:
    """Explain, in plain words, what the history download proves and how to verify it."""
    try:
        passport = lookup.get_passport(session(), passport_id)
    except NotFound:
        return not_found()
    return render(
        "proof.html",
        name=passport.name,
        passport_url=url_for("pages.passport_page", passport_id=passport.public_id),
        download=url_for("proof_bundles.ProofBundle", passport_id=passport.public_id),
        file=f"{passport.public_id}{proof_bundle.FILE_SUFFIX}",
        vkey=_log_key(),
        witnessed=witnesses.sentence(session(), passport),
        arrived=arrived(session(), passport),
        departed=departed(session(), passport),
    )


def _log_key() -> str | None:
    """The log's verifier key (C2SP vkey), to compare and to pass to ``--key``."""
    try:
        return checkpoints.verifier(settings()).vkey
    except KeyMissing:
        return None
