"""The parts of the fuzz test: hostile values as Hypothesis strategies, the forms a page holds
(read from its HTML as a browser would), and a recorder that sends each request, counts it
against its route and keeps every answer of 500 or more with the exception behind it."""

from __future__ import annotations

import io
import re
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

from flask import Flask, got_request_exception
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

# Values that have broken web apps before: NUL bytes, numbers no column holds, numbers that
# are not numbers, empty and blank, paths out of the folder, spreadsheet formulas, digits
# Python reads but int() refuses, text in other scripts, and very long text.
HOSTILE = [
    "\x00",
    "a\x00b",
    "%00",
    "99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "-2147483649",
    "-1",
    "-0",
    "0",
    "1.5",
    "1e309",
    "-1e309",
    "1e-400",
    "1E+999999999",
    "sNaN",
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "0x1A",
    "1_000",
    "\u00b2",
    "\u0661\u0662\u0663",
    "\uff11\uff12",
    "",
    " ",
    "\t\r\n",
    "\u00a0",
    "../../../etc/passwd",
    "..%2f..%2f",
    "%",
    "%%",
    "=1+2",
    '=HYPERLINK("http://example.com","x")',
    "@SUM(A1)",
    "+44",
    "-2+3",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "null",
    "true",
    "[]",
    "{}",
    "\u202egnp.exe",
    "\U0001f600",
    "Ærø Ŵales ПРИВЕТ 中文",
    "x" * 10_000,
    "9" * 400,
]
# Parts of a day/month/year date, and of a time.
DATE_PARTS = [
    "1",
    "27",
    "3",
    "2027",
    "0",
    "32",
    "13",
    "99999",
    "0000",
    "-1",
    "x",
    "",
    " ",
    "\u00b2",
    "1e309",
    "12:00",
    "9am",
]
# Plain values, so a form sometimes gets far enough to reach its service.
PLAIN = [
    "1",
    "100",
    "250.50",
    "Community garden",
    "a-long-password",
    "resident@demo.placefund.org",
    "OX1 1AA",
    "yes",
]
# Query-string names the views read.
QUERY_NAMES = [
    "page",
    "per_page",
    "next",
    "round",
    "state",
    "receipt",
    "application",
    "on",
    "year",
    "size",
    "q",
    "ward",
]

_generated_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
)
_huge_numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
_odd_floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)


def hostile_values() -> st.SearchStrategy[str]:
    """A hostile string: a known troublemaker, or generated text or numbers."""
    return st.one_of(st.sampled_from(HOSTILE), _generated_text, _huge_numbers, _odd_floats)


def url_values(real: str) -> st.SearchStrategy[str]:
    """A value for a URL argument: the real one (so the view runs) or a hostile one."""
    return st.one_of(st.just(real), hostile_values())


@dataclass
class Field:
    """One name a form sends: its kind, the values the page gave it, and the choices it offers."""

    name: str
    kind: str
    values: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The forms on a page, with their inputs, selects, textareas and named buttons."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def _add(self, name: str | None, kind: str) -> Field | None:
        if self._form is None or not name:
            return None
        return self._form.fields.setdefault(name, Field(name, kind))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urldefrag(urljoin(self.page_url, a.get("action") or self.page_url)).url
            multipart = "multipart" in a.get("enctype", "")
            self._form = Form(a.get("method", "get").upper(), action, multipart)
            self.forms.append(self._form)
        elif tag in ("input", "button"):
            kind = a.get("type", "text" if tag == "input" else "submit")
            found = self._add(a.get("name"), kind)
            if found is None:
                return
            if kind in ("radio", "checkbox", "submit"):
                found.options.append(a.get("value", "on"))
                if "checked" in a:
                    found.values.append(a.get("value", "on"))
            else:
                found.values.append(a.get("value", ""))
        elif tag == "select":
            self._select = self._add(a.get("name"), "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.values.append(a.get("value", ""))
        elif tag == "textarea":
            self._add(a.get("name"), "textarea")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def _one_field(f: Field) -> st.SearchStrategy[list[str]]:
    """What a hostile browser sends for one field: what the page had, one hostile value,
    nothing, the name twice or more; for a day/month/year group, any number of odd parts."""
    real = st.sampled_from(f.options or [v for v in f.values if v] or PLAIN).map(lambda v: [v])
    one = hostile_values().map(lambda v: [v])
    many = st.lists(st.one_of(st.sampled_from(f.options or PLAIN), hostile_values()), max_size=4)
    if len(f.values) > 1 and f.kind not in ("radio", "checkbox"):
        parts = st.lists(st.one_of(st.sampled_from(DATE_PARTS), hostile_values()), max_size=5)
        three = st.lists(st.sampled_from(DATE_PARTS), min_size=3, max_size=3)
        return st.one_of(st.just(f.values), three, parts, one)
    return st.one_of(real, one, st.just([]), many)


def submissions(form: Form) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Hostile sets of (name, value) pairs for ``form``; its CSRF token always the page's own,
    so the app reads the rest. A file field sends a small file with an odd name."""
    names = [name for name in form.fields if name != "csrf_token"]
    strategies = [_one_field(form.fields[name]) for name in names]
    token = form.fields.get("csrf_token")
    extra = st.lists(st.tuples(hostile_values(), hostile_values()), max_size=1)

    def build(chosen: tuple[list[str], ...], more: list[tuple[str, str]]) -> list:
        pairs: list[tuple[str, Any]] = [("csrf_token", token.values[0])] if token else []
        for name, values in zip(names, chosen, strict=True):
            if form.fields[name].kind == "file":
                pairs += [(name, ("file", v.encode("utf-8", "replace"), v)) for v in values]
            else:
                pairs += [(name, v) for v in values]
        return pairs + more

    return st.builds(build, st.tuples(*strategies), extra)


def query_strings() -> st.SearchStrategy[str]:
    """A query string of the names views read, with hostile values."""
    pair = st.tuples(st.sampled_from(QUERY_NAMES), hostile_values())
    return st.lists(pair, max_size=3).map(
        lambda pairs: "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs)
    )


def fill(rule: Rule, values: dict[str, str], encode: bool = True) -> str:
    """``rule``'s path with each argument given ``values``' value (percent-encoded)."""
    path = rule.rule
    for argument in rule.arguments:
        value = values.get(argument, "1")
        value = quote(value, safe="") if encode else value
        path = re.sub(rf"<(?:[^<>:]+:)?{argument}>", lambda _m, v=value: v, path)
    return path


def explore(
    strategy: st.SearchStrategy, examples: int, body: Callable[[Any], None], label: str
) -> None:
    """Call ``body`` with ``examples`` values drawn from ``strategy``: the same ones each run,
    and different ones for each ``label`` (a route and role)."""

    @seed(zlib.crc32(label.encode()))
    @given(strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(example: Any) -> None:
        body(example)

    run()


@dataclass
class Failure:
    method: str
    url: str
    status: int
    error: str

    @property
    def cause(self) -> str:
        """The exception's last line: what went wrong."""
        lines = self.error.strip().splitlines()
        return lines[-1][:200] if lines else "(no exception)"

    def __str__(self) -> str:
        url = self.url if len(self.url) < 120 else self.url[:120] + "..."
        return f"{self.method} {url!r} -> {self.status}: {self.cause}"


def report(failures: list[Failure]) -> str:
    """Every failing request on a line, then one traceback for each different cause."""
    lines = [str(f) for f in failures]
    causes: dict[str, str] = {}
    for failure in failures:
        causes.setdefault(failure.cause, failure.error)
    return "\n".join([*lines, "", *causes.values()])


class Recorder:
    """Sends requests, counts them by route, and keeps each 5xx with its traceback."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.failures: list[Failure] = []
        self.raised: list[BaseException] = []
        self._adapter = app.url_map.bind("localhost")

    def endpoint_of(self, method: str, url: str) -> str | None:
        try:
            endpoint, _args = self._adapter.match(urlsplit(url).path, method=method)
        except (HTTPException, ValueError):
            return None
        return endpoint

    def count(self, endpoint: str, method: str, url: str, status: int) -> None:
        """Count one request made some other way (the API fuzz) and keep it if it was a 5xx."""
        self.counts[endpoint] += 1
        if status >= 500:
            error = "".join(traceback.format_exception(self.raised[-1])) if self.raised else ""
            self.failures.append(Failure(method, url, status, error or "(no exception)"))
        self.raised.clear()

    def send(
        self,
        client: FlaskClient,
        method: str,
        url: str,
        endpoint: str,
        data: list[tuple[str, Any]] | None = None,
        multipart: bool = False,
    ) -> tuple[int, str]:
        """One request, read to its end; its status and (for a page) its HTML."""
        kwargs: dict[str, Any] = {}
        if data is not None:
            pairs = [(k, (io.BytesIO(v[1]), v[2]) if isinstance(v, tuple) else v) for k, v in data]
            kwargs["data"] = MultiDict(pairs)
            if multipart or any(isinstance(v, tuple) for _k, v in data):
                kwargs["content_type"] = "multipart/form-data"
        response = client.open(url, method=method, **kwargs)
        body = response.get_data()
        response.close()
        self.count(endpoint, method, url, response.status_code)
        html = body.decode("utf-8", "replace") if response.mimetype == "text/html" else ""
        return response.status_code, html


@contextmanager
def exceptions_become_500s(app: Flask, recorder: Recorder) -> Iterator[None]:
    """Run ``app`` as in production: an exception is answered with the 500 page (not raised
    into the test), and the recorder keeps the exception to show with its request."""
    previous = app.config.get("PROPAGATE_EXCEPTIONS")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    logged = app.logger.disabled
    app.logger.disabled = True  # the recorder shows each exception with its request

    def keep(sender: Flask, exception: BaseException, **extra: Any) -> None:
        recorder.raised.append(exception)

    got_request_exception.connect(keep, app)
    try:
        yield
    finally:
        got_request_exception.disconnect(keep, app)
        app.config["PROPAGATE_EXCEPTIONS"] = previous
        app.logger.disabled = logged
