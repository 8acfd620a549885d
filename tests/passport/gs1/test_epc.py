"""Identifiers as the CBV 2.0 event hash writes them (constrained canonical GS1 Digital Links).

Every expected value below is what the reference generator's normaliser
(RalphTro/epcis-event-hash-generator at 5d2f1c389a1599af40fe1b530b62e0ca59ab818f,
``dl_normaliser.normaliser``) returns for the input; None means it leaves the value as written.
The quirks are pinned on purpose: the hash is only useful when it is the reference's.
"""

from __future__ import annotations

import pytest

from passport.gs1.epc import constrained_digital_link

CASES = [
    # EPC URIs (rule 17): every scheme the reference converts.
    (
        "urn:epc:id:sgtin:4260123.045000.KT-000417",
        "https://id.gs1.org/01/04260123450007/21/KT-000417",
    ),
    ("urn:epc:id:sgtin:426012345.0000.A%2F1", "https://id.gs1.org/01/04260123450007/21/A%2F1"),
    (
        "urn:epc:id:sgtin:0614141.107346.2017!(x)*+,:y",
        "https://id.gs1.org/01/10614141073464/21/2017%21%28x%29%2A%2B%2C%3Ay",
    ),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234"),
    ("urn:epc:id:sgln:4012345.00012.0", "https://id.gs1.org/414/4012345000122"),
    ("urn:epc:id:sgln:426012345001..x", "https://id.gs1.org/414/4260123450014/254/x"),
    ("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400"),
    # Quirk: a 12-digit company prefix takes three dots, the third kept in the serial.
    ("urn:epc:id:grai:426012345001...A1", "https://id.gs1.org/8003/04260123450014.A1"),
    ("urn:epc:id:giai:0614141.12345ABC", "https://id.gs1.org/8004/061414112345ABC"),
    ("urn:epc:id:gsrn:0614141.1234567890", "https://id.gs1.org/8018/061414112345678902"),
    ("urn:epc:id:gsrnp:0614141.1234567890", "https://id.gs1.org/8017/061414112345678902"),
    ("urn:epc:id:gdti:4012345.55555.1234", "https://id.gs1.org/253/40123455555541234"),
    # Quirk: without the dot before the serial its first character is lost.
    ("urn:epc:id:gdti:4012345.555551234", "https://id.gs1.org/253/4012345555554234"),
    (
        "urn:epc:id:cpi:0614141.123ABC.123456789",
        "https://id.gs1.org/8010/0614141123ABC/8011/123456789",
    ),
    ("urn:epc:id:sgcn:4012345.67890.04711", "https://id.gs1.org/255/401234567890104711"),
    ("urn:epc:id:ginc:0614141.xyz47(11)", "https://id.gs1.org/401/0614141xyz47%2811%29"),
    ("urn:epc:id:gsin:0614141.123456789", "https://id.gs1.org/402/06141411234567890"),
    (
        "urn:epc:id:itip:4012345.012345.01.02.987",
        "https://id.gs1.org/8006/040123451234560102/21/987",
    ),
    (
        "urn:epc:id:upui:1234567.089456.51qIgY)%3C%26Jp3*j7'SDB",
        "https://id.gs1.org/01/01234567894560/235/51qIgY%29%3C%26Jp3%2Aj7'SDB",
    ),
    ("urn:epc:id:pgln:4012345.00000", "https://id.gs1.org/417/4012345000009"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
    ("urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"),
    ("urn:epc:idpat:grai:4012345.55555.*", "https://id.gs1.org/8003/04012345555554"),
    ("urn:epc:idpat:gdti:4012345.55555.*", "https://id.gs1.org/253/4012345555554"),
    ("urn:epc:idpat:sgcn:4012345.67890.*", "https://id.gs1.org/255/4012345678901"),
    ("urn:epc:idpat:cpi:0614141.123ABC.*", "https://id.gs1.org/8010/0614141123ABC"),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", "https://id.gs1.org/8006/040123451234560102"),
    ("urn:epc:idpat:upui:1234567.089456.*", "https://id.gs1.org/01/01234567894560"),
    ("urn:epc:id:sgtin:0614141.10734.2017", None),  # 12 digits, not 13
    ("urn:epc:id:bic:CSQU3054383", None),  # not a GS1 key
    # Digital Links (rule 18): id.gs1.org, no query, no CPV, the serial rather than the lot.
    (
        "https://id.gs1.org/01/09506000134352/10/ABC/21/123?17=261231",
        "https://id.gs1.org/01/09506000134352/21/123",
    ),
    (
        "https://example.com/gtin/9506000134352/lot/ABC",
        "https://id.gs1.org/01/09506000134352/10/ABC",
    ),
    (
        "https://example.com/shop/01/09506000134352/22/2A/10/L1/21/S1",
        "https://id.gs1.org/01/09506000134352/21/S1",
    ),
    ("http://id.gs1.org/01/9506000134352", "https://id.gs1.org/01/09506000134352"),
    ("https://id.gs1.org/01/12345678", "https://id.gs1.org/01/00000012345678"),
    ("https://id.gs1.org/00/106141412345678908", "https://id.gs1.org/00/106141412345678908"),
    ("https://id.gs1.org/8010/0614141ABC/8011/123", "https://id.gs1.org/8010/0614141ABC/8011/123"),
    # Quirk: the host is matched with unescaped dots, so this one counts as canonical.
    ("https://id-gs1.org/01/09506000134352", "https://id-gs1.org/01/09506000134352"),
    # Left as written: percent-escapes, fragments, qualifiers out of order, other keys.
    ("https://id.gs1.org/01/09506000134352/21/A%2F1", None),
    ("https://id.gs1.org/414/9520123456788/254/32a%2Fb", None),
    ("https://id.gs1.org/01/09506000134352/21/S1#frag", None),
    ("https://id.gs1.org/01/09506000134352/21/S1/10/L1", None),
    ("https://registry.example.org/8013/426012345MODEL17", None),
    ("https://registry.example.org/p/7f3a", None),
    ("kettle", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_identifiers_are_written_as_the_reference_writes_them(
    text: str, expected: str | None
) -> None:
    assert constrained_digital_link(text) == expected
