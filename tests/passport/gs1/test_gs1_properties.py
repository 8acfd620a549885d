"""Property tests of the GS1 syntax layer: any input gives a result or a domain error.

Generated URIs mix the shapes a parser meets (AIs from the dictionary and not, digits with
and without a valid check digit, percent-escapes, odd unicode, query strings, trailing and
double slashes) with arbitrary text. Whatever comes in, the parsers answer with a value or an
:class:`InvalidIdentifier` (a ``KreislaufError``), never another exception; and what they
accept, they write back in a form they parse again to the same identifier.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passport.errors import KreislaufError
from passport.gs1.check_digits import gs1_check_digit, normalise_gtin
from passport.gs1.digital_link import DigitalLink, parse_digital_link, parse_digital_link_path
from passport.gs1.elements import parse_digital_link_elements
from passport.gs1.epc import constrained_digital_link
from passport.gs1.values import validate_ai_value

FAST = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
AIS = ["01", "8013", "22", "10", "21", "235", "17", "3103", "15", "414", "254", "99", "00", "x"]


def gtin() -> st.SearchStrategy[str]:
    """13 digits and their check digit (mostly right), or a wrong length."""
    body = st.text("0123456789", min_size=13, max_size=13)
    good = body.map(lambda d: d + str(gs1_check_digit(d)))
    return st.one_of(good, good.map(lambda g: g[:-1] + str((int(g[-1]) + 1) % 10)), digits())


def digits() -> st.SearchStrategy[str]:
    return st.text("0123456789", max_size=20)


def value() -> st.SearchStrategy[str]:
    return st.one_of(
        digits(),
        gtin(),
        st.text(st.characters(codec="utf-8"), max_size=12),
        st.sampled_from(["%2F", "%", "%ZZ", "ABC-123", "a b", "..", "%E2%82%AC", "\x00"]),
    )


def uri() -> st.SearchStrategy[str]:
    segment = st.tuples(st.sampled_from(AIS), value()).map(lambda p: f"{p[0]}/{p[1]}")
    path = st.lists(segment, max_size=5).map("/".join)
    query = st.lists(st.tuples(st.sampled_from(AIS), value()), max_size=3).map(
        lambda q: "&".join(f"{a}={v}" for a, v in q)
    )
    base = st.sampled_from(
        ["https://id.gs1.org/", "http://example.com/shop/", "https://x/", "/", "urn:epc:id:sgtin:"]
    )
    shaped = st.tuples(base, path, st.sampled_from(["", "/", "//"]), st.one_of(st.just(""), query))
    return st.one_of(
        likely(),
        likely(),
        shaped.map(lambda p: p[0] + p[1] + p[2] + ("?" + p[3] if p[3] else "")),
        st.text(max_size=80),
    )


def likely() -> st.SearchStrategy[str]:
    """A link that is often valid: a good GTIN, a lot and a serial of GS1's characters."""
    good = st.text("0123456789", min_size=13, max_size=13).map(
        lambda d: d + str(gs1_check_digit(d))
    )
    part = st.text("ABCXYZabc0123456789-._!*()", min_size=1, max_size=20)
    optional = st.one_of(st.just(""), part)
    attribute = st.sampled_from(["", "?17=251231", "?3103=000189", "?15=2513", "?99=1"])
    return st.tuples(good, optional, optional, attribute).map(
        lambda p: (
            "https://id.gs1.org/01/"
            + p[0]
            + (f"/10/{p[1]}" if p[1] else "")
            + (f"/21/{p[2]}" if p[2] else "")
            + p[3]
        )
    )


@FAST
@given(uri())
def test_digital_link_parsers_answer_or_refuse(text: str) -> None:
    for parse in (parse_digital_link, parse_digital_link_elements):
        try:
            parse(text)
        except KreislaufError:
            pass
    try:
        link = parse_digital_link(text, allow_trailing_slash=True)
    except KreislaufError:
        link = None
    if link is not None:  # what is accepted comes back the same from its canonical form
        again = parse_digital_link_path(link.path())
        assert (again.gtin, again.gmn, again.lot, again.serial, again.cpv, again.tpx) == (
            link.gtin,
            link.gmn,
            link.lot,
            link.serial,
            link.cpv,
            link.tpx,
        )
        assert parse_digital_link(link.uri("https://id.gs1.org")).path() == link.path()
    assert constrained_digital_link(text) is None or isinstance(constrained_digital_link(text), str)


@FAST
@given(st.sampled_from(AIS), value())
def test_values_and_gtins_answer_or_refuse(ai: str, text: str) -> None:
    for check in (lambda: validate_ai_value(ai, text), lambda: normalise_gtin(text)):
        try:
            assert isinstance(check(), str)
        except KreislaufError:
            pass
    try:
        DigitalLink(gtin=text, serial=text or None)
    except KreislaufError:
        pass
