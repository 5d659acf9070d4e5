"""Every page anyone can reach, on a 320 px phone.

For each demo role, and for someone not logged in, the crawl follows same-site links from the
home page, one page for each kind of page (route) it finds, and fails if a page:
- is wider than the phone, so the reader has to scroll sideways;
- shows the word None where a value should be;
- has a button the browser draws itself instead of a GOV.UK button or a link-styled one;
- has a single accessibility problem that axe can find (the Visitor scans every page).

Pages that only send a file or data (CSV, JSON, downloads) are not pages to read, so the crawl
leaves them out. GETs never change anything, so following every link is safe; log out is a
button, never a link.
"""

from __future__ import annotations

import html
import re
import time
import uuid
from collections import deque
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

from giving.demo import DEMO_PASSWORD

# Among the longest tests: marked slow, with about how many minutes each takes on a busy
# machine, so that parallel workers start on them first, the longest spread among them.
pytestmark = [pytest.mark.e2e, pytest.mark.slow(minutes=1)]

ROLES = {
    "anonymous": None,
    "admin": "admin@demo.placefund.org",
    "manager": "manager@demo.placefund.org",
    "resident": "resident@demo.placefund.org",
    "group": "group@demo.placefund.org",
}
# Enough for every kind of page the app has, with room to grow; a crawl that hits it says so.
MAX_PAGES = 250
# After the first page of a route, how many more of its addresses are read for their links.
LINKS_ONLY_PER_ROUTE = 4
HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
# Addresses that send a file or data rather than a page.
NOT_A_PAGE = re.compile(r"(^/static/|^/api/|/download\b|\.(csv|json|ods|pb|xlsx|pdf|zip|txt)$)")
# The word None on its own, as Python prints a missing value (not a sentence such as "None
# right now.").
NONE_SHOWN = re.compile("(?<![\\w'\u2019-])None(?![\\w'\u2019-])(?! [a-z])")

# What the browser reports about the page now showing: how wide it is and what makes it so,
# the buttons it draws itself, and where its links go.
LOOK = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (el) => {
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    return el.tagName.toLowerCase() + cls;
  };
  // Inside a box that scrolls on its own, unless positioned out of it.
  const scrolls = (el) => {
    if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
    for (let up = el.parentElement; up && up !== root; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  if (root.scrollWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      if (el.getBoundingClientRect().right > width + 1 && !scrolls(el)) {
        const inside = [...el.children].some((c) => c.getBoundingClientRect().right > width + 1);
        const text = JSON.stringify((el.innerText || "").slice(0, 40));
        if (!inside) wide.push(describe(el) + " " + text);
      }
      if (wide.length >= 5) break;
    }
  }
  const bare = [];
  for (const b of document.querySelectorAll(
    "button, input[type=submit], input[type=button], input[type=reset], input[type=image]"
  )) {
    const styled = [...b.classList].some((c) => c.startsWith("govuk-") || c === "pf-link-button");
    // The browser's own button: grey "ButtonFace" background and a raised (outset) border.
    const look = getComputedStyle(b);
    const drawn = look.borderTopStyle === "outset" || look.backgroundColor === "rgb(239, 239, 239)";
    if (!styled || drawn) bare.push(b.outerHTML.slice(0, 160));
  }
  const links = [...document.querySelectorAll("a[href]")]
    .filter((a) => !a.hasAttribute("download"))
    .map((a) => a.href);
  return {
    scrollWidth: root.scrollWidth, clientWidth: width, wide, bare, links,
    text: document.body.innerText,
  };
}"""


class Crawl:
    """One person's walk through the site: which kinds of page they have seen, what is still
    to visit, and every problem found on the way.

    The first address found for each route is opened in the browser and checked. A few more
    addresses of the same route (another round, another grant) are read without the browser,
    only for their links, so pages reached from them alone (a round's vote) are found too."""

    def __init__(self, visitor, app) -> None:
        self.visitor = visitor
        self.host = urlparse(visitor.base_url).netloc
        self.routes = app.url_map.bind(self.host)
        self.found: dict[str, int] = {}  # addresses queued for each route
        self.seen_urls: set[str] = set()
        self.queue: deque[tuple[str, bool]] = deque()
        self.visited: list[str] = []
        self.problems: list[str] = []

    def endpoint(self, path: str) -> str | None:
        try:
            endpoint, _args = self.routes.match(path, method="GET")
        except HTTPException:
            return None
        return str(endpoint)

    def add(self, url: str) -> None:
        """Queue ``url`` if it is a page on this site: to check, if it is the first of its
        route, or only to read its links, if it is one of the next few."""
        url, _fragment = urldefrag(url)
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or parsed.netloc != self.host:
            return
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if NOT_A_PAGE.search(parsed.path) or path in self.seen_urls:
            return
        endpoint = self.endpoint(parsed.path)
        count = self.found.get(endpoint or "", 0)
        if endpoint is None or count > LINKS_ONLY_PER_ROUTE:
            return
        self.seen_urls.add(path)
        self.found[endpoint] = count + 1
        self.queue.append((path, count == 0))

    def visit(self, path: str) -> None:
        page = self.visitor.page
        try:
            response = page.goto(self.visitor.base_url + path)
        except PlaywrightError as error:  # a download starts instead of a page
            first_line = error.message.splitlines()[0]
            self.problems.append(f"{path}: did not open as a page ({first_line})")
            return
        if response is not None and "text/html" not in response.headers.get("content-type", ""):
            # A file, not a page to read: nothing to scan.
            self.visitor.scanned.add(page.url)
            return
        self.visited.append(path)
        if response is not None and response.status >= 500:
            self.problems.append(f"{path}: the server failed ({response.status})")
        try:
            self.visitor.check()
        except AssertionError as failure:
            self.problems.append(f"{path}: {failure}")
        self.look(path)

    def look(self, path: str) -> None:
        seen = self.visitor.page.evaluate(LOOK)
        if seen["scrollWidth"] > seen["clientWidth"]:
            self.problems.append(
                f"{path}: {seen['scrollWidth']} px wide on a {seen['clientWidth']} px screen; "
                f"too wide: {seen['wide']}"
            )
        for match in NONE_SHOWN.finditer(seen["text"]):
            around = seen["text"][max(0, match.start() - 40) : match.end() + 40]
            self.problems.append(f"{path}: shows None: {around!r}")
        for button in seen["bare"]:
            self.problems.append(f"{path}: a button the browser draws itself: {button}")
        for link in seen["links"]:
            self.add(link)

    def read_links(self, path: str) -> None:
        """Fetch ``path`` as this person, without the browser, and queue its links."""
        url = self.visitor.base_url + path
        response = self.visitor.page.context.request.get(url, max_redirects=0)
        if response.status >= 500:
            self.problems.append(f"{path}: the server failed ({response.status})")
        if response.ok and "text/html" in response.headers.get("content-type", ""):
            for href in HREF.findall(response.text()):
                self.add(urljoin(url, html.unescape(href)))

    def run(self, start: list[str]) -> None:
        for url in start:
            self.add(self.visitor.base_url + url)
        while self.queue and len(self.visited) < MAX_PAGES:
            path, check = self.queue.popleft()
            if check:
                self.visit(path)
            else:
                self.read_links(path)
        assert not self.queue, f"the crawl stopped at {MAX_PAGES} pages; raise MAX_PAGES"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_and_passes_its_checks(role, narrow_visitor, live_app):
    started = time.monotonic()
    start = ["/"]
    email = ROLES[role]
    if email is not None:
        narrow_visitor.log_in(email, DEMO_PASSWORD)
        logged_in = narrow_visitor.page.get_by_role(
            "button", name="Log out", exact=True, include_hidden=True
        )
        assert logged_in.count() == 1, f"{email} could not log in"
        start.append(urlparse(narrow_visitor.page.url).path)
    crawl = Crawl(narrow_visitor, live_app)
    crawl.run(start)
    took = time.monotonic() - started
    print(f"{role}: {len(crawl.visited)} pages in {took:.1f} s")
    assert len(crawl.visited) >= 10, f"the crawl found too few pages: {crawl.visited}"
    assert not crawl.problems, f"{len(crawl.problems)} problems for {role}:\n" + "\n".join(
        crawl.problems
    )


def test_long_words_and_addresses_wrap_on_a_phone(narrow_visitor):
    """A long name, email address or web address with nowhere to break wraps inside the
    screen instead of pushing the page wider."""
    tag = uuid.uuid4().hex[:6]
    name = f"TheOakbridgeRiversideCommunityAllotmentAndOrchard{tag}"
    email = f"the.oakbridge.riverside.allotment.and.orchard.{tag}@example.org"
    website = f"https://example.org/groups/oakbridge-riverside-allotment-and-orchard/{tag}"
    v = narrow_visitor
    v.log_in("group@demo.placefund.org", DEMO_PASSWORD)
    v.open("/groups/new")
    v.fill("Group name", name)
    v.page.get_by_label("Community group (not registered)", exact=True).check()
    v.fill("What your group does", "We grow fruit and vegetables together.")
    v.fill("Group email (optional)", email)
    v.fill("Website (optional)", website)
    page = v.press("Save group")
    shown = v.text()
    assert name in shown.replace("\n", "")
    assert email in shown.replace("\n", "")
    assert website in shown.replace("\n", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
