"""Voting's pages cost the same however big a vote or a panel is: a counted vote's page and
results, the fund's team's list of a round's votes, the list of a person's panels, and every
page of a panel's work (its applications and scores, conflicts, the register, the lottery, the
meeting) ask the database the same number of times with few members, applications, ballots
and panels as with many.

The rows are written in bulk, straight into the test's transaction: what is checked is the
pages, not how the rows got there."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert

from giving.extensions import db
from giving.models import Application, DecisionMethod, Group, GroupKind, Role, Round, User
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import in_request
from tests.factories import (
    PanelFactory,
    PanelMemberFactory,
    RoleGrantFactory,
    RoundFactory,
    place_with_wards,
)
from tests.giving.round_helpers import as_user
from tests.statements import statements_for
from voting import services
from voting.models import (
    Assignment,
    Ballot,
    BallotChoice,
    BallotKind,
    Declaration,
    JoinedBy,
    Panel,
    PanelMember,
    PanelMethod,
    PanelOffer,
    ProfileCategory,
    ProfileValue,
    Review,
    Score,
    ShortlistDecision,
    VoteKind,
    VoterRecord,
    WhoMayVote,
)
from voting.models.votes import new_ballot_id, new_receipt, receipt_hash
from voting.workflow import PanelStatus


def add(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement; their new ids, in order."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows).all())


def people(tag: str, count: int) -> list[int]:
    return add(
        User,
        [
            {"email": f"{tag}-{i}@example.org", "name": f"Person {tag} {i}", "password_hash": "x"}
            for i in range(count)
        ],
    )


def applications(place_id: int, round_id: int, tag: str, states: list[State]) -> list[int]:
    """An application from a group of its own for each state, in the order sent."""
    groups = add(
        Group,
        [
            {
                "place_id": place_id,
                "name": f"Group {tag} {i}",
                "kind": GroupKind.UNINCORPORATED,
                "postcode": f"VB{1 + i % 2} 1AA",
            }
            for i in range(len(states))
        ],
    )
    sent = utcnow() - dt.timedelta(days=20)
    return add(
        Application,
        [
            {
                "round_id": round_id,
                "group_id": group,
                "state": state,
                "title": f"Project {tag} {i}",
                "amount_requested_pence": 50_000 + 1_000 * (i % 90),
                "submitted_at": sent + dt.timedelta(minutes=i),
            }
            for i, (group, state) in enumerate(zip(groups, states, strict=True))
        ],
    )


def build(app, session, size: int) -> SimpleNamespace:
    """A place with a round of ``size`` shortlisted applications, a panel whose chair sits on
    ``size`` panels, and a public vote on the applications with ``size`` ballots, closed and
    counted."""
    place, north, south = place_with_wards(f"votebury-{size}", f"Votebury {size}", "VB")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    round_ = RoundFactory(
        place=place,
        title=f"Votebury grants {size}",
        budget_pence=50_000 * size,
        decision_method=DecisionMethod.BOTH,
    )
    applications(place.id, round_.id, f"v{size}", [State.SHORTLISTED] * size)
    panel = PanelFactory(round=round_)
    chair = PanelMemberFactory(panel=panel, chair=True)
    now = utcnow()
    rounds = add(
        Round,
        [
            {
                "place_id": place.id,
                "title": f"Other round {i}",
                "budget_pence": 1_000_000,
                "min_grant_pence": 50_000,
                "max_grant_pence": 200_000,
                "opens_at": now - dt.timedelta(days=1),
                "closes_at": now + dt.timedelta(days=14),
            }
            for i in range(size - 1)
        ],
    )
    panels = add(
        Panel,
        [
            {"round_id": r, "method": PanelMethod.APPOINTED, "status": PanelStatus.REVIEWING}
            for r in rounds
        ],
    )
    add(
        PanelMember,
        [
            {"panel_id": p, "user_id": chair.user.id, "joined_by": JoinedBy.APPOINTED}
            for p in panels
        ],
    )
    voters = people(f"voter{size}", size)
    db.session.commit()
    with in_request(app, session) as s:
        vote = services.save_vote(
            s,
            manager,
            round_,
            VoteKind.PUBLIC,
            rule="mes_cost",
            ballot_kind=BallotKind.APPROVAL,
            who_may_vote=WhoMayVote.BOTH,
            opens_at=utcnow() - dt.timedelta(hours=1),
            closes_at=utcnow() + dt.timedelta(days=7),
            tie_break_seed="2026",
        )
        services.move_vote(s, manager, vote, "open")
        s.flush()
        options = sorted(o.id for o in vote.options)
        ballots = [new_ballot_id() for _ in range(size)]
        receipts = [new_receipt() + str(i) for i in range(size)]
        s.execute(
            insert(VoterRecord),
            [
                {"vote_id": vote.id, "user_id": voter, "ward_id": (north, south)[i % 2].id}
                for i, voter in enumerate(voters)
            ],
        )
        s.execute(
            insert(Ballot),
            [
                {"id": b, "vote_id": vote.id, "receipt_hash": receipt_hash(r)}
                for b, r in zip(ballots, receipts, strict=True)
            ],
        )
        s.execute(
            insert(BallotChoice),
            [
                {"ballot_id": b, "option_id": options[(i + k) % size], "points": 1}
                for i, b in enumerate(ballots)
                for k in range(3)
            ],
        )
        services.move_vote(s, manager, vote, "close")
        s.commit()
    receipt = receipts[0]
    return SimpleNamespace(
        place=place,
        round=round_,
        panel=panel,
        chair=chair.user,
        manager=manager,
        vote=vote,
        receipt=receipt,
    )


def counts(client, pages: dict[str, tuple[object, str]]) -> dict[str, int]:
    """How many statements each page sends, asked by whom, once warmed up."""
    engine = db.session.get_bind().engine
    seen = {}
    for name, (who, url) in pages.items():
        as_user(client, who)
        client.get(url)  # once to warm up, as a server would be
        seen[name] = statements_for(client, engine, url)
    return seen


def vote_pages(world: SimpleNamespace) -> dict[str, tuple[object, str]]:
    slug, round_id = world.place.slug, world.round.id
    return {
        "anyone: the vote": (None, f"/votes/{world.vote.id}"),
        "anyone: the vote's results": (None, f"/votes/{world.vote.id}/results"),
        "anyone: a ballot found by its receipt": (
            None,
            f"/votes/{world.vote.id}/results?receipt={world.receipt}",
        ),
        "the chair: their panels": (world.chair, "/panels"),
        "the fund's team: the votes": (world.manager, f"/places/{slug}/rounds/{round_id}/votes"),
    }


def assert_same(few: dict[str, int], many: dict[str, int], sizes: str) -> None:
    grew = {name: (few[name], many[name]) for name in few if many[name] != few[name]}
    assert not grew, f"statements with {sizes} rows:\n" + "\n".join(
        f"{name}: {a} -> {b}" for name, (a, b) in grew.items()
    )


def test_voting_pages_ask_the_database_as_often_for_200_rows_as_for_10(app, session, client):
    few = counts(client, vote_pages(build(app, session, 10)))
    many = counts(client, vote_pages(build(app, session, 200)))
    assert_same(few, many, "10, then 200")


def _panel_rows(world: SimpleNamespace, members: list[int], apps: list[int]) -> None:
    """What the panel has done: everyone's conflicts (the chair has none; others one each,
    some of them conflicts), the applications shared out, sent scores (everyone scored the
    first application), the shortlist decisions, and the lottery's questions and offers."""
    declared = {(world.chair_member, a): False for a in apps}
    for i, m in enumerate(members):
        declared[(m, apps[0])] = False
        declared[(m, apps[i])] = i > 0 and i % 3 == 0
    add(
        Declaration,
        [
            {
                "member_id": m,
                "application_id": a,
                "conflicted": c,
                "reason": "I help run it." if c else "",
            }
            for (m, a), c in declared.items()
        ],
    )
    read = [pair for pair, conflicted in declared.items() if not conflicted]
    add(Assignment, [{"member_id": m, "application_id": a} for m, a in read])
    add(
        Review,
        [
            {"member_id": m, "application_id": a, "comment": "Good.", "submitted_at": utcnow()}
            for m, a in read
        ],
    )
    add(
        Score,
        [
            {"member_id": m, "application_id": a, "criterion_id": c.id, "value": 1 + (m + a) % 5}
            for m, a in read
            for c in world.round.criteria
        ],
    )
    add(
        ShortlistDecision,
        [
            {
                "panel_id": world.panel.id,
                "application_id": a,
                "action": "shortlist",
                "reason": "Yes.",
            }
            for i, a in enumerate(apps)
            if i % 4 == 3
        ],
    )
    categories = add(
        ProfileCategory,
        [
            {"panel_id": world.panel.id, "name": f"Question {i}", "position": i}
            for i in range(len(apps))
        ],
    )
    add(
        ProfileValue,
        [
            {"category_id": c, "label": label, "position": n}
            for c in categories
            for n, label in enumerate(("Yes", "No"))
        ],
    )
    offering = people(f"offer{world.size}", len(apps))
    add(PanelOffer, [{"panel_id": world.panel.id, "user_id": u} for u in offering])


def build_panel(size: int) -> SimpleNamespace:
    """A round whose panel, reading and scoring, has ``size`` members (the chair too) and
    ``size`` applications, some of them already on the shortlist; ``size`` people have
    offered to sit on it and ``size`` questions were asked of them."""
    place, _north, _south = place_with_wards(f"panelbury-{size}", f"Panelbury {size}", "PB")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    round_ = RoundFactory(place=place, title=f"Panelbury grants {size}")
    panel = PanelFactory(round=round_)
    chair = PanelMemberFactory(panel=panel, chair=True)
    states = [State.SHORTLISTED if i % 4 == 3 else State.IN_REVIEW for i in range(size)]
    apps = applications(place.id, round_.id, f"p{size}", states)
    others = people(f"member{size}", size - 1)
    joined = add(
        PanelMember,
        [{"panel_id": panel.id, "user_id": u, "joined_by": JoinedBy.APPOINTED} for u in others],
    )
    members = [chair.id, *joined]
    # Someone who has left still shows nowhere.
    gone = people(f"gone{size}", 1)[0]
    add(
        PanelMember,
        [
            {
                "panel_id": panel.id,
                "user_id": gone,
                "joined_by": JoinedBy.APPOINTED,
                "left_at": utcnow(),
            }
        ],
    )
    world = SimpleNamespace(
        size=size,
        place=place,
        round=round_,
        panel=panel,
        chair=chair.user,
        chair_member=chair.id,
        manager=manager,
        first=apps[0],
    )
    _panel_rows(world, members, apps)
    db.session.commit()
    db.session.expire_all()
    return world


def panel_pages(world: SimpleNamespace) -> dict[str, tuple[object, str]]:
    panel, first = world.panel.id, world.first
    staff = f"/places/{world.place.slug}/rounds/{world.round.id}/panel"
    pages: dict[str, tuple[object, str]] = {}
    for label, who in (("the chair", world.chair), ("the fund's team", world.manager)):
        pages |= {
            f"{label}: the panel": (who, f"/panels/{panel}"),
            f"{label}: the scores": (who, f"/panels/{panel}/applications/{first}/scores"),
            f"{label}: the meeting": (who, f"/panels/{panel}/meeting"),
        }
    return pages | {
        "the chair: their conflicts": (world.chair, f"/panels/{panel}/declarations"),
        "the fund's team: the panel's people": (world.manager, staff),
        "the fund's team: the register of conflicts": (world.manager, f"{staff}/conflicts"),
        "the fund's team: the lottery": (world.manager, f"{staff}/draw"),
        "the fund's team: the questions": (world.manager, f"{staff}/questions"),
    }


def test_panel_pages_ask_the_database_as_often_for_40_rows_as_for_4(session, client):
    few = counts(client, panel_pages(build_panel(4)))
    many = counts(client, panel_pages(build_panel(40)))
    assert_same(few, many, "4, then 40")
