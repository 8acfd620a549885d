"""Whatever the registry accepts, it serves on every way out (a hypothesis property test).

Generated passports keep to the schema but not to good taste: names and descriptions of
arbitrary unicode with markup, script and bidi controls, and characteristics of nested objects,
arrays, numbers and strings up to the documented depth (32 levels, the passport itself being
the first). Each is issued through the API and read back through every way out: the API's
JSON-LD, Turtle, VC-JWT and SD-JWT, its versions, events and QR code, search, the GS1 Digital
Link resolver (JSON-LD, linkset, a browser's redirect) and the passport's page. None is a 5xx.
One level deeper than the limit is a 422 at issuance, never a passport that cannot be read.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import passport
from tests.strategies import ROOM, characteristics, nest, text

SERIALS = itertools.count(1)


def ways_out(pid: str, uri: str) -> list[tuple[str, dict[str, str]]]:
    api = f"/api/v1/passports/{pid}"
    path = urlsplit(uri).path
    return [
        (api, {}),
        (f"{api}?format=ttl", {}),
        (f"{api}?format=jwt", {}),
        (f"{api}?format=sd-jwt", {}),
        (f"{api}/versions", {}),
        (f"{api}/events?format=epcis", {}),
        (f"{api}/qr.svg", {}),
        (path, {"Accept": "application/ld+json"}),
        (f"{path}?linkType=linkset", {}),
        (path, {"Accept": "text/html"}),
        (f"/passports/{pid}", {"Accept": "text/html"}),
        (f"/passports/{pid}?lang=de", {"Accept": "text/html"}),
        ("/api/v1/passports?q=kettle", {}),
        # EN 18222: the full form and a data element walk the whole credential
        (f"/api/v1/dpps/{pid}?representation=full", {}),
        (f"/api/v1/dpps/{pid}/elements/%24.credentialSubject", {}),
    ]


def test_every_accepted_passport_is_served_on_every_way_out(client: Any, maker: Any) -> None:
    @settings(
        max_examples=25,
        # no shrinking: each example writes to the database, and shrinking a failure on
        # PostgreSQL took minutes; the failing example is printed as generated
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(name=text, description=text, traits=characteristics, level=st.sampled_from(["item"]))
    def issue_and_read(name: str, description: str, traits: Any, level: str) -> None:
        body = passport(level, serial=f"P{next(SERIALS)}", name=name or "x")
        body["product"] |= {"description": description, "characteristics": traits}
        issued = client.post("/api/v1/passports", json=body, headers=maker.headers)
        assert issued.status_code == 201, issued.get_data(as_text=True)[:500]
        for url, headers in ways_out(issued.json["id"], issued.json["uri"]):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (url, headers)
            assert response.status_code in (200, 303, 307), (url, response.status_code)
        served = client.get(f"/api/v1/passports/{issued.json['id']}").json
        subject = served["credentialSubject"]  # UNTP 0.7.0: the Product itself
        assert subject["name"] == (name or "x") and subject["description"] == description

    issue_and_read()
    # one level past the limit is refused at issuance, naming the place
    body = passport(serial="TOO-DEEP")
    body["product"]["characteristics"] = {"deep": nest(ROOM + 1, "x")}
    refused = client.post("/api/v1/passports", json=body, headers=maker.headers)
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"][0]["pointer"].startswith("/product/characteristics/deep/")
    assert json.dumps(refused.json).count("32 levels") == 1
