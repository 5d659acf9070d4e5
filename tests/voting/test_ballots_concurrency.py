"""Ballots under real concurrency, on PostgreSQL: many submissions at once, each in its own
connection and committing for real. SQLite runs one writer at a time, so it cannot race."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import ResidentVerification, User, VerificationMethod
from giving.timeutil import utcnow
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.voting.ballot_helpers import build_vote_world, ticks
from voting import services
from voting.models import Ballot, BallotChoice, Vote, VoterRecord

pytestmark = pytest.mark.postgres


@pytest.fixture
def race_app(smtp_server):
    """An app on a database of its own: the ballots commit for real, and the audit log cannot
    be cleaned up afterwards (it is append-only), so the database is dropped instead."""
    controller, _mailbox = smtp_server
    with own_database(
        "ballot_race",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 5},
        MAIL_SERVER=controller.hostname,
        MAIL_PORT=controller.port,
    ) as app:
        yield app


def _set_up(race_app, extra_residents: int = 0) -> tuple[dict, object]:
    """A world with an open public vote, committed for real; ids to find it again."""
    engine = engine_of(race_app)
    with race_app.test_request_context(), setup_session(engine) as setup:
        world = build_vote_world(setup)
        people = [
            User(
                email=f"voter{n}@example.org",
                name=f"Voter {n}",
                password_hash="x",
                postcode=f"AV{1 + n % 2} {n % 10}AA",
                email_confirmed_at=utcnow(),
            )
            for n in range(extra_residents)
        ]
        setup.add_all(people)
        setup.flush()
        # Each of them has shown they live in the place, for a year.
        setup.add_all(
            ResidentVerification(
                user_id=p.id,
                place_id=world.place.id,
                method=VerificationMethod.CENSUS,
                expires_at=utcnow() + dt.timedelta(days=365),
            )
            for p in people
        )
        setup.commit()
        ids = {
            "vote": world.public.id,
            "resident": world.residents[0].id,
            "people": [p.id for p in people],
            "options": [o.id for o in world.public.options],
            "choices": [ticks(world.public, a) for a in world.applications],
        }
    return ids, engine


def _cast(
    race_app,
    engine,
    vote_id: int,
    user_id: int,
    choices: dict[int, int],
    receipt: str | None = None,
) -> str:
    """Cast (or change, with ``receipt``) a ballot in a session of its own; "refused" when
    the service refused it (nothing was written), else the receipt code."""
    with race_app.test_request_context(), Session(engine) as own:
        vote = own.get(Vote, vote_id)
        voter = services.voter_for_user(own, own.get(User, user_id), vote)
        try:
            cast = services.cast_ballot(own, vote, voter, choices, receipt)
        except DomainError:
            own.rollback()
            return "refused"
        own.commit()
        return cast.receipt


def _race(race_app, engine, ids, receipt: str | None) -> list[str]:
    barrier = threading.Barrier(20)
    results: list[str] = []
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        choices = ids["choices"][n % 3]
        try:
            barrier.wait()
            results.append(_cast(race_app, engine, ids["vote"], ids["resident"], choices, receipt))
        except BaseException as error:
            errors.append(error)

    run_in_threads(submit, [(n,) for n in range(20)], timeout=60)
    assert not errors, errors
    return results


def _one_ballot(engine, ids) -> None:
    with Session(engine) as check:
        assert check.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == ids["vote"])) == 1
        assert (
            check.scalar(
                select(func.count(VoterRecord.id)).where(VoterRecord.vote_id == ids["vote"])
            )
            == 1
        )
        chosen = check.scalars(select(BallotChoice.option_id)).all()
        # One submission's choices, whole: never a mixture of two.
        assert dict.fromkeys(chosen, 1) in ids["choices"]


def test_twenty_first_ballots_at_once_from_one_voter_leave_one_ballot(race_app):
    ids, engine = _set_up(race_app)
    results = _race(race_app, engine, ids, receipt=None)
    # One is cast; the others find the voter has voted and, with no receipt, change nothing.
    cast = [r for r in results if r != "refused"]
    assert len(cast) == 1
    assert results.count("refused") == 19
    _one_ballot(engine, ids)


def test_twenty_changes_at_once_with_the_receipt_leave_one_ballot(race_app):
    ids, engine = _set_up(race_app)
    receipt = _cast(race_app, engine, ids["vote"], ids["resident"], ids["choices"][0])
    results = _race(race_app, engine, ids, receipt=receipt)
    assert results == [receipt] * 20
    _one_ballot(engine, ids)


def test_five_hundred_voters_at_once_are_all_counted_once(race_app):
    ids, engine = _set_up(race_app, extra_residents=500)
    barrier = threading.Barrier(20)

    def vote_as(n: int) -> str:
        if n < 20:
            barrier.wait()
        return _cast(race_app, engine, ids["vote"], ids["people"][n], ids["choices"][n % 3])

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(vote_as, range(500)))
    assert "refused" not in results
    assert len(set(results)) == 500
    with race_app.test_request_context(), Session(engine) as check:
        assert check.scalar(select(func.count(Ballot.id))) == 500
        assert check.scalar(select(func.count(VoterRecord.id))) == 500
        assert check.scalar(select(func.count(func.distinct(Ballot.receipt_hash)))) == 500
        vote = check.get(Vote, ids["vote"])
        election = services.election_for(check, vote)
        assert len(election.ballots) == 500
        outcome = services.count_vote(check, vote)
        votes = {e.project_id: e.votes for e in outcome.explanations}
        assert sorted(votes.values()) == [166, 167, 167]
