"""No GET changes a row: every page the app serves, opened by every demo role, leaves the
database exactly as it was (time moves things, through ``flask tick``, never a page view)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select, text, update
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from giving.extensions import db
from giving.jobs import commit
from giving.models import User
from tests.conftest import log_in
from voting.models import Vote, VoteStatus

DEMO_PASSWORD = "placefund-demo"
ROLES = [
    None,
    "admin@demo.placefund.org",
    "manager@demo.placefund.org",
    "resident@demo.placefund.org",
    "group@demo.placefund.org",
]
PAGES_PER_ENDPOINT = 3
_HREF = re.compile(r'href="([^"#]*)')


def fingerprint(connection: Connection) -> dict[str, str]:
    """A hash of every row of every table, in primary-key order."""
    found: dict[str, str] = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
        found[table.name] = digest.hexdigest()
    return found


def _first_ids(connection: Connection) -> dict[str, str]:
    """A real value for each kind of URL argument, for routes no link leads to."""
    values = {"token": "not-a-real-token", "reference": "not-a-real-reference"}
    values["kind"] = "public"
    values["action"] = "open"
    tables = {
        "application_id": "applications",
        "attachment_id": "application_attachments",
        "checkin_id": "grant_checkins",
        "donation_id": "donations",
        "draw_id": "panel_draws",
        "fund_id": "funds",
        "grant_id": "grants",
        "group_id": "groups",
        "income_id": "fund_income",
        "instalment_id": "grant_instalments",
        "member_id": "panel_members",
        "panel_id": "panels",
        "round_id": "rounds",
        "vote_id": "votes",
    }
    names = set(db.metadata.tables)
    for argument, table in tables.items():
        value = None
        if table in names:
            value = connection.execute(text(f"SELECT min(id) FROM {table}")).scalar()
        values[argument] = str(value or 1)
    slug = connection.execute(text("SELECT slug FROM places ORDER BY id")).scalar()
    values["place_slug"] = values["slug"] = slug or "oakbridge"
    return values


def _fill(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{argument}>", values.get(argument, "1"), path)
    return path


def _endpoint(app: Flask, path: str) -> str | None:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return endpoint


def _get(client: FlaskClient, path: str) -> tuple[TestResponse, str]:
    """GET ``path`` and read the whole answer (a streamed download runs to its end)."""
    response = client.get(path)
    data = response.get_data()
    response.close()
    body = data.decode() if response.mimetype == "text/html" else ""
    assert response.status_code < 500, f"GET {path} answered {response.status_code}"
    return response, body


def crawl(app: Flask, client: FlaskClient, values: dict[str, str]) -> Counter[str]:
    """Open every page the links lead to (a few per endpoint), then every GET route no link
    reached; the endpoints seen, counted."""
    seen: Counter[str] = Counter()
    visited: set[str] = set()
    queue = ["/", "/account"]
    routes = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    ]
    while queue:
        path = queue.pop(0)
        endpoint = _endpoint(app, path)
        if path in visited or endpoint is None or seen[endpoint] >= PAGES_PER_ENDPOINT:
            continue
        visited.add(path)
        seen[endpoint] += 1
        response, body = _get(client, path)
        if response.mimetype != "text/html":
            continue
        for href in _HREF.findall(body):
            target = urlsplit(urljoin(path, href.replace("&amp;", "&")))
            if target.netloc in ("", "localhost") and target.path not in visited:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    for rule in routes:
        if seen[rule.endpoint] == 0:
            _get(client, _fill(rule, values))
            seen[rule.endpoint] += 1
    return seen


@contextmanager
def _frozen_settings_lifted(connection: Connection) -> Iterator[None]:
    """The database freezes a vote's settings once it has ballots. To wind the demo vote's
    closing time back, lift that guard for one statement, inside the test's own transaction
    (which is rolled back at the end)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE votes DISABLE TRIGGER votes_frozen"))
        yield
        connection.execute(text("ALTER TABLE votes ENABLE TRIGGER votes_frozen"))
        return
    found = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'votes_frozen'"
    definition = connection.execute(text(found)).scalar_one()
    connection.execute(text("DROP TRIGGER votes_frozen"))
    yield
    connection.execute(text(definition))


@pytest.fixture
def demo(app: Flask, session) -> None:
    """The demo, with the open public vote past its closing time but not yet counted: the
    moment when a page view used to close and count it."""
    from wsgi import load_demo

    with app.test_request_context():
        load_demo(db.session)
        vote = db.session.scalar(select(Vote).where(Vote.status == VoteStatus.OPEN))
        assert vote is not None
        with _frozen_settings_lifted(db.session.connection()):
            db.session.execute(
                update(Vote)
                .where(Vote.id == vote.id)
                .values(closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
            )
        commit()
    return


@pytest.mark.slow
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_no_get_changes_a_row(app, session, demo, email):
    client = app.test_client()
    if email is not None:
        user = session.scalar(select(User).where(User.email == email))
        assert log_in(client, user, DEMO_PASSWORD).status_code == 302
    connection = session.connection()
    values = _first_ids(connection)
    before = fingerprint(connection)
    seen = crawl(app, client, values)
    after = fingerprint(connection)
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"GET requests changed rows in: {changed}"
    served = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert served - {"static"} <= set(seen), "every GET route was requested"
    assert sum(seen.values()) > 50
