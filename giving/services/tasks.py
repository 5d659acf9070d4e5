"""Your tasks: what each person should do next, gathered from every package.

Each package says what is waiting for a person through a *task source* on
:attr:`giving.hooks.Hooks.task_sources`; giving adds its own (applications, rounds, places).
A source gets the session, a :class:`Person` (who they are and where they belong, read once)
and the time, and gives back :class:`TaskList` items: a heading, a sentence for when there is
nothing to do, and a query for the rows. The page shows the first few rows of each list with
"and N more"; each list is read with one statement however long it is, so the page costs the
same number of statements for 10 rows as for 200.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from giving import hooks
from giving.models import (
    Application,
    Group,
    GroupMember,
    Place,
    PostcodeArea,
    ResidentVerification,
    Role,
    RoleGrant,
    Round,
    RoundStatus,
    User,
)
from giving.postcodes import postcode_prefixes
from giving.timeutil import format_date
from giving.workflow import State

# A query for a list's rows, whatever columns it reads.
AnySelect = Select[*tuple[Any, ...]]

# How many rows of each list the page shows before "and N more".
SHOWN = 5
# Rounds closing within this many days are on the fund's team's list.
CLOSING_SOON_DAYS = 14


class Audience(enum.StrEnum):
    """Who a list is for; the page shows them in this order, each under its own heading."""

    RESIDENT = "resident"
    GROUP = "group"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def heading(self) -> str:
        return {
            Audience.RESIDENT: _("Where you live"),
            Audience.GROUP: _("Your groups"),
            Audience.STAFF: _("Running your places"),
            Audience.ADMIN: _("Running Placefund"),
        }[self]


@dataclass(frozen=True)
class Task:
    """One thing to do: what it is, and a link straight to doing it."""

    text: str
    href: str
    hint: str = ""


@dataclass(frozen=True)
class TaskList:
    """A kind of task and the query that finds them. ``task(row)`` turns one row of
    ``stmt`` into a :class:`Task`; ``key`` names the list in the page's address."""

    key: str
    audience: Audience
    heading: str
    empty: str
    stmt: AnySelect
    task: Callable[[Any], Task]


@dataclass(frozen=True)
class Person:
    """Who is asking, read once for every source: the places they help run, their groups,
    and the places they live in (by postcode, or verified and still current)."""

    user: User
    staff_place_ids: tuple[int, ...]
    group_ids: tuple[int, ...]
    home_place_ids: tuple[int, ...]
    verified_place_ids: tuple[int, ...]

    @property
    def is_site_admin(self) -> bool:
        return bool(self.user.is_site_admin)


@dataclass(frozen=True)
class Shown:
    """A list as the page shows it: its first rows, and how many there are in all."""

    kind: TaskList
    tasks: list[Task]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)


TaskSource = Callable[[Session, Person, dt.datetime], list[TaskList]]


def person(session: Session, user: User, now: dt.datetime) -> Person:
    """Where ``user`` belongs, in one statement."""

    def kind(name: str) -> Any:
        return literal_column(f"'{name}'").label("kind")

    parts = [
        select(kind("staff"), RoleGrant.place_id.label("id")).where(
            RoleGrant.user_id == user.id, RoleGrant.role.in_((Role.FUND_MANAGER, Role.ADMIN))
        ),
        select(kind("group"), GroupMember.group_id).where(GroupMember.user_id == user.id),
        select(kind("verified"), ResidentVerification.place_id).where(
            ResidentVerification.user_id == user.id, ResidentVerification.expires_at > now
        ),
    ]
    if user.postcode:
        parts.append(
            select(kind("home"), PostcodeArea.place_id).where(
                PostcodeArea.prefix.in_(postcode_prefixes(user.postcode))
            )
        )
    rows = [(row.kind, row.id) for row in session.execute(union_all(*parts))]

    def ids(*kinds: str) -> tuple[int, ...]:
        return tuple(sorted({i for k, i in rows if k in kinds}))

    return Person(
        user=user,
        staff_place_ids=ids("staff"),
        group_ids=ids("group"),
        home_place_ids=ids("home", "verified"),
        verified_place_ids=ids("verified"),
    )


def shown(session: Session, task_list: TaskList, limit: int = SHOWN) -> Shown:
    """The first ``limit`` rows of the list and how many there are, in one statement."""
    stmt = task_list.stmt.add_columns(func.count().over().label("tasks_total")).limit(limit)
    rows = session.execute(stmt).all()
    total = rows[0].tasks_total if rows else 0
    return Shown(task_list, [task_list.task(row) for row in rows], total)


def task_lists(session: Session, user: User, now: dt.datetime) -> list[TaskList]:
    """Every list that applies to ``user``, giving's first, then each package's."""
    who = person(session, user, now)
    found = giving_tasks(session, who, now)
    for source in hooks.current().task_sources:
        found.extend(source(session, who, now))
    order = list(Audience)
    return sorted(found, key=lambda t: order.index(t.audience))


def tasks_for(session: Session, user: User, now: dt.datetime) -> list[tuple[Audience, list[Shown]]]:
    """The page: each audience that applies, with its lists, each cut to its first rows."""
    grouped: dict[Audience, list[Shown]] = {}
    for task_list in task_lists(session, user, now):
        grouped.setdefault(task_list.audience, []).append(shown(session, task_list))
    return list(grouped.items())


def one_list(session: Session, user: User, now: dt.datetime, key: str) -> TaskList | None:
    """The list called ``key``, if it applies to ``user``."""
    return next((t for t in task_lists(session, user, now) if t.key == key), None)


def home_place(session: Session, user: Any, places: Sequence[Place]) -> Place | None:
    """The place to send someone who wants to give: where they live, or the only place."""
    if getattr(user, "is_authenticated", False) and user.postcode:
        prefixes = postcode_prefixes(user.postcode)
        here = session.scalar(
            select(PostcodeArea.place_id).where(PostcodeArea.prefix.in_(prefixes)).limit(1)
        )
        for place in places:
            if place.id == here:
                return place
    return places[0] if len(places) == 1 else None


# --- giving's own lists -------------------------------------------------------------------

_IN_PROGRESS = (State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.SHORTLISTED)
_DECIDED = (State.AWARDED, State.DECLINED, State.INELIGIBLE)


def _application_columns() -> AnySelect:
    return (
        select(
            Application.id,
            Application.title,
            Application.state,
            Group.name.label("group_name"),
            Round.title.label("round_title"),
            Round.closes_at,
        )
        .join(Group, Group.id == Application.group_id)
        .join(Round, Round.id == Application.round_id)
    )


def _untitled(title: str) -> str:
    return title or _("An application with no title yet")


def _group_application(row: Any) -> Task:
    if row.state == State.DRAFT:
        return Task(
            _("Finish %(title)s for %(group)s", title=_untitled(row.title), group=row.group_name),
            url_for("giving.edit_application", application_id=row.id),
            _("Not sent yet. %(round)s closes on %(day)s.", round=row.round_title, day=_day(row)),
        )
    return Task(
        _("%(title)s (%(group)s)", title=_untitled(row.title), group=row.group_name),
        url_for("giving.application", application_id=row.id),
        _("%(round)s: %(state)s", round=row.round_title, state=row.state.label),
    )


def _day(row: Any) -> str:
    return format_date(row.closes_at)


def _decision(row: Any) -> Task:
    return Task(
        _("%(title)s (%(group)s)", title=_untitled(row.title), group=row.group_name),
        url_for("giving.application", application_id=row.id),
        _("%(state)s. Read why.", state=row.state.label),
    )


def _to_check(row: Any) -> Task:
    return Task(
        _("Check %(group)s's application", group=row.group_name),
        url_for("giving.decide_application", application_id=row.id),
        _("%(title)s, in %(round)s", title=_untitled(row.title), round=row.round_title),
    )


def _closing(row: Any) -> Task:
    return Task(
        row.title,
        url_for("giving.manage_round", place_slug=row.slug, round_id=row.id),
        _("Closes on %(day)s", day=_day(row)),
    )


def _place(row: Any) -> Task:
    return Task(
        _("Manage %(name)s", name=row.name),
        url_for("giving.manage_place", place_slug=row.slug),
    )


def _group_lists(who: Person) -> list[TaskList]:
    mine = Application.group_id.in_(who.group_ids)
    newest = Application.updated_at.desc(), Application.id.desc()
    return [
        TaskList(
            "applications",
            Audience.GROUP,
            _("Your applications"),
            _("Your groups have no applications on the go. Look for money to apply for."),
            _application_columns()
            .where(mine, Application.state.in_(_IN_PROGRESS))
            .order_by(*newest),
            _group_application,
        ),
        TaskList(
            "decisions",
            Audience.GROUP,
            _("Decisions about your applications"),
            _("No decisions yet. We will email you when there is one."),
            _application_columns()
            .where(mine, Application.state.in_(_DECIDED))
            .order_by(Application.decided_at.desc(), Application.id.desc()),
            _decision,
        ),
    ]


def _staff_lists(who: Person, now: dt.datetime) -> list[TaskList]:
    places = Round.place_id.in_(who.staff_place_ids)
    soon = now + dt.timedelta(days=CLOSING_SOON_DAYS)
    return [
        TaskList(
            "to-check",
            Audience.STAFF,
            _("Applications to check"),
            _("No applications are waiting to be checked."),
            _application_columns()
            .where(places, Application.state == State.SUBMITTED)
            .order_by(Application.submitted_at, Application.id),
            _to_check,
        ),
        TaskList(
            "closing",
            Audience.STAFF,
            _("Rounds closing soon"),
            _("No rounds close in the next two weeks."),
            select(Round.id, Round.title, Round.closes_at, Place.slug)
            .join(Place, Place.id == Round.place_id)
            .where(
                places,
                Round.status == RoundStatus.OPEN,
                Round.closes_at > now,
                Round.closes_at <= soon,
            )
            .order_by(Round.closes_at, Round.id),
            _closing,
        ),
    ]


def _admin_lists() -> list[TaskList]:
    return [
        TaskList(
            "places",
            Audience.ADMIN,
            _("Places"),
            _("There are no places yet. Add the first one."),
            select(Place.id, Place.name, Place.slug).order_by(Place.name, Place.id),
            _place,
        )
    ]


def _verify(row: Any) -> Task:
    return Task(
        _("Show that you live in %(name)s", name=row.name),
        url_for("giving.verify_residence", slug=row.slug),
        _("Then you can vote where only people who live there may vote."),
    )


def giving_tasks(session: Session, who: Person, now: dt.datetime) -> list[TaskList]:
    found: list[TaskList] = []
    unverified = sorted(set(who.home_place_ids) - set(who.verified_place_ids))
    if unverified:
        found.append(
            TaskList(
                "verify",
                Audience.RESIDENT,
                _("Show where you live"),
                "",
                select(Place.id, Place.name, Place.slug)
                .where(Place.id.in_(unverified))
                .order_by(Place.name, Place.id),
                _verify,
            )
        )
    if who.group_ids:
        found.extend(_group_lists(who))
    if who.staff_place_ids:
        found.extend(_staff_lists(who, now))
    if who.is_site_admin:
        found.extend(_admin_lists())
    return found


@dataclass(frozen=True)
class TaskPage:
    """One page of a whole list, for the "and N more" link; shaped as the pagination macro
    wants it."""

    shown: Shown
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_of(session: Session, task_list: TaskList, number: int, size: int = 25) -> TaskPage:
    """Page ``number`` of the list (the last page when it is past the end)."""

    def read(page: int) -> Shown:
        stmt = (
            task_list.stmt.add_columns(func.count().over().label("tasks_total"))
            .limit(size)
            .offset((page - 1) * size)
        )
        rows = session.execute(stmt).all()
        total = rows[0].tasks_total if rows else 0
        return Shown(task_list, [task_list.task(row) for row in rows], total)

    found = read(number)
    if not found.tasks and number > 1:
        found = shown(session, task_list, limit=1)
        number = max(1, -(-found.total // size))
        found = read(number)
    pages = max(1, -(-found.total // size))
    return TaskPage(found, number, pages)
