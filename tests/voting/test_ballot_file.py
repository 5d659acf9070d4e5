"""The published ballot file is written once, when the vote is counted, and kept: it is the
same file the ballots always made, it is served as kept (with an ETag, and "not modified"
to a client that has it), and a vote counted before files were kept gets its file from the
migration or ``flask count``, never from a page view."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from sqlalchemy import delete, func, select, update

from giving import demo as giving_demo
from giving.models import Round
from tests.voting.ballot_helpers import in_request
from tests.voting.test_count_scale import reference_election
from voting import demo as voting_demo
from voting import services
from voting.models import Ballot, BallotFile
from voting.rules import Lottery, parse_pabulib_string, write_pabulib
from voting.workflow import VoteStatus

# The migration that keeps the files of votes counted before files were kept, by its revision.
(MIGRATION,) = (Path(__file__).resolve().parents[2] / "migrations/versions").glob(
    "*_e5c9a3b7d108_*.py"
)


def _demo_vote(app, session):
    """The demo's counted public vote, counted as closing a vote counts it."""
    with in_request(app, session) as ctx:
        giving_demo.load(ctx)
        voting_demo.load(ctx)
        ctx.commit()
    counted_round = session.scalar(
        select(Round).where(Round.title == voting_demo.COUNTED_VOTE_ROUND)
    )
    vote = services.votes_for_round(session, counted_round)[0]
    assert vote.status == VoteStatus.COUNTED
    return vote


def _kept(session, vote) -> bytes | None:
    return session.scalar(select(BallotFile.content).where(BallotFile.vote_id == vote.id))


def _before(session, vote) -> bytes:
    """The file as it was built on every request before files were kept."""
    election = reference_election(session, vote)
    return write_pabulib(election, rule=vote.rule, tie_break=Lottery(vote.tie_break_seed)).encode(
        "utf-8"
    )


def test_counting_keeps_the_same_file_the_ballots_always_made(app, session, client):
    vote = _demo_vote(app, session)
    kept = _kept(session, vote)
    assert kept == _before(session, vote)
    # Anyone can read it back and find every ballot, by its label: the start of its receipt
    # code's hash, which only the voter can work out.
    election = parse_pabulib_string(kept.decode())
    hashes = session.scalars(select(Ballot.receipt_hash).where(Ballot.vote_id == vote.id)).all()
    assert sorted(b.voter_id for b in election.ballots) == sorted(h[:16] for h in hashes)
    assert len(hashes) == 29
    response = client.get(f"/votes/{vote.id}/ballots.pb")
    assert response.status_code == 200
    assert response.get_data() == kept
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="placefund-vote-{vote.id}.pb"'
    )


def test_the_file_is_served_as_kept_with_an_etag_and_not_sent_again(app, session, client):
    vote = _demo_vote(app, session)
    url = f"/votes/{vote.id}/ballots.pb"
    first = client.get(url)
    etag = first.headers["ETag"].strip('"')
    assert etag == hashlib.sha256(first.get_data()).hexdigest()
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
    assert stale.get_data() == first.get_data()
    # What is served is the kept file, not one built again from the ballots.
    session.execute(
        update(BallotFile)
        .where(BallotFile.vote_id == vote.id)
        .values(content=b"kept bytes", etag="kept-etag")
    )
    session.commit()
    served = client.get(url)
    assert served.get_data() == b"kept bytes"
    assert served.headers["ETag"] == '"kept-etag"'


def test_a_vote_counted_before_files_were_kept_gets_one_without_a_page_view_writing(
    app, session, client
):
    vote = _demo_vote(app, session)
    before = _before(session, vote)
    session.execute(delete(BallotFile).where(BallotFile.vote_id == vote.id))
    session.commit()
    # A page view serves the same file, built from the ballots, and keeps nothing.
    response = client.get(f"/votes/{vote.id}/ballots.pb")
    assert response.get_data() == before
    assert response.headers["ETag"] == f'"{hashlib.sha256(before).hexdigest()}"'
    assert session.scalar(select(func.count()).select_from(BallotFile)) == 0
    # The migration that added kept files writes the files of votes counted before it...
    spec = importlib.util.spec_from_file_location("ballot_files_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.write_files_for_counted_votes(session.connection())
    assert _kept(session, vote) == before
    # ...and so does counting the round's vote with flask count.
    session.execute(delete(BallotFile).where(BallotFile.vote_id == vote.id))
    session.commit()
    result = app.test_cli_runner().invoke(args=["count", "--round", str(vote.round_id)])
    assert result.exit_code == 0, result.output
    assert _kept(session, vote) == before


def test_an_open_vote_has_no_file(app, session, client):
    _demo_vote(app, session)
    open_round = session.scalar(select(Round).where(Round.title == voting_demo.OPEN_VOTE_ROUND))
    open_vote = services.votes_for_round(session, open_round)[0]
    assert client.get(f"/votes/{open_vote.id}/ballots.pb").status_code == 404
    assert _kept(session, open_vote) is None
