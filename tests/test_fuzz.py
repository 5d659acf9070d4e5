"""No hostile input gets a 5xx: every route the app serves, driven with generated hostile values
(Hypothesis for pages and forms, schemathesis for the API) as every demo role, answers with a
page, a redirect or a clear refusal, never a fault on our side.

The app runs as in production here: an exception becomes the 500 page and is recorded with its
traceback. Everything the requests write is undone after each route (a savepoint inside the
test's rolled-back transaction), so each route starts from the demo and later tests see none
of it."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from sqlalchemy import Connection

from giving.extensions import limiter
from tests.conftest import log_in
from tests.fuzz_helpers import (
    Field,
    Form,
    Recorder,
    exceptions_become_500s,
    explore,
    fill,
    forms_on,
    hostile_values,
    query_strings,
    report,
    submissions,
    url_values,
)
from tests.test_get_changes_nothing import (
    _HREF,
    DEMO_PASSWORD,
    ROLES,
    _first_ids,
    demo,  # noqa: F401 (the demo, loaded as a fixture)
)

URL_EXAMPLES = 4  # hostile addresses per route, method and role (admin and anonymous)
FORM_EXAMPLES = 10  # hostile submissions per form and role that sees it
API_EXAMPLES = 15  # per API operation and kind of case
PAGES_PER_ENDPOINT = 2  # pages opened per route while gathering forms
LEAST_REQUESTS = 5_000
METHODS = ("GET", "POST")


@dataclass
class Role:
    """A demo person (or nobody) with a browser; the browser's session cookie as it was just
    after logging in, put back after each route so a log-out or a changed form token found
    while fuzzing does not stop the next route being tried as this person."""

    name: str
    client: FlaskClient
    cookie: dict
    token: str = ""

    def restore(self) -> None:
        with self.client.session_transaction() as cookie:
            cookie.clear()
            cookie.update(self.cookie)


def _log_in_roles(app: Flask) -> dict[str, Role]:
    roles = {}
    for email in ROLES:
        client = app.test_client()
        name = (email or "anonymous").split("@")[0]
        if email is not None:
            answer = log_in(client, SimpleNamespace(email=email), DEMO_PASSWORD)
            assert answer.status_code == 302, f"{name} could not log in to the demo"
        else:
            client.get("/login")
        with client.session_transaction() as cookie:
            roles[name] = Role(name, client, dict(cookie))
    return roles


@contextmanager
def undone(app: Flask, connection: Connection, role: Role) -> Iterator[None]:
    """Whatever the block's requests write is rolled back; tries-limits and the role's
    browser session are as they were."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        with app.app_context():
            limiter.reset()
        role.restore()


def gather_forms(
    app: Flask, recorder: Recorder, role: Role, values: dict[str, str]
) -> dict[tuple[str, str], list[Form]]:
    """Open the pages the links lead to (a few per route) and every GET route as ``role``,
    keeping each form found, by the method and route it sends to."""
    found: dict[tuple[str, str], list[Form]] = defaultdict(list)
    opened: defaultdict[str, int] = defaultdict(int)
    visited: set[str] = set()
    queue = ["/", "/account"]
    queue += [
        fill(rule, values)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    ]
    while queue:
        path = queue.pop(0)
        endpoint = recorder.endpoint_of("GET", path)
        if path in visited or endpoint is None or opened[endpoint] >= PAGES_PER_ENDPOINT:
            continue
        visited.add(path)
        opened[endpoint] += 1
        _status, html = recorder.send(role.client, "GET", path, endpoint)
        for form in forms_on(path, html):
            target = recorder.endpoint_of(form.method, form.action)
            token = form.fields.get("csrf_token")
            if token is not None and not role.token:
                role.token = token.values[0]
            known = found[(form.method, target or "")]
            if (
                target
                and len(known) < 2
                and form.fields.keys() not in [f.fields.keys() for f in known]
            ):
                known.append(form)
        for href in _HREF.findall(html):
            link = urlsplit(urljoin(path, href.replace("&amp;", "&")))
            if link.netloc in ("", "localhost") and link.path not in visited:
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return found


def fuzz_addresses(app, recorder, connection, roles, values) -> None:
    """Every route and method, as admin and as nobody: the real address, then hostile values
    for each part of the address and hostile query strings."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        arguments = st.fixed_dictionaries(
            {a: url_values(values.get(a, "1")) for a in rule.arguments}
        )
        for method in METHODS:
            if method not in (rule.methods or ()):
                continue
            for role in (roles["admin"], roles["anonymous"]):
                data = [("csrf_token", role.token)] if method == "POST" else None

                def send(example, rule=rule, method=method, role=role, data=data) -> None:
                    chosen, encode, query = example
                    url = fill(rule, chosen, encode) + (f"?{query}" if query else "")
                    recorder.send(role.client, method, url, rule.endpoint, data)

                with undone(app, connection, role):
                    send((values, True, ""))
                    strategy = st.tuples(arguments, st.booleans(), query_strings())
                    explore(strategy, URL_EXAMPLES, send, f"{method} {rule.rule} {role.name}")


def fuzz_forms(app, recorder, connection, roles, forms, values) -> None:
    """Each form, as each role that was shown it, sent hostile values; a POST route whose
    form no role saw is sent its CSRF token and a few hostile fields as admin and nobody."""
    for rule in app.url_map.iter_rules():
        for method in METHODS:
            if method not in (rule.methods or ()) or rule.endpoint == "static":
                continue
            seen = {name: forms[name].get((method, rule.endpoint), []) for name in roles}
            if method == "POST" and not any(seen.values()):
                for name in ("admin", "anonymous"):
                    seen[name] = [_made_up_form(rule, roles[name].token, values)]
            for name, found in seen.items():
                for form in found:
                    _fuzz_form(app, recorder, connection, roles[name], rule.endpoint, form)


def _made_up_form(rule, token: str, values: dict[str, str]) -> Form:
    fields = {"csrf_token": Field("csrf_token", "hidden", [token])}
    for name in ("name", "amount", "choices", "reason", "data"):
        fields[name] = Field(name, "text", [""])
    return Form("POST", fill(rule, {**values, "direction": "up"}), False, fields)


def _fuzz_form(app, recorder, connection, role: Role, endpoint: str, form: Form) -> None:
    def send(pairs) -> None:
        if form.method == "GET":
            plain = [(k, v) for k, v in pairs if isinstance(v, str)]
            url = form.action.split("?")[0] + "?" + urlencode(plain)
            recorder.send(role.client, "GET", url, endpoint)
        else:
            recorder.send(role.client, "POST", form.action, endpoint, pairs, form.multipart)

    with undone(app, connection, role):
        explore(submissions(form), FORM_EXAMPLES, send, f"{form.action} {role.name}")


def fuzz_api(app, recorder, values) -> None:
    """Schemathesis's cases for each API operation (valid and not), with the demo's real
    names and numbers, and with hostile values in the path."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        real = {name: values[name] for name in names if name in values}
        path = operation.path
        for name, value in real.items():
            path = path.replace("{" + name + "}", value)
        endpoint = recorder.endpoint_of("GET", path) or operation.path
        encoded = hostile_values().map(lambda v: quote(v, safe=""))
        hostile = st.fixed_dictionaries(dict.fromkeys(names, encoded))
        strategies = [
            st.tuples(operation.as_strategy(path_parameters=real), st.none()),
            st.tuples(operation.as_strategy(schemathesis.GenerationMode.NEGATIVE), st.none()),
            st.tuples(operation.as_strategy(path_parameters=real), hostile),
        ]

        def call(example, endpoint=endpoint) -> None:
            case, path_values = example
            if path_values:
                case.path_parameters = {**(case.path_parameters or {}), **path_values}
            response = case.call()
            recorder.count(endpoint, "GET", case.formatted_path, response.status_code)

        for number, strategy in enumerate(strategies):
            try:
                explore(strategy, API_EXAMPLES, call, f"{operation.path} {number}")
            except Unsatisfiable:  # nothing in the document to get wrong (no parameters)
                continue


@contextmanager
def offline(app: Flask) -> Iterator[None]:
    """No card payments (so nothing calls Stripe); email goes to the tests' own SMTP server."""
    names = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_API_BASE")
    saved = {name: app.config.get(name) for name in names}
    app.config.update(dict.fromkeys(names, ""))
    assert app.config["MAIL_SERVER"] in ("", "127.0.0.1")
    try:
        yield
    finally:
        app.config.update(saved)


@pytest.mark.slow(minutes=3)
@pytest.mark.usefixtures("demo")
def test_no_route_answers_5xx_to_hostile_input(app, session):
    started = time.monotonic()
    connection = session.get_bind()
    values = _first_ids(connection)
    recorder = Recorder(app)
    with offline(app), exceptions_become_500s(app, recorder):
        roles = _log_in_roles(app)
        forms = {}
        for name, role in roles.items():
            with undone(app, connection, role):
                forms[name] = gather_forms(app, recorder, role, values)
        fuzz_addresses(app, recorder, connection, roles, values)
        fuzz_forms(app, recorder, connection, roles, forms, values)
        fuzz_api(app, recorder, values)
    total = sum(recorder.counts.values())
    took = time.monotonic() - started
    print(f"\nfuzz: {total} requests over {len(recorder.counts)} routes in {took:.0f}s")
    served = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert served <= set(recorder.counts), (
        f"routes not tried: {sorted(served - set(recorder.counts))}"
    )
    failures = recorder.failures
    assert not failures, f"{len(failures)} requests answered 5xx:\n{report(failures)}"
    assert total >= LEAST_REQUESTS
