"""What funds adds to a person's "Your tasks" page: for a group, grant agreements to accept
and check-ins to write; for the fund's team, payments coming due and check-ins that are late.
Each list is one query (see :mod:`giving.services.tasks`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import CheckIn, CheckInKind, CheckInState, Fund, Grant, Instalment
from funds.workflow import GrantState, InstalmentState
from giving.models import Group
from giving.money import format_money
from giving.services.tasks import Audience, Person, Task, TaskList
from giving.timeutil import format_date, to_london

# Payments due within this many days are on the fund's team's list.
PAYMENTS_AHEAD_DAYS = 30
# A group sees a check-in this many days before it is due.
CHECKINS_AHEAD_DAYS = 30


def _agreements(person: Person) -> TaskList:
    stmt = (
        select(Grant.id, Grant.title, Grant.total_pence, Group.name.label("group_name"))
        .join(Group, Group.id == Grant.group_id)
        .where(Grant.group_id.in_(person.group_ids), Grant.state == GrantState.OFFERED)
        .order_by(Grant.created_at, Grant.id)
    )

    def task(row: Any) -> Task:
        return Task(
            _("Read and accept the grant agreement for %(title)s", title=row.title),
            url_for("funds.agreement", grant_id=row.id),
            _(
                "%(amount)s for %(group)s. The money is paid once you accept.",
                amount=format_money(row.total_pence),
                group=row.group_name,
            ),
        )

    return TaskList(
        "agreements",
        Audience.GROUP,
        _("Grant agreements to accept"),
        _("No grant agreements are waiting for you."),
        stmt,
        task,
    )


def _group_checkins(person: Person, today: dt.date) -> TaskList:
    stmt = (
        select(CheckIn.id, CheckIn.grant_id, CheckIn.due_on, Grant.title)
        .join(Grant, Grant.id == CheckIn.grant_id)
        .where(
            Grant.group_id.in_(person.group_ids),
            CheckIn.kind == CheckInKind.UPDATE,
            CheckIn.state == CheckInState.DUE,
            CheckIn.due_on <= today + dt.timedelta(days=CHECKINS_AHEAD_DAYS),
        )
        .order_by(CheckIn.due_on, CheckIn.id)
    )

    def task(row: Any) -> Task:
        return Task(
            _("Tell us how %(title)s is going", title=row.title),
            url_for("funds.checkin", grant_id=row.grant_id, checkin_id=row.id),
            _("A short update, due on %(day)s.", day=format_date(row.due_on)),
        )

    return TaskList(
        "checkins-due",
        Audience.GROUP,
        _("Check-ins due"),
        _("No check-ins are due. We will email you a month before one is."),
        stmt,
        task,
    )


def _payments(person: Person, today: dt.date) -> TaskList:
    stmt = (
        select(
            Instalment.id,
            Instalment.grant_id,
            Instalment.due_date,
            Instalment.amount_pence,
            Grant.title,
            Group.name.label("group_name"),
        )
        .join(Grant, Grant.id == Instalment.grant_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .join(Group, Group.id == Grant.group_id)
        .where(
            Fund.place_id.in_(person.staff_place_ids),
            Grant.state == GrantState.ACTIVE,
            Instalment.state.in_((InstalmentState.SCHEDULED, InstalmentState.APPROVED)),
            Instalment.due_date <= today + dt.timedelta(days=PAYMENTS_AHEAD_DAYS),
        )
        .order_by(Instalment.due_date, Instalment.id)
    )

    def task(row: Any) -> Task:
        return Task(
            _(
                "Pay %(amount)s to %(group)s",
                amount=format_money(row.amount_pence),
                group=row.group_name,
            ),
            url_for("funds.grant", grant_id=row.grant_id),
            _("For %(title)s, due on %(day)s.", title=row.title, day=format_date(row.due_date)),
        )

    return TaskList(
        "payments-due",
        Audience.STAFF,
        _("Payments due"),
        _("No payments are due in the next 30 days."),
        stmt,
        task,
    )


def _late_checkins(person: Person, today: dt.date) -> TaskList:
    stmt = (
        select(
            CheckIn.id,
            CheckIn.grant_id,
            CheckIn.due_on,
            CheckIn.kind,
            Group.name.label("group_name"),
        )
        .join(Grant, Grant.id == CheckIn.grant_id)
        .join(Fund, Fund.id == Grant.fund_id)
        .join(Group, Group.id == Grant.group_id)
        .where(
            Fund.place_id.in_(person.staff_place_ids),
            Grant.state == GrantState.ACTIVE,
            CheckIn.state == CheckInState.DUE,
            CheckIn.due_on < today,
        )
        .order_by(CheckIn.due_on, CheckIn.id)
    )

    def task(row: Any) -> Task:
        text = (
            _("Have the check-in chat with %(group)s", group=row.group_name)
            if row.kind == CheckInKind.CONVERSATION
            else _("Ask %(group)s for its check-in", group=row.group_name)
        )
        return Task(
            text,
            url_for("funds.checkin", grant_id=row.grant_id, checkin_id=row.id),
            _("It was due on %(day)s.", day=format_date(row.due_on)),
        )

    return TaskList(
        "checkins-overdue",
        Audience.STAFF,
        _("Check-ins overdue"),
        _("No check-ins are late."),
        stmt,
        task,
    )


def task_lists(session: Session, person: Person, now: dt.datetime) -> list[TaskList]:
    """Funds' lists for this person (registered as a task source in :func:`funds.init_app`)."""
    today = to_london(now).date()
    found: list[TaskList] = []
    if person.group_ids:
        found.extend((_agreements(person), _group_checkins(person, today)))
    if person.staff_place_ids:
        found.extend((_payments(person, today), _late_checkins(person, today)))
    return found
