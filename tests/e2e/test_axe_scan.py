"""The visitor's accessibility scan finds what is wrong: a page with a missing label, an image
without words and a link with no name fails the scan, and the failure names the problems. The
app's stylesheets do not lock the screen to one way round (portrait or landscape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import CleanPages, axe_scan

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Broken on purpose</h1><img src="/static/images/none.png">
<form><input type="text" name="q"></form><a href="/"></a></main></body></html>"""


def test_a_page_with_accessibility_faults_fails_the_scan(visitor):
    visitor.page.route(
        visitor.base_url + "/broken-on-purpose",
        lambda route: route.fulfill(status=200, content_type="text/html", body=BROKEN),
    )
    with pytest.raises(AssertionError) as failed:
        visitor.open("/broken-on-purpose")
    report = str(failed.value)
    for rule in ("image-alt", "label", "link-name"):
        assert rule in report, f"the scan missed {rule}"
    visitor.open("/")  # and a sound page passes


# Scans leave out the stylesheets (tests/e2e/conftest.py): these pages check them once.
LOCKED = "@media (orientation: portrait) { main { transform: rotate(90deg); } }"
ORIENTATION = {"preload": True, "runOnly": ["css-orientation-lock"]}


def _page_with(visitor, path: str, stylesheets: list[str]) -> None:
    links = "".join(f'<link rel="stylesheet" href="{href}">' for href in stylesheets)
    body = (
        f'<!doctype html><html lang="en"><head><title>Styles</title>{links}</head>'
        "<body><main><h1>Styles</h1><p>Some words.</p></main></body></html>"
    )
    visitor.page.route(
        visitor.base_url + path,
        lambda route: route.fulfill(status=200, content_type="text/html", body=body),
    )
    visitor.open(path)


def test_no_stylesheet_the_app_serves_locks_the_screen_one_way_round(visitor):
    served = sorted(f"/static/css/{p.name}" for p in (ROOT / "static" / "css").glob("*.css"))
    assert "/static/css/placefund.css" in served
    _page_with(visitor, "/styles-on-purpose", served)
    results = axe_scan(visitor.page, ORIENTATION)
    assert results.violations_count == 0, results.generate_report()


def test_a_stylesheet_that_locks_the_screen_fails_the_check(visitor):
    visitor.page.route(
        visitor.base_url + "/locked.css",
        lambda route: route.fulfill(status=200, content_type="text/css", body=LOCKED),
    )
    _page_with(visitor, "/locked-on-purpose", ["/locked.css"])
    results = axe_scan(visitor.page, ORIENTATION)
    assert "css-orientation-lock" in results.generate_report()


def test_a_page_is_only_taken_as_clean_when_it_is_the_same_as_one_found_clean(visitor, tmp_path):
    visitor.open("/")
    assert visitor.clean.has(visitor.clean.fingerprint(visitor.page, None))
    # A record of its own, which other tests in the run do not add to.
    clean = CleanPages(tmp_path / "clean-pages")
    clean.add(clean.fingerprint(visitor.page, None))
    assert clean.has(clean.fingerprint(visitor.page, None))
    assert not clean.has(clean.fingerprint(visitor.page, {"rules": {"region": {"enabled": False}}}))
    visitor.page.set_viewport_size({"width": 320, "height": 640})
    assert not clean.has(clean.fingerprint(visitor.page, None))
    visitor.page.evaluate("document.querySelector('h1').textContent += ' again'")
    assert not clean.has(clean.fingerprint(visitor.page, None))
    # A page with faults is never written down: it fails every time it is opened.
    visitor.page.route(
        visitor.base_url + "/broken-on-purpose",
        lambda route: route.fulfill(status=200, content_type="text/html", body=BROKEN),
    )
    for _ in range(2):
        with pytest.raises(AssertionError, match="image-alt"):
            visitor.open("/broken-on-purpose")
