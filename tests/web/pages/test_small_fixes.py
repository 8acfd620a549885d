"""Issue 15's small defects: the favicon, a browser's 404, the timeline's punctuation, the
checkpoint line's link, the item page's batch link."""

from __future__ import annotations

from markupsafe import Markup

from web.pages.timeline import _joined

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_the_favicon_is_served_and_kept(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg") and "max-age=86400" in icon.headers["Cache-Control"]
    page = client.get("/", headers={"Accept": BROWSER}).text
    assert '<link rel="icon" href="/favicon.ico" type="image/svg+xml">' in page


def test_a_browser_gets_a_404_page_and_an_api_client_a_problem(client):
    page = client.get("/no/such/page", headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>" in page.text and "Content-Security-Policy" in page.headers
    for accept in ("application/json", "*/*", "application/problem+json", None):
        headers = {"Accept": accept} if accept else {}
        problem = client.get("/no/such/page", headers=headers)
        assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    german = client.get("/no/such/page", headers={"Accept": BROWSER, "Accept-Language": "de"})
    assert 'lang="de"' in german.text


def test_details_join_without_doubled_punctuation(app):
    with app.test_request_context():
        assert _joined(["Lid bent. I bent the hinge back.", "fixed"]) == (
            "Lid bent. I bent the hinge back, fixed"
        )
        assert _joined(["Does it boil?", "fixed"]) == "Does it boil? fixed"
        assert _joined(["Wait...", None, "", "fixed"]) == "Wait..., fixed"
        assert _joined([None, ""]) is None
        assert _joined(["<b>x</b>.", Markup("<i>y</i>")]) == "&lt;b&gt;x&lt;/b&gt;, <i>y</i>"
