"""Test harness: one app per run on its own database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), built by the migrations; each test in a rolled-back transaction;
email delivered to a real SMTP server on 127.0.0.1.

Tests run in parallel with ``-n 2`` (pytest-xdist): each worker has its own database, SMTP
server, Redis and live servers on free ports. Markers sort the tests so that each part can run
on its own: ``db`` (uses the test database) and ``e2e`` (browser tests) are set here."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from functools import partial

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from giving.extensions import db, limiter
from tests import pabulib_data
from tests.database_helpers import app_on, drop_templates, worker_database

# Fixtures that put a test on the database TEST_DATABASE_URL names (or SQLite without it).
DATABASE_FIXTURES = {"app", "live_app"}
# Helpers that make a database of their own next to TEST_DATABASE_URL's.
DATABASE_HELPERS = ("own_app", "own_database", "postgres_database")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker on PostgreSQL gets a database of its own, named after
    TEST_DATABASE_URL's with the worker's name, and dropped when the worker is done."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        config.add_cleanup(worker_database(worker))


def pytest_unconfigure(config: pytest.Config) -> None:
    drop_templates()


def _uses_database(item: pytest.Item) -> bool:
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    if item.get_closest_marker("postgres") is not None:
        return True
    module = getattr(item, "module", None)
    return any(hasattr(module, name) for name in DATABASE_HELPERS)


def _cost(item: pytest.Item) -> tuple[int, int]:
    """How long a test takes, roughly: the slow ones, longest first (``slow(minutes=...)``
    on the few that take minutes: the fuzz test and the crawls), then the browser tests (4
    to 35 seconds each), then the rest (well under a second)."""
    slow = item.get_closest_marker("slow")
    if slow is not None:
        return 0, -slow.kwargs.get("minutes", 0)
    return (1 if item.get_closest_marker("e2e") is not None else 2), 0


def _dealt(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` (longest first) dealt like cards into one pile for each worker, the piles
    laid end to end. pytest-xdist's work stealing hands each worker one stretch of the list
    and lets the others take from its end: without dealing, the first worker's stretch held
    every long test, one after another, while the others ran out of work."""
    return [item for pile in range(workers) for item in items[pile::workers]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the browser tests and the tests that use the database; then put the longest tests
    first (each kind in its own order), dealt among the parallel workers, so that each starts
    on its share of them and they finish together on short ones, instead of one waiting on a
    long test picked up at the end."""
    e2e = config.rootpath / "tests" / "e2e"
    for item in items:
        if item.path.is_relative_to(e2e):
            item.add_marker(pytest.mark.e2e)
        if _uses_database(item):
            item.add_marker(pytest.mark.db)
    items.sort(key=_cost)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        items[:] = _dealt(items, workers)


def pytest_runtest_setup(item: pytest.Item) -> None:
    pabulib_data.check(item)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "from": envelope.mail_from,
                "subject": message["Subject"],
                "body": message.get_content(),
            }
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]

    def link(self, address: str, path_fragment: str) -> str:
        """The newest link sent to ``address`` whose path contains ``path_fragment``."""
        for message in reversed(self.to(address)):
            for url in re.findall(r"https?://\S+", message["body"]):
                if path_fragment in url:
                    return url
        raise AssertionError(f"No email to {address} with a {path_fragment} link")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """TEST_REDIS_URL if given, else a private redis-server started for this run."""
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run 'make test', which installs it")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def database_url(tmp_path_factory: pytest.TempPathFactory, suffix: str = "") -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return url + suffix if suffix else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / f'placefund{suffix}.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server) -> Iterator[Flask]:
    controller, _mailbox = smtp_server
    with app_on(
        database_url(tmp_path_factory),
        MAIL_SERVER=controller.hostname,
        MAIL_PORT=controller.port,
    ) as app:
        yield app


@pytest.fixture(scope="session")
def file_app() -> Flask:
    """The app for commands that only read and write files (a panel lottery from CSV files,
    checking a lottery's bundle): it has no test database, so a test that uses it alone is
    not a database test, and runs once rather than again on PostgreSQL."""
    from wsgi import create_app

    return create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    _controller, box = smtp_server
    box.messages.clear()
    return box


@pytest.fixture(autouse=True)
def _fresh_limits(request) -> None:
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            limiter.reset()


def _session_scope() -> object:
    """Each request gets its own session; the test body (outside any request) has one too."""
    try:
        return _app_ctx_id()
    except RuntimeError:
        return "test"


class _Shared:
    """A module's connection, and the sessions its shared data was made in."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.sessions: list[Session] = []
        self.session: scoped_session | None = None  # what db.session is while data is made

    def make(self, **options) -> Session:
        made = Session(bind=self.connection, **options)
        self.sessions.append(made)
        return made

    def set_aside(self) -> None:
        """Write the shared data and close its sessions: their objects keep what they had."""
        for made in self.sessions:
            made.commit()
            made.close()
        self.sessions.clear()


@pytest.fixture(scope="module")
def shared_session(app) -> Iterator:
    """A session for data that every test in a module reads and none keeps: a module-scoped
    fixture built with it (the access tests' people, rounds and votes) is made once, and each
    test then runs in a savepoint of the same transaction, undone when it ends, so what one
    test changes the next never sees. Everything is rolled back when the module is done.

    The data's objects are set aside before the first test (written, and the session closed),
    keeping what they had when made: a test reads their ids and names, and asks its own
    session for anything else (reaching for more through them fails loudly)."""
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    shared = _Shared(connection)
    factory = partial(shared.make, join_transaction_mode="create_savepoint", expire_on_commit=False)
    db.session = shared.session = scoped_session(factory, scopefunc=_session_scope)
    try:
        yield shared
    finally:
        db.session.remove()
        db.session = original
        if transaction.is_active:
            transaction.rollback()
        connection.close()


def _connection_for(request) -> tuple:
    """The test's connection and what to undo at its end: a savepoint of its module's shared
    transaction, or a transaction on a connection of its own."""
    if "shared_session" in request.fixturenames:
        shared = request.getfixturevalue("shared_session")
        shared.set_aside()  # the shared data is written before the test's savepoint
        return shared.connection, shared.connection.begin_nested(), False
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
    return connection, connection.begin(), True


@pytest.fixture
def session(app, request) -> Iterator:
    """The database session for a test; everything it and its requests did is rolled back.

    The test body runs outside any app context, as a browser's requests would, so each request
    gets a fresh app context (and ``g``). Sessions are plain SQLAlchemy sessions bound to one
    connection: commits release savepoints, and the test's transaction (or savepoint, in a
    module that shares data: see ``shared_session``) is rolled back at the end.
    """
    connection, transaction, own = _connection_for(request)
    original = db.session
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    db.session = scoped_session(factory, scopefunc=_session_scope)
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        if transaction.is_active:
            transaction.rollback()
        if own:
            connection.close()


@contextmanager
def in_request(app, session) -> Iterator:
    """Call services as if in a request (they need the app's secret, build links and send
    email), in the test's own rolled-back session. Leave it before using the test client:
    requests inside it would share its ``g``."""
    real = session()
    with app.test_request_context():
        session.registry.set(real)
        try:
            yield real
        finally:
            session.registry.clear()


@pytest.fixture
def ctx(app, session) -> Iterator:
    """Service calls run as if inside a request, in the test's own rolled-back session."""
    with in_request(app, session) as real:
        yield real


@pytest.fixture
def client(app, session) -> FlaskClient:
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """A CSRF token for this client's session, read from a page's form like a browser would."""
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = _CSRF.search(page)
    if match is None:
        match = _CSRF.search(client.get("/account").get_data(as_text=True))
    assert match is not None, f"No form with a CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, page: str | None = None, **kwargs):
    """Submit a form as a browser would: fetch the page, then post with its CSRF token."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def log_in(client: FlaskClient, user, password: str = "a-long-password"):
    return post_form(client, "/login", {"email": user.email, "password": password})
