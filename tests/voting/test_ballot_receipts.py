"""Voting on the web in three steps (fill in, check, cast), changing a ballot with its receipt
code, emailing the receipt, and the scheduled shuffle of the ballot box."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from giving.cli import tick
from giving.models import OutboxMessage
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import cast_on_web, in_request, option_for, ticks, vote_world
from voting import services
from voting.models import Ballot, BallotChoice, VoterRecord

RECEIPT = re.compile(r'class="pf-receipt">([A-Z2-9]{10})<')


@pytest.fixture
def world(app, session):
    return vote_world(app, session)


def _ballots(session, vote) -> int:
    return session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id))


def _chosen(session, vote) -> set[int]:
    return set(
        session.scalars(
            select(BallotChoice.option_id)
            .join(Ballot, Ballot.id == BallotChoice.ballot_id)
            .where(Ballot.vote_id == vote.id)
        )
    )


def _vote(client, world, *applications) -> str:
    """Cast a ballot on the web; the receipt code shown afterwards."""
    data = {"choices": [str(option_for(world.public, a).id) for a in applications]}
    response = cast_on_web(client, world.public.id, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    done = client.get(f"/votes/{world.public.id}/ballot/done").get_data(as_text=True)
    found = RECEIPT.search(done)
    assert found is not None, done
    return found.group(1)


def test_the_check_page_writes_nothing_and_can_go_back_to_change(client, session, world):
    as_user(client, world.residents[0])
    url = f"/votes/{world.public.id}/ballot"
    larder, choir, _scouts = (option_for(world.public, a) for a in world.applications)
    data = {"choices": [str(larder.id), str(choir.id)]}
    checked = post_form(client, url + "/check", data, page=url)
    page = checked.get_data(as_text=True)
    assert "Ash Vale Larder: Breakfast club" in page
    assert "Ash Vale Choir: Sheet music" in page
    assert "Ash Vale Scouts" not in page
    assert "Cast your vote" in page
    assert "Change your choices" in page
    # The choices wait in the page, not in the database.
    assert f'name="choices" value="{larder.id}"' in page
    assert _ballots(session, world.public) == 0
    assert session.scalar(select(func.count()).select_from(VoterRecord)) == 0
    # "Change your choices" goes back to the ballot, ticked as it was.
    again = post_form(client, url, {**data, "change": "1"}, page=url).get_data(as_text=True)
    assert re.search(rf'value="{larder.id}"[^>]*checked', again)
    assert re.search(rf'value="{choir.id}"[^>]*checked', again)
    assert _ballots(session, world.public) == 0


def test_the_receipt_changes_the_ballot_and_a_wrong_one_changes_nothing(client, session, world):
    as_user(client, world.residents[0])
    larder, choir, scouts = world.applications
    receipt = _vote(client, world, larder, choir)
    before = _chosen(session, world.public)
    assert before == {option_for(world.public, a).id for a in (larder, choir)}
    url = f"/votes/{world.public.id}"
    assert "you need the receipt code" in client.get(url).get_data(as_text=True)
    # A wrong receipt: a clear message next to the field, and nothing changes.
    scouts_only = {"choices": [str(option_for(world.public, scouts).id)]}
    wrong = post_form(
        client, url + "/ballot/cast", {**scouts_only, "receipt": "ABCDE23456"}, page=url + "/ballot"
    ).get_data(as_text=True)
    assert re.search(
        r'id="receipt-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
        r"That receipt code is not right",
        wrong,
    )
    session.expire_all()
    assert _chosen(session, world.public) == before
    # The right one (as typed, in small letters) replaces the ballot: still one ballot.
    response = cast_on_web(client, world.public.id, {**scouts_only, "receipt": receipt.lower()})
    assert response.status_code == 302
    done = client.get(url + "/ballot/done").get_data(as_text=True)
    assert "Your vote is changed" in done
    assert RECEIPT.search(done).group(1) == receipt
    session.expire_all()
    assert _ballots(session, world.public) == 1
    assert _chosen(session, world.public) == {option_for(world.public, scouts).id}


def test_the_receipt_is_emailed_to_the_voter_and_not_kept(client, session, world, mailbox):
    resident = world.residents[0]
    as_user(client, resident)
    receipt = _vote(client, world, world.applications[1])
    url = f"/votes/{world.public.id}/ballot"
    done = client.get(url + "/done").get_data(as_text=True)
    assert resident.email in done
    response = post_form(client, url + "/receipt", {}, page=url + "/done")
    assert response.status_code == 302, response.get_data(as_text=True)
    (message,) = mailbox.to(resident.email)
    assert receipt in message["body"]
    assert "Ash Vale Choir: Sheet music" in message["body"]
    # The outbox keeps who it went to, never the receipt next to the address.
    kept = session.scalars(select(OutboxMessage.body)).all()
    assert kept
    assert not any(receipt in body for body in kept)


def test_a_code_holder_types_the_address_for_their_receipt(app, client, session, world, mailbox):
    with in_request(app, session) as ctx:
        codes = services.issue_codes(ctx, world.manager, world.public, 1)
        ctx.commit()
    url = f"/votes/{world.public.id}"
    post_form(client, url + "/code", {"code": codes[0]})
    receipt = _vote(client, world, world.applications[2])
    missing = post_form(client, url + "/ballot/receipt", {"email": ""}, page=url + "/ballot/done")
    assert "Enter an email address" in missing.get_data(as_text=True)
    response = post_form(
        client, url + "/ballot/receipt", {"email": "kim@example.org"}, page=url + "/ballot/done"
    )
    assert response.status_code == 302
    (message,) = mailbox.to("kim@example.org")
    assert receipt in message["body"]


def test_the_done_page_without_a_ballot_just_cast_goes_back_to_the_vote(client, world):
    as_user(client, world.residents[0])
    response = client.get(f"/votes/{world.public.id}/ballot/done")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/votes/{world.public.id}")


def test_the_shuffle_rewrites_the_box_and_keeps_every_ballot_and_receipt(app, ctx, world):
    vote, (larder, choir, scouts) = world.public, world.applications
    cast = []
    for resident, picks in zip(
        world.residents, [(larder,), (choir, scouts), (scouts,)], strict=True
    ):
        voter = services.voter_for_user(ctx, resident, vote)
        cast.append(services.cast_ballot(ctx, vote, voter, ticks(vote, *picks)))
    ctx.commit()
    old_ids = {c.ballot.id for c in cast}
    # Counting reads every ballot, shuffled or not.
    before = sorted(b.projects for b in services.election_for(ctx, vote).ballots)
    assert len(before) == 3
    lines = tick(ctx)
    assert f"Shuffled ballot box {vote.id} (3 ballots)." in lines
    ctx.expire_all()
    ballots = ctx.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert all(b.mixed for b in ballots)
    assert not old_ids & {b.id for b in ballots}
    assert sorted(b.projects for b in services.election_for(ctx, vote).ballots) == before
    # Nothing left to shuffle: the next run does nothing.
    assert not [line for line in tick(ctx) if "Shuffled" in line]
    # A receipt still finds its ballot, to change it or to look it up.
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    changed = services.cast_ballot(ctx, vote, voter, ticks(vote, choir), cast[0].receipt)
    assert changed.changed
    assert changed.ballot.mixed is False
    found = services.ballot_by_receipt(ctx, vote, cast[1].receipt)
    assert {o.application_id for o, _points in found} == {choir.id, scouts.id}
