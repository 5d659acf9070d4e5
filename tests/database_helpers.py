"""Databases for the tests: the schema built by the migrations, apps on databases of their own
for tests whose requests or threads commit for real (races, live servers), set-up written
through the factories in a session that commits, and threads started together.

Each test process runs the migrations once, into a template of its own (a database on
PostgreSQL, a file on SQLite); every further database it needs starts as a copy of that
template, which takes a fraction of the time the migrations take."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
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


# This process's migrated templates: the SQLite file, and the PostgreSQL database for each
# server (by its admin address).
_sqlite_template: list[str] = []
_postgres_templates: dict[str, str] = {}
# Copies made by postgres_database that no app has used yet: app_on need not copy them again.
_fresh_copies: set[str] = set()


def _admin_url(url: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database="postgres")
        .render_as_string(hide_password=False)
    )


def _migrated(url: str) -> None:
    """Run every migration into the empty database at ``url``."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    reset_schema(app)
    with app.app_context():
        db.engine.dispose()


def _copy_sqlite_template(url: str) -> bool:
    target = make_url(url).database
    if not target or target == ":memory:":
        return False
    if not _sqlite_template:
        folder = tempfile.mkdtemp(prefix="placefund-template-")
        path = os.path.join(folder, "template.sqlite3")
        _migrated(f"sqlite:///{path}")
        _sqlite_template.append(path)
    shutil.copyfile(_sqlite_template[0], target)
    return True


def _postgres_template(admin: str, first: str) -> str:
    """This process's migrated template on the server at ``admin``, built on first use and
    named after ``first``, the first database asked for."""
    import psycopg

    template = _postgres_templates.get(admin)
    if template is None:
        template = f"{first}_template"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{template}"')
        url = make_url(admin).set(drivername="postgresql+psycopg", database=template)
        _migrated(url.render_as_string(hide_password=False))
        _postgres_templates[admin] = template
    return template


def _copy_postgres_template(url: str) -> None:
    """Make the database at ``url`` a fresh copy of this process's migrated template."""
    import psycopg

    if url in _fresh_copies:
        _fresh_copies.discard(url)
        return
    name = make_url(url).database or ""
    admin = _admin_url(url)
    template = _postgres_template(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # A test database need not wait for each commit to reach the disk: nothing here
        # outlives the run, and a crash of the server itself is not what the tests are about.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')


def drop_templates() -> None:
    """Drop the templates this process made."""
    import psycopg

    for admin, template in _postgres_templates.items():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    _postgres_templates.clear()
    for path in _sqlite_template:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    _sqlite_template.clear()


def fresh_schema(url: str) -> bool:
    """Make the database at ``url`` hold exactly what the migrations build, and nothing else,
    by copying the template; False when it cannot be copied (a database in memory)."""
    if url.startswith("postgresql"):
        _copy_postgres_template(url)
        return True
    return _copy_sqlite_template(url)


@contextmanager
def app_on(url: str, **settings) -> Iterator[Flask]:
    """An app on the database at ``url``, its schema built afresh (a copy of the migrated
    template); its connections are closed afterwards."""
    copied = fresh_schema(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, **settings)
    if not copied:
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
    """The address of a PostgreSQL database named after TEST_DATABASE_URL's, with
    ``_suffix``, holding what the migrations build (a copy of the template); it is dropped
    afterwards."""
    import psycopg

    parsed = make_url(os.environ["TEST_DATABASE_URL"])
    url = parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)
    _copy_postgres_template(url)
    _fresh_copies.add(url)
    try:
        yield url
    finally:
        _fresh_copies.discard(url)
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def worker_database(worker: str) -> Callable[[], None]:
    """Point TEST_DATABASE_URL at a fresh PostgreSQL database for one pytest-xdist worker
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
