"""Funds' reminders, sent once each by ``flask tick`` (see :mod:`giving.services.reminders`):
a group's written check-in coming due and then late, a grant agreement waiting to be
accepted, and, for the fund's team, an instalment coming due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, joinedload

from funds.models import CheckIn, CheckInKind, CheckInState, Fund, Grant, Instalment
from funds.workflow import GrantState, InstalmentState
from giving.models import GroupMember, Role, RoleGrant, User
from giving.money import format_money
from giving.services.reminders import (
    Reminder,
    Windows,
    in_language_of,
    still_to_remind,
    windows,
)
from giving.timeutil import format_date

CHECKIN = "checkin"
INSTALMENT = "instalment"
AGREEMENT = "agreement"


def _to_members(stmt: Select, kind: str, occasion: str, subject_id: Any) -> Select:
    """Each member of the grant's group who is still to be reminded."""
    return (
        stmt.join(GroupMember, GroupMember.group_id == Grant.group_id)
        .join(User, User.id == GroupMember.user_id)
        .where(still_to_remind(kind, occasion, subject_id))
    )


def _member_why(grant: Grant) -> str:
    return _("You get this email because you are a member of %(group)s.", group=grant.group.name)


def _checkin_reminder(checkin: CheckIn, user: User, occasion: str) -> Reminder:
    with in_language_of(user):
        return _checkin_reminder_words(checkin, user, occasion)


def _checkin_reminder_words(checkin: CheckIn, user: User, occasion: str) -> Reminder:
    grant = checkin.grant
    day = format_date(checkin.due_on)
    if occasion == "due":
        subject = _("Your check-in for %(title)s is due on %(day)s", title=grant.title, day=day)
        lines = (
            _(
                "The yearly check-in about your grant for %(title)s is due on %(day)s.",
                title=grant.title,
                day=day,
            ),
            _("It is a few short questions. Answer them here:"),
        )
    else:
        subject = _("Your check-in for %(title)s is late", title=grant.title)
        lines = (
            _(
                "The yearly check-in about your grant for %(title)s was due on %(day)s.",
                title=grant.title,
                day=day,
            ),
            _("Please answer it when you can. If something is wrong, tell the fund's team."),
        )
    return Reminder(
        kind=CHECKIN,
        subject_id=checkin.id,
        occasion=occasion,
        user=user,
        subject=subject,
        lines=lines,
        link=url_for("funds.checkin", grant_id=grant.id, checkin_id=checkin.id, _external=True),
        why=_member_why(grant),
    )


def _checkins(session: Session, now: dt.datetime, w: Windows) -> list[Reminder]:
    """Written check-ins due within the window (unless ``flask funds remind`` already
    reminded the group), and ones that became late within the same number of days."""
    today = w.today(now)
    window = dt.timedelta(days=w.days_before)
    occasions = {
        "due": and_(
            CheckIn.due_on >= today,
            CheckIn.due_on <= today + window,
            CheckIn.reminded_at.is_(None),
        ),
        "overdue": and_(CheckIn.due_on < today, CheckIn.due_on >= today - window),
    }
    found: list[Reminder] = []
    for occasion, when in occasions.items():
        stmt = (
            select(CheckIn, User)
            .join(Grant, Grant.id == CheckIn.grant_id)
            .options(joinedload(CheckIn.grant).joinedload(Grant.group))
            .where(
                Grant.state == GrantState.ACTIVE,
                CheckIn.kind == CheckInKind.UPDATE,
                CheckIn.state == CheckInState.DUE,
                when,
            )
        )
        stmt = _to_members(stmt, CHECKIN, occasion, CheckIn.id)
        stmt = stmt.order_by(CheckIn.due_on, CheckIn.id, User.id).limit(w.batch)
        found += [_checkin_reminder(c, u, occasion) for c, u in session.execute(stmt)]
    return found


def _agreements(session: Session, now: dt.datetime, w: Windows) -> list[Reminder]:
    """Grants offered at least REMINDER_AGREEMENT_DAYS ago and not yet accepted."""
    stmt = (
        select(Grant, User)
        .options(joinedload(Grant.fund), joinedload(Grant.group))
        .where(
            Grant.state == GrantState.OFFERED,
            Grant.created_at <= now - dt.timedelta(days=w.agreement_days),
        )
    )
    stmt = _to_members(stmt, AGREEMENT, "waiting", Grant.id)
    stmt = stmt.order_by(Grant.created_at, Grant.id, User.id).limit(w.batch)
    found = []
    for grant, user in session.execute(stmt):
        with in_language_of(user):
            found.append(
                Reminder(
                    kind=AGREEMENT,
                    subject_id=grant.id,
                    occasion="waiting",
                    user=user,
                    subject=_("Your grant for %(title)s is waiting for you", title=grant.title),
                    lines=(
                        _(
                            "%(fund)s has offered %(group)s %(amount)s for %(title)s.",
                            fund=grant.fund.name,
                            group=grant.group.name,
                            amount=format_money(grant.total_pence),
                            title=grant.title,
                        ),
                        _("We pay the money once you accept the agreement. Read it here:"),
                    ),
                    link=url_for("funds.agreement", grant_id=grant.id, _external=True),
                    why=_member_why(grant),
                )
            )
    return found


def _instalments(session: Session, now: dt.datetime, w: Windows) -> list[Reminder]:
    """For each fund manager of the fund's place: an instalment due within the window."""
    today = w.today(now)
    stmt = (
        select(Instalment, User)
        .join(Grant, Grant.id == Instalment.grant_id)
        .options(joinedload(Instalment.grant).joinedload(Grant.group))
        .join(Fund, Fund.id == Grant.fund_id)
        .join(RoleGrant, RoleGrant.place_id == Fund.place_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            RoleGrant.role == Role.FUND_MANAGER,
            Grant.state == GrantState.ACTIVE,
            Instalment.state.in_((InstalmentState.SCHEDULED, InstalmentState.APPROVED)),
            Instalment.due_date >= today,
            Instalment.due_date <= today + dt.timedelta(days=w.days_before),
            still_to_remind(INSTALMENT, "due", Instalment.id),
        )
        .order_by(Instalment.due_date, Instalment.id, User.id)
        .limit(w.batch)
    )
    found = []
    for instalment, user in session.execute(stmt):
        with in_language_of(user):
            grant = instalment.grant
            amount = format_money(instalment.amount_pence)
            day = format_date(instalment.due_date)
            found.append(
                Reminder(
                    kind=INSTALMENT,
                    subject_id=instalment.id,
                    occasion="due",
                    user=user,
                    subject=_(
                        "Pay %(amount)s to %(group)s by %(day)s",
                        amount=amount,
                        group=grant.group.name,
                        day=day,
                    ),
                    lines=(
                        _(
                            "A payment of %(amount)s to %(group)s for %(title)s is due on %(day)s.",
                            amount=amount,
                            group=grant.group.name,
                            title=grant.title,
                            day=day,
                        ),
                        _("See the grant and its payments here:"),
                    ),
                    link=url_for("funds.grant", grant_id=grant.id, _external=True),
                    why=_(
                        "You get this email because you are a fund manager for %(place)s.",
                        place=grant.fund.place.name,
                    ),
                )
            )
    return found


def due_reminders(session: Session, now: dt.datetime) -> list[Reminder]:
    """Funds' reminders due now (registered as a reminder source in :func:`funds.init_app`)."""
    w = windows()
    return _checkins(session, now, w) + _agreements(session, now, w) + _instalments(session, now, w)
