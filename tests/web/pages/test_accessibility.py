"""Issue 15 point 4: focus on the error summary after a failed submit; /api/docs has a page
language, a viewport and AA contrast (WCAG 2.1: 2.4.3, 3.1.1, 1.4.4/1.4.10, 1.4.3)."""

from __future__ import annotations

import re
from pathlib import Path

import swagger_ui_bundle

from tests.web.conftest import form_defaults, issue, sign_in

OURS = Path(__file__).resolve().parents[3] / "web" / "static" / "swagger-contrast.css"
THEIRS = Path(swagger_ui_bundle.swagger_ui_path) / "swagger-ui.css"
NAMED = {"grey": "#808080", "gray": "#808080", "red": "#ff0000", "green": "#008000"}
# Tachyons' colour utilities ship in swagger-ui.css but no component of the page uses them;
# the top bar is not shown (web/static/swagger-start.js uses the base layout).
UNUSED = re.compile(
    r"\.swagger-ui \.(hover-)?(gray|silver|light-silver|moon-gray|light-gray|near-white|white|"
    r"red|light-red|orange|gold|light-yellow|light-purple|hot-pink|pink|light-pink|green|"
    r"light-green|blue|light-blue|lightest-blue|washed-blue|washed-green|washed-yellow|"
    r"washed-red)(:focus|:hover)?|\.swagger-ui \.topbar.*"
)


def test_after_a_failed_submit_the_error_summary_takes_the_focus(
    client, session, maker, cafe, make_user
):
    sign_in(client, make_user(cafe))
    pid = issue(session, maker, name="Acme K1 electric kettle")
    url = f"/passports/{pid}/repairs/new"
    assert "autofocus" not in client.get(url).text  # nothing to point at yet
    failed = client.post(url, data=form_defaults(client.get(url).text) | {"problem": ""})
    assert failed.status_code == 400
    summary = re.findall(r"<[^>]*\bautofocus\b[^>]*>", failed.text)
    assert summary == [
        '<div class="banner alert" id="error-summary" role="alert" tabindex="-1" autofocus>'
    ]
    # before the form, and it links to the field to fix
    assert failed.text.index("error-summary") < failed.text.index('<form method="post"')
    assert '<a href="#f-problem">' in failed.text


def _luminance(colour: str) -> float:
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rules(css: str) -> list[tuple[list[str], str | None, str | None]]:
    """(selectors, colour, background) of each plain rule with a hex or named colour."""
    found = []
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        colour = re.search(r"(?:^|;)\s*color:\s*(#[0-9a-fA-F]{3,6}|grey|gray|red|green)\b", body)
        back = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})\b", body)
        parts = [" ".join(p.split()) for p in selectors.split(",")]
        found.append(
            (
                parts,
                NAMED.get(colour.group(1), colour.group(1)) if colour else None,
                back.group(1) if back else None,
            )
        )
    return found


def test_api_docs_has_a_language_a_viewport_and_aa_contrast(client):
    page = client.get("/api/docs").text
    assert '<html lang="en">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    theirs, ours = page.index("swagger-ui.css"), page.index("/static/swagger-contrast.css")
    assert theirs < ours  # ours is read last and wins
    with client.get("/static/swagger-contrast.css") as served:
        assert served.status_code == 200

    overrides = _rules(OURS.read_text(encoding="utf-8"))
    overridden = {
        p.removeprefix("html ").replace("::", ":") for parts, *_ in overrides for p in parts
    }
    for parts, colour, back in overrides:  # every colour of ours passes AA
        if colour is None and back is None:
            continue  # an icon's fill
        text, ground = colour or "#ffffff", back or "#ffffff"
        assert contrast(text, ground) >= 4.5, (parts, text, ground)
        assert contrast(text, "#fafafa") >= 4.5 or back, parts  # Swagger UI's grey panels
    short = []  # every rule of Swagger UI's below AA on its (or a white) background
    for parts, colour, back in _rules(THEIRS.read_text(encoding="utf-8")):
        if colour is None or "dark-mode" in " ".join(parts):
            continue
        if contrast(colour, back or "#ffffff") < 4.5:
            short += [p for p in parts if not UNUSED.fullmatch(p)]
    missing = [p for p in short if p not in overridden]
    assert short and missing == [], missing
