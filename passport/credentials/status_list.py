"""Credential status as a W3C Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/):
every passport has one bit in a revocation list, set once it is withdrawn, so that any verifier
holding one of its credentials learns it is revoked.

A passport's place is its row number: list ``pk // LIST_BITS + 1``, index ``pk % LIST_BITS``.
Each list is 131,072 bits (16 KiB, the specification's minimum, so that a list hides which
passport a verifier asks about), GZIP-compressed and multibase base64url-encoded (``u…``), in a
``BitstringStatusListCredential`` issued by the registry's own DID and signed as a VC-JWT with
its VC key. ``statusListIndex`` is an integer, as UNTP 0.7.0's schema requires (the W3C
specification writes it as a string of digits).
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from passport.config import Settings
from passport.contexts import VC_V2
from passport.errors import NotFound
from passport.models import WITHDRAWN_WHERE, Passport
from passport.routes import Routes
from passport.signing.did import did_web
from passport.signing.jose import sign_vc_jwt
from passport.signing.keys import load_key
from passport.signing.registry import check_base_url

LIST_BITS = 131_072
PURPOSE = "revocation"


def entry(base_url: str, passport_pk: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a passport's credentials."""
    number, index = divmod(passport_pk, LIST_BITS)
    url = Routes(base_url).status_list(number + 1)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": index,
        "statusListCredential": url,
    }


def encoded_list(indices: list[int]) -> str:
    """The bits at ``indices`` set (bit 0 is the first byte's most significant), compressed."""
    bits = bytearray(LIST_BITS // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def status_list_credential(session: Session, settings: Settings, number: int) -> dict[str, Any]:
    """List ``number`` (from 1) as an unsigned ``BitstringStatusListCredential``."""
    last = session.scalar(select(func.max(Passport.pk))) or 0
    if not 1 <= number <= last // LIST_BITS + 1:
        raise NotFound(f"No status list {number}; this registry has 1 to {last // LIST_BITS + 1}.")
    low, high = (number - 1) * LIST_BITS, number * LIST_BITS
    withdrawn = session.scalars(
        select(Passport.pk)
        # Literally as the partial index ix_passports_withdrawn says it, so that it serves.
        .where(text(WITHDRAWN_WHERE), Passport.pk >= low, Passport.pk < high)
        .order_by(Passport.pk)
    )
    url = Routes(settings.base_url).status_list(number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_web(settings.base_url, allow_loopback_http=True),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded_list([pk - low for pk in withdrawn]),
        },
    }


def signed_status_list(session: Session, settings: Settings, number: int) -> str:
    """List ``number`` signed as a VC-JWT by the registry's VC key (its own DID's key)."""
    check_base_url(settings.base_url)
    credential = status_list_credential(session, settings, number)
    vc = load_key(settings, "vc")
    return sign_vc_jwt(credential, vc, f"{credential['issuer']}#vc-{vc.thumbprint()}")
