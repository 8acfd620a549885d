"""The JSON-LD contexts a passport names and the packaged files behind them. Pure, no database.

How they are served (CORS, ETag) is in ``tests/api/test_json_ld.py``; what they expand to is in
``tests/passport/test_rdf.py``.
"""

from __future__ import annotations

import hashlib

import pytest

from passport import contexts
from tests.conftest import BASE_URL
from tests.helpers import VC_V2_CONTEXT

OWN_URL = f"{BASE_URL}/contexts/kreislauf/v1"


def test_a_passport_names_the_two_published_contexts_and_its_registrys_own() -> None:
    assert contexts.passport_contexts(BASE_URL) == [contexts.VC_V2, contexts.UNTP_DPP, OWN_URL]
    assert contexts.passport_contexts(BASE_URL + "/")[2] == OWN_URL
    assert contexts.passport_contexts("http://localhost:5000")[2] == (
        "http://localhost:5000/contexts/kreislauf/v1"
    )


def test_the_registrys_own_context_is_known_only_for_a_named_registry() -> None:
    published = {
        contexts.VC_V2: "credentials-v2.jsonld",
        contexts.UNTP_DPP: "untp-dpp-0.6.1.jsonld",
        contexts.UNTP_07: "untp-0.7.0.jsonld",
    }
    assert contexts.context_files() == published
    v2 = {BASE_URL + "/contexts/kreislauf/v2": "kreislauf-v2.jsonld"}  # beside UNTP 0.7.0
    assert contexts.context_files(BASE_URL) == published | {OWN_URL: "kreislauf-v1.jsonld"} | v2
    # Every context a 0.6.1 or a 0.7.0 passport names can be processed offline.
    v07 = {contexts.VC_V2, contexts.UNTP_07, *v2}
    assert set(contexts.passport_contexts(BASE_URL)) | v07 == set(contexts.context_files(BASE_URL))


def test_the_w3c_context_is_a_byte_copy_of_the_publishers() -> None:
    packaged = contexts.read("credentials-v2.jsonld")
    assert packaged == VC_V2_CONTEXT.read_bytes()
    assert hashlib.sha256(packaged).hexdigest().startswith("59955ced6697d61e")  # its README


@pytest.mark.parametrize("name", ["README.md", "../ords/ords_v0.3_product_categories.csv", ""])
def test_only_the_listed_files_are_read(name: str) -> None:
    with pytest.raises(KeyError):
        contexts.read(name)


def test_the_etag_is_the_sha256_of_the_bytes() -> None:
    for name in ("credentials-v2.jsonld", "untp-dpp-0.6.1.jsonld", "kreislauf-v1.jsonld"):
        assert contexts.etag(name) == hashlib.sha256(contexts.read(name)).hexdigest()
