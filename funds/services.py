"""Domain operations for funds, the ledger, grants, payments and check-ins.

Every function takes the database session and, where someone acts, the acting user. They flush
but never commit (the view commits once), and raise DomainError with a message a person can
act on. Money is whole pence; every movement of money is one balanced ledger transaction,
written by :func:`post` and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds import schedule, workflow
from funds.models import (
    Account,
    AccountKind,
    CheckIn,
    CheckInAnswer,
    CheckInKind,
    CheckInQuestion,
    CheckInState,
    Entry,
    Fund,
    FundRound,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    Payment,
    Transaction,
    Variation,
)
from funds.schedule import Frequency
from funds.workflow import Actor, GrantState, InstalmentState, Needs
from giving.email import send_email
from giving.models import Application, Group, Place, Round, User
from giving.services import DomainError, NotAllowed, audit, is_staff
from giving.timeutil import financial_year, financial_year_label, format_date, utcnow
from giving.workflow import State

MAX_QUESTIONS = 5
MAX_YEARS = 25


def money(pence: int) -> str:
    """125050 -> '£1,250.50' (for messages; templates use the ``money`` filter)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}" if rest == 0 else f"{sign}£{pounds:,}.{rest:02d}"


def _is_pence(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Who may do what -------------------------------------------------------------------------


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_manage_fund(session: Session, user: User | None, fund: Fund) -> bool:
    """Fund managers and admins of the fund's place."""
    return is_staff(session, user, fund.place)


def _require_manager(session: Session, actor: User | None, fund: Fund) -> None:
    if not can_manage_fund(session, actor, fund):
        raise NotAllowed(_("Only the fund's managers can do this."))


def is_grant_member(user: User | None, grant: Grant) -> bool:
    return _signed_in(user) and any(m.user_id == user.id for m in grant.group.members)


def actors_for(session: Session, user: User | None, grant: Grant) -> set[Actor]:
    actors: set[Actor] = set()
    if is_grant_member(user, grant):
        actors.add(Actor.GROUP)
    if can_manage_fund(session, user, grant.fund):
        actors.add(Actor.STAFF)
    return actors


def can_see_grant(session: Session, user: User | None, grant: Grant) -> bool:
    """The group's members and the fund's managers see everything about a grant."""
    return bool(actors_for(session, user, grant))


# --- The ledger ------------------------------------------------------------------------------

ACCOUNT_NAMES = {
    AccountKind.BANK: "Money in the bank",
    AccountKind.PLEDGES: "Money promised to the fund",
    AccountKind.PAYABLE: "Grants promised, not yet paid",
    AccountKind.GRANTS: "Grants made",
}


def account(
    session: Session,
    fund: Fund,
    kind: AccountKind,
    source: IncomeSource | None = None,
    purpose: str | None = None,
) -> Account:
    """The fund's account of this kind (income: by source and purpose), made when first used."""
    if kind == AccountKind.INCOME:
        if source is None:
            raise ValueError("Income accounts need a source")
        code = f"income.{source.value}" + (f".for:{purpose}" if purpose else "")
        name = source.label + (f" (for {purpose})" if purpose else "")
    else:
        code, name = kind.value, ACCOUNT_NAMES[kind]
    if fund.id is None:
        session.flush()
    found = session.scalar(select(Account).where(Account.fund_id == fund.id, Account.code == code))
    if found is None:
        found = Account(fund_id=fund.id, kind=kind, code=code, name=name)
        session.add(found)
        session.flush()
    return found


def post(
    session: Session,
    actor: User | None,
    fund: Fund,
    kind: str,
    lines: Sequence[tuple[Account, int]],
    *,
    occurred_on: dt.date | None = None,
    memo: str = "",
    income: Income | None = None,
    grant: Grant | None = None,
) -> Transaction:
    """Write one balanced transaction: the only place ledger entries are made.

    ``lines`` are (account, pence) pairs, debits positive and credits negative. They must be
    whole pence, never zero, in the fund's own accounts, and add up to nothing."""
    if len(lines) < 2:
        raise ValueError("A transaction needs at least two entries")
    for acct, amount in lines:
        if not _is_pence(amount):
            raise TypeError("Ledger amounts are whole pence (int)")
        if amount == 0:
            raise ValueError("Ledger entries are never zero")
        if acct.fund_id != fund.id:
            raise ValueError("Every entry must be in the transaction's own fund")
    if sum(amount for _acct, amount in lines) != 0:
        raise ValueError("A transaction's entries must add up to nothing")
    transaction = Transaction(
        fund_id=fund.id,
        kind=kind,
        occurred_on=occurred_on or utcnow().date(),
        memo=memo[:255],
        income_id=income.id if income is not None else None,
        grant_id=grant.id if grant is not None else None,
        created_by_id=actor.id if _signed_in(actor) else None,
    )
    transaction.entries = [Entry(account_id=a.id, amount_pence=amount) for a, amount in lines]
    session.add(transaction)
    session.flush()
    return transaction


def balance(session: Session, acct: Account) -> int:
    """An account's balance: the sum of its entries (debits positive)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Entry.amount_pence), 0)).where(Entry.account_id == acct.id)
    )
    return int(total or 0)


def balances(session: Session, fund: Fund) -> dict[AccountKind, int]:
    """The sum of entries for each kind of account in a fund."""
    rows = session.execute(
        select(Account.kind, func.coalesce(func.sum(Entry.amount_pence), 0))
        .join(Entry, Entry.account_id == Account.id)
        .where(Account.fund_id == fund.id)
        .group_by(Account.kind)
    ).all()
    found = {kind: int(total) for kind, total in rows}
    return {kind: found.get(kind, 0) for kind in AccountKind}


def income_by_account(session: Session, fund: Fund) -> list[tuple[str, int]]:
    """Money in, by source and purpose: (name, pence), largest first."""
    rows = session.execute(
        select(Account.name, func.coalesce(func.sum(Entry.amount_pence), 0))
        .join(Entry, Entry.account_id == Account.id)
        .where(Account.fund_id == fund.id, Account.kind == AccountKind.INCOME)
        .group_by(Account.name)
    ).all()
    return sorted(((name, -int(total)) for name, total in rows), key=lambda r: -r[1])


@dataclass(frozen=True)
class FundFigures:
    """What a fund has, from the ledger."""

    bank_pence: int
    pledged_pence: int
    owed_pence: int
    granted_pence: int
    paid_pence: int
    income_pence: int

    @property
    def free_pence(self) -> int:
        """Money held or promised that no grant has a claim on yet."""
        return self.bank_pence + self.pledged_pence - self.owed_pence


def figures(session: Session, fund: Fund) -> FundFigures:
    b = balances(session, fund)
    paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_pence), 0))
        .join(Instalment, Instalment.id == Payment.instalment_id)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id)
    )
    return FundFigures(
        bank_pence=b[AccountKind.BANK],
        pledged_pence=b[AccountKind.PLEDGES],
        owed_pence=-b[AccountKind.PAYABLE],
        granted_pence=b[AccountKind.GRANTS],
        paid_pence=int(paid or 0),
        income_pence=-b[AccountKind.INCOME],
    )


# --- Funds -----------------------------------------------------------------------------------

FUND_FIELDS = (
    "name",
    "description",
    "holder_name",
    "holder_charity_number",
    "holder_company_number",
    "holder_can_claim_gift_aid",
    "checkin_threshold_pence",
)


def _check_fund_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(FUND_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fund fields: {sorted(unknown)}")
    clean = dict(fields)
    for key in ("name", "holder_name", "description"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if not clean.get("name"):
        raise DomainError(_("Enter the fund's name"), field="name")
    if not clean.get("holder_name"):
        raise DomainError(_("Enter who holds the money"), field="holder_name")
    for key in ("holder_charity_number", "holder_company_number"):
        clean[key] = (clean.get(key) or "").strip().upper() or None
    threshold = clean.get("checkin_threshold_pence")
    if threshold is None:
        clean["checkin_threshold_pence"] = 1_000_000
    elif not _is_pence(threshold) or threshold < 0:
        raise DomainError(_("Enter an amount of money"), field="checkin_threshold_pence")
    return clean


def create_fund(session: Session, actor: User, place: Place, **fields: Any) -> Fund:
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only the place's fund managers can set up a fund."))
    clean = _check_fund_fields(fields)
    if session.scalar(select(Fund.id).where(Fund.place_id == place.id, Fund.name == clean["name"])):
        raise DomainError(_("There is already a fund with this name here."), field="name")
    fund = Fund(place=place, created_by_id=actor.id, **clean)
    session.add(fund)
    session.flush()
    for kind in (AccountKind.BANK, AccountKind.PLEDGES, AccountKind.PAYABLE, AccountKind.GRANTS):
        account(session, fund, kind)
    audit(session, actor, "fund.create", fund, f"Set up the fund {fund.name}", place=place)
    return fund


def update_fund(session: Session, actor: User, fund: Fund, **fields: Any) -> Fund:
    _require_manager(session, actor, fund)
    clean = _check_fund_fields(fields)
    clash = session.scalar(
        select(Fund.id).where(
            Fund.place_id == fund.place_id, Fund.name == clean["name"], Fund.id != fund.id
        )
    )
    if clash:
        raise DomainError(_("There is already a fund with this name here."), field="name")
    changed = {k: v for k, v in clean.items() if getattr(fund, k) != v}
    for key, value in clean.items():
        setattr(fund, key, value)
    session.flush()
    audit(
        session,
        actor,
        "fund.update",
        fund,
        f"Changed the fund {fund.name}",
        place=fund.place,
        changed=sorted(changed),
    )
    return fund


def add_question(session: Session, actor: User, fund: Fund, text: str) -> CheckInQuestion:
    _require_manager(session, actor, fund)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the question"), field="text")
    used = {q.position for q in fund.questions}
    free = [p for p in range(1, MAX_QUESTIONS + 1) if p not in used]
    if not free:
        raise DomainError(
            _("A check-in asks %(n)s questions at most. Take one away first.", n=MAX_QUESTIONS),
            field="text",
        )
    question = CheckInQuestion(fund=fund, position=free[0], text=text)
    session.add(question)
    session.flush()
    audit(
        session,
        actor,
        "fund.question.add",
        question,
        f"Added a check-in question to {fund.name}",
        place=fund.place,
        text=text,
    )
    return question


def remove_question(session: Session, actor: User, question: CheckInQuestion) -> None:
    fund = question.fund
    _require_manager(session, actor, fund)
    audit(
        session,
        actor,
        "fund.question.remove",
        question,
        f"Took a check-in question away from {fund.name}",
        place=fund.place,
        text=question.text,
    )
    fund.questions.remove(question)
    session.delete(question)
    session.flush()


def rounds_for(session: Session, fund: Fund) -> list[Round]:
    return [link.round for link in fund.round_links]


def link_round(session: Session, actor: User, fund: Fund, round_: Round) -> FundRound:
    """Say that a round's awards are paid from this fund."""
    _require_manager(session, actor, fund)
    if round_.place_id != fund.place_id:
        raise DomainError(_("Choose a round in this place"), field="round")
    existing = session.scalar(select(FundRound).where(FundRound.round_id == round_.id))
    if existing is not None:
        name = existing.fund.name
        raise DomainError(_("That round already draws on %(fund)s.", fund=name), field="round")
    link = FundRound(fund=fund, round=round_)
    session.add(link)
    session.flush()
    audit(
        session,
        actor,
        "fund.round.link",
        fund,
        f"{round_.title} now draws on {fund.name}",
        place=fund.place,
        round_id=round_.id,
    )
    return link


# --- Money in --------------------------------------------------------------------------------


def record_income(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    source: IncomeSource,
    amount_pence: int | None,
    from_name: str = "",
    purpose: str | None = None,
    gift_aid: bool = False,
    pledged: bool = False,
    expected_on: dt.date | None = None,
    received_on: dt.date | None = None,
) -> Income:
    """Money into the fund: received now, or promised (a pledge) for a day to come."""
    _require_manager(session, actor, fund)
    if amount_pence is None or not _is_pence(amount_pence) or amount_pence <= 0:
        raise DomainError(_("Enter how much money, like 500 or 1250.50"), field="amount_pence")
    purpose = (purpose or "").strip() or None
    if gift_aid and source != IncomeSource.DONATION:
        raise DomainError(_("Only donations can have Gift Aid"), field="gift_aid")
    if gift_aid and not fund.holder_can_claim_gift_aid:
        raise DomainError(
            _("%(holder)s cannot claim Gift Aid, so leave this unticked.", holder=fund.holder_name),
            field="gift_aid",
        )
    if pledged:
        if expected_on is None:
            raise DomainError(_("Enter when the money should arrive"), field="expected_on")
        received_on = None
    else:
        received_on = received_on or utcnow().date()
    income = Income(
        fund=fund,
        source=source,
        amount_pence=amount_pence,
        from_name=(from_name or "").strip(),
        purpose=purpose,
        gift_aid=gift_aid,
        pledged=pledged,
        expected_on=expected_on,
        received_on=received_on,
        created_by_id=actor.id,
    )
    session.add(income)
    session.flush()
    credit = account(session, fund, AccountKind.INCOME, source, purpose)
    debit = account(session, fund, AccountKind.PLEDGES if pledged else AccountKind.BANK)
    post(
        session,
        actor,
        fund,
        "pledge" if pledged else "income",
        [(debit, amount_pence), (credit, -amount_pence)],
        occurred_on=received_on or utcnow().date(),
        memo=f"{source.label}: {income.from_name}".strip(": "),
        income=income,
    )
    audit(
        session,
        actor,
        "fund.pledge" if pledged else "fund.income",
        income,
        f"{money(amount_pence)} {'promised to' if pledged else 'into'} {fund.name}",
        place=fund.place,
        amount_pence=amount_pence,
        source=source.value,
        purpose=purpose,
    )
    return income


def receive_pledge(
    session: Session, actor: User, income: Income, received_on: dt.date | None = None
) -> Income:
    fund = income.fund
    _require_manager(session, actor, fund)
    if not income.pledged or income.received_on is not None:
        raise DomainError(_("This money has already arrived."))
    income.received_on = received_on or utcnow().date()
    post(
        session,
        actor,
        fund,
        "pledge_received",
        [
            (account(session, fund, AccountKind.BANK), income.amount_pence),
            (account(session, fund, AccountKind.PLEDGES), -income.amount_pence),
        ],
        occurred_on=income.received_on,
        memo=f"Promised money arrived: {income.from_name}",
        income=income,
    )
    audit(
        session,
        actor,
        "fund.pledge.received",
        income,
        f"{money(income.amount_pence)} promised to {fund.name} arrived",
        place=fund.place,
    )
    return income


def refund_income(
    session: Session, actor: User, income: Income, amount_pence: int | None, reason: str
) -> Income:
    """Give some or all of money received back to whoever gave it."""
    fund = income.fund
    _require_manager(session, actor, fund)
    if income.received_on is None:
        raise DomainError(_("This money has not arrived yet, so it cannot be given back."))
    if amount_pence is None or not _is_pence(amount_pence) or amount_pence <= 0:
        raise DomainError(_("Enter how much to give back"), field="amount_pence")
    left = income.amount_pence - income.refunded_pence
    if amount_pence > left:
        raise DomainError(
            _("You can give back %(left)s at most.", left=money(left)), field="amount_pence"
        )
    if not (reason or "").strip():
        raise DomainError(_("Say why the money is going back"), field="reason")
    income.refunded_pence += amount_pence
    post(
        session,
        actor,
        fund,
        "refund",
        [
            (
                account(session, fund, AccountKind.INCOME, income.source, income.purpose),
                amount_pence,
            ),
            (account(session, fund, AccountKind.BANK), -amount_pence),
        ],
        memo=f"Given back: {reason.strip()}",
        income=income,
    )
    session.flush()
    audit(
        session,
        actor,
        "fund.refund",
        income,
        f"Gave {money(amount_pence)} back from {fund.name}",
        place=fund.place,
        amount_pence=amount_pence,
        reason=reason.strip(),
    )
    return income


def income_stmt(fund: Fund) -> Select:
    return select(Income).where(Income.fund_id == fund.id).order_by(Income.id.desc())


def gift_aid_claimable(session: Session, fund: Fund) -> int:
    """Gift Aid the holder can claim on donations kept: 25p for every £1."""
    if not fund.holder_can_claim_gift_aid:
        return 0
    kept = session.scalar(
        select(func.coalesce(func.sum(Income.amount_pence - Income.refunded_pence), 0)).where(
            Income.fund_id == fund.id, Income.gift_aid, Income.received_on.is_not(None)
        )
    )
    return int(kept or 0) // 4


# --- Grants ----------------------------------------------------------------------------------


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
    """The short grant agreement, in plain words."""
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
            total=money(total_pence),
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
    _require_manager(session, actor, fund)
    if application is not None:
        if application.state != State.AWARDED or not application.award_pence:
            raise DomainError(_("Only an application that was given money can become a grant."))
        if application.round.place_id != fund.place_id:
            raise DomainError(_("That award was made in another place."))
        if session.scalar(select(Grant.id).where(Grant.application_id == application.id)):
            raise DomainError(_("This award is already a grant."))
        group = application.group
        if total_pence != application.award_pence:
            raise DomainError(
                _(
                    "The grant must be the amount awarded: %(amount)s. Change it later with a "
                    "variation if you need to.",
                    amount=money(application.award_pence),
                ),
                field="total_pence",
            )
    if group is None:
        raise DomainError(_("Choose the group"), field="group")
    if group.place_id != fund.place_id:
        raise DomainError(_("Choose a group in this place"), field="group")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Say in a few words what the grant is for"), field="title")
    if total_pence is None or not _is_pence(total_pence) or total_pence <= 0:
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
    for planned in schedule.build(total_pence, start_date, years, frequency):
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
        if total_pence >= fund.checkin_threshold_pence
        else CheckInKind.CONVERSATION
    )
    for number, due in enumerate(schedule.checkin_dates(start_date, years), start=1):
        grant.checkins.append(CheckIn(number=number, kind=kind, due_on=due))
    session.add(grant)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(_("This award is already a grant.")) from None
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
    audit(
        session,
        actor,
        "grant.make",
        grant,
        f"Offered {group.name} {money(total_pence)} over {years} years",
        place=fund.place,
        total_pence=total_pence,
        application_id=application.id if application else None,
        frequency=frequency.value,
    )
    return grant


def _lock(session: Session, obj: Grant | Instalment) -> Grant | Instalment:
    """Read the row again, locked until this transaction ends (a no-op on SQLite)."""
    model = type(obj)
    return session.scalars(
        select(model)
        .where(model.id == obj.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def transition(
    session: Session,
    actor: User | None,
    obj: Grant | Instalment,
    action: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    paid_on: dt.date | None = None,
    reference: str | None = None,
    agreed: bool = False,
) -> Grant | Instalment:
    """Move a grant or an instalment along the workflow: the only way either state changes.

    Looks the move up in :data:`funds.workflow.MOVES`, checks who is asking and what the move
    needs, applies it with its ledger entries, and writes the audit entry. The row is locked
    first, so two people acting at once cannot both pay the same instalment."""
    kind = "grant" if isinstance(obj, Grant) else "instalment"
    obj = _lock(session, obj)
    grant = obj if isinstance(obj, Grant) else obj.grant
    move = workflow.find_move(kind, obj.state.value, action)
    if move is None:
        label = obj.state.label.lower()
        if isinstance(obj, Instalment) and obj.state == InstalmentState.PAID and action == "pay":
            raise DomainError(_("This payment has already been made. Nothing was changed."))
        raise DomainError(_("This cannot be done now: it is %(state)s.", state=label))
    actors = actors_for(session, actor, grant)
    if not move.who & actors:
        raise NotAllowed(_("You cannot do this to this grant."))
    if kind == "instalment" and action != "cancel" and grant.state != GrantState.ACTIVE:
        raise DomainError(_("Payments can only be made once the group has agreed to the grant."))
    if Needs.REASON in move.needs and not (reason or "").strip():
        raise DomainError(_("Say why. The group will read it, so use plain words."), field="reason")
    if Needs.NOTE in move.needs and not (note or "").strip():
        raise DomainError(_("Write a short final note"), field="note")
    if Needs.AGREEMENT in move.needs and not agreed:
        raise DomainError(_("Tick the box to say your group agrees"), field="agree")
    if Needs.PAYMENT in move.needs:
        if paid_on is None:
            raise DomainError(_("Enter the day it was paid"), field="paid_on")
        if not (reference or "").strip():
            raise DomainError(_("Enter the bank's reference for the payment"), field="reference")
    now = utcnow()
    source = obj.state
    details: dict[str, Any] = {"from": source.value, "to": move.target}
    fund = grant.fund
    if isinstance(obj, Instalment):
        if action == "pay":
            _pay(session, actor, obj, paid_on, reference.strip())  # type: ignore[arg-type, union-attr]
            details.update(amount_pence=obj.amount_pence, reference=reference.strip())  # type: ignore[union-attr]
        elif action == "cancel":
            post(
                session,
                actor,
                fund,
                "release",
                [
                    (account(session, fund, AccountKind.PAYABLE), obj.amount_pence),
                    (account(session, fund, AccountKind.GRANTS), -obj.amount_pence),
                ],
                memo=f"Not paid: {grant.group.name} payment {obj.number}",
                grant=grant,
            )
            details["amount_pence"] = obj.amount_pence
        if action == "hold":
            obj.held_reason = reason.strip()  # type: ignore[union-attr]
            details["reason"] = obj.held_reason
        elif move.target != InstalmentState.HELD:
            obj.held_reason = ""
        obj.state = InstalmentState(move.target)
        obj.updated_at = now
        summary = (
            f"{grant.group.name}: payment {obj.number} ({money(obj.amount_pence)}) "
            f"{source.label} → {obj.state.label}"
        )
    else:
        if action == "accept":
            obj.accepted_at = now
            obj.accepted_by_id = actor.id if actor is not None else None
        if action in ("close", "withdraw"):
            for instalment in obj.instalments:
                if instalment.state in workflow.OWED_STATES:
                    transition(session, actor, instalment, "cancel")
            obj.closing_note = note.strip()  # type: ignore[union-attr]
            obj.ended_at = now
            details["note"] = obj.closing_note
        obj.state = GrantState(move.target)
        obj.updated_at = now
        summary = f"{grant.group.name}: grant {source.label} → {obj.state.label}"
    session.flush()
    audit(session, actor, f"{kind}.{action}", obj, summary, place=fund.place, **details)
    return obj


def _pay(
    session: Session, actor: User | None, instalment: Instalment, paid_on: dt.date, reference: str
) -> Payment:
    grant = instalment.grant
    fund = grant.fund
    payable = account(session, fund, AccountKind.PAYABLE)
    bank = account(session, fund, AccountKind.BANK)
    try:
        # The entries and the payment stand or fall together: if the database refuses the
        # payment (it is paid already), neither is kept.
        with session.begin_nested():
            transaction = post(
                session,
                actor,
                fund,
                "payment",
                [(payable, instalment.amount_pence), (bank, -instalment.amount_pence)],
                occurred_on=paid_on,
                memo=f"Paid {grant.group.name}: payment {instalment.number}, {reference}",
                grant=grant,
            )
            payment = Payment(
                instalment_id=instalment.id,
                amount_pence=instalment.amount_pence,
                paid_on=paid_on,
                reference=reference[:60],
                transaction_id=transaction.id,
                created_by_id=actor.id if actor is not None else None,
            )
            session.add(payment)
            session.flush()
    except IntegrityError:
        raise DomainError(_("This payment has already been made. Nothing was changed.")) from None
    return payment


def accept_agreement(session: Session, actor: User, grant: Grant, agreed: bool) -> Grant:
    return transition(session, actor, grant, "accept", agreed=agreed)  # type: ignore[return-value]


def end_grant(session: Session, actor: User, grant: Grant, note: str) -> Grant:
    """Close an agreed grant, or take back an offer not yet agreed; what was not paid is no
    longer owed."""
    action = "withdraw" if grant.state == GrantState.OFFERED else "close"
    return transition(session, actor, grant, action, note=note)  # type: ignore[return-value]


def act_on_instalment(
    session: Session,
    actor: User,
    instalment: Instalment,
    action: str,
    *,
    reason: str | None = None,
    paid_on: dt.date | None = None,
    reference: str | None = None,
) -> Instalment:
    if action == "cancel":
        raise DomainError(_("Payments are cancelled only when the grant ends."))
    return transition(  # type: ignore[return-value]
        session, actor, instalment, action, reason=reason, paid_on=paid_on, reference=reference
    )


@dataclass(frozen=True)
class Change:
    """A new amount and date for one instalment, in a variation."""

    instalment: Instalment
    amount_pence: int | None
    due_date: dt.date | None


def vary_grant(
    session: Session, actor: User, grant: Grant, changes: Iterable[Change], reason: str
) -> Variation:
    """Change the amounts or dates of payments not yet made, with a reason; the history is
    kept and the ledger follows the new total."""
    grant = _lock(session, grant)  # type: ignore[assignment]
    fund = grant.fund
    _require_manager(session, actor, fund)
    if grant.state not in workflow.LIVE_GRANT_STATES:
        raise DomainError(_("This grant has ended, so it cannot change."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the grant is changing"), field="reason")
    record: list[dict[str, Any]] = []
    for change in changes:
        inst = _lock(session, change.instalment)
        if inst.grant_id != grant.id:
            raise DomainError(_("That payment is not part of this grant."))
        amount = inst.amount_pence if change.amount_pence is None else change.amount_pence
        due = change.due_date or inst.due_date
        if amount == inst.amount_pence and due == inst.due_date:
            continue
        if inst.state not in workflow.VARIABLE_STATES:
            raise DomainError(
                _(
                    "Payment %(n)s is %(state)s, so it cannot change.",
                    n=inst.number,
                    state=inst.state.label.lower(),
                ),
                field=f"amount_{inst.id}",
            )
        if not _is_pence(amount) or amount <= 0:
            raise DomainError(
                _("Payment %(n)s must be more than nothing.", n=inst.number),
                field=f"amount_{inst.id}",
            )
        record.append(
            {
                "number": inst.number,
                "from_pence": inst.amount_pence,
                "to_pence": amount,
                "from_due": inst.due_date.isoformat(),
                "to_due": due.isoformat(),
            }
        )
        inst.amount_pence = amount
        inst.due_date = due
        inst.financial_year = financial_year(due)
        inst.updated_at = utcnow()
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
    audit(
        session,
        actor,
        "grant.vary",
        grant,
        f"Changed {grant.group.name}'s grant: {money(old_total)} → {money(new_total)}",
        place=fund.place,
        reason=reason.strip(),
        changes=record,
    )
    return variation


def grants_stmt(fund: Fund) -> Select:
    return select(Grant).where(Grant.fund_id == fund.id).order_by(Grant.id.desc())


def grants_for_user_stmt(user: User) -> Select:
    from giving.models import GroupMember

    return (
        select(Grant)
        .join(GroupMember, GroupMember.group_id == Grant.group_id)
        .where(GroupMember.user_id == user.id, Grant.state != GrantState.WITHDRAWN)
        .order_by(Grant.id.desc())
    )


def public_grants_stmt(fund: Fund) -> Select:
    return (
        select(Grant)
        .where(Grant.fund_id == fund.id, Grant.state.in_(workflow.PUBLISHED_GRANT_STATES))
        .order_by(Grant.start_date.desc(), Grant.id.desc())
    )


def paid_pence(grant: Grant) -> int:
    return sum(i.amount_pence for i in grant.instalments if i.state == InstalmentState.PAID)


# --- Payment runs ----------------------------------------------------------------------------


def payment_run(session: Session, fund: Fund, on: dt.date) -> list[Instalment]:
    """Payments marked ready to pay and due on or before ``on``, on agreed grants."""
    stmt = (
        select(Instalment)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(
            Grant.fund_id == fund.id,
            Grant.state == GrantState.ACTIVE,
            Instalment.state == InstalmentState.APPROVED,
            Instalment.due_date <= on,
        )
        .order_by(Instalment.due_date, Instalment.id)
    )
    return list(session.scalars(stmt))


def run_reference(fund: Fund, on: dt.date, instalment: Instalment) -> str:
    """What the bank shows the group: short, and the same every time."""
    return f"PF{fund.id}-G{instalment.grant_id}-{instalment.number}"


def payment_run_csv(fund: Fund, on: dt.date, instalments: Sequence[Instalment], prefix: str) -> str:
    """The payment run as a CSV file for the bank: who, how much, and the reference."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Payee", "Payee identifier", "Amount (GBP)", "Reference", "Due date", "Grant", "Payment"]
    )
    for inst in instalments:
        pounds, pence = divmod(inst.amount_pence, 100)
        writer.writerow(
            [
                inst.grant.group.name,
                inst.grant.group.org_id(prefix),
                f"{pounds}.{pence:02d}",
                run_reference(fund, on, inst),
                inst.due_date.isoformat(),
                f"360G-{prefix}-grant-{inst.grant_id}",
                inst.number,
            ]
        )
    return out.getvalue()


def record_payment_run(
    session: Session, actor: User, fund: Fund, on: dt.date, paid_on: dt.date | None
) -> list[Instalment]:
    """Record every payment in the run for ``on`` as paid on ``paid_on``."""
    _require_manager(session, actor, fund)
    items = payment_run(session, fund, on)
    if not items:
        raise DomainError(_("There is nothing ready to pay on or before that day."))
    for inst in items:
        transition(
            session, actor, inst, "pay", paid_on=paid_on, reference=run_reference(fund, on, inst)
        )
    return items


# --- Check-ins -------------------------------------------------------------------------------


def questions_for(checkin: CheckIn) -> list[tuple[int, str]]:
    """What a check-in asks: the answers given, or the fund's questions now."""
    if checkin.answers:
        return [(a.position, a.question) for a in checkin.answers]
    return [(q.position, q.text) for q in checkin.grant.fund.questions]


def answer_checkin(
    session: Session, actor: User, checkin: CheckIn, answers: dict[int, str]
) -> CheckIn:
    """A group answers its yearly update: only the fund's questions, nothing more."""
    grant = checkin.grant
    if Actor.GROUP not in actors_for(session, actor, grant):
        raise NotAllowed(_("Only the group can answer its check-in."))
    if checkin.kind != CheckInKind.UPDATE:
        raise DomainError(_("This check-in is a conversation. There is nothing to write."))
    if checkin.state == CheckInState.DONE:
        raise DomainError(_("You have already answered this check-in. Thank you."))
    if grant.state != GrantState.ACTIVE:
        raise DomainError(_("Check-ins start once your group has agreed to the grant."))
    questions = [(q.position, q.text) for q in grant.fund.questions]
    asked = {position for position, _text in questions}
    if set(answers) - asked:
        raise DomainError(_("Answer only the questions asked."))
    for position, _text in questions:
        if not (answers.get(position) or "").strip():
            raise DomainError(_("Answer this question"), field=f"answer_{position}")
    for position, text in questions:
        checkin.answers.append(
            CheckInAnswer(position=position, question=text, answer=answers[position].strip())
        )
    checkin.state = CheckInState.DONE
    checkin.done_at = utcnow()
    checkin.done_by_id = actor.id
    session.flush()
    audit(
        session,
        actor,
        "checkin.answer",
        checkin,
        f"{grant.group.name} answered check-in {checkin.number}",
        place=grant.fund.place,
    )
    return checkin


def note_conversation(session: Session, actor: User, checkin: CheckIn, note: str) -> CheckIn:
    """Staff note what was said in a yearly conversation."""
    grant = checkin.grant
    _require_manager(session, actor, grant.fund)
    if checkin.kind != CheckInKind.CONVERSATION:
        raise DomainError(_("The group answers this check-in itself."))
    if checkin.state == CheckInState.DONE:
        raise DomainError(_("This conversation has already been noted."))
    if not (note or "").strip():
        raise DomainError(_("Write a few words about the conversation"), field="note")
    checkin.note = note.strip()
    checkin.state = CheckInState.DONE
    checkin.done_at = utcnow()
    checkin.done_by_id = actor.id
    session.flush()
    audit(
        session,
        actor,
        "checkin.note",
        checkin,
        f"Noted check-in {checkin.number} with {grant.group.name}",
        place=grant.fund.place,
    )
    return checkin


def send_checkin_reminders(session: Session, today: dt.date, within_days: int = 14) -> int:
    """Remind groups of written check-ins due soon (once each). Returns how many were sent."""
    stmt = (
        select(CheckIn)
        .join(Grant, Grant.id == CheckIn.grant_id)
        .where(
            Grant.state == GrantState.ACTIVE,
            CheckIn.kind == CheckInKind.UPDATE,
            CheckIn.state == CheckInState.DUE,
            CheckIn.reminded_at.is_(None),
            CheckIn.due_on <= today + dt.timedelta(days=within_days),
        )
        .order_by(CheckIn.id)
    )
    sent = 0
    for checkin in session.scalars(stmt):
        grant = checkin.grant
        link = url_for("funds.checkin", grant_id=grant.id, checkin_id=checkin.id, _external=True)
        emails = [m.user.email for m in grant.group.members]
        if grant.group.email:
            emails.append(grant.group.email.lower())
        for email in dict.fromkeys(emails):
            send_email(
                email,
                _("A short check-in about your grant"),
                "checkin_reminder",
                grant=grant,
                checkin=checkin,
                questions=questions_for(checkin),
                due=format_date(checkin.due_on),
                link=link,
            )
        checkin.reminded_at = utcnow()
        audit(
            session,
            None,
            "checkin.remind",
            checkin,
            f"Reminded {grant.group.name} of check-in {checkin.number}",
            place=grant.fund.place,
        )
        sent += 1
    session.flush()
    return sent


# --- Commitments by financial year -----------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    year: int
    committed_pence: int
    paid_pence: int
    income_pence: int
    pledged_pence: int
    free_pence: int  # money in and promised up to this year, less everything committed so far

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def to_pay_pence(self) -> int:
        return self.committed_pence - self.paid_pence


def _year_totals(session: Session, fund: Fund) -> dict[str, dict[int, int]]:
    committed_rows = session.execute(
        select(Instalment.financial_year, Instalment.state, func.sum(Instalment.amount_pence))
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id, Instalment.state != InstalmentState.CANCELLED)
        .group_by(Instalment.financial_year, Instalment.state)
    ).all()
    committed: dict[int, int] = {}
    paid: dict[int, int] = {}
    for year, state, total in committed_rows:
        committed[year] = committed.get(year, 0) + int(total)
        if state == InstalmentState.PAID:
            paid[year] = paid.get(year, 0) + int(total)
    income: dict[int, int] = {}
    pledged: dict[int, int] = {}
    for item in session.scalars(select(Income).where(Income.fund_id == fund.id)):
        if item.received_on is not None:
            year = financial_year(item.received_on)
            income[year] = income.get(year, 0) + item.amount_pence - item.refunded_pence
        else:
            year = financial_year(item.expected_on)  # type: ignore[arg-type]
            pledged[year] = pledged.get(year, 0) + item.amount_pence
    return {"committed": committed, "paid": paid, "income": income, "pledged": pledged}


def commitments(
    session: Session, fund: Fund, extra: dict[int, int] | None = None
) -> list[YearFigures]:
    """Per financial year: committed, paid, still to pay, money in and promised, and what is
    free to commit (counting everything up to that year). ``extra`` adds a grant not made yet."""
    totals = _year_totals(session, fund)
    for year, amount in (extra or {}).items():
        totals["committed"][year] = totals["committed"].get(year, 0) + amount
    years = sorted(set().union(*(t.keys() for t in totals.values())))
    rows = []
    running = 0
    for year in years:
        c = totals["committed"].get(year, 0)
        i = totals["income"].get(year, 0)
        p = totals["pledged"].get(year, 0)
        running += i + p - c
        rows.append(
            YearFigures(
                year=year,
                committed_pence=c,
                paid_pence=totals["paid"].get(year, 0),
                income_pence=i,
                pledged_pence=p,
                free_pence=running,
            )
        )
    return rows


def overcommitment_warning(
    session: Session, fund: Fund, extra: dict[int, int] | None = None
) -> str | None:
    """A warning when what is committed is more than the money in and promised."""
    short = [row for row in commitments(session, fund, extra) if row.free_pence < 0]
    if not short:
        return None
    worst = min(short, key=lambda r: r.free_pence)
    return _(
        "Grants promise more money than the fund has or has been promised: %(amount)s short "
        "by %(year)s. Add money to the fund or change the grants.",
        amount=money(-worst.free_pence),
        year=worst.label,
    )


def schedule_by_year(
    total_pence: int, start: dt.date, years: int, frequency: Frequency
) -> dict[int, int]:
    return schedule.by_financial_year(
        (p.due, p.amount_pence) for p in schedule.build(total_pence, start, years, frequency)
    )
