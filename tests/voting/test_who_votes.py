"""Who may vote in a public vote: a postcode on an account is only a claim. A vote takes
verified residents, holders of voting codes, or both; a person who has not shown where they
live is told to, with a link to do it, and can vote once they have."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from giving import demo as giving_demo
from giving.models import CensusEntry, ResidentVerification, Round, VerificationMethod
from giving.services import DomainError, NotAllowed
from giving.services.residents import verify_by_census
from tests.conftest import post_form
from tests.factories import ResidentVerificationFactory, UserFactory
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import cast_on_web, in_request, option_for, ticks, vote_world
from voting import demo as voting_demo
from voting import services
from voting.models import Ballot, VoterRecord, WhoMayVote

TOLD_TO_VERIFY = "Show us where you live first"


def _ballots(session, vote) -> int:
    return session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id))


def _world(app, session, who: WhoMayVote):
    return vote_world(app, session, who_may_vote=who)


def _verify_url(world) -> str:
    return f"/places/{world.place.slug}/verify"


@pytest.mark.parametrize("who", [WhoMayVote.VERIFIED, WhoMayVote.BOTH])
def test_a_postcode_is_not_enough_until_the_person_verifies(app, session, who):
    world = _world(app, session, who)
    newcomer = UserFactory(postcode="AV1 9ZZ")  # a postcode in the place: only a claim
    with in_request(app, session) as ctx:
        vote = world.public
        reason = services.why_cannot_vote(ctx, newcomer, vote)
        assert TOLD_TO_VERIFY in reason
        with pytest.raises(NotAllowed, match=TOLD_TO_VERIFY):
            services.voter_for_user(ctx, newcomer, vote)
    ResidentVerificationFactory(user=newcomer, place=world.place, ward=world.wards[0])
    with in_request(app, session) as ctx:
        assert services.why_cannot_vote(ctx, newcomer, world.public) is None
        voter = services.voter_for_user(ctx, newcomer, world.public)
        services.cast_ballot(ctx, world.public, voter, ticks(world.public, world.applications[1]))
        ctx.commit()
    assert _ballots(session, world.public) == 1


def test_an_unverified_person_is_told_on_the_page_to_verify_with_a_link(app, session, client):
    world = _world(app, session, WhoMayVote.BOTH)
    newcomer = UserFactory(postcode="AV2 9ZZ")
    as_user(client, newcomer)
    url = f"/votes/{world.public.id}"
    page = client.get(url).get_data(as_text=True)
    assert TOLD_TO_VERIFY in page
    assert f'href="{_verify_url(world)}"' in page
    assert "Vote now" not in page
    # The ballot itself says the same, and takes nothing.
    ballot = client.get(url + "/ballot")
    assert ballot.status_code == 403
    assert f'href="{_verify_url(world)}"' in ballot.get_data(as_text=True)
    larder = option_for(world.public, world.applications[0])
    sent = post_form(client, url + "/ballot/cast", {"choices": [str(larder.id)]}, page=url)
    assert sent.status_code == 403
    assert _ballots(session, world.public) == 0
    assert session.scalar(select(func.count()).select_from(VoterRecord)) == 0
    # Once they have shown where they live, they vote.
    ResidentVerificationFactory(user=newcomer, place=world.place)
    page = client.get(url).get_data(as_text=True)
    assert "Vote now" in page
    assert TOLD_TO_VERIFY not in page
    sent = cast_on_web(client, world.public.id, {"choices": [str(larder.id)]})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _ballots(session, world.public) == 1


def test_a_verification_that_ran_out_is_refused_and_says_so(app, session, client):
    world = _world(app, session, WhoMayVote.VERIFIED)
    lapsed = UserFactory(postcode="AV1 3CC")
    ResidentVerificationFactory(user=lapsed, place=world.place, expired=True)
    with in_request(app, session) as ctx:
        reason = services.why_cannot_vote(ctx, lapsed, world.public)
        assert "has run out" in reason
        with pytest.raises(NotAllowed, match="run out"):
            services.voter_for_user(ctx, lapsed, world.public)
    as_user(client, lapsed)
    page = client.get(f"/votes/{world.public.id}").get_data(as_text=True)
    assert "has run out" in page
    assert f'href="{_verify_url(world)}"' in page


def test_a_verification_for_another_place_does_not_count(app, session):
    world = _world(app, session, WhoMayVote.VERIFIED)
    elsewhere = vote_world(app, session, slug="elsewhere")
    with in_request(app, session) as ctx:
        # Verified in Ash Vale, not in the other place.
        assert services.why_cannot_vote(ctx, world.residents[0], elsewhere.public) is not None
        assert services.why_cannot_vote(ctx, world.residents[0], world.public) is None


def test_a_codes_only_vote_refuses_accounts_and_takes_codes(app, session, client):
    world = _world(app, session, WhoMayVote.CODES)
    vote = world.public
    with in_request(app, session) as ctx:
        with pytest.raises(NotAllowed, match="by voting code only"):
            services.voter_for_user(ctx, world.residents[0], vote)
        codes = services.issue_codes(ctx, world.manager, vote, 1, world.wards[1])
        ctx.commit()
    as_user(client, world.residents[0])
    url = f"/votes/{vote.id}"
    page = client.get(url).get_data(as_text=True)
    assert "This vote is by voting code only. Use the code on your letter." in page
    assert "Use a voting code" in page
    assert f'href="{_verify_url(world)}"' not in page  # verifying would not help
    as_user(client, None)
    visitor_page = client.get(url).get_data(as_text=True)
    assert "Log in to vote" not in visitor_page
    assert "Use a voting code" in visitor_page
    response = post_form(client, url + "/code", {"code": codes[0]})
    assert response.headers["Location"].endswith(url + "/ballot")
    choir = option_for(vote, world.applications[1])
    assert cast_on_web(client, vote.id, {"choices": [str(choir.id)]}).status_code == 302
    assert _ballots(session, vote) == 1


def _resave(ctx, world, who):
    vote = world.public
    return services.save_vote(
        ctx,
        world.manager,
        world.round,
        vote.kind,
        rule=vote.rule,
        ballot_kind=vote.ballot_kind,
        opens_at=vote.opens_at,
        closes_at=vote.closes_at,
        who_may_vote=who,
    )


def test_a_verified_only_vote_refuses_codes(app, session, client):
    world = _world(app, session, WhoMayVote.BOTH)
    vote = world.public
    with in_request(app, session) as ctx:
        codes = services.issue_codes(ctx, world.manager, vote, 1)
        held = services.find_code(ctx, vote, codes[0])
        # Before anyone votes, staff decide the vote is for verified residents only.
        _resave(ctx, world, WhoMayVote.VERIFIED)
        with pytest.raises(DomainError, match="does not take voting codes"):
            services.find_code(ctx, vote, codes[0])
        with pytest.raises(DomainError, match="only for verified residents"):
            services.issue_codes(ctx, world.manager, vote, 1)
        # A code typed in before the change cannot cast a ballot either.
        with pytest.raises(NotAllowed, match="does not take voting codes"):
            services.cast_ballot(
                ctx, vote, services.Voter(code=held), ticks(vote, world.applications[0])
            )
        ctx.commit()
    url = f"/votes/{vote.id}"
    visitor_page = client.get(url).get_data(as_text=True)
    assert "Use a voting code" not in visitor_page
    assert "Who can vote" in visitor_page
    assert "verified residents" in visitor_page
    typed = post_form(client, url + "/code", {"code": codes[0]})
    assert typed.status_code == 200
    assert "This vote does not take voting codes" in typed.get_data(as_text=True)
    assert _ballots(session, vote) == 0
    # Verified residents vote as usual.
    as_user(client, world.residents[0])
    larder = option_for(vote, world.applications[0])
    assert cast_on_web(client, vote.id, {"choices": [str(larder.id)]}).status_code == 302
    assert _ballots(session, vote) == 1


def _setup_data(world, who: str | None) -> dict:
    next_year = str(world.public.closes_at.year + 1)
    data = {
        "ballot_kind": "approval",
        "rule": "mes_cost",
        "opens_on": ["1", "1", next_year],
        "opens_time": "9am",
        "closes_on": ["1", "2", next_year],
        "closes_time": "5pm",
    }
    if who is not None:
        data["who_may_vote"] = who
    return data


def test_the_set_up_form_stores_who_may_vote_and_refuses_junk(app, session, client):
    world = vote_world(app, session, slug="ashvale-who", open_votes=False)
    as_user(client, world.manager)
    setup = f"/places/{world.place.slug}/rounds/{world.round.id}/votes/public/setup"
    form = client.get(setup).get_data(as_text=True)
    assert "Who can vote?" in form
    assert re.search(r'value="both"\s+checked', form)  # as the vote is now
    response = post_form(client, setup, _setup_data(world, "codes"))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(world.public)
    assert world.public.who_may_vote == WhoMayVote.CODES
    for junk in ("everyone", ""):
        bad = post_form(client, setup, _setup_data(world, junk))
        assert bad.status_code == 200
        text = bad.get_data(as_text=True)
        assert "Not a valid choice" in text or "Choose who can vote" in text
        session.refresh(world.public)
        assert world.public.who_may_vote == WhoMayVote.CODES
    # The panel votes in a panel vote: its form does not ask.
    panel_form = client.get(setup.replace("/public/", "/panel/")).get_data(as_text=True)
    assert "Who can vote?" not in panel_form


def test_who_may_vote_freezes_with_the_other_settings(app, session):
    world = _world(app, session, WhoMayVote.BOTH)
    vote = world.public
    with in_request(app, session) as ctx:
        with pytest.raises(DomainError, match="Choose who can vote"):
            _resave(ctx, world, "everyone")
        voter = services.voter_for_user(ctx, world.residents[0], vote)
        services.cast_ballot(ctx, vote, voter, ticks(vote, world.applications[0]))
        with pytest.raises(DomainError, match="cannot change"):
            _resave(ctx, world, WhoMayVote.CODES)
        ctx.rollback()
    session.refresh(vote)
    assert vote.who_may_vote == WhoMayVote.BOTH


def test_the_demo_verifies_its_voters_and_leaves_room_for_a_newcomer(app, session):
    with in_request(app, session) as ctx:
        giving_demo.load(ctx)
        assert voting_demo.load(ctx) is True
        ctx.commit()
        verified = ctx.scalar(select(func.count(ResidentVerification.id)))
        assert voting_demo.load(ctx) is False  # loading again changes nothing
        ctx.commit()
        assert ctx.scalar(select(func.count(ResidentVerification.id))) == verified
        by_email = {v.user.email: v for v in ctx.scalars(select(ResidentVerification)).all()}
        first_ten = ["resident@demo.placefund.org"] + [
            f"resident{n}@demo.placefund.org" for n in range(2, 11)
        ]
        assert all(email in by_email for email in first_ten)
        assert {by_email[e].method for e in first_ten} == set(VerificationMethod)
        manager = giving_demo.demo_manager(ctx)
        for email in first_ten:
            if by_email[email].method == VerificationMethod.IN_PERSON:
                assert by_email[email].verified_by_id == manager.id
                assert by_email[email].note
        # Everyone who voted in the demo is verified (their ballots were allowed).
        assert all(f"resident{n}@demo.placefund.org" in by_email for n in range(11, 31))
        for title in (voting_demo.OPEN_VOTE_ROUND, voting_demo.COUNTED_VOTE_ROUND):
            round_ = ctx.scalar(select(Round).where(Round.title == title))
            assert services.votes_for_round(ctx, round_)[0].who_may_vote == WhoMayVote.BOTH
        unclaimed = ctx.scalar(
            select(func.count(CensusEntry.id)).where(CensusEntry.used_by_id.is_(None))
        )
        # The people with no account yet, and the residents who verified another way.
        others = len(voting_demo.BY_LETTER) + len(voting_demo.IN_PERSON)
        assert unclaimed == len(voting_demo.UNCLAIMED_CENSUS) + others
        # A new account with an Oakbridge postcode is not verified until it matches the list.
        place = giving_demo.demo_place(ctx)
        open_round = ctx.scalar(select(Round).where(Round.title == voting_demo.OPEN_VOTE_ROUND))
        vote = services.votes_for_round(ctx, open_round)[0]
        newcomer = UserFactory(postcode="OB2 1AA")
        assert TOLD_TO_VERIFY in services.why_cannot_vote(ctx, newcomer, vote)
        name, born, postcode = voting_demo.UNCLAIMED_CENSUS[0]
        verify_by_census(ctx, newcomer, place, name, born, postcode)
        assert services.why_cannot_vote(ctx, newcomer, vote) is None
