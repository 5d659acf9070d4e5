"""Work on many of a fund's grants at once: mark many planned payments ready to pay, and ask
many groups for their written check-in. Each is done in two steps: :func:`plan_ready` or
:func:`plan_checkins` says exactly what would happen and changes nothing; then
:func:`mark_ready` or :func:`request_checkins` does it, checking everything again. A refusal
changes nothing at all; each payment or check-in moved gets its own audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from funds.models import CheckIn, CheckInKind, CheckInState, Fund, Grant, Instalment
from funds.permissions import require_manager
from funds.services.checkins import ask_for_checkin
from funds.services.grant_moves import transition
from funds.workflow import GrantState, InstalmentState
from giving.errors import DomainError
from giving.models import User
from giving.services import audit

# The most rows a bulk page lists at once (the earliest due first).
MOST_SHOWN = 200
# How far ahead the pages look by default.
AHEAD = dt.timedelta(days=92)

Row = TypeVar("Row", Instalment, CheckIn)


@dataclass(frozen=True)
class Plan(Generic[Row]):
    """What a bulk action will do: the rows it moves, how many, and the money involved."""

    rows: list[Row]
    total_pence: int

    @property
    def count(self) -> int:
        return len(self.rows)


# Row ids are whole numbers from 1 up to the largest a database integer holds.
LARGEST_ID = 2**31 - 1


def _ids(ids: Collection[int], nothing: str, not_ours: str) -> list[int]:
    """The ids ticked, each once; refused when none, or when one cannot be a row's id."""
    chosen = sorted(set(ids))
    if not chosen:
        raise DomainError(nothing, field="items")
    if chosen[0] < 1 or chosen[-1] > LARGEST_ID:
        raise DomainError(not_ours, field="items")
    return chosen


# --- Many payments ready to pay ---------------------------------------------------------------


def planned_payments(session: Session, fund: Fund, until: dt.date) -> list[Instalment]:
    """Planned payments on the fund's agreed grants, due on or before ``until``, earliest
    first: the ones that can be marked ready to pay (at most :data:`MOST_SHOWN`)."""
    stmt = (
        select(Instalment)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(
            Grant.fund_id == fund.id,
            Grant.state == GrantState.ACTIVE,
            Instalment.state == InstalmentState.SCHEDULED,
            Instalment.due_date <= until,
        )
        .order_by(Instalment.due_date, Instalment.id)
        .limit(MOST_SHOWN)
        .options(joinedload(Instalment.grant).joinedload(Grant.group))
    )
    return list(session.scalars(stmt))


def plan_ready(session: Session, actor: User, fund: Fund, ids: Collection[int]) -> Plan:
    """What marking the payments ``ids`` ready to pay would do; refused, naming the payment,
    when one is not the fund's or is not planned any more."""
    require_manager(session, actor, fund)
    not_ours = _("Some of the payments ticked are not this fund's. Nothing was changed.")
    chosen = _ids(ids, _("Tick at least one payment to mark as ready to pay."), not_ours)
    found = {
        inst.id: inst
        for inst in session.scalars(
            select(Instalment)
            .join(Grant, Grant.id == Instalment.grant_id)
            .where(Instalment.id.in_(chosen), Grant.fund_id == fund.id)
            .options(joinedload(Instalment.grant).joinedload(Grant.group))
        )
    }
    if len(found) < len(chosen):
        raise DomainError(not_ours, field="items")
    rows = sorted(found.values(), key=lambda inst: (inst.due_date, inst.id))
    for inst in rows:
        if inst.grant.state != GrantState.ACTIVE or inst.state != InstalmentState.SCHEDULED:
            raise DomainError(
                _(
                    "Payment %(number)d to %(group)s is %(state)s, not planned, so it cannot be "
                    "marked ready to pay. Untick it. Nothing was changed.",
                    number=inst.number,
                    group=inst.grant.group.name,
                    state=inst.state.label.lower(),
                ),
                field="items",
            )
    return Plan(rows, sum(inst.amount_pence for inst in rows))


def mark_ready(session: Session, actor: User, fund: Fund, ids: Collection[int]) -> Plan:
    """Mark each payment ``ids`` ready to pay, through its own move (one audit entry each)."""
    plan = plan_ready(session, actor, fund, ids)
    for inst in plan.rows:
        transition(session, actor, inst, "approve")
    session.flush()
    return plan


# --- Many check-ins asked for -----------------------------------------------------------------


def checkins_due(session: Session, fund: Fund, until: dt.date) -> list[CheckIn]:
    """Written check-ins not answered yet on the fund's agreed grants, due on or before
    ``until``, earliest first (at most :data:`MOST_SHOWN`)."""
    stmt = (
        select(CheckIn)
        .join(Grant, Grant.id == CheckIn.grant_id)
        .where(
            Grant.fund_id == fund.id,
            Grant.state == GrantState.ACTIVE,
            CheckIn.kind == CheckInKind.UPDATE,
            CheckIn.state == CheckInState.DUE,
            CheckIn.due_on <= until,
        )
        .order_by(CheckIn.due_on, CheckIn.id)
        .limit(MOST_SHOWN)
        .options(joinedload(CheckIn.grant).joinedload(Grant.group))
    )
    return list(session.scalars(stmt))


def plan_checkins(session: Session, actor: User, fund: Fund, ids: Collection[int]) -> Plan:
    """What asking for the check-ins ``ids`` would do; refused, naming the check-in, when one
    is not the fund's, is a conversation, or is answered already."""
    require_manager(session, actor, fund)
    not_ours = _("Some of the check-ins ticked are not this fund's. Nothing was changed.")
    chosen = _ids(ids, _("Tick at least one check-in to ask for."), not_ours)
    found = {
        checkin.id: checkin
        for checkin in session.scalars(
            select(CheckIn)
            .join(Grant, Grant.id == CheckIn.grant_id)
            .where(CheckIn.id.in_(chosen), Grant.fund_id == fund.id)
            .options(joinedload(CheckIn.grant).joinedload(Grant.group))
        )
    }
    if len(found) < len(chosen):
        raise DomainError(not_ours, field="items")
    rows = sorted(found.values(), key=lambda checkin: (checkin.due_on, checkin.id))
    for checkin in rows:
        _check_askable(checkin)
    return Plan(rows, 0)


def _check_askable(checkin: CheckIn) -> None:
    group = checkin.grant.group.name
    if checkin.state == CheckInState.DONE:
        message = _(
            "%(group)s has already done check-in %(number)d. Untick it. Nothing was changed.",
            group=group,
            number=checkin.number,
        )
    elif checkin.kind != CheckInKind.UPDATE:
        message = _(
            "Check-in %(number)d with %(group)s is a conversation, so there is nothing to send. "
            "Untick it. Nothing was changed.",
            group=group,
            number=checkin.number,
        )
    elif checkin.grant.state != GrantState.ACTIVE:
        message = _(
            "%(group)s has not agreed to its grant, or it has ended. Untick it. Nothing was "
            "changed.",
            group=group,
        )
    else:
        return
    raise DomainError(message, field="items")


def request_checkins(
    session: Session, actor: User, fund: Fund, ids: Collection[int]
) -> Plan[CheckIn]:
    """Email each group its check-in's questions and link (sent once the request is saved),
    and note when it was asked (one audit entry each)."""
    plan: Plan[CheckIn] = plan_checkins(session, actor, fund, ids)
    for checkin in plan.rows:
        _ask(session, actor, checkin)
    session.flush()
    return plan


def _ask(session: Session, actor: User, checkin: CheckIn) -> None:
    grant = checkin.grant
    ask_for_checkin(checkin)
    audit(
        session,
        actor,
        "checkin.request",
        checkin,
        f"Asked {grant.group.name} for check-in {checkin.number}",
        place=grant.fund.place,
    )


def ids_of(rows: Sequence[Instalment | CheckIn]) -> list[int]:
    return [row.id for row in rows]
