"""Giving's pages cost the same however much a place holds. For every public page, staff
page and API answer that lists or counts a place's rounds, applications, decisions, groups,
people or log entries: a request asks the database the same number of times when the place
has 10 of each as when it has 200. A page that asked once for every row (a group's ward, an
application's round, a person's name) would ask 190 times more."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import insert, update

from giving.extensions import db
from giving.models import (
    Application,
    AuditEntry,
    Criterion,
    DecidedBy,
    DecisionMethod,
    FunderRating,
    Group,
    GroupKind,
    GroupMember,
    Question,
    ResidentVerification,
    Role,
    Round,
    RoundStatus,
    User,
    VerificationMethod,
)
from giving.timeutil import utcnow
from giving.workflow import State
from tests.factories import RoleGrantFactory, RoundFactory, UserFactory, place_with_wards
from tests.giving.round_helpers import as_user
from tests.statements import statements_for

# Each application, in turn: its state and who decided it.
KINDS = (
    (State.AWARDED, DecidedBy.RESIDENTS),
    (State.DECLINED, DecidedBy.RESIDENTS),
    (State.INELIGIBLE, DecidedBy.STAFF),
    (State.AWARDED, DecidedBy.OVERRIDE),
    (State.DECLINED, DecidedBy.OVERRIDE),
    (State.SUBMITTED, None),
    (State.IN_REVIEW, None),
)
UNINCORPORATED = GroupKind.UNINCORPORATED


def build_place() -> SimpleNamespace:
    place, north, south = place_with_wards("growbury", "Growbury", "GB")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    lead = UserFactory(name="Lee Lead")
    big = RoundFactory(
        place=place,
        title="Growbury big round",
        decision_method=DecisionMethod.PANEL,
        opens_at=utcnow() - dt.timedelta(days=60),
        closes_at=utcnow() - dt.timedelta(days=3),
    )
    return SimpleNamespace(
        place=place, wards=(north, south), manager=manager, lead=lead, big=big, rows=0
    )


def add(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement; their new ids, in order."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows).all())


def _rounds(world: SimpleNamespace, numbers: list[int]) -> dict[int, int]:
    """A round of its own for each of these rows (open, some closed), asking two questions
    and scoring against two criteria, as a round made on the site would; by row number."""
    now = utcnow()
    specs = [
        {
            "place_id": world.place.id,
            "title": f"Growbury round {i}",
            "description": "Money for small community projects.",
            "budget_pence": 1_000_000,
            "min_grant_pence": 50_000,
            "max_grant_pence": 200_000,
            "decision_method": (DecisionMethod.PANEL, DecisionMethod.PUBLIC, DecisionMethod.STAFF)[
                i % 3
            ],
            "opens_at": now - dt.timedelta(days=60),
            "closes_at": now - dt.timedelta(days=10 + i % 7),
            "decision_date": (now + dt.timedelta(days=i % 5 - 2)).date(),
        }
        for i in numbers
    ]
    ids = add(Round, specs)
    add(
        Question,
        [
            {
                "round_id": r,
                "text": text,
                "why_asked": "It helps us decide.",
                "word_limit": limit,
                "position": n,
            }
            for r in ids
            for n, (text, limit) in enumerate(
                (("What will you do with the money?", 100), ("Who will it help?", 50)), start=1
            )
        ],
    )
    add(
        Criterion,
        [
            {"round_id": r, "name": name, "weight": weight, "position": n}
            for r in ids
            for n, (name, weight) in enumerate((("Helps people", 20), ("Good value", 10)), start=1)
        ],
    )
    # Opened once their questions are set, as on the site; a quarter of them closed since.
    opened = update(Round).where(Round.id.in_(ids))
    db.session.execute(
        opened.values(status=RoundStatus.OPEN, opened_at=now - dt.timedelta(days=60))
    )
    closed = [r for i, r in zip(numbers, ids, strict=True) if i % 4 == 0]
    db.session.execute(
        update(Round)
        .where(Round.id.in_(closed))
        .values(status=RoundStatus.CLOSED, closed_at=Round.closes_at)
    )
    return dict(zip(numbers, ids, strict=True))


def _application(i: int, round_id: int, group_id: int) -> dict[str, Any]:
    state, decided_by = KINDS[i % len(KINDS)]
    decided = state in (State.DECLINED, State.INELIGIBLE, State.AWARDED)
    return {
        "round_id": round_id,
        "group_id": group_id,
        "state": state,
        "title": f"Project {i}",
        "amount_requested_pence": 100_000,
        "submitted_at": utcnow(),
        "decided_by": decided_by,
        "decided_at": utcnow() if decided else None,
        "award_pence": 100_000 if state == State.AWARDED else None,
        "feedback": "" if state == State.AWARDED else "Not this time.",
        "feedback_private": i % 5 == 0,
        "override_reason": "The group closed." if decided_by == DecidedBy.OVERRIDE else None,
    }


def _people(world: SimpleNamespace, numbers: list[int]) -> None:
    """For each row: a member of another group of the place, and a verified resident."""
    others = add(
        User,
        [
            {"email": f"other{i}@example.org", "name": f"Olly Other {i}", "password_hash": "x"}
            for i in numbers
        ],
    )
    their_groups = add(
        Group,
        [
            {
                "place_id": world.place.id,
                "name": f"Other group {i}",
                "kind": UNINCORPORATED,
            }
            for i in numbers
        ],
    )
    add(
        GroupMember,
        [
            {"group_id": g, "user_id": u, "is_lead": True}
            for g, u in zip(their_groups, others, strict=True)
        ],
    )
    residents = add(
        User,
        [
            {
                "email": f"resident{i}@example.org",
                "name": f"Rae Resident {i}",
                "password_hash": "x",
                "postcode": f"GB1 {i % 9}BB",
            }
            for i in numbers
        ],
    )
    add(
        ResidentVerification,
        [
            {
                "user_id": u,
                "place_id": world.place.id,
                "ward_id": world.wards[i % 2].id,
                "method": VerificationMethod.CENSUS,
                "expires_at": utcnow() + dt.timedelta(days=365),
            }
            for i, u in zip(numbers, residents, strict=True)
        ],
    )


def grow(world: SimpleNamespace, count: int) -> None:
    """Add ``count`` of everything: groups (each led by ``world.lead``), applications (half
    in the big round, half each in a round of its own, in every state, some overridden with
    the log entry that says what residents had decided), the groups' ratings of the funder,
    verified residents, and other people's groups. Written in bulk, straight into the test's
    transaction."""
    numbers = list(range(world.rows, world.rows + count))
    world.rows += count
    own = _rounds(world, [i for i in numbers if i % 2 == 0])
    rounds = {i: own.get(i, world.big.id) for i in numbers}
    groups = add(
        Group,
        [
            {
                "place_id": world.place.id,
                "name": f"Test group {i}",
                "kind": UNINCORPORATED,
                "description": "We run things for our neighbours.",
                "postcode": f"GB{1 + i % 2} {i % 9}AA",
            }
            for i in numbers
        ],
    )
    world.group_id = getattr(world, "group_id", groups[0])
    add(GroupMember, [{"group_id": g, "user_id": world.lead.id, "is_lead": True} for g in groups])
    applications = add(
        Application,
        [_application(i, rounds[i], g) for i, g in zip(numbers, groups, strict=True)],
    )
    overridden = [
        (i, a)
        for i, a in zip(numbers, applications, strict=True)
        if KINDS[i % len(KINDS)][1] == DecidedBy.OVERRIDE
    ]
    add(
        AuditEntry,
        [
            {
                "actor_id": world.manager.id,
                "place_id": world.place.id,
                "action": "application.override_"
                + ("award" if KINDS[i % len(KINDS)][0] == State.AWARDED else "decline"),
                "object_type": "Application",
                "object_id": str(a),
                "summary": "Overrode the decision",
                "details": {"residents_had": State.SHORTLISTED.value},
            }
            for i, a in overridden
        ],
    )
    db.session.execute(
        insert(FunderRating),
        [
            {
                "round_id": rounds[i],
                "answered_on": utcnow().date(),
                "respect": 1 + i % 5,
                "clarity": 1 + i % 4,
                "time": 1 + i % 3,
                "overall": 1 + i % 2,
            }
            for i in numbers
        ],
    )
    _people(world, numbers)
    db.session.commit()


def urls(world: SimpleNamespace) -> dict[str, tuple[object, str]]:
    """Every page to check: who asks (None: nobody signed in) and the address."""
    slug, big = world.place.slug, world.big.id
    public = {
        "/places",
        f"/places/{slug}",
        f"/places/{slug}/rounds",
        f"/places/{slug}/rounds/{big}",
        "/results",
        f"/places/{slug}/results",
        f"/places/{slug}/results/rounds/{big}",
        f"/places/{slug}/scorecard",
        f"/places/{slug}/participation",
        f"/places/{slug}/participation?round={big}",
        "/api/places",
        f"/api/places/{slug}",
        f"/api/places/{slug}/rounds",
        f"/api/rounds/{big}",
        f"/api/rounds/{big}/results",
        f"/api/places/{slug}/scorecard",
        f"/api/rounds/{big}/scorecard",
        f"/api/places/{slug}/participation",
        f"/api/rounds/{big}/participation",
    }
    lead = {"/applications", "/groups", f"/groups/{world.group_id}"}
    staff = {
        f"/places/{slug}/rounds",
        f"/places/{slug}/rounds/{big}/manage",
        f"/places/{slug}/rounds/{big}/applications",
        f"/places/{slug}/audit",
        f"/places/{slug}/manage/residents",
    }
    found: dict[str, tuple[object, str]] = {}
    for label, who, addresses in (
        ("anyone", None, public),
        ("a group's lead", world.lead, lead),
        ("the fund's team", world.manager, staff),
    ):
        for url in sorted(addresses):
            found[f"{label}: {url}"] = (who, url)
    return found


def counts(client, world: SimpleNamespace) -> dict[str, int]:
    engine = db.session.get_bind().engine
    seen: dict[str, int] = {}
    for name, (who, url) in urls(world).items():
        as_user(client, who)
        client.get(url)  # once to warm up, as a server would be
        seen[name] = statements_for(client, engine, url)
    return seen


@pytest.fixture
def world(session):
    return build_place()


def test_giving_pages_ask_the_database_as_often_for_200_rows_as_for_10(client, world):
    grow(world, 10)
    few = counts(client, world)
    grow(world, 190)
    many = counts(client, world)
    grew = {name: (few[name], many[name]) for name in few if many[name] != few[name]}
    assert not grew, "statements with 10 rows, then 200:\n" + "\n".join(
        f"{name}: {a} -> {b}" for name, (a, b) in grew.items()
    )
