"""The origin's resolver paths at its mirror (``/mirror/{host}/01/…``, ``/mirror/{host}/c/…``)
and the mirror's cosignature on the origin's checkpoint (C2SP tlog-mirror). Two registries in
one process, as in test_mirror.py, whose fixtures these tests share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from passport.errors import MirrorRefused
from passport.ledger import checkpoints, note
from passport.mirrors import cosigning, origins, sync
from passport.passports import community
from tests.api.test_events import REPAIR, record
from tests.conftest import BASE_URL, settings_of
from tests.helpers import FIXTURES, GTIN
from tests.passport.mirrors.test_mirror import (
    HOST,
    _issued,
    _origin,
    _sync,
    answered_by,
)

AT = f"/mirror/{HOST}"
COPIES = f"https://mirror.example.net{AT}/api/v1/passports"
JSON_LD = {"Accept": "application/ld+json"}


@cache
def gs1_linkset_validator() -> Any:
    schema = json.loads((FIXTURES / "standards/gs1-resolver/linkset-schema.json").read_text())
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _mirrored(client: Any, maker: Any, cafe: Any, mirror: Any) -> tuple[str, str]:
    first, second = _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    _sync(mirror, get)
    return first, second


def test_a_digital_link_path_at_the_mirror_leads_to_the_mirrors_copy(client, maker, cafe, mirror):
    first, second = _mirrored(client, maker, cafe, mirror)
    at = mirror.client
    found = at.get(f"{AT}/01/{GTIN}/21/M-1", headers=JSON_LD)
    assert found.status_code == 307
    assert found.headers["Location"] == f"{COPIES}/{first}"
    assert found.headers["Kreislauf-Mirror-Of"] == BASE_URL
    assert found.headers["Last-Modified"].endswith(" GMT")
    assert found.headers["Access-Control-Allow-Origin"] == "*"
    assert 'rel="linkset"' in found.headers["Link"]
    assert (
        f"<https://mirror.example.net{AT}/01/{GTIN}/21/M-1?linkType=linkset>"
        in (found.headers["Link"])
    )
    # What the redirect leads to is the origin's credential, as the mirror holds it.
    copy = at.get(found.headers["Location"].removeprefix("https://mirror.example.net"))
    assert copy.status_code == 200 and copy.json["id"].endswith(f"/{first}?version=1")
    # The query is passed on (less linkType); a lot and a short form parse as at the origin.
    versioned = at.get(f"{AT}/01/{GTIN}/21/M-2?version=1")
    assert versioned.headers["Location"] == f"{COPIES}/{second}?version=1"
    with_lot = at.get(f"{AT}/01/{GTIN}/10/L9/21/M-2/")
    assert with_lot.status_code == 307 and with_lot.headers["Location"] == f"{COPIES}/{second}"
    events = at.get(f"{AT}/01/{GTIN}/21/M-1?linkType=gs1:traceability")
    assert events.headers["Location"] == f"{COPIES}/{first}/events"


def test_the_linkset_at_the_mirror_links_its_copies_and_validates(client, maker, cafe, mirror):
    first, _ = _mirrored(client, maker, cafe, mirror)
    at = mirror.client
    by_type = at.get(f"{AT}/01/{GTIN}/21/M-1?linkType=linkset")
    by_accept = at.get(f"{AT}/01/{GTIN}/21/M-1", headers={"Accept": "application/linkset+json"})
    for answer in (by_type, by_accept):
        assert answer.status_code == 200 and answer.mimetype == "application/linkset+json"
        assert list(gs1_linkset_validator().iter_errors(answer.json)) == []
        assert answer.headers["Kreislauf-Mirror-Of"] == BASE_URL
    [context] = by_type.json["linkset"]
    assert context["anchor"] == f"{BASE_URL}/01/{GTIN}/21/M-1"  # the origin's URI
    assert [k["href"] for k in context["https://ref.gs1.org/voc/dpp"]] == [f"{COPIES}/{first}"]
    assert context["https://ref.gs1.org/voc/defaultLink"] == context["https://ref.gs1.org/voc/dpp"]
    events = context["https://ref.gs1.org/voc/traceability"]
    assert [k["href"] for k in events] == [f"{COPIES}/{first}/events"]
    assert all(k["href"].startswith("https://mirror.example.net/") for k in _all_links(context))


def _all_links(context: dict[str, Any]) -> list[dict[str, Any]]:
    return [k for key, value in context.items() if isinstance(value, list) for k in value]


def test_unknown_and_malformed_paths_at_the_mirror(client, maker, cafe, mirror):
    _mirrored(client, maker, cafe, mirror)
    at = mirror.client
    for url in (
        f"{AT}/01/{GTIN}/21/NOBODY",
        f"/mirror/elsewhere.example/01/{GTIN}/21/M-1",
        f"{AT}/c/aaaaaaaaaaaaaaaa",
    ):
        answer = at.get(url, headers=JSON_LD)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", url
    bad = at.get(f"{AT}/01/09520123456789/21/1", headers=JSON_LD)
    assert bad.status_code == 400 and "check digit" in bad.json["detail"]
    no_link = at.get(f"{AT}/01/{GTIN}/21/M-1?linkType=gs1:pip")
    assert no_link.status_code == 404 and no_link.mimetype == "application/problem+json"


def test_a_community_path_at_the_mirror(client, maker, cafe, mirror, session, repair_cafe):
    made = community.issue_community_passport(
        session,
        settings_of(session),
        repair_cafe,
        category="Kettle",
        brand="Acme",
        model="K1",
        year=2019,
        now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    session.commit()
    key, pid = made.identity_key.removeprefix("c/"), made.public_id
    assert record(client, cafe, pid, REPAIR).status_code == 201
    _mirrored(client, maker, cafe, mirror)
    found = mirror.client.get(f"{AT}/c/{key}")
    assert found.status_code == 307 and found.headers["Location"] == f"{COPIES}/{pid}"
    linkset = mirror.client.get(f"{AT}/c/{key}?linkType=linkset").json
    assert linkset["linkset"][0]["anchor"] == f"{BASE_URL}/c/{key}"
    assert list(gs1_linkset_validator().iter_errors(linkset)) == []


# --- the mirror's cosignature (C2SP tlog-mirror) --------------------------------------------

MIRROR_NAME = "mirror.example.net/mirror"


def test_the_mirror_cosigns_each_checkpoint_it_holds_every_leaf_of(client, maker, cafe, mirror):
    first, _ = _issued(client, maker, cafe)
    get = answered_by(client)
    origins.add_origin(mirror.session, BASE_URL, None, get)
    cosigner = cosigning.signer(mirror.settings)
    when = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    sync.sync(mirror.session, _origin(mirror.session), get, now=when, cosigner=cosigner)
    mirror.session.commit()

    signed = client.get("/log/v1/checkpoint").data.decode()
    served = mirror.client.get(f"{AT}/log/v1/checkpoint").data.decode()
    assert served.startswith(signed)  # the origin's note byte for byte, then one more line
    extra = served.removeprefix(signed)
    assert extra.startswith(f"\u2014 {MIRROR_NAME} ") and extra.count("\n") == 1
    described = mirror.client.get(f"{AT}/evidence").json["mirror"]
    assert described["name"] == MIRROR_NAME
    assert "durably holds every entry" in described["cosignature"]
    by_mirror = note.Verifier.from_vkey(described["vkey"])
    by_origin = note.Verifier.from_vkey(_origin(mirror.session).vkey)
    assert by_mirror.alg == note.ALG_COSIGNATURE_V1
    assert note.verify_note(served, [by_origin, by_mirror])[1] == [f"{HOST}/log/v1", MIRROR_NAME]
    # A client that knows only the origin's key ignores the mirror's line.
    assert note.verify_note(served, [by_origin])[1] == [f"{HOST}/log/v1"]
    assert note.verify_note(served, [by_mirror])[1] == [MIRROR_NAME]
    stamp = note.parse_note(served)[1][-1].signature[:8]
    assert int.from_bytes(stamp, "big") == int(when.timestamp())
    # Not the log key, with which the registry cosigns as a witness (another statement).
    assert by_mirror.public_bytes != checkpoints.verifier(mirror.settings).public_bytes

    # The origin grows: the new checkpoint is cosigned once its leaves are stored.
    assert record(client, cafe, first, REPAIR).status_code == 201
    sync.sync(mirror.session, _origin(mirror.session), get, cosigner=cosigner)
    mirror.session.commit()
    newer = mirror.client.get(f"{AT}/log/v1/checkpoint").data.decode()
    assert newer.startswith(client.get("/log/v1/checkpoint").data.decode()) and newer != served
    assert note.verify_note(newer, [by_origin, by_mirror])[1] == [f"{HOST}/log/v1", MIRROR_NAME]

    # A checkpoint held from before the mirror cosigned is cosigned at the next sync.
    _origin(mirror.session).cosignature = None
    mirror.session.commit()
    bare = mirror.client.get(f"{AT}/log/v1/checkpoint").data.decode()
    assert note.verify_note(bare, [by_origin, by_mirror])[1] == [f"{HOST}/log/v1"]
    sync.sync(mirror.session, _origin(mirror.session), get, cosigner=cosigner)
    mirror.session.commit()
    again = mirror.client.get(f"{AT}/log/v1/checkpoint").data.decode()
    assert note.verify_note(again, [by_mirror])[1] == [MIRROR_NAME]


def test_refused_entries_are_never_cosigned(client, maker, cafe, mirror):
    _issued(client, maker, cafe)
    origins.add_origin(mirror.session, BASE_URL, None, answered_by(client))
    mirror.session.commit()

    def swapped(url: str, data: bytes) -> bytes:
        if "/tile/entries/" in url:
            return data[:-1]  # a leaf cut short
        return data

    cosigner = cosigning.signer(mirror.settings)
    with pytest.raises(MirrorRefused):
        sync.sync(
            mirror.session, _origin(mirror.session), answered_by(client, swapped), cosigner=cosigner
        )
    mirror.session.rollback()
    assert _origin(mirror.session).cosignature is None
    assert mirror.client.get(f"{AT}/log/v1/checkpoint").status_code == 404


# The server syncing by itself (KREISLAUF_MIRROR_SYNC_SECONDS) runs in tests/test_federation.py,
# with four registries as gunicorn processes; the scheduler alone in tests/web/test_periodic.py.
