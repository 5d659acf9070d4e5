"""Casting and changing ballots: who may vote, one ballot per voter, ballots kept apart from
voters, voting codes, the voting window, and settings frozen once the first ballot is in."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from giving.services import DomainError, NotAllowed
from giving.timeutil import utcnow
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import cast_on_web, in_request, option_for, ticks, vote_world
from voting import services
from voting.models import (
    Ballot,
    BallotChoice,
    BallotKind,
    VoteKind,
    VoterRecord,
    VotingCode,
)
from voting.workflow import VoteStatus


@pytest.fixture
def world(app, session):
    return vote_world(app, session)


def _count(session, model, **where):
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def _save(
    ctx, world, rule, ballot_kind=BallotKind.APPROVAL, *, by=None, kind=VoteKind.PUBLIC, **more
):
    """Save the round's vote again with these settings and the public vote's dates."""
    return services.save_vote(
        ctx,
        by or world.manager,
        world.round,
        kind,
        rule=rule,
        ballot_kind=ballot_kind,
        opens_at=world.public.opens_at,
        closes_at=world.public.closes_at,
        **more,
    )


def test_a_resident_changes_their_ballot_with_their_receipt_and_it_stays_one(ctx, world):
    vote, (larder, choir, scouts) = world.public, world.applications
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    first = services.cast_ballot(ctx, vote, voter, ticks(vote, larder, choir))
    receipt = first.receipt
    assert len(receipt) == 10
    assert services.has_voted(ctx, vote, voter)
    # Typed as people type: small letters, a space.
    typed = receipt[:5].lower() + " " + receipt[5:]
    changed = services.cast_ballot(ctx, vote, voter, ticks(vote, scouts), typed)
    ctx.commit()
    assert changed.changed
    assert not first.changed
    assert changed.ballot.id == first.ballot.id
    assert changed.receipt == receipt
    assert _count(ctx, Ballot, vote_id=vote.id) == 1
    assert _count(ctx, VoterRecord, vote_id=vote.id) == 1
    chosen = ctx.scalars(
        select(BallotChoice.option_id).where(BallotChoice.ballot_id == first.ballot.id)
    )
    assert set(chosen) == {option_for(vote, scouts).id}
    # Their ward is kept for turnout, on the record that they voted (not on the ballot).
    record = ctx.scalar(select(VoterRecord).where(VoterRecord.vote_id == vote.id))
    assert record.user_id == world.residents[0].id
    assert record.ward_id == world.wards[0].id


@pytest.mark.parametrize("receipt", [None, "", "ABCDE23456", "not even close"])
def test_without_the_right_receipt_a_ballot_is_not_changed(ctx, world, receipt):
    vote, (larder, choir, _scouts) = world.public, world.applications
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    first = services.cast_ballot(ctx, vote, voter, ticks(vote, larder))
    ctx.commit()
    with pytest.raises(DomainError, match="receipt code") as refused:
        services.cast_ballot(ctx, vote, voter, ticks(vote, choir), receipt)
    assert refused.value.field == "receipt"
    ctx.rollback()
    assert _count(ctx, Ballot, vote_id=vote.id) == 1
    chosen = ctx.scalars(
        select(BallotChoice.option_id).where(BallotChoice.ballot_id == first.ballot.id)
    )
    assert set(chosen) == {option_for(vote, larder).id}


def test_another_votes_receipt_changes_nothing(ctx, world):
    vote, (larder, choir, _scouts) = world.public, world.applications
    panel_voter = services.voter_for_user(ctx, world.chair.user, world.panel_vote)
    panel_receipt = services.cast_ballot(
        ctx, world.panel_vote, panel_voter, ticks(world.panel_vote, larder)
    ).receipt
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    services.cast_ballot(ctx, vote, voter, ticks(vote, larder))
    with pytest.raises(DomainError, match="not right"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, choir), panel_receipt)


def test_the_ballot_table_says_nothing_about_who_cast_it(ctx, world):
    columns = {c["name"] for c in inspect(ctx.get_bind()).get_columns("ballots")}
    assert columns == {"id", "vote_id", "receipt_hash", "mixed"}
    keys = inspect(ctx.get_bind()).get_foreign_keys("ballots")
    assert [k["referred_table"] for k in keys] == ["votes"]
    vote = world.public
    ids, receipts = [], []
    for resident in world.residents:
        voter = services.voter_for_user(ctx, resident, vote)
        cast = services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[1]))
        ids.append(cast.ballot.id)
        receipts.append(cast.receipt)
    # Ballot ids are random, so their order does not give away the order people voted in.
    assert len(set(ids)) == 3
    assert all(len(i) == 32 for i in ids)
    # Only the receipts' hashes are kept: the codes themselves are nowhere in the table.
    stored = {b.receipt_hash for b in ctx.scalars(select(Ballot))}
    assert stored == {hashlib.sha256(r.encode()).hexdigest() for r in receipts}
    rows = ctx.execute(text("SELECT * FROM ballots")).all()
    assert not any(r in str(row) for r in receipts for row in rows)


def _insert(ctx, row) -> None:
    with ctx.begin_nested():
        ctx.add(row)
        ctx.flush()


def test_the_database_keeps_one_ballot_and_one_record_per_voter(ctx, world):
    vote = world.public
    same = "0" * 64
    ctx.add(Ballot(vote_id=vote.id, receipt_hash=same))
    ctx.flush()
    with pytest.raises(IntegrityError):
        _insert(ctx, Ballot(vote_id=vote.id, receipt_hash=same))
    with pytest.raises(IntegrityError):
        _insert(ctx, Ballot(vote_id=vote.id, receipt_hash="short"))
    ctx.add(VoterRecord(vote_id=vote.id, user_id=world.residents[0].id))
    ctx.flush()
    with pytest.raises(IntegrityError):
        _insert(ctx, VoterRecord(vote_id=vote.id, user_id=world.residents[0].id))


@pytest.mark.parametrize("who", ["unconfirmed", "outsider"])
def test_only_verified_residents_vote_in_a_public_vote(ctx, world, who):
    with pytest.raises(NotAllowed):
        services.voter_for_user(ctx, getattr(world, who), world.public)


def test_only_the_panel_votes_in_a_panel_vote(ctx, world):
    with pytest.raises(NotAllowed, match="Only the panel"):
        services.voter_for_user(ctx, world.residents[0], world.panel_vote)
    assert services.voter_for_user(ctx, world.chair.user, world.panel_vote)


def test_a_conflicted_member_cannot_vote_on_that_application(ctx, world):
    vote, (larder, choir, _scouts) = world.panel_vote, world.applications
    voter = services.voter_for_user(ctx, world.conflicted.user, vote)
    on_ballot = {o.application_id for o in services.ballot_options(ctx, vote, voter)}
    assert larder.id not in on_ballot
    assert choir.id in on_ballot
    with pytest.raises(NotAllowed, match="conflict"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, larder, choir))
    services.cast_ballot(ctx, vote, voter, ticks(vote, choir))
    chair = services.voter_for_user(ctx, world.chair.user, vote)
    assert len(services.ballot_options(ctx, vote, chair)) == 3


def test_the_conflicted_application_is_not_on_the_ballot_page(client, world):
    as_user(client, world.conflicted.user)
    page = client.get(f"/votes/{world.panel_vote.id}/ballot").get_data(as_text=True)
    assert "Ash Vale Choir" in page
    assert "Ash Vale Larder" not in page


def test_voting_codes_are_kept_only_as_hashes_and_make_one_voter_each(ctx, world):
    vote = world.public
    codes = services.issue_codes(ctx, world.manager, vote, 3, world.wards[1])
    assert len(set(codes)) == 3
    stored = ctx.scalars(select(VotingCode.code_hash)).all()
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    code = services.find_code(ctx, vote, codes[0].lower().replace("-", " "))
    voter = services.Voter(code=code)
    first = services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
    # The same code again (the same holder changing their mind) never makes a second
    # ballot: with its receipt it changes the first.
    again = services.Voter(code=services.find_code(ctx, vote, codes[0]))
    with pytest.raises(DomainError, match="receipt"):
        services.cast_ballot(ctx, vote, again, ticks(vote, world.applications[2]))
    second = services.cast_ballot(
        ctx, vote, again, ticks(vote, world.applications[2]), first.receipt
    )
    assert second.ballot.id == first.ballot.id
    assert _count(ctx, Ballot, vote_id=vote.id) == 1
    record = ctx.scalar(select(VoterRecord).where(VoterRecord.voting_code_id == code.id))
    assert record.ward_id == world.wards[1].id
    assert record.user_id is None
    assert code.used_at is not None
    with pytest.raises(DomainError, match="do not know"):
        services.find_code(ctx, vote, "AAAA-BBBB-CCCC")
    with pytest.raises(DomainError, match="only for public"):
        services.issue_codes(ctx, world.manager, world.panel_vote, 1)
    with pytest.raises(NotAllowed):
        services.issue_codes(ctx, world.other_manager, vote, 1)


def test_a_code_holder_votes_on_the_web_without_an_account(app, session, client, world):
    with in_request(app, session) as ctx:
        codes = services.issue_codes(ctx, world.manager, world.public, 1)
        ctx.commit()
    url = f"/votes/{world.public.id}"
    response = post_form(client, url + "/code", {"code": codes[0]})
    assert response.headers["Location"].endswith(url + "/ballot")
    choir = option_for(world.public, world.applications[1])
    response = cast_on_web(client, world.public.id, {"choices": [str(choir.id)]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url + "/ballot/done")
    page = client.get(url + "/ballot/done").get_data(as_text=True)
    assert "Your receipt code is" in page
    assert "Ash Vale Choir: Sheet music" in page
    assert "You have voted" in client.get(url).get_data(as_text=True)
    assert _count(session, Ballot, vote_id=world.public.id) == 1
    wrong = post_form(client, url + "/code", {"code": "nope"})
    assert "We do not know that code" in wrong.get_data(as_text=True)


def test_a_resident_votes_on_the_web_and_sees_the_receipt(client, session, world):
    as_user(client, world.residents[1])
    url = f"/votes/{world.public.id}"
    assert "Vote now" in client.get(url).get_data(as_text=True)
    # Before voting, the ballot says the receipt is needed to change the vote later.
    ballot_page = client.get(url + "/ballot").get_data(as_text=True)
    assert "you need it if you want to change your vote later" in ballot_page
    assert "Your receipt code" not in ballot_page
    larder = option_for(world.public, world.applications[0])
    response = cast_on_web(client, world.public.id, {"choices": [str(larder.id)]})
    assert response.status_code == 302, response.get_data(as_text=True)
    done = client.get(url + "/ballot/done").get_data(as_text=True)
    receipt = re.search(r'class="pf-receipt">([A-Z2-9]{10})<', done).group(1)
    ballot = session.scalar(select(Ballot).where(Ballot.vote_id == world.public.id))
    assert ballot.receipt_hash == hashlib.sha256(receipt.encode()).hexdigest()
    assert "Ash Vale Larder: Breakfast club" in done
    # Now the ballot asks for the receipt, to change the vote.
    assert "Your receipt code" in client.get(url + "/ballot").get_data(as_text=True)
    empty = post_form(client, url + "/ballot/check", {}, page=url + "/ballot")
    assert "Enter your receipt code" in empty.get_data(as_text=True)
    empty = post_form(client, url + "/ballot/check", {"receipt": receipt}, page=url + "/ballot")
    assert "Choose at least one project" in empty.get_data(as_text=True)


def test_ballots_are_taken_only_while_the_vote_is_open(ctx, world):
    vote = world.public
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    vote.opens_at = utcnow() + dt.timedelta(hours=2)
    ctx.flush()
    with pytest.raises(DomainError, match="Voting opens at"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
    vote.opens_at = utcnow() - dt.timedelta(days=2)
    vote.closes_at = utcnow() - dt.timedelta(seconds=1)
    ctx.flush()
    with pytest.raises(DomainError, match="closed"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
    # The scheduled count (``flask tick``) closes and counts it once its time has passed.
    assert len(services.close_due_votes(ctx, utcnow())) == 1
    assert vote.status == VoteStatus.COUNTED
    assert vote.outcome["ballots"] == 0


def test_a_draft_vote_takes_no_ballots(app, session):
    world = vote_world(app, session, open_votes=False)
    with in_request(app, session) as ctx:
        voter = services.voter_for_user(ctx, world.residents[0], world.public)
        with pytest.raises(DomainError, match="closed"):
            services.cast_ballot(ctx, world.public, voter, {})


def test_the_settings_freeze_once_the_first_ballot_is_in(ctx, world):
    vote = world.public
    _save(ctx, world, "greedy_votes")
    assert vote.rule == "greedy_votes"
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
    assert services.is_frozen(ctx, vote)
    with pytest.raises(DomainError, match="cannot change"):
        _save(ctx, world, "mes_cost")
    ctx.flush()
    # The database refuses too, whoever tries.
    with pytest.raises((DBAPIError, IntegrityError)), ctx.begin_nested():
        ctx.execute(update(type(vote)).where(type(vote).id == vote.id).values(rule="phragmen"))
    with pytest.raises((DBAPIError, IntegrityError)), ctx.begin_nested():
        ctx.execute(
            text("UPDATE votes SET tie_break_seed = 'chosen later' WHERE id = :id"),
            {"id": vote.id},
        )
    with pytest.raises((DBAPIError, IntegrityError)), ctx.begin_nested():
        ctx.execute(text("UPDATE votes SET who_may_vote = 'codes' WHERE id = :id"), {"id": vote.id})


def test_a_knapsack_ballot_must_fit_the_money(ctx, world):
    vote = world.public
    _save(ctx, world, "mes_cost", BallotKind.KNAPSACK)
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    with pytest.raises(DomainError, match="Take some off"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, *world.applications))
    services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))


def test_a_points_ballot_shares_out_the_points(ctx, world):
    vote = world.public
    _save(ctx, world, "mes_points", BallotKind.CUMULATIVE, points_total=10)
    larder, choir = (option_for(vote, a).id for a in world.applications[:2])
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    with pytest.raises(DomainError, match="you have 10"):
        services.cast_ballot(ctx, vote, voter, {larder: 8, choir: 3})
    ballot = services.cast_ballot(ctx, vote, voter, {larder: 7, choir: 3}).ballot
    assert sorted(c.points for c in ballot.choices) == [3, 7]


def test_an_approval_ballot_can_limit_the_ticks(ctx, world):
    vote = world.public
    vote.max_choices = 1
    ctx.flush()
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    with pytest.raises(DomainError, match="no more than 1"):
        services.cast_ballot(ctx, vote, voter, ticks(vote, *world.applications[:2]))


def test_a_vote_needs_a_shortlist_and_a_fitting_kind(ctx, world):
    with pytest.raises(NotAllowed):
        _save(ctx, world, "mes_cost", by=world.other_manager)
    with pytest.raises(DomainError, match="points ballot"):
        _save(ctx, world, "greedy_points", kind=VoteKind.PANEL)


def test_the_apps_secret_key_plays_no_part_in_finding_a_ballot(app, ctx, world):
    vote = world.public
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    first = services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a new secret after a key change"
    try:
        # Without the receipt a new key makes no second ballot; with it, the ballot changes.
        with pytest.raises(DomainError, match="receipt"):
            services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[1]))
        again = services.cast_ballot(
            ctx, vote, voter, ticks(vote, world.applications[1]), first.receipt
        )
    finally:
        app.config["SECRET_KEY"] = old
    assert again.ballot.id == first.ballot.id
    assert _count(ctx, Ballot, vote_id=vote.id) == 1


def test_two_runs_after_closing_time_close_it_once(ctx, world):
    vote = world.public
    vote.closes_at = utcnow() - dt.timedelta(seconds=1)
    ctx.flush()
    now = utcnow()
    assert services.close_if_due(ctx, vote, now) is True
    assert services.close_if_due(ctx, vote, now) is False
    assert vote.status == VoteStatus.COUNTED
    assert services.close_due_votes(ctx, now) == []
