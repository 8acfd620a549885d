"""The identity of a passport: what ``identify`` reads from a document, and its keys.

The key a passport is issued under (``identity_key``) and the keys a scanned link resolves to
(``candidate_keys``) come from one function: an item's own link finds its passport first, and
a batch's or variant's link falls back to the model's.
"""

from __future__ import annotations

from typing import Any

import pytest

from passport.errors import InvalidDocument, InvalidIdentifier
from passport.gs1.digital_link import DigitalLink, parse_digital_link
from passport.gs1.identity import (
    Identity,
    candidate_keys,
    community_key,
    identify,
    identity_key,
)
from tests.helpers import GTIN, passport

GMN = "1987654Ad4X4bL5ttr2310c2K"  # GS1's own GMN example, check characters "2K"
ROOT = "https://id.gs1.org"


def document(granularity: str, **product: Any) -> dict[str, Any]:
    return {"granularityLevel": granularity, "product": {"name": "Acme K1 kettle", **product}}


def refused(subject: dict[str, Any]) -> dict[str, str]:
    """The field errors ``identify`` raises for ``subject``, by pointer."""
    with pytest.raises(InvalidDocument) as caught:
        identify(subject)
    return {error.pointer: error.message for error in caught.value.errors}


# --- identify: what a document names ----------------------------------------------------------


def test_a_model_is_its_gtin() -> None:
    identity = identify(passport("model", serial=None))
    assert identity == Identity(DigitalLink(gtin=GTIN), "model")
    assert identity.key == f"01/{GTIN}"


def test_a_batch_is_its_gtin_and_lot() -> None:
    identity = identify(passport("batch", lot="L1", serial=None))
    assert identity == Identity(DigitalLink(gtin=GTIN, lot="L1"), "batch")
    assert identity.key == f"01/{GTIN}/10/L1"


def test_an_item_is_its_gtin_and_serial_whatever_its_lot() -> None:
    identity = identify(document("item", id=f"{ROOT}/01/{GTIN}/10/L1/21/S%2F1"))
    assert identity.link == DigitalLink(gtin=GTIN, lot="L1", serial="S/1")
    assert identity.granularity == "item"
    assert identity.key == f"01/{GTIN}/21/S/1"  # values as decoded, not percent-encoded


def test_fields_alone_identify_too_and_a_short_gtin_is_padded() -> None:
    subject = passport("item", gtin_="9520123456788", lot="L1", serial="7", via_uri=False)
    identity = identify(subject)
    assert identity.link == DigitalLink(gtin=GTIN, lot="L1", serial="7")
    assert identity.key == f"01/{GTIN}/21/7"


def test_fields_that_repeat_the_uri_are_accepted() -> None:
    subject = document("item", id=f"{ROOT}/01/{GTIN}/21/7", registeredId=GTIN, serialNumber="7")
    assert identify(subject).key == f"01/{GTIN}/21/7"


def test_a_gmn_identifies_a_model() -> None:
    from_field = identify(document("model", registeredId=GMN))
    from_uri = identify(document("model", id=f"{ROOT}/8013/{GMN}"))
    assert from_field == from_uri == Identity(DigitalLink(gmn=GMN), "model")
    assert from_field.key == f"8013/{GMN}"


def test_a_variant_model_keeps_its_cpv() -> None:
    identity = identify(document("model", id=f"{ROOT}/01/{GTIN}/22/2A"))
    assert identity.link == DigitalLink(gtin=GTIN, cpv="2A")
    assert identity.key == f"01/{GTIN}/22/2A"


def test_the_parsed_link_is_kept_with_its_data_attributes() -> None:
    uri = f"{ROOT}/01/{GTIN}/10/L1?17=261231"
    identity = identify(document("batch", id=uri))
    assert identity.link.attributes == (("17", "261231"),)
    assert identity.link == parse_digital_link(uri)


# --- identify: what it refuses ------------------------------------------------------------------


def test_fields_that_disagree_with_the_uri_are_named() -> None:
    subject = document(
        "item",
        id=f"{ROOT}/01/{GTIN}/10/L1/21/7",
        registeredId="04006381333931",
        batchNumber="L2",
        serialNumber="8",
    )
    errors = refused(subject)
    assert set(errors) == {"/product/registeredId", "/product/batchNumber", "/product/serialNumber"}
    assert errors["/product/registeredId"] == (
        f"'04006381333931' does not agree with the GTIN '{GTIN}' in /product/id"
    )
    assert "does not agree with the batch number (AI 10) 'L1'" in errors["/product/batchNumber"]


def test_an_invalid_digital_link_is_reported_at_product_id() -> None:
    errors = refused(document("model", id=f"{ROOT}/01/09520123456789"))
    assert "expected 8, got 9" in errors["/product/id"]


def test_an_id_that_is_no_digital_link_needs_a_registered_id() -> None:
    errors = refused(document("model", id="https://acme.example/kettles/k1"))
    assert "not a GS1 Digital Link URI" in errors["/product/id"]
    # With a GTIN beside it, such an id is simply the product's own web page.
    subject = document("model", id="https://acme.example/kettles/k1", registeredId=GTIN)
    assert identify(subject).key == f"01/{GTIN}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registeredId", "09520123456789", "fails its check digit: expected 8, got 9"),
        ("registeredId", "1987654Ad4X4bL5ttr2310cXK", "fails its check characters"),
        ("batchNumber", "LOT#1", "AI 10 (batch/lot) must be 1 to 20 characters"),
        ("serialNumber", "A" * 21, "AI 21 (serial number) must be 1 to 20 characters"),
    ],
)
def test_invalid_fields_say_why(field: str, value: str, message: str) -> None:
    product = {"registeredId": GTIN, "serialNumber": "1"} | {field: value}
    errors = refused(document("item", **product))
    assert message in errors[f"/product/{field}"]


def test_every_invalid_field_is_reported_at_once() -> None:
    errors = refused(document("item", registeredId="0", batchNumber="", serialNumber="A B"))
    assert set(errors) == {"/product/registeredId", "/product/batchNumber", "/product/serialNumber"}


def test_no_gs1_identifier_at_all() -> None:
    with pytest.raises(InvalidDocument, match="no GS1 identifier") as caught:
        identify(document("model"))
    assert [e.pointer for e in caught.value.errors] == ["/product/registeredId"]


def test_a_gtin_and_a_gmn_together_are_refused() -> None:
    with pytest.raises(InvalidDocument, match="either a GTIN or a GMN"):
        identify(document("model", id=f"{ROOT}/01/{GTIN}", registeredId=GMN))


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        (passport("item", serial=None), "an item passport needs product.serialNumber"),
        (passport("batch", lot=None, serial=None), "a batch passport needs product.batchNumber"),
        (passport("batch", lot="L1", serial="7"), "and no serial number"),
        (passport("model", lot="L1", serial=None), "a model passport has no batch or serial"),
        (document("item", registeredId=GMN, serialNumber="7"), "a GMN (AI 8013) identifies a"),
    ],
)
def test_granularity_must_fit_the_identifiers(subject: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDocument, match="Granularity does not fit") as caught:
        identify(subject)
    assert [e.pointer for e in caught.value.errors] == ["/granularityLevel"]
    assert message in caught.value.errors[0].message


# --- the keys ---------------------------------------------------------------------------------


def test_identity_keys_at_each_level() -> None:
    link = DigitalLink(gtin=GTIN, cpv="2A", lot="L1", serial="7")
    assert identity_key(link, "item") == f"01/{GTIN}/21/7"
    assert identity_key(link, "batch") == f"01/{GTIN}/10/L1"
    assert identity_key(link, "model") == f"01/{GTIN}/22/2A"
    assert identity_key(DigitalLink(gtin=GTIN), "model") == f"01/{GTIN}"
    assert identity_key(DigitalLink(gmn=GMN), "model") == f"8013/{GMN}"


def test_a_level_without_its_qualifier_has_no_key() -> None:
    with pytest.raises(InvalidIdentifier, match="serial"):
        identity_key(DigitalLink(gtin=GTIN, lot="L1"), "item")
    with pytest.raises(InvalidIdentifier, match="batch number"):
        identity_key(DigitalLink(gtin=GTIN, serial="7"), "batch")
    with pytest.raises(ValueError, match="unknown granularity"):
        identity_key(DigitalLink(gtin=GTIN), "pallet")


def test_candidates_run_from_the_item_to_the_model() -> None:
    link = DigitalLink(gtin=GTIN, cpv="2A", lot="L1", serial="7")
    assert candidate_keys(link) == [
        f"01/{GTIN}/21/7",
        f"01/{GTIN}/10/L1",
        f"01/{GTIN}/22/2A",
        f"01/{GTIN}",
    ]
    assert candidate_keys(DigitalLink(gmn=GMN)) == [f"8013/{GMN}"]
    # A TPX has no passport of its own: it resolves to its model.
    assert candidate_keys(DigitalLink(gtin=GTIN, tpx="T1")) == [f"01/{GTIN}"]


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(passport("model", serial=None), id="model"),
        pytest.param(document("model", id=f"{ROOT}/01/{GTIN}/22/2A"), id="variant"),
        pytest.param(passport("batch", lot="L1", serial=None), id="batch"),
        pytest.param(passport("item", serial="7"), id="item"),
        pytest.param(passport("item", lot="L1", serial="7"), id="item-with-lot"),
        pytest.param(document("model", registeredId=GMN), id="gmn"),
    ],
)
def test_a_passport_is_the_first_candidate_of_its_own_link(subject: dict[str, Any]) -> None:
    identity = identify(subject)
    uri = identity.link.uri("https://registry.example")
    assert candidate_keys(parse_digital_link(uri))[0] == identity.key


def test_a_batch_link_falls_back_to_its_model() -> None:
    batch = identify(passport("batch", lot="L1", serial=None))
    model = identify(passport("model", serial=None))
    assert candidate_keys(batch.link) == [batch.key, model.key]


def test_an_item_link_falls_back_to_its_batch_then_its_model() -> None:
    item = identify(passport("item", lot="L1", serial="7"))
    batch = identify(passport("batch", lot="L1", serial=None))
    model = identify(passport("model", serial=None))
    assert candidate_keys(item.link) == [item.key, batch.key, model.key]


def test_a_variant_falls_back_to_the_model_without_cpv() -> None:
    variant = identify(document("model", id=f"{ROOT}/01/{GTIN}/22/2A"))
    model = identify(passport("model", serial=None))
    assert candidate_keys(variant.link) == [variant.key, model.key]


def test_community_keys_never_meet_a_gs1_key() -> None:
    assert community_key("abcdefghijklmn23") == "c/abcdefghijklmn23"
    # GS1 keys start with the digits of an AI, so the two never collide.
    gs1_keys = candidate_keys(DigitalLink(gtin=GTIN, lot="L1", serial="7"))
    assert all(key[0].isdigit() for key in gs1_keys)
    assert not community_key("abcdefghijklmn23")[0].isdigit()
