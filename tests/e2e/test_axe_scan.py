"""The visitor's accessibility scan finds what is wrong: a page with a missing label, an image
without words and a link with no name fails the scan, and the failure names the problems."""

from __future__ import annotations

import pytest

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
