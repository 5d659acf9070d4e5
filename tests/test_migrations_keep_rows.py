"""Migrations keep the rows that point at a table they rebuild. SQLite changes some columns
and checks by copying the whole table; done with foreign keys on, dropping the old copy would
delete every row that points at it (a vote's ballots) or refuse to. Going down past the
ranked-ballots migration, which rebuilds the votes table, and up again keeps every ballot."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from giving.extensions import db
from tests.database_helpers import (
    app_on,
    engine_of,
    on_postgresql,
    postgres_database,
    setup_session,
)
from tests.voting.ballot_helpers import build_vote_world

BEFORE_RANKED = "c3d5f7b9e115"


def _counts() -> tuple[int, int]:
    with db.engine.connect() as conn:
        ballots = conn.execute(text("SELECT count(*) FROM ballots")).scalar_one()
        choices = conn.execute(text("SELECT count(*) FROM ballot_choices")).scalar_one()
    return ballots, choices


def _check(url: str) -> None:
    with app_on(url) as app:
        with app.test_request_context(), setup_session(engine_of(app)) as setup:
            world = build_vote_world(setup)
            vote_id, option_id = world.public.id, world.public.options[0].id
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO ballots (id, vote_id, receipt_hash, mixed) "
                        "VALUES ('b1', :vote, :hash, true)"
                    ),
                    {"vote": vote_id, "hash": "a" * 64},
                )
                conn.execute(
                    text(
                        "INSERT INTO ballot_choices (ballot_id, option_id, points) "
                        "VALUES ('b1', :option, 1)"
                    ),
                    {"option": option_id},
                )
            assert _counts() == (1, 1)
            flask_migrate.downgrade(revision=BEFORE_RANKED)
            assert _counts() == (1, 1)
            flask_migrate.upgrade()
            assert _counts() == (1, 1)


def test_rebuilding_the_votes_table_keeps_its_ballots(tmp_path):
    if on_postgresql():
        with postgres_database("keep_rows") as url:
            _check(url)
    else:
        _check(f"sqlite:///{tmp_path / 'keep_rows.sqlite3'}")
