"""Every page anyone can reach, in Welsh and in Polish.

For each of the two languages, each demo role and someone not logged in follow same-site links
from the home page in turn (one address for each kind of page, as the English crawl in
test_crawl.py does). Each kind of page is opened in the browser, on a 320 px phone, the first
time anyone reaches it in that language; every page each person reaches is read in that
language. The test fails if a page:
- says it is in another language (``<html lang>`` is not "cy" or "pl");
- still shows the app's own words in English: a piece of its text is English left over when
  it is one of the app's own sentences: a msgid in translations/messages.pot, a text in a
  template, or a string in the code of giving/, voting/ or funds/. Words people typed (group
  names, round titles, answers, names) may stay as written, so the demo's data is left out,
  and so is text marked as another language's (``lang="en"`` on a round's English title) or
  as not to be translated (``translate="no"`` on an account's code). A word a catalogue gives
  as its own translation (Welsh "Panel") is not English left over;
- opened in the browser, has an accessibility problem that axe can find, but for colour
  contrast: the colours come from the stylesheet, the same in every language, and the English
  crawl checks them on every page at the same width (contrast is over half of axe's time);
- opened in the browser, fails any check of the English crawl on a 320 px phone (Welsh and
  Polish words are longer): sideways scrolling, a visible None, a button the browser draws
  itself.
A kind of page looks the same for each person who can open it, give or take a button, and the
English crawl opens it for each of them; opening it again for each person in each language
took five times as long as the English crawl.
"""

from __future__ import annotations

import ast
import html
import re
import time
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from giving.demo import DEMO_PASSWORD
from giving.languages import COOKIE
from tests.e2e.conftest import CleanPages, Visitor
from tests.e2e.test_crawl import HREF, ROLES, Crawl

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("cy", "pl")
# Staff first: they reach the most kinds of page, so those are opened with everything on them.
EVERYONE = {
    "admin": ROLES["admin"],
    "manager": ROLES["manager"],
    "finance": "finance@demo.placefund.org",
    "group": ROLES["group"],
    "resident": ROLES["resident"],
    "anonymous": None,
}
# Modules whose strings are the demo's or a load test's data, not the app's words.
DATA_MODULES = re.compile(r"(^|/)(demo\w*|scale\w*)\.py$")
# Texts the same in every language: the product's name, each language's own name for itself
# (the switcher shows "English", "Cymraeg" and "Polski" on every page), and short codes and
# abbreviations read as they are (CSV, OK, CIC, CIO, 360Giving, HMRC, BACS), and the names of
# the software a panel lottery used, which its record shows as they are published.
SAME_IN_EVERY_LANGUAGE = {
    "sortition-algorithms",
    "highspy",
    "HiGHS",
    "Python random.Random (Mersenne Twister)",
    "Placefund",
    "English",
    "Cymraeg",
    "Polski",
    "CSV",
    "OK",
    "CIC",
    "CIO",
    "360Giving",
    "HMRC",
    "BACS",
}
# axe's rules but colour contrast (see above).
AXE_OPTIONS = {"rules": {"color-contrast": {"enabled": False}}}
# Text in a page and in the attributes people read or hear.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Elements with no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
BUTTON_TYPES = ("submit", "button", "reset")
SPACE = re.compile(r"\s+")
LETTERS = re.compile(r"[A-Za-z]{2}")
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r'\b(?:title|aria-label|placeholder|value|alt)="([^"{]*)"')


def tidy(text: str) -> str:
    return SPACE.sub(" ", text).strip()


@cache
def app_words() -> frozenset[str]:
    """Every text the app itself shows: its catalogue, its templates' own text, and the
    strings in its code."""
    words: set[str] = set()
    with (ROOT / "translations" / "messages.pot").open("rb") as pot:
        for message in read_po(pot):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            words.update(tidy(i) for i in ids if i)
    lexer = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    for path in (ROOT / "templates").rglob("*.html"):
        for _line, kind, value in lexer.lex(path.read_text()):
            if kind == "data":
                words.update(tidy(text) for text in ATTRIBUTE.findall(value))
                words.update(tidy(text) for text in TAG.split(value))
    # The demo's own data (a lottery's category "Ward", a group's name) is typed content, even
    # where it happens to match one of the app's words.
    typed: set[str] = set()
    for package in ("giving", "voting", "funds"):
        for path in (ROOT / package).rglob("*.py"):
            found = typed if DATA_MODULES.search(path.as_posix()) else words
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(tidy(node.value))
    return frozenset(w for w in words if LETTERS.search(w)) - SAME_IN_EVERY_LANGUAGE - typed


@cache
def translated_words(language: str) -> frozenset[str]:
    """Every translation in ``language``'s catalogue: a word that is the same in both
    languages (Welsh "Panel", "Cost", "Ward") is a translation, not English left over."""
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    words: set[str] = set()
    for message in catalog:
        if message.id and not message.fuzzy:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            words.update(tidy(s) for s in strings if s)
    return frozenset(words)


class Texts(HTMLParser):
    """The texts of a page a person reads: its text, and the words of its buttons, titles,
    labels for screen readers and placeholders."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.texts: set[str] = set()
        self._hidden = 0
        # Inside an element marked as another language's words (lang="en" on a group's own
        # words, or an agreement kept in English) or as not to translate (translate="no" on
        # an account's code): which element, and how deep in elements of its kind.
        self._aside: str | None = None
        self._aside_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif (
            self._aside is None
            and tag not in VOID
            and (
                attributes.get("translate") == "no"
                or (attributes.get("lang") not in (None, self.lang))
            )
        ):
            self._aside, self._aside_depth = tag, 0
        if tag == self._aside:
            self._aside_depth += 1
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name in READ_ATTRIBUTES:
            self._add(attributes.get(name))
        # An input button's value is its words; a <button>'s value is only sent, not shown
        # (the language switcher's buttons send "cy" or "en").
        if tag == "input" and attributes.get("type") in BUTTON_TYPES:
            self._add(attributes.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1
        if tag == self._aside:
            self._aside_depth -= 1
            if not self._aside_depth:
                self._aside = None

    def handle_data(self, data: str) -> None:
        if not self._hidden and self._aside is None:
            self._add(data)

    def _add(self, text: str | None) -> None:
        if text and LETTERS.search(text):
            self.texts.add(tidy(text))


def texts_of(page: str) -> Texts:
    parsed = Texts()
    parsed.feed(page)
    return parsed


def english_left(shown: Texts, language: str) -> list[str]:
    """The app's own English texts among those a page in ``language`` shows."""
    return sorted((shown.texts & app_words()) - translated_words(language))


class LanguageCrawl(Crawl):
    """The crawl of test_crawl.py in one language. ``opened`` holds the kinds of page
    (routes) anyone has opened in the browser in this language: a page of a kind not yet
    opened is opened and checked as in English; any other is read without the browser. Each
    page's texts are looked up among the app's own English ones."""

    def __init__(self, visitor: Visitor, app, language: str, opened: set[str]) -> None:
        super().__init__(visitor, app)
        self.language = language
        self.opened = opened
        self.read: list[str] = []

    def visit(self, path: str) -> None:
        endpoint = self.endpoint(urlparse(path).path) or ""
        if endpoint in self.opened:
            self.read_and_compare(path)
            return
        self.opened.add(endpoint)
        super().visit(path)

    def read_links(self, path: str) -> None:
        # The next few addresses of a kind of page (another round, another grant) are read
        # only for their links in English; here they are compared too.
        self.read_and_compare(path)

    def look(self, path: str) -> None:
        # The English crawl's checks too (a 320 px phone, no None, no bare buttons): Welsh and
        # Polish words are longer than English ones. They also queue the page's links.
        super().look(path)
        self.read.append(path)
        self.compare(path, self.visitor.page.content())

    def read_and_compare(self, path: str) -> None:
        """Read ``path`` as this person without the browser: compare it, queue its links."""
        url = self.visitor.base_url + path
        response = self.visitor.page.context.request.get(url, max_redirects=0)
        if response.status >= 500:
            self.problems.append(f"{path}: the server failed ({response.status})")
        if response.ok and "text/html" in response.headers.get("content-type", ""):
            page = response.text()
            self.read.append(path)
            self.compare(path, page)
            for href in HREF.findall(page):
                self.add(urljoin(url, html.unescape(href)))

    def compare(self, path: str, page: str) -> None:
        shown = texts_of(page)
        if shown.lang != self.language:
            self.problems.append(f"{path}: <html lang={shown.lang!r}>, not {self.language!r}")
        for text in english_left(shown, self.language):
            self.problems.append(f"{path}: still in English: {text!r}")


def person(browser, base_url: str, language: str, email: str | None, clean: CleanPages) -> Visitor:
    """A person in their own browser who reads pages in ``language``."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies([{"name": COOKIE, "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    visitor = Visitor(page, base_url, AXE_OPTIONS, clean)
    if email is not None:
        visitor.open("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").click()
        visitor.check()
        assert "/login" not in page.url, f"{email} could not log in"
    return visitor


def crawl_as(browser, base_url, live_app, language, email, opened, clean) -> LanguageCrawl:
    """One person's crawl in ``language``; the kinds of page opened go into ``opened``."""
    reader = person(browser, base_url, language, email, clean)
    try:
        start = ["/"] if email is None else ["/", urlparse(reader.page.url).path]
        crawl = LanguageCrawl(reader, live_app, language, opened)
        crawl.run(start)
        reader.assert_every_page_scanned()
    finally:
        reader.page.context.close()
    return crawl


# Among the longest tests: marked slow, with about how many minutes each takes on a busy
# machine, so that parallel workers start on them first, the longest spread among them.
@pytest.mark.slow(minutes=4)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_the_language_chosen(language, browser, base_url, live_app, clean_pages):
    opened: set[str] = set()
    problems: list[str] = []
    for role, email in EVERYONE.items():
        started = time.monotonic()
        crawl = crawl_as(browser, base_url, live_app, language, email, opened, clean_pages)
        took = time.monotonic() - started
        print(
            f"{language} {role}: {len(crawl.read)} pages read, {len(crawl.visited)} of them "
            f"opened in the browser, in {took:.1f} s"
        )
        assert len(crawl.read) >= 10, f"the crawl found too few pages for {role}: {crawl.read}"
        problems += [f"{role}: {problem}" for problem in crawl.problems]
    assert not problems, f"{len(problems)} problems in {language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_app_s_own_english_is_found_and_people_s_words_are_not(language):
    page = (
        f'<html lang="{language}"><body><button type="submit">Log out</button>'
        '<p lang="en">Log out</p><span translate="no">Log out</span>'
        '<button type="submit" name="language" value="en">English</button>'
        "<p>Oakbridge Community Garden</p><p>Placefund</p></body></html>"
    )
    assert english_left(texts_of(page), language) == ["Log out"]
