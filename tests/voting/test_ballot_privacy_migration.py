"""The ballot privacy migration: ballots cast before it keep working (their receipt codes are
hashed, their choices stay, and they are shuffled by the next ``flask tick``), the voter
tokens are gone, and no trigger is lost; and it goes back down as cleanly."""

from __future__ import annotations

import hashlib

import flask_migrate
from sqlalchemy import event, inspect, text

from giving.extensions import db
from tests.database_helpers import (
    app_on,
    engine_of,
    on_postgresql,
    postgres_database,
    setup_session,
)
from tests.voting.ballot_helpers import build_vote_world

BEFORE = "a9d3f7c2e113"
THIS = "b2c4e6a8d114"


def _triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        found = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        found = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return set(conn.execute(text(found)).scalars())


def _an_old_ballot(conn, vote_id: int, option_id: int) -> None:
    """A ballot as the app wrote them before this migration."""
    conn.execute(
        text(
            "INSERT INTO ballots (id, vote_id, receipt, voter_token) "
            "VALUES ('b1', :vote, 'ABCDE23456', :token)"
        ),
        {"vote": vote_id, "token": "f" * 64},
    )
    conn.execute(
        text("INSERT INTO ballot_choices (ballot_id, option_id, points) VALUES ('b1', :o, 1)"),
        {"o": option_id},
    )


def _check(url: str) -> None:
    with app_on(url) as app:
        with app.test_request_context(), setup_session(engine_of(app)) as setup:
            world = build_vote_world(setup)
            vote_id, option_id = world.public.id, world.public.options[0].id
        with app.app_context():
            _migrate(vote_id, option_id)


def _foreign_keys_off(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys = OFF")


def _down_to_this() -> None:
    """Back down to this migration. On SQLite the later ones go down with foreign keys off
    (some rebuild tables that rows point at); this one runs as it would for real."""
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        event.listen(db.engine, "connect", _foreign_keys_off)
        db.engine.dispose()
    try:
        flask_migrate.downgrade(revision=THIS)
    finally:
        if sqlite:
            event.remove(db.engine, "connect", _foreign_keys_off)
            db.engine.dispose()


def _migrate(vote_id: int, option_id: int) -> None:
    _down_to_this()
    flask_migrate.downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        before = _triggers(conn)
        _an_old_ballot(conn, vote_id, option_id)
    flask_migrate.upgrade(revision=THIS)
    with db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("ballots")}
        assert columns == {"id", "vote_id", "receipt_hash", "mixed"}
        row = conn.execute(text("SELECT receipt_hash, mixed FROM ballots")).one()
        assert row.receipt_hash == hashlib.sha256(b"ABCDE23456").hexdigest()
        assert not row.mixed  # the next flask tick shuffles it
        assert conn.execute(text("SELECT count(*) FROM ballot_choices")).scalar() == 1
        assert _triggers(conn) == before
    flask_migrate.downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("ballots")}
        assert columns == {"id", "vote_id", "receipt", "voter_token"}
        assert conn.execute(text("SELECT count(*) FROM ballots")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM ballot_choices")).scalar() == 1
        assert _triggers(conn) == before


def test_old_ballots_keep_their_receipts_through_the_migration(tmp_path):
    if on_postgresql():
        with postgres_database("ballot_migration") as url:
            _check(url)
    else:
        _check(f"sqlite:///{tmp_path / 'ballot_migration.sqlite3'}")
