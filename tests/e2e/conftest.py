"""Browser tests: Playwright drives Debian's Chromium against a live server on 127.0.0.1.

Every page a test visits is scanned with axe (or is the same as a page already found clean in
the run: see ``CleanPages``); a test fails if any page it reached was not scanned, or if a scan
finds a single violation or the page shows HTML markup as text.
Every test under tests/e2e carries the ``e2e`` marker (tests/conftest.py sets it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
from axe_playwright_python.base import AXE_SCRIPT, AxeResults
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from giving.extensions import db
from giving.jobs import commit
from tests.conftest import free_port
from tests.database_helpers import app_on, postgres_database
from wsgi import load_demo

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def _e2e_database(tmp_path_factory) -> Iterator[str]:
    """Its own database: the live server commits for real, unlike the unit tests."""
    if not os.environ.get("TEST_DATABASE_URL", ""):
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.sqlite3'}"
        return
    with postgres_database("e2e") as url:
        yield url


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, smtp_server):
    controller, _mailbox = smtp_server
    with (
        _e2e_database(tmp_path_factory) as url,
        app_on(
            url,
            MAIL_SERVER=controller.hostname,
            MAIL_PORT=controller.port,
            # Browser tests log in often from one address; the throttle has its own tests.
            LOGIN_FAILURE_LIMIT="1000 per minute",
            EMAIL_REQUEST_LIMIT="1000 per minute",
        ) as app,
    ):
        with app.test_request_context():
            load_demo(db.session)
            commit()
        yield app
        with app.app_context():
            db.session.remove()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


def _sent_whole(app: WSGIApplication) -> WSGIApplication:
    """``app``, each of whose answers is read whole, and closed, before it is sent. When a
    browser drops a connection halfway (it moves on before a page's icon has come), the test
    server fails on the dropped socket before it closes the file it was sending, and the open
    file, found later, would fail whichever test was running then."""

    def whole(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return whole


def _with_axe(app: WSGIApplication) -> WSGIApplication:
    """``app``, with axe's script at ``AXE_PATH`` for the pages a test scans, kept by the
    browser for the whole run."""
    script = AXE_SCRIPT.encode()
    headers = [
        ("Content-Type", "text/javascript; charset=utf-8"),
        ("Content-Length", str(len(script))),
        ("Cache-Control", "public, max-age=31536000, immutable"),
    ]

    def with_axe(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == AXE_PATH:
            start_response("200 OK", headers)
            return [script]
        return app(environ, start_response)

    return with_axe


@pytest.fixture(scope="session")
def base_url(live_app) -> Iterator[str]:
    port = free_port()
    app = _sent_whole(_with_axe(live_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# axe is loaded into a page only when the page is scanned: the page asks the test server for
# it (the browser keeps it in its cache), so a page that is not scanned (the same as one found
# clean) costs no time compiling half a megabyte of script.
# A scan does not fetch the page's stylesheets again (``preload``): they are only read by the
# rule on locking the screen's orientation, every page has the same ones, and
# test_axe_scan.py checks them with that rule. Fetching them was a fifth of each scan.
# Only the violations come back: the rules that passed or did not apply, hundreds of them,
# took a quarter of each scan's time on the way back to the test.
AXE_PATH = "/__tests__/axe.min.js"
_AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}
_AXE_RUN = """async ([options, source]) => {
  if (!window.axe) {
    await new Promise((loaded, failed) => {
      const script = document.createElement("script");
      script.src = source;
      script.dataset.axeScan = "";
      script.onload = loaded;
      script.onerror = () => failed(new Error("axe could not be loaded from " + source));
      (document.head || document.documentElement).append(script);
    });
  }
  const found = await window.axe.run(options);
  return {...found, passes: [], incomplete: [], inapplicable: []};
}"""


def axe_scan(page: Page, options: dict | None = None) -> AxeResults:
    """axe's findings on the page now showing (violations only), with every rule unless
    ``options`` says otherwise (axe.run's options)."""
    options = {**_AXE_OPTIONS, **(options or {})}
    return AxeResults(page.evaluate(_AXE_RUN, [options, AXE_PATH]))


# A page as axe sees it: its markup once its scripts have run, the element with the focus and
# the window's size. Form tokens and script nonces, different on every page and never shown,
# are left out, and so is the axe script a scan put in: a page looked at again after it was
# scanned is the page it was. Read together with the text the page shows, in one trip to the
# browser.
_LOOK_AT = """() => {
  const page = document.documentElement.cloneNode(true);
  for (const el of page.querySelectorAll("script[data-axe-scan]")) el.remove();
  for (const el of page.querySelectorAll("input[name=csrf_token]")) el.removeAttribute("value");
  for (const el of page.querySelectorAll("[nonce]")) el.removeAttribute("nonce");
  const focus = document.activeElement ? document.activeElement.outerHTML.slice(0, 400) : "";
  return {
    markup: [innerWidth, innerHeight, focus, page.outerHTML].join("\\n"),
    text: document.body ? document.body.innerText : "",
  };
}"""


@cache
def _served_files() -> str:
    """A digest of the stylesheets, scripts and images the pages use, as they are now."""
    digest = hashlib.sha256(AXE_SCRIPT.encode())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(path.as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


class CleanPages:
    """The pages axe has found nothing wrong with in this run, shared by the parallel workers.

    axe's findings follow from the page's markup, its stylesheets and the window's size, so a
    page the same in all of them as one found clean (the same kind of page for two people who
    see the same buttons, the log-in page again) is clean too, and is not scanned again. In the
    crawls, half the pages were such repeats. Each clean page leaves an empty file named by its
    fingerprint in ``folder``; a page with a violation is never written down."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def fingerprint(self, page: Page, axe_options: dict | None) -> str:
        return self.fingerprint_of(page.evaluate(_LOOK_AT)["markup"], axe_options)

    def fingerprint_of(self, markup: str, axe_options: dict | None) -> str:
        """The fingerprint of a page whose markup (as ``_LOOK_AT`` reads it) is ``markup``."""
        digest = hashlib.sha256(_served_files().encode())
        digest.update(json.dumps(axe_options or {}, sort_keys=True).encode())
        digest.update(markup.encode())
        return digest.hexdigest()

    def has(self, fingerprint: str) -> bool:
        return (self.folder / fingerprint).exists()

    def add(self, fingerprint: str) -> None:
        (self.folder / fingerprint).touch()


@pytest.fixture(scope="session")
def clean_pages(tmp_path_factory) -> CleanPages:
    """One record for the run: parallel workers each have a folder inside the run's own."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    return CleanPages(root / "clean-pages")


class Visitor:
    """A person in the browser. Every page they land on is scanned with axe."""

    def __init__(
        self,
        page: Page,
        base_url: str,
        axe_options: dict | None = None,
        clean: CleanPages | None = None,
    ) -> None:
        self.page = page
        self.base_url = base_url
        self.axe_options = axe_options
        self.clean = clean
        self.reached: list[str] = []
        self.scanned: set[str] = set()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.reached.append(frame.url)

    def check(self) -> None:
        """Scan the page now showing; fail on any accessibility violation. A page the same as
        one already found clean in this run is not scanned again (see :class:`CleanPages`)."""
        self.page.wait_for_load_state("load")
        url = self.page.url
        now = self.page.evaluate(_LOOK_AT)
        seen = self.clean.fingerprint_of(now["markup"], self.axe_options) if self.clean else None
        if seen is None or not self.clean.has(seen):
            results = axe_scan(self.page, self.axe_options)
            self.scanned.add(url)
            assert results.violations_count == 0, (
                f"axe found {results.violations_count} violations on {url}:\n"
                + results.generate_report()
            )
            if seen is not None:
                self.clean.add(seen)
        self.scanned.add(url)
        shown = now["text"]
        assert not re.search(r"</?(p|strong|a|span|div)\b", shown), f"{url} shows markup as text"

    def open(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        self.check()
        return self.page

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def press(self, button: str) -> Page:
        """Press a button or link that leads to another page, then scan that page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()
        self.check()
        return self.page

    def follow(self, link: str) -> Page:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=link, exact=True).first.click()
        self.check()
        return self.page

    def goto_url(self, url: str) -> Page:
        """Open a full address, like a link in an email."""
        parsed = urlparse(url)
        return self.open(parsed.path + (f"?{parsed.query}" if parsed.query else ""))

    def log_in(self, email: str, password: str) -> Page:
        self.open("/login")
        self.fill("Email address", email)
        self.fill("Password", password)
        return self.press("Log in")

    def register(self, name: str, email: str, password: str, postcode: str = "") -> Page:
        """Fill in the registration form on this page and send it."""
        self.fill("Your name", name)
        self.fill("Email address", email)
        if postcode:
            self.fill("Your home postcode (optional)", postcode)
        self.fill("Make a password", password)
        self.fill("Type the password again", password)
        return self.press("Create account")

    def confirm_email(self, mailbox, email: str) -> Page:
        """Open the confirmation link emailed to ``email`` and press its button."""
        self.goto_url(mailbox.link(email, "/confirm/"))
        return self.press("Confirm my email")

    def log_out(self) -> Page:
        menu = self.page.get_by_role("button", name="Menu", exact=True)
        if menu.is_visible():
            menu.click()
        return self.press("Log out")

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def assert_every_page_scanned(self) -> None:
        missed = [u for u in self.reached if u not in self.scanned and u != "about:blank"]
        assert not missed, f"pages reached without an axe scan: {missed}"


def _visitor(browser, base_url, clean_pages, **context_args) -> Iterator[Visitor]:
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.set_default_timeout(15_000)
    visitor = Visitor(page, base_url, clean=clean_pages)
    try:
        yield visitor
        visitor.assert_every_page_scanned()
    finally:
        context.close()


@pytest.fixture
def visitor(browser, base_url, clean_pages) -> Iterator[Visitor]:
    yield from _visitor(browser, base_url, clean_pages)


@pytest.fixture
def narrow_visitor(browser, base_url, clean_pages) -> Iterator[Visitor]:
    """A 320 px wide phone."""
    yield from _visitor(browser, base_url, clean_pages, viewport={"width": 320, "height": 640})


class NoScriptVisitor(Visitor):
    """A browser with JavaScript switched off. axe needs JavaScript to run, so these pages are
    scanned by the same journeys in a normal browser; here we check that they work."""

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        self.scanned.add(self.page.url)


@pytest.fixture
def noscript_visitor(browser, base_url) -> Iterator[Visitor]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield NoScriptVisitor(page, base_url)
    finally:
        context.close()
