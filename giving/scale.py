"""A large, consistent dataset on demand (``flask demo scale``): a place of its own, Scaleford,
with groups, rounds and applications in every state, for measuring pages at a funder's real
size.

Each package adds a loader to ``hooks.scale_loaders`` in its ``init_app``; the command runs
them in order with one :class:`Scale`, which carries the sizes asked for, what the earlier
loaders made (ids in :attr:`Scale.made`) and the progress bar. Rows go in with bulk inserts
(:meth:`Scale.insert`): COPY on PostgreSQL, executemany in batches of a few thousand on SQLite,
never an object per row. The build reports each stage's rows and seconds as it ends.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from giving.copy_rows import copy_rows, reserve_ids
from giving.models import (
    Answer,
    Application,
    AuditEntry,
    Channel,
    DecidedBy,
    DecisionMethod,
    Group,
    GroupKind,
    GroupMember,
    Place,
    PostcodeArea,
    Question,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    User,
    Ward,
)
from giving.progress import Progress, quietly
from giving.services import audit, find_one, hash_password
from giving.timeutil import utcnow
from giving.workflow import State

SCALE_PLACE_SLUG = "scaleford"
SCALE_PASSWORD = "placefund-demo"  # noqa: S105 (published demo log-in)
SCALE_MANAGER_EMAIL = "manager@scaleford.placefund.org"
BATCH = 4000
COPY_BATCH = 50_000
WARDS = [
    "Abbey",
    "Brookside",
    "Canal",
    "Dockside",
    "Elmwood",
    "Fairfield",
    "Gasworks",
    "Highfield",
    "Ironbridge",
    "Jubilee",
    "Kingsmead",
    "Lowfield",
]
GROUP_WORDS = ["Community", "Youth", "Food", "Arts", "Garden", "Elders", "Sports", "Repair"]
GROUP_KINDS = ["Larder", "Club", "Project", "Circle", "Trust", "Collective", "Shed", "Café"]
KINDS = [GroupKind.UNINCORPORATED] * 5 + [GroupKind.CHARITY, GroupKind.CIO, GroupKind.CIC]
APPLICATIONS_PER_ROUND = 500


@dataclass(frozen=True)
class ScaleSizes:
    """How much to make."""

    grants: int = 100_000
    applications: int = 10_000
    ballots: int = 100_000
    gifts: int = 50_000


def quietly_reported(line: str) -> None:
    """Stage lines that nobody reads."""


@dataclass
class Scale:
    """One run of the scale loaders: the sizes, what each loader made (ids and figures the
    later loaders build on) and the progress of the whole run, in rows written."""

    sizes: ScaleSizes
    progress: Progress = quietly
    report: Callable[[str], None] = quietly_reported
    made: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(20261201))  # noqa: S311
    done: int = 0
    total: int = 0
    # Rows written to each table, and how many it had when PostgreSQL last analysed it.
    written: dict[str, int] = field(default_factory=dict)
    analysed: dict[str, int] = field(default_factory=dict)

    def expect(self, rows: int) -> None:
        """More rows to write than the bar showed so far."""
        self.total += rows
        self.progress(self.done, self.total)

    def advance(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        self.progress(self.done, self.total)

    def wrote(self, session: Session, model: Any, rows: int) -> None:
        """Count the rows and advance the bar. On PostgreSQL, analyse a table each time it
        has doubled: the checks the database makes on each row (foreign keys, the ledger's
        triggers) are planned from its statistics, and plans made while it was empty would
        read the whole table for every row."""
        self.advance(rows)
        table = model.__tablename__
        count = self.written[table] = self.written.get(table, 0) + rows
        if count >= max(2 * self.analysed.get(table, 0), 1000):
            if _on_postgresql(session):
                session.execute(text(f"ANALYZE {table}"))
            self.analysed[table] = count

    def insert(self, session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert, a batch at a time: COPY on PostgreSQL, executemany elsewhere."""
        on_postgresql = _on_postgresql(session)
        batch_size = COPY_BATCH if on_postgresql else BATCH
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            if on_postgresql:
                copy_rows(session, model, batch)
            else:
                session.execute(insert(model), batch)
            self.wrote(session, model, len(batch))

    def insert_ids(self, session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Bulk insert, a batch at a time; the new rows' ids, in the order of ``rows``. On
        PostgreSQL the ids are taken from the table's sequence first, then the rows copied in
        with them."""
        if _on_postgresql(session):
            ids = reserve_ids(session, model, len(rows)) if rows else []
            self.insert(
                session, model, [{**row, "id": n} for row, n in zip(rows, ids, strict=True)]
            )
            return ids
        ids = []
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
            ids.extend(session.scalars(stmt, batch).all())
            self.wrote(session, model, len(batch))
        return ids

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """A named part of the build: when it ends, :attr:`report` gets a line with the rows
        it wrote and the seconds it took."""
        done, started = self.done, time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.report(f"{label}: {self.done - done:,} rows in {seconds:.1f} s")


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def scale_place(session: Session) -> Place | None:
    return find_one(session, Place, slug=SCALE_PLACE_SLUG)


def build(
    session: Session,
    sizes: ScaleSizes,
    loaders: Iterable[Any],
    progress: Progress,
    report: Callable[[str], None] | None = None,
) -> bool:
    """Run every package's scale loader in order; False (and nothing changed) when Scaleford
    is there already. ``report`` gets a line as each stage ends."""
    if scale_place(session) is not None:
        return False
    scale = Scale(sizes=sizes, progress=progress)
    if report is not None:
        scale.report = report
    for load in loaders:
        load(session, scale)
    place = session.get(Place, scale.made["place_id"])
    manager = session.get(User, scale.made["manager_id"])
    audit(
        session, manager, "scale.load", place, "Built the Scaleford dataset", place, **asdict(sizes)
    )
    session.flush()
    return True


def loaded_sizes(session: Session) -> dict[str, int] | None:
    """The sizes Scaleford was built with, or None when it is not there."""
    return session.scalar(
        select(AuditEntry.details)
        .where(AuditEntry.action == "scale.load")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


# --- The base: place, people, groups, rounds and applications ---------------------------------


def load(session: Session, scale: Scale) -> None:
    """Scaleford, its wards and postcodes, its fund manager, the groups with their leads,
    rounds (closed ones decided, a counted public vote's round, an open one) and the
    applications in them."""
    sizes = scale.sizes
    now = utcnow()
    place = Place(
        slug=SCALE_PLACE_SLUG,
        name="Scaleford",
        description="Scaleford is a made-up city with many groups and grants, for testing speed.",
    )
    session.add(place)
    session.flush()
    ward_ids = scale.insert_ids(
        session, Ward, [{"place_id": place.id, "name": name} for name in WARDS]
    )
    scale.insert(
        session,
        PostcodeArea,
        [
            {"place_id": place.id, "ward_id": ward_id, "prefix": f"SF{n}"}
            for n, ward_id in enumerate(ward_ids, start=1)
        ],
    )
    password = hash_password(SCALE_PASSWORD)
    manager = User(
        email=SCALE_MANAGER_EMAIL,
        name="Sam Scaleford-Manager",
        password_hash=password,
        email_confirmed_at=now,
    )
    session.add(manager)
    session.flush()
    session.add(RoleGrant(user_id=manager.id, place_id=place.id, role=Role.FUND_MANAGER))
    scale.made.update(place_id=place.id, manager_id=manager.id, ward_ids=ward_ids)
    groups = max(4, sizes.applications // 2, min(sizes.applications, APPLICATIONS_PER_ROUND))
    scale.expect(groups * 3 + sizes.applications * 2)
    with scale.stage("Groups and their leads"):
        _groups(session, scale, groups, password)
    with scale.stage("Rounds and applications"):
        _rounds(session, scale, now)


def _groups(session: Session, scale: Scale, count: int, password: str) -> None:
    place_id, rng, now = scale.made["place_id"], scale.rng, utcnow()
    users = [
        {
            "email": f"group{n}@scaleford.placefund.org",
            "name": f"Lead of group {n}",
            "password_hash": password,
            "email_confirmed_at": now,
            "session_token": f"scale-{n}-{rng.getrandbits(64):x}",
            "postcode": _postcode(rng),
        }
        for n in range(1, count + 1)
    ]
    user_ids = scale.insert_ids(session, User, users)
    groups = []
    for n in range(1, count + 1):
        kind = KINDS[n % len(KINDS)]
        groups.append(
            {
                "place_id": place_id,
                "name": f"Scaleford {GROUP_WORDS[n % 8]} {GROUP_KINDS[(n // 8) % 8]} {n}",
                "kind": kind,
                "charity_number": str(1_100_000 + n)
                if kind in (GroupKind.CHARITY, GroupKind.CIO)
                else None,
                "company_number": f"{10_000_000 + n}" if kind == GroupKind.CIC else None,
                "description": f"Group {n} brings people in Scaleford together.",
                "annual_income_pence": rng.choice([50_000, 400_000, 2_000_000, 15_000_000]),
                "postcode": users[n - 1]["postcode"],
            }
        )
    group_ids = scale.insert_ids(session, Group, groups)
    scale.insert(
        session,
        GroupMember,
        [
            {"group_id": g, "user_id": u, "is_lead": True}
            for g, u in zip(group_ids, user_ids, strict=True)
        ],
    )
    scale.made.update(group_ids=group_ids, group_leads=dict(zip(group_ids, user_ids, strict=True)))


def _postcode(rng: random.Random) -> str:
    ward, sector = rng.randint(1, len(WARDS)), rng.randint(1, 9)
    return f"SF{ward} {sector}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"


@dataclass
class _RoundPlan:
    title: str
    status: RoundStatus
    method: DecisionMethod
    opens_at: dt.datetime
    applications: int


def _round_plans(sizes: ScaleSizes, now: dt.datetime) -> list[_RoundPlan]:
    """Closed rounds going back in time, a round decided by a public vote (counted) and one
    taking applications now."""
    in_vote = min(20, max(3, sizes.applications // 10))
    in_open = max(1, sizes.applications // 10)
    rest = max(0, sizes.applications - in_vote - in_open)
    closed = max(1, -(-rest // APPLICATIONS_PER_ROUND))
    day = dt.timedelta(days=1)
    plans = [
        _RoundPlan(
            f"Scaleford Grants {n + 1}",
            RoundStatus.CLOSED,
            DecisionMethod.PANEL if n % 3 else DecisionMethod.STAFF,
            now - (closed - n) * 120 * day - 200 * day,
            rest // closed + (1 if n < rest % closed else 0),
        )
        for n in range(closed)
    ]
    plans.append(
        _RoundPlan(
            "Scaleford People's Vote",
            RoundStatus.OPEN,
            DecisionMethod.PUBLIC,
            now - 60 * day,
            in_vote,
        )
    )
    plans.append(
        _RoundPlan(
            "Scaleford Community Chest",
            RoundStatus.OPEN,
            DecisionMethod.PANEL,
            now - 20 * day,
            in_open,
        )
    )
    return plans


def _rounds(session: Session, scale: Scale, now: dt.datetime) -> None:
    made = scale.made
    plans = _round_plans(scale.sizes, now)
    rows = [
        {
            "place_id": made["place_id"],
            "title": plan.title,
            "description": f"{plan.title}: money for groups in Scaleford.",
            "budget_pence": max(1_000_000, plan.applications * 300_000),
            "min_grant_pence": 50_000,
            "max_grant_pence": 1_000_000,
            "opens_at": plan.opens_at,
            "closes_at": plan.opens_at + dt.timedelta(days=40),
            "decision_method": plan.method,
            "status": RoundStatus.DRAFT,
            "created_by_id": made["manager_id"],
        }
        for plan in plans
    ]
    round_ids = scale.insert_ids(session, Round, rows)
    # Questions go in while the rounds are drafts: an open round's questions are frozen.
    question_ids = scale.insert_ids(
        session,
        Question,
        [
            {
                "round_id": r,
                "position": 1,
                "text": "What will you do with the money?",
                "why_asked": "So the people deciding know what it is for.",
                "word_limit": 250,
            }
            for r in round_ids
        ],
    )
    for plan, round_id in zip(plans, round_ids, strict=True):
        closes = plan.opens_at + dt.timedelta(days=40)
        session.execute(
            update(Round)
            .where(Round.id == round_id)
            .values(
                status=plan.status,
                opened_at=plan.opens_at,
                decision_date=(closes + dt.timedelta(days=60)).date(),
                closed_at=closes + dt.timedelta(days=70)
                if plan.status == RoundStatus.CLOSED
                else None,
            )
        )
    made.update(round_ids=round_ids, vote_round_id=round_ids[-2], open_round_id=round_ids[-1])
    _applications(session, scale, plans, round_ids, question_ids)


def _application_row(
    scale: Scale, plan: _RoundPlan, round_id: int, group_id: int, n: int
) -> dict[str, Any]:
    rng = scale.rng
    submitted = plan.opens_at + dt.timedelta(days=rng.randint(1, 39))
    requested = rng.randint(5, 100) * 10_000
    row: dict[str, Any] = {
        "round_id": round_id,
        "group_id": group_id,
        "title": f"Project {n}: {rng.choice(GROUP_WORDS).lower()} sessions for neighbours",
        "amount_requested_pence": requested,
        "channel": Channel.ONLINE if n % 10 else Channel.PAPER,
        "created_by_id": scale.made["group_leads"][group_id],
        "created_at": submitted - dt.timedelta(days=3),
        "updated_at": submitted,
        "submitted_at": submitted,
        "feedback": "",
        "state": State.SUBMITTED,
        "award_pence": None,
        "decided_at": None,
        "decided_by": None,
    }
    if plan.status == RoundStatus.CLOSED:
        # Most on or before the published decision date (60 days after closing), some late.
        decided = plan.opens_at + dt.timedelta(days=40 + rng.randint(20, 65))
        roll = rng.random()
        state = (
            State.AWARDED
            if roll < 0.4
            else State.DECLINED
            if roll < 0.85
            else State.INELIGIBLE
            if roll < 0.95
            else State.WITHDRAWN
        )
        row.update(state=state)
        if state == State.AWARDED:
            row.update(award_pence=requested, feedback="The panel liked the plan.")
        elif state in (State.DECLINED, State.INELIGIBLE):
            row.update(feedback="There was not enough money for every good plan this time.")
        if state != State.WITHDRAWN:
            row.update(
                decided_at=decided,
                decided_by=DecidedBy.STAFF
                if plan.method == DecisionMethod.STAFF
                else DecidedBy.RESIDENTS,
            )
    elif plan.method == DecisionMethod.PUBLIC:
        row.update(state=State.SHORTLISTED)
    else:
        state = rng.choice([State.DRAFT, State.SUBMITTED, State.SUBMITTED, State.IN_REVIEW])
        row.update(state=state)
        if state == State.DRAFT:
            row.update(submitted_at=None)
    return row


def _applications(
    session: Session,
    scale: Scale,
    plans: list[_RoundPlan],
    round_ids: list[int],
    question_ids: list[int],
) -> None:
    group_ids = scale.made["group_ids"]
    rows: list[dict[str, Any]] = []
    questions: list[int] = []
    first = 0
    for plan, round_id, question_id in zip(plans, round_ids, question_ids, strict=True):
        for k in range(plan.applications):
            group_id = group_ids[(first + k) % len(group_ids)]
            rows.append(_application_row(scale, plan, round_id, group_id, len(rows) + 1))
            questions.append(question_id)
        first += plan.applications
    ids = scale.insert_ids(session, Application, rows)
    scale.insert(
        session,
        Answer,
        [
            {"application_id": a, "question_id": q, "text": f"{row['title']}, open to everyone."}
            for a, q, row in zip(ids, questions, rows, strict=True)
        ],
    )
    scale.made["awards"] = [
        (a, row["group_id"], row["award_pence"], row["decided_at"], row["title"])
        for a, row in zip(ids, rows, strict=True)
        if row["state"] == State.AWARDED
    ]
    scale.made["shortlist"] = [
        (a, row["amount_requested_pence"])
        for a, row in zip(ids, rows, strict=True)
        if row["state"] == State.SHORTLISTED
    ]
