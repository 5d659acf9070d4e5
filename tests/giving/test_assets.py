"""Stylesheets, scripts and images: a browser keeps each for a year by its address, which
changes when the file does, so the next page opens without asking for them again."""

from __future__ import annotations

import re

from flask import url_for

from giving.assets import KEEP_SECONDS, Versions, static_url

STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')
A_YEAR = f"max-age={KEEP_SECONDS}"


def test_a_page_names_its_files_by_their_content_and_they_are_kept_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    addresses = set(STATIC.findall(page))
    assert {"css/placefund.css", "js/govuk-frontend.min.js"} <= {
        a.split("?")[0].removeprefix("/static/") for a in addresses
    }
    for address in addresses:
        assert re.search(r"\?v=[0-9a-f]{12}$", address), address
        answer = client.get(address.replace("&amp;", "&"))
        assert answer.status_code == 200, address
        kept = answer.headers["Cache-Control"]
        answer.close()
        assert "public" in kept, (address, kept)
        assert A_YEAR in kept, (address, kept)
        assert "immutable" in kept, (address, kept)


def test_a_file_asked_for_by_an_old_address_or_none_is_checked_each_time(client):
    for address in ("/static/css/placefund.css", "/static/css/placefund.css?v=000000000000"):
        answer = client.get(address)
        assert answer.status_code == 200
        kept = answer.headers.get("Cache-Control", "")
        answer.close()
        assert "no-cache" in kept, (address, kept)
        assert "max-age" not in kept, (address, kept)
        # The browser's copy is still good when the file has not changed.
        again = client.get(address, headers={"If-None-Match": answer.headers["ETag"]})
        again.close()
        assert again.status_code == 304


def test_a_changed_file_gets_a_new_address(tmp_path):
    (tmp_path / "site.css").write_text("body { color: #0b0c0c; }")
    versions = Versions(str(tmp_path))
    first = versions.of("site.css")
    assert first is not None
    assert len(first) == 12
    assert versions.of("site.css") == first
    (tmp_path / "site.css").write_text("body { color: #1d70b8; margin: 0; }")
    changed = versions.of("site.css")
    assert changed is not None
    assert changed != first
    assert versions.of("missing.css") is None
    (tmp_path / "inside").mkdir()
    outside = Versions(str(tmp_path / "inside"))
    assert outside.of("../site.css") is None
    assert outside.of(".") is None


def test_a_files_address_is_made_once_and_kept_but_not_in_debug_mode(app, client):
    kept = app.extensions["static_urls"]
    kept.clear()
    page = client.get("/login").get_data(as_text=True)
    assert ("", "css/placefund.css") in kept
    assert kept[("", "css/placefund.css")] in page
    with app.test_request_context("/"):
        assert static_url("css/placefund.css") == url_for("static", filename="css/placefund.css")
    # Behind a path prefix, the prefix's own address.
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/fund"}):
        assert static_url("css/placefund.css").startswith("/fund/static/css/placefund.css?v=")
    assert ("/fund", "css/placefund.css") in kept
    kept.clear()
    app.debug = True
    try:
        assert "placefund.css?v=" in client.get("/login").get_data(as_text=True)
    finally:
        app.debug = False
    assert not kept
