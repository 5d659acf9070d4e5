"""A place where something waits for everyone: a resident with a vote to vote in, an
application to score and a panel to offer for; a group with a draft, a decision, a grant
agreement to accept and a check-in due; a fund manager with an application to check, a round
closing, a counted vote to confirm, a payment due and a check-in overdue."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import update

from funds.models import CheckIn, CheckInKind
from giving.extensions import db
from giving.models import DecisionMethod, Role
from giving.timeutil import to_london, utcnow
from giving.workflow import State
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    DeclarationFactory,
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PanelFactory,
    PanelMemberFactory,
    ResidentVerificationFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
    make_grant,
    place_with_wards,
)
from voting.models import BallotKind, Vote, VoteKind, VoteStatus, WhoMayVote


def _vote(round_, status: VoteStatus, **fields) -> Vote:
    now = utcnow()
    vote = Vote(
        round=round_,
        kind=VoteKind.PUBLIC,
        status=status,
        rule="mes_cost",
        ballot_kind=BallotKind.APPROVAL,
        who_may_vote=WhoMayVote.VERIFIED,
        budget_pence=300_000,
        tie_break_seed="20261202",
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=5),
        **fields,
    )
    db.session.add(vote)
    db.session.flush()
    return vote


def build_tasks_world() -> SimpleNamespace:
    place, north, _south = place_with_wards("taskbury", "Taskbury", "TK")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    resident = UserFactory(name="Rita Resident", postcode="TK1 1AA")
    ResidentVerificationFactory(user=resident, place=place, ward=north)
    newcomer = UserFactory(name="Nico Newcomer", postcode="TK2 2BB")
    lead = UserFactory(name="Gail Group")
    larder = GroupFactory(place=place, name="Taskbury Larder")
    GroupMemberFactory(group=larder, user=lead)

    chest = RoundFactory(
        place=place, title="Taskbury Chest", closes_at=utcnow() + dt.timedelta(days=3)
    )
    draft = ApplicationFactory(round=chest, group=larder, state=State.DRAFT, title="Soup club")
    spring = RoundFactory(place=place, title="Taskbury Spring Grants")
    declined = ApplicationFactory(round=spring, group=larder, state=State.DECLINED, title="Old van")
    to_check = ApplicationFactory(
        round=chest,
        group=GroupFactory(place=place, name="Taskbury Scouts"),
        state=State.SUBMITTED,
        title="New tents",
    )

    # Panel work: the resident scores one application; another round's panel takes offers.
    panel = PanelFactory(round=chest)
    member = PanelMemberFactory(panel=panel, user=resident)
    to_score = ApplicationFactory(
        round=chest,
        group=GroupFactory(place=place, name="Taskbury Choir"),
        state=State.IN_REVIEW,
        title="Sheet music",
    )
    AssignmentFactory(member=member, application=to_score)
    DeclarationFactory(member=member, application=to_score)
    undeclared = ApplicationFactory(
        round=chest,
        group=GroupFactory(place=place, name="Taskbury Bowls Club"),
        state=State.IN_REVIEW,
        title="New green",
    )
    AssignmentFactory(member=member, application=undeclared)
    offers_round = RoundFactory(place=place, title="Taskbury Youth Fund")
    offers_panel = PanelFactory(round=offers_round, open=True)

    voting_round = RoundFactory(
        place=place, title="Taskbury Neighbourhood Vote", decision_method=DecisionMethod.PUBLIC
    )
    open_vote = _vote(voting_round, VoteStatus.OPEN)
    counted_round = RoundFactory(
        place=place, title="Taskbury Green Spaces", decision_method=DecisionMethod.PUBLIC
    )
    counted_vote = _vote(
        counted_round,
        VoteStatus.COUNTED,
        counted_at=utcnow() - dt.timedelta(hours=3),
        closed_at=utcnow() - dt.timedelta(hours=3),
    )

    # Money: an offer for the larder to accept, and a running grant with a check-in and a
    # payment coming due and a check-in that is late.
    today = to_london(utcnow()).date()
    fund = FundFactory(place=place, money=10_000_000, checkin_threshold_pence=100_000)
    offered = make_grant(fund, manager=manager, group=larder, title="Soup for all")
    running = make_grant(
        fund,
        manager=manager,
        group=larder,
        title="Winter warmers",
        start_date=today,
        years=2,
        accepted=True,
    )
    first, second, *_rest = sorted(running.checkins, key=lambda c: c.number)
    db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == first.id)
        .values(due_on=today - dt.timedelta(days=10), kind=CheckInKind.CONVERSATION)
    )
    db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == second.id)
        .values(due_on=today + dt.timedelta(days=7), kind=CheckInKind.UPDATE)
    )
    admin = UserFactory(name="Ada Admin", site_admin=True)
    db.session.commit()
    return SimpleNamespace(
        place=place,
        manager=manager,
        resident=resident,
        newcomer=newcomer,
        lead=lead,
        admin=admin,
        larder=larder,
        chest=chest,
        draft=draft,
        declined=declined,
        to_check=to_check,
        to_score=to_score,
        panel=panel,
        offers_round=offers_round,
        offers_panel=offers_panel,
        open_vote=open_vote,
        counted_vote=counted_vote,
        fund=fund,
        offered=offered,
        running=running,
        late_checkin=first,
        due_checkin=second,
    )
