"""Grants: offered from an award or directly, agreed, varied and ended, with their instalments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from funds import schedule, workflow
from funds.models import (
    AccountKind,
    CheckIn,
    CheckInKind,
    Fund,
    Grant,
    Instalment,
    Variation,
)
from funds.permissions import (
    require_manager,
)
from funds.schedule import Frequency
from funds.services.ledger import account, is_pence, post
from funds.services.setup import MAX_QUESTIONS
from funds.workflow import (
    GrantState,
    InstalmentState,
)
from giving.errors import DomainError
from giving.models import Application, Group, GroupMember, User
from giving.money import format_money
from giving.services import audit, flush_or_refuse, locked, newest_first, row_exists
from giving.services.core import in_english
from giving.timeutil import financial_year, utcnow
from giving.workflow import State

MAX_YEARS = 25


def awards_waiting(session: Session, fund: Fund) -> list[Application]:
    """Awarded applications in the fund's rounds that are not grants yet."""
    round_ids = [link.round_id for link in fund.round_links]
    if not round_ids:
        return []
    stmt = (
        select(Application)
        .outerjoin(Grant, Grant.application_id == Application.id)
        .where(
            Application.round_id.in_(round_ids),
            Application.state == State.AWARDED,
            Grant.id.is_(None),
        )
        .order_by(Application.decided_at, Application.id)
        .options(joinedload(Application.group), joinedload(Application.round))
    )
    return list(session.scalars(stmt))


def agreement_text(
    fund: Fund,
    group: Group,
    total_pence: int,
    years: int,
    frequency: Frequency,
    count: int,
    restricted: bool,
    purpose: str,
    title: str,
) -> str:
    """The short grant agreement, in plain words. It is kept as agreed, in English (as every
    record is), whatever language the person making the grant reads pages in."""
    with in_english():
        return _agreement(
            fund, group, total_pence, years, frequency, count, restricted, purpose, title
        )


def _agreement(
    fund: Fund,
    group: Group,
    total_pence: int,
    years: int,
    frequency: Frequency,
    count: int,
    restricted: bool,
    purpose: str,
    title: str,
) -> str:
    what = (
        _("The money is only for this: %(purpose)s.", purpose=purpose)
        if restricted
        else _("You can spend the money on anything that helps your group do its work.")
    )
    big = total_pence >= fund.checkin_threshold_pence
    checkin = (
        _(
            "Once a year we ask you a few short questions (%(n)s at most). We will not ask for "
            "anything else.",
            n=MAX_QUESTIONS,
        )
        if big
        else _("Once a year we have a chat with you. You do not need to write anything.")
    )
    lines = [
        _(
            "%(holder)s will give %(group)s %(total)s for %(title)s, over %(years)s.",
            holder=fund.holder_name,
            group=group.name,
            total=format_money(total_pence),
            title=title,
            years=_("1 year") if years == 1 else _("%(n)s years", n=years),
        ),
        "",
        _("What we agree:"),
        "1. " + what,
        "2. "
        + _(
            "We pay it in %(count)s parts (%(how)s), on the dates in the plan.",
            count=count,
            how=_(frequency.label).lower(),
        ),
        "3. " + checkin,
        "4. " + _("Tell us early if things change. We can change the plan together."),
        "5. "
        + _("If the money is not used as agreed, we will talk first. We may ask for some back."),
    ]
    return "\n".join(lines)


def _award_group(
    session: Session, fund: Fund, application: Application, total_pence: int | None
) -> Group:
    """The group an award is for, when the award can become this grant."""
    if application.state != State.AWARDED or not application.award_pence:
        raise DomainError(_("Only an application that was given money can become a grant."))
    if application.round.place_id != fund.place_id:
        raise DomainError(_("That award was made in another place."))
    if row_exists(session, Grant, application_id=application.id):
        raise DomainError(_("This award is already a grant."))
    if total_pence != application.award_pence:
        raise DomainError(
            _(
                "The grant must be the amount awarded: %(amount)s. Change it later with a "
                "variation if you need to.",
                amount=format_money(application.award_pence),
            ),
            field="total_pence",
        )
    return application.group


def _plan(grant: Grant) -> None:
    """The grant's instalments, on its schedule, and its yearly check-ins."""
    for planned in schedule.build(
        grant.total_pence, grant.start_date, grant.years, grant.frequency
    ):
        grant.instalments.append(
            Instalment(
                number=planned.number,
                due_date=planned.due,
                financial_year=planned.financial_year,
                amount_pence=planned.amount_pence,
            )
        )
    kind = (
        CheckInKind.UPDATE
        if grant.total_pence >= grant.fund.checkin_threshold_pence
        else CheckInKind.CONVERSATION
    )
    for number, due in enumerate(schedule.checkin_dates(grant.start_date, grant.years), start=1):
        grant.checkins.append(CheckIn(number=number, kind=kind, due_on=due))


def _in_place(fund: Fund, group: Group | None) -> Group:
    """The group the grant is for, when there is one in the fund's place."""
    if group is None:
        raise DomainError(_("Choose the group"), field="group")
    if group.place_id != fund.place_id:
        raise DomainError(_("Choose a group in this place"), field="group")
    return group


def _check_terms(
    total_pence: int | None, start_date: dt.date | None, years: int | None, frequency: Frequency
) -> int:
    """Refuse an amount, start or length a grant cannot have; how many payments it makes."""
    if total_pence is None or not is_pence(total_pence) or total_pence <= 0:
        raise DomainError(_("Enter how much money, like 12000"), field="total_pence")
    if start_date is None:
        raise DomainError(_("Enter the day the grant starts"), field="start_date")
    if years is None or not 1 <= years <= MAX_YEARS:
        raise DomainError(_("A grant lasts from 1 to %(n)s years", n=MAX_YEARS), field="years")
    count = years * frequency.per_year
    if total_pence < count:
        raise DomainError(
            _("Each payment must be at least 1p. Give more money or fewer payments."),
            field="total_pence",
        )
    return count


def make_grant(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    application: Application | None = None,
    group: Group | None = None,
    title: str,
    description: str = "",
    total_pence: int | None,
    start_date: dt.date | None,
    years: int | None,
    frequency: Frequency,
    restricted: bool = False,
    purpose: str = "",
) -> Grant:
    """Offer a grant: from an award (the group and amount come from it) or directly, for a
    partner funded outside a round. It waits for the group to agree."""
    require_manager(session, actor, fund)
    if application is not None:
        group = _award_group(session, fund, application, total_pence)
    group = _in_place(fund, group)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Say in a few words what the grant is for"), field="title")
    count = _check_terms(total_pence, start_date, years, frequency)
    assert total_pence is not None  # _check_terms refuses None for either
    assert years is not None
    purpose = (purpose or "").strip()
    if restricted and not purpose:
        raise DomainError(
            _("Say what the money is only for, or make it free to use"), field="purpose"
        )
    grant = Grant(
        fund=fund,
        group=group,
        application=application,
        title=title,
        description=(description or "").strip(),
        total_pence=total_pence,
        start_date=start_date,
        years=years,
        frequency=frequency,
        restricted=restricted,
        purpose=purpose if restricted else "",
        agreement_text=agreement_text(
            fund, group, total_pence, years, frequency, count, restricted, purpose, title
        ),
        created_by_id=actor.id,
    )
    _plan(grant)
    flush_or_refuse(session, _("This award is already a grant."), grant)
    post(
        session,
        actor,
        fund,
        "grant_made",
        [
            (account(session, fund, AccountKind.GRANTS), total_pence),
            (account(session, fund, AccountKind.PAYABLE), -total_pence),
        ],
        occurred_on=utcnow().date(),
        memo=f"Grant to {group.name}: {title}",
        grant=grant,
    )
    with in_english():
        audit(
            session,
            actor,
            "grant.make",
            grant,
            f"Offered {group.name} {format_money(total_pence)} over {years} years",
            place=fund.place,
            total_pence=total_pence,
            application_id=application.id if application else None,
            frequency=frequency.value,
        )
    return grant


@dataclass(frozen=True)
class Change:
    """A new amount and date for one instalment, in a variation."""

    instalment: Instalment
    amount_pence: int | None
    due_date: dt.date | None


def _vary(session: Session, grant: Grant, change: Change) -> dict[str, Any] | None:
    """Give one payment its new amount and date; what changed, or None when nothing did."""
    inst = locked(session, Instalment, change.instalment.id)
    if inst.grant_id != grant.id:
        raise DomainError(_("That payment is not part of this grant."))
    amount = inst.amount_pence if change.amount_pence is None else change.amount_pence
    due = change.due_date or inst.due_date
    if amount == inst.amount_pence and due == inst.due_date:
        return None
    if inst.state not in workflow.VARIABLE_STATES:
        raise DomainError(
            _(
                "Payment %(n)s is %(state)s, so it cannot change.",
                n=inst.number,
                state=inst.state.label.lower(),
            ),
            field=f"amount_{inst.id}",
        )
    if not is_pence(amount) or amount <= 0:
        raise DomainError(
            _("Payment %(n)s must be more than nothing.", n=inst.number),
            field=f"amount_{inst.id}",
        )
    changed = {
        "number": inst.number,
        "from_pence": inst.amount_pence,
        "to_pence": amount,
        "from_due": inst.due_date.isoformat(),
        "to_due": due.isoformat(),
    }
    inst.amount_pence = amount
    inst.due_date = due
    inst.financial_year = financial_year(due)
    inst.updated_at = utcnow()
    return changed


def vary_grant(
    session: Session, actor: User, grant: Grant, changes: Iterable[Change], reason: str
) -> Variation:
    """Change the amounts or dates of payments not yet made, with a reason; the history is
    kept and the ledger follows the new total."""
    grant = locked(session, Grant, grant.id)
    fund = grant.fund
    require_manager(session, actor, fund)
    if grant.state not in workflow.LIVE_GRANT_STATES:
        raise DomainError(_("This grant has ended, so it cannot change."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the grant is changing"), field="reason")
    record: list[dict[str, Any]] = []
    for change in changes:
        changed = _vary(session, grant, change)
        if changed is not None:
            record.append(changed)
    if not record:
        raise DomainError(_("Nothing has changed. Change an amount or a date."))
    old_total = grant.total_pence
    new_total = sum(
        i.amount_pence for i in grant.instalments if i.state != InstalmentState.CANCELLED
    )
    grant.total_pence = new_total
    grant.updated_at = utcnow()
    variation = Variation(
        grant=grant,
        reason=reason.strip(),
        old_total_pence=old_total,
        new_total_pence=new_total,
        changes=record,
        created_by_id=actor.id,
    )
    session.add(variation)
    session.flush()
    delta = new_total - old_total
    if delta:
        grants_acct = account(session, fund, AccountKind.GRANTS)
        payable = account(session, fund, AccountKind.PAYABLE)
        post(
            session,
            actor,
            fund,
            "variation",
            [(grants_acct, delta), (payable, -delta)],
            memo=f"Change to {grant.group.name}'s grant: {reason.strip()}",
            grant=grant,
        )
    with in_english():
        audit(
            session,
            actor,
            "grant.vary",
            grant,
            f"Changed {grant.group.name}'s grant: "
            f"{format_money(old_total)} → {format_money(new_total)}",
            place=fund.place,
            reason=reason.strip(),
            changes=record,
        )
    return variation


def grants_stmt(fund: Fund) -> Select:
    return newest_first(Grant, fund_id=fund.id).options(joinedload(Grant.group))


def grants_for_user_stmt(user: User) -> Select:
    return (
        select(Grant)
        .join(GroupMember, GroupMember.group_id == Grant.group_id)
        .where(GroupMember.user_id == user.id, Grant.state != GrantState.WITHDRAWN)
        .order_by(Grant.id.desc())
        .options(joinedload(Grant.group), joinedload(Grant.fund))
    )


def public_grants_stmt(fund: Fund) -> Select:
    return (
        select(Grant)
        .where(Grant.fund_id == fund.id, Grant.state.in_(workflow.PUBLISHED_GRANT_STATES))
        .order_by(Grant.start_date.desc(), Grant.id.desc())
        .options(joinedload(Grant.group))
    )


def with_schedule(session: Session, grant: Grant) -> Grant:
    """The grant with its payments (and what was paid), check-ins and changes loaded at once,
    for its page."""
    stmt = (
        select(Grant)
        .where(Grant.id == grant.id)
        .options(
            selectinload(Grant.instalments).joinedload(Instalment.payment),
            selectinload(Grant.checkins),
            selectinload(Grant.variations),
        )
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one()


def paid_pence(grant: Grant) -> int:
    return sum(i.amount_pence for i in grant.instalments if i.state == InstalmentState.PAID)


def award_in_a_grant(session: Session, application: Application, move: Any) -> str | None:
    """Giving's ``decision_guards`` hook: an award a grant was made from is not taken back
    (by an override) while the grant stands, so the money and the decision always agree."""
    if move.source != State.AWARDED:
        return None
    standing = session.scalar(
        select(Grant.id).where(
            Grant.application_id == application.id, Grant.state != GrantState.WITHDRAWN
        )
    )
    if standing is None:
        return None
    return _(
        "A grant was made from this award. Take the grant offer back first (on the grant's "
        "page), then override the decision."
    )
