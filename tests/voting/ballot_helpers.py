"""Shared set-up for the ballot and result tests: a round decided by both a panel vote and a
public vote (verified residents and voting codes), three shortlisted applications, a panel
(one member conflicted with the first application), verified residents in two wards, and
people who may not vote."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from giving.models import DecisionMethod, Role
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import in_request
from tests.factories import (
    ApplicationFactory,
    DeclarationFactory,
    GroupFactory,
    PanelFactory,
    PanelMemberFactory,
    ResidentVerificationFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
    place_with_wards,
)
from voting import services
from voting.models import BallotKind, VoteKind, WhoMayVote


def build_vote_world(
    session,
    *,
    public_rule: str = "mes_cost",
    ballot_kind: BallotKind = BallotKind.APPROVAL,
    points_total: int | None = None,
    max_choices: int | None = None,
    open_votes: bool = True,
    slug: str = "ashvale",
    who_may_vote: WhoMayVote = WhoMayVote.BOTH,
) -> SimpleNamespace:
    """Everything is created through the factories, then the votes through the services (so
    it needs a request context: see ``tests.conftest.in_request``)."""
    place, north, south = place_with_wards(slug, "Ash Vale", "AV")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    round_ = RoundFactory(
        place=place,
        title="Ash Vale grants",
        budget_pence=300_000,
        min_grant_pence=50_000,
        max_grant_pence=200_000,
        decision_method=DecisionMethod.BOTH,
    )
    costs = [
        ("Ash Vale Larder", "Breakfast club", 150_000),
        ("Ash Vale Choir", "Sheet music", 100_000),
        ("Ash Vale Scouts", "New tents", 120_000),
    ]
    applications = [
        ApplicationFactory(
            round=round_,
            group=GroupFactory(place=place, name=name),
            title=title,
            state=State.SHORTLISTED,
            amount_requested_pence=cost,
            answered=True,
        )
        for name, title, cost in costs
    ]
    panel = PanelFactory(round=round_)
    chair = PanelMemberFactory(panel=panel, chair=True)
    conflicted = PanelMemberFactory(panel=panel)
    DeclarationFactory(member=conflicted, application=applications[0], conflicted=True)
    residents = [
        UserFactory(postcode="AV1 1AA"),
        UserFactory(postcode="AV1 2BB"),
        UserFactory(postcode="AV2 3CC"),
    ]
    # The residents have shown where they live; the others have not.
    for person, ward in zip(residents, (north, north, south), strict=True):
        ResidentVerificationFactory(user=person, place=place, ward=ward)
    unconfirmed = UserFactory(postcode="AV1 4DD", unconfirmed=True)
    outsider = UserFactory(postcode="ZZ9 9ZZ")
    other_manager = RoleGrantFactory(role=Role.FUND_MANAGER).user
    now = utcnow()
    settings = {
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(days=7),
        "tie_break_seed": "2026",
    }
    public = services.save_vote(
        session,
        manager,
        round_,
        VoteKind.PUBLIC,
        rule=public_rule,
        ballot_kind=ballot_kind,
        points_total=points_total,
        max_choices=max_choices,
        who_may_vote=who_may_vote,
        **settings,
    )
    panel_vote = services.save_vote(
        session,
        manager,
        round_,
        VoteKind.PANEL,
        rule="greedy_votes",
        ballot_kind=BallotKind.APPROVAL,
        **settings,
    )
    if open_votes:
        services.move_vote(session, manager, public, "open")
        services.move_vote(session, manager, panel_vote, "open")
    session.commit()
    return SimpleNamespace(
        place=place,
        wards=(north, south),
        manager=manager,
        other_manager=other_manager,
        round=round_,
        applications=applications,
        panel=panel,
        chair=chair,
        conflicted=conflicted,
        residents=residents,
        unconfirmed=unconfirmed,
        outsider=outsider,
        public=public,
        panel_vote=panel_vote,
    )


def option_for(vote, application):
    return next(o for o in vote.options if o.application_id == application.id)


def ticks(vote, *applications) -> dict[int, int]:
    """Approval choices for these applications."""
    return {option_for(vote, a).id: 1 for a in applications}


def vote_world(app, session, **kwargs) -> SimpleNamespace:
    with in_request(app, session) as s:
        return build_vote_world(s, **kwargs)


def cast_on_web(client, vote_id: int, data: dict):
    """Vote as a browser does: the ballot page, the check page, then "Cast your vote" with
    what the check page carries. The answer to casting."""
    from tests.conftest import post_form

    url = f"/votes/{vote_id}/ballot"
    checked = post_form(client, url + "/check", data, page=url)
    assert checked.status_code == 200, checked.get_data(as_text=True)
    assert "Check your choices" in checked.get_data(as_text=True)
    return post_form(client, url + "/cast", data, page=url)
