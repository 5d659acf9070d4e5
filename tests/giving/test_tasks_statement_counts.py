""" "Your tasks" costs the same however much is waiting: each person's tasks page, and a whole
list a page at a time, ask the database the same number of times when a place has 10 of
everything (applications, votes, panels, grants, payments, check-ins) as when it has 200.

The rows are written in bulk, straight into the test's transaction."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import insert

from funds.models import CheckIn, CheckInKind, Grant, Instalment
from funds.schedule import Frequency
from funds.workflow import GrantState
from giving.extensions import db
from giving.models import Application, Group, GroupKind, GroupMember, Round, RoundStatus
from giving.timeutil import to_london, utcnow
from giving.workflow import State
from tests.giving.round_helpers import as_user
from tests.giving.tasks_helpers import build_tasks_world
from tests.statements import statements_for
from voting.models import (
    Assignment,
    BallotKind,
    Panel,
    PanelMethod,
    Vote,
    VoteKind,
    VoteStatus,
    WhoMayVote,
)
from voting.workflow import PanelStatus

STATES = (State.DRAFT, State.DECLINED, State.SUBMITTED, State.AWARDED)


def add(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement; their new ids, in order."""
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows).all())


def _rounds(world: SimpleNamespace, numbers: list[int]) -> list[int]:
    now = utcnow()
    return add(
        Round,
        [
            {
                "place_id": world.place.id,
                "title": f"Taskbury round {i}",
                "budget_pence": 1_000_000,
                "min_grant_pence": 50_000,
                "max_grant_pence": 200_000,
                "opens_at": now - dt.timedelta(days=10),
                "closes_at": now + dt.timedelta(days=1 + i % 10),
                "decision_date": (now + dt.timedelta(days=30)).date(),
                "status": RoundStatus.OPEN,
                "opened_at": now - dt.timedelta(days=10),
            }
            for i in numbers
        ],
    )


def _votes_and_panels(rounds: list[int], numbers: list[int]) -> None:
    now = utcnow()
    add(
        Vote,
        [
            {
                "round_id": r,
                "kind": VoteKind.PUBLIC,
                "status": VoteStatus.OPEN if i % 2 else VoteStatus.COUNTED,
                "rule": "mes_cost",
                "ballot_kind": BallotKind.APPROVAL,
                "who_may_vote": WhoMayVote.VERIFIED,
                "budget_pence": 300_000,
                "tie_break_seed": "42",
                "opens_at": now - dt.timedelta(days=2),
                "closes_at": now + dt.timedelta(days=3),
                "counted_at": None if i % 2 else now,
            }
            for i, r in zip(numbers, rounds, strict=True)
        ],
    )
    add(
        Panel,
        [
            {"round_id": r, "method": PanelMethod.OPEN, "status": PanelStatus.FORMING}
            for r in rounds
        ],
    )


def _grants(world: SimpleNamespace, groups: list[int], numbers: list[int]) -> None:
    today = to_london(utcnow()).date()
    grants = add(
        Grant,
        [
            {
                "fund_id": world.fund.id,
                "group_id": g,
                "title": f"Grant {i}",
                "total_pence": 200_000,
                "start_date": today,
                "years": 1,
                "frequency": Frequency.QUARTERLY,
                "agreement_text": "We agree.",
                "state": GrantState.ACTIVE if i % 2 else GrantState.OFFERED,
                "accepted_at": utcnow() if i % 2 else None,
            }
            for i, g in zip(numbers, groups, strict=True)
        ],
    )
    add(
        Instalment,
        [
            {
                "grant_id": g,
                "number": 1,
                "due_date": today,
                "financial_year": today.year,
                "amount_pence": 200_000,
            }
            for g in grants
        ],
    )
    add(
        CheckIn,
        [
            {"grant_id": g, "number": n, "kind": CheckInKind.UPDATE, "due_on": today + delta}
            for g in grants
            for n, delta in ((1, dt.timedelta(days=-9)), (2, dt.timedelta(days=9)))
        ],
    )


def grow(world: SimpleNamespace, count: int) -> None:
    """``count`` more of everything: rounds closing soon, each with an open or counted vote
    and a panel taking offers; groups the lead belongs to, each with an application (in
    every state) and a grant (offered or running, with a payment due and check-ins late and
    due); and applications the resident is to score."""
    numbers = list(range(world.rows, world.rows + count))
    world.rows += count
    rounds = _rounds(world, numbers)
    _votes_and_panels(rounds, numbers)
    groups = add(
        Group,
        [
            {"place_id": world.place.id, "name": f"Group {i}", "kind": GroupKind.UNINCORPORATED}
            for i in numbers
        ],
    )
    add(GroupMember, [{"group_id": g, "user_id": world.lead.id, "is_lead": True} for g in groups])
    add(
        Application,
        [
            {
                "round_id": r,
                "group_id": g,
                "state": STATES[i % len(STATES)],
                "title": f"Project {i}",
                "submitted_at": None if STATES[i % len(STATES)] == State.DRAFT else utcnow(),
                "decided_at": utcnow() if STATES[i % len(STATES)].is_decided else None,
                "feedback": "Not this time.",
                "award_pence": 100_000 if STATES[i % len(STATES)] == State.AWARDED else None,
            }
            for i, r, g in zip(numbers, rounds, groups, strict=True)
        ],
    )
    to_score = add(
        Application,
        [
            {
                "round_id": world.chest.id,
                "group_id": g,
                "state": State.IN_REVIEW,
                "title": "To score",
                "submitted_at": utcnow(),
            }
            for g in groups
        ],
    )
    member_id = world.panel.members[0].id
    add(Assignment, [{"member_id": member_id, "application_id": a} for a in to_score])
    _grants(world, groups, numbers)
    db.session.commit()


PAGES = {
    "resident": ("/tasks", "/tasks?list=votes", "/tasks?list=scoring"),
    "lead": ("/tasks", "/tasks?list=applications", "/tasks?list=agreements"),
    "manager": ("/tasks", "/tasks?list=to-check", "/tasks?list=payments-due"),
    "admin": ("/tasks", "/tasks?list=places"),
}


def counts(client, world: SimpleNamespace) -> dict[str, int]:
    engine = db.session.get_bind().engine
    seen: dict[str, int] = {}
    for who, urls in PAGES.items():
        as_user(client, getattr(world, who))
        for url in urls:
            client.get(url)  # once to warm up, as a server would be
            seen[f"{who}: {url}"] = statements_for(client, engine, url)
    return seen


@pytest.fixture
def world(session):
    world = build_tasks_world()
    world.rows = 0
    return world


def test_tasks_ask_the_database_as_often_for_200_rows_as_for_10(client, world):
    grow(world, 10)
    few = counts(client, world)
    grow(world, 190)
    many = counts(client, world)
    grew = {name: (few[name], many[name]) for name in few if many[name] != few[name]}
    assert not grew, "statements with 10 rows, then 200:\n" + "\n".join(
        f"{name}: {a} -> {b}" for name, (a, b) in grew.items()
    )
    # And the lists are full: each shows its first five and how many more.
    as_user(client, world.manager)
    page = client.get("/tasks").get_data(as_text=True)
    # 100 counted votes were added to the world's one: 5 are shown.
    assert "and 96 more" in page
