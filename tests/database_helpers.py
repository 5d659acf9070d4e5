"""Databases for the tests: the schema built by the migrations, apps on databases of their own
for tests whose requests or threads commit for real (races, live servers), set-up written
through the factories in a session that commits, and threads started together."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from giving.extensions import db
from wsgi import create_app


def reset_schema(app: Flask) -> None:
    """An empty database, then every migration in order."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade()


@contextmanager
def app_on(url: str, **settings) -> Iterator[Flask]:
    """An app on the database at ``url``, its schema built afresh; its connections are
    closed afterwards."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, **settings)
    reset_schema(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def postgres_database(suffix: str) -> Iterator[str]:
    """The address of an empty PostgreSQL database named after TEST_DATABASE_URL's, with
    ``_suffix``; it is dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{parsed.database}_{suffix}"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # A test database need not wait for each commit to reach the disk: nothing here
        # outlives the run, and a crash of the server itself is not what the tests are about.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_database(worker: str) -> Callable[[], None]:
    """Point TEST_DATABASE_URL at an empty PostgreSQL database for one pytest-xdist worker
    (named after it with ``_worker``), so that workers never share a schema; the databases
    the worker's tests make of their own are then named after that one. Returns what undoes
    it: the database is dropped and TEST_DATABASE_URL set back."""
    given = os.environ["TEST_DATABASE_URL"]
    stack = ExitStack()
    os.environ["TEST_DATABASE_URL"] = stack.enter_context(postgres_database(worker))

    def undo() -> None:
        os.environ["TEST_DATABASE_URL"] = given
        stack.close()

    return undo


@contextmanager
def own_database(suffix: str, **settings) -> Iterator[Flask]:
    """An app on a PostgreSQL database of its own, dropped afterwards: a race must commit for
    real, and the audit log it writes cannot be cleaned up row by row."""
    if not on_postgresql():
        pytest.skip("Races need PostgreSQL: SQLite runs one writer at a time, so it cannot race")
    with postgres_database(suffix) as url, app_on(url, **settings) as app:
        yield app


@contextmanager
def own_app(tmp_path, suffix: str, **settings) -> Iterator[Flask]:
    """An app on a database of its own (PostgreSQL when the tests run on it, else a SQLite
    file), for a live server whose requests commit for real."""
    if on_postgresql():
        with own_database(suffix, **settings) as app:
            yield app
        return
    with app_on(f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}", **settings) as app:
        yield app


def engine_of(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


@contextmanager
def setup_session(engine: Engine) -> Iterator[Session]:
    """A session of its own on ``engine``, which the factories write through for the block
    (they use ``db.session``), so that what it commits is there for every connection."""
    original = db.session
    with Session(engine) as setup:
        db.session = setup
        try:
            yield setup
        finally:
            db.session = original


def run_in_threads(target: Callable[..., object], args: Iterable[tuple], timeout: float) -> None:
    """Call ``target`` once for each tuple in ``args``, each in a thread of its own, all started
    before any is waited for."""
    threads = [threading.Thread(target=target, args=each) for each in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
