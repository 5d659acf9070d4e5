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
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import stripe
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
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
    DeclarationScope,
    Donation,
    DonationKind,
    DonationMethod,
    Entry,
    Fund,
    FundRound,
    GiftAidClaim,
    GiftAidClaimItem,
    GiftAidDeclaration,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    MatchDraw,
    MatchPledge,
    Payment,
    RegularGift,
    StripeEvent,
    Transaction,
    Variation,
)
from funds.schedule import Frequency
from funds.workflow import (
    Actor,
    DonationState,
    GrantState,
    InstalmentState,
    Needs,
    RegularGiftState,
)
from giving.email import send_email
from giving.models import Application, Group, Place, Round, User
from giving.services import DomainError, NotAllowed, audit, is_staff, normalise_postcode
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
    stmt = select(Account).where(Account.fund_id == fund.id, Account.code == code)
    found = session.scalar(stmt)
    if found is None:
        # Two requests may open the same account at once (two gifts clearing together): the
        # UNIQUE constraint lets one in, and the other uses the account it made.
        try:
            with session.begin_nested():
                found = Account(fund_id=fund.id, kind=kind, code=code, name=name)
                session.add(found)
                session.flush()
        except IntegrityError:
            found = session.scalars(stmt.execution_options(populate_existing=True)).one()
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
        entry_count=len(lines),
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
    if session.scalar(select(Donation.id).where(Donation.income_id == income.id)) is not None:
        raise DomainError(
            _("This is a gift: give it back from the fund's gifts page, so its match goes too.")
        )
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


# --- Donations -------------------------------------------------------------------------------

MIN_GIFT_PENCE = 100  # £1: less than this costs more to take than it gives
MAX_GIFT_PENCE = 2_500_000  # £25,000 online; bigger gifts are best talked about first
PRESET_AMOUNTS = (500, 1_000, 2_500, 5_000)
RETENTION_YEARS = 6

# HMRC's model declaration, for one gift or for this gift and all future ones.
GIFT_AID_WORDING = {
    DeclarationScope.THIS_GIFT: (
        "I want to Gift Aid my donation of {amount} to {holder}. I am a UK taxpayer and "
        "understand that if I pay less Income Tax and/or Capital Gains Tax than the amount of "
        "Gift Aid claimed on all my donations in that tax year it is my responsibility to pay "
        "any difference."
    ),
    DeclarationScope.THIS_AND_FUTURE: (
        "I want to Gift Aid my donation of {amount} and any donations I make in the future to "
        "{holder}. I am a UK taxpayer and understand that if I pay less Income Tax and/or "
        "Capital Gains Tax than the amount of Gift Aid claimed on all my donations in that tax "
        "year it is my responsibility to pay any difference."
    ),
}


def gift_aid_wording(fund: Fund, scope: DeclarationScope, amount_pence: int) -> str:
    return GIFT_AID_WORDING[scope].format(amount=money(amount_pence), holder=fund.holder_name)


def online_giving_ready() -> bool:
    """Online giving needs Stripe keys; without them, the giving page says so."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def stripe_client() -> stripe.StripeClient:
    """The Stripe client for this app (pointed at localstripe in tests by STRIPE_API_BASE)."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise DomainError(_("Online giving is not set up yet."))
    base = config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=0 if base else 2,
    )


def _reference() -> str:
    return secrets.token_urlsafe(18)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class GiftAidDetails:
    """What HMRC needs from a donor's declaration."""

    first_name: str
    last_name: str
    house: str
    postcode: str
    scope: DeclarationScope = DeclarationScope.THIS_GIFT
    title: str = ""
    taxpayer: bool = False


def _check_gift_aid(fund: Fund, details: GiftAidDetails) -> dict[str, str]:
    if not fund.holder_can_claim_gift_aid:
        raise DomainError(
            _("%(holder)s cannot claim Gift Aid.", holder=fund.holder_name), field="gift_aid"
        )
    if not details.taxpayer:
        raise DomainError(
            _("Tick the box to say you are a UK taxpayer, or choose no Gift Aid"),
            field="taxpayer",
        )
    clean = {
        "title": (details.title or "").strip()[:20],
        "first_name": (details.first_name or "").strip(),
        "last_name": (details.last_name or "").strip(),
        "house": (details.house or "").strip(),
    }
    if not clean["first_name"]:
        raise DomainError(_("Enter your first name"), field="first_name")
    if not clean["last_name"]:
        raise DomainError(_("Enter your last name"), field="last_name")
    if not clean["house"]:
        raise DomainError(_("Enter your house name or number"), field="house")
    try:
        clean["postcode"] = normalise_postcode(details.postcode or "")
    except DomainError:
        raise DomainError(
            _("Enter your home postcode, like E17 4QH"), field="gift_aid_postcode"
        ) from None
    return clean


def make_declaration(
    session: Session,
    fund: Fund,
    details: GiftAidDetails,
    *,
    email: str,
    user: User | None,
    amount_pence: int,
) -> GiftAidDeclaration:
    """Record a donor's Gift Aid declaration in HMRC's words."""
    clean = _check_gift_aid(fund, details)
    now = utcnow()
    declaration = GiftAidDeclaration(
        fund=fund,
        user_id=user.id if _signed_in(user) else None,
        email=email,
        scope=details.scope,
        wording=gift_aid_wording(fund, details.scope, amount_pence),
        made_at=now,
        keep_until=_add_years(now.date(), RETENTION_YEARS),
        **clean,
    )
    session.add(declaration)
    session.flush()
    return declaration


def live_declaration(session: Session, fund: Fund, email: str) -> GiftAidDeclaration | None:
    """A donor's declaration for this and future gifts to the fund, if not cancelled."""
    return session.scalar(
        select(GiftAidDeclaration)
        .where(
            GiftAidDeclaration.fund_id == fund.id,
            GiftAidDeclaration.email == email,
            GiftAidDeclaration.scope == DeclarationScope.THIS_AND_FUTURE,
            GiftAidDeclaration.cancelled_at.is_(None),
        )
        .order_by(GiftAidDeclaration.id.desc())
        .limit(1)
    )


def live_declarations(session: Session, fund: Fund, limit: int = 50) -> list[GiftAidDeclaration]:
    """The fund's Gift Aid declarations that still cover gifts, newest first."""
    return list(
        session.scalars(
            select(GiftAidDeclaration)
            .where(GiftAidDeclaration.fund_id == fund.id, GiftAidDeclaration.cancelled_at.is_(None))
            .order_by(GiftAidDeclaration.id.desc())
            .limit(limit)
        )
    )


def can_see_declaration(
    session: Session, user: User | None, declaration: GiftAidDeclaration
) -> bool:
    if not _signed_in(user):
        return False
    if declaration.user_id == user.id or declaration.email == user.email:
        return True
    return can_manage_fund(session, user, declaration.fund)


def cancel_declaration(
    session: Session, actor: User, declaration: GiftAidDeclaration
) -> GiftAidDeclaration:
    """Stop a declaration covering gifts from now on; gifts before stay claimable."""
    if not can_see_declaration(session, actor, declaration):
        raise NotAllowed(_("Only the donor or the fund's managers can cancel this."))
    if declaration.cancelled_at is not None:
        raise DomainError(_("This Gift Aid declaration is already cancelled."))
    declaration.cancelled_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "giftaid.cancel",
        declaration,
        f"Gift Aid declaration {declaration.id} cancelled",
        place=declaration.fund.place,
    )
    return declaration


def _check_donor(name: str, email: str, postcode: str | None) -> tuple[str, str, str | None]:
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name:
        raise DomainError(_("Enter your name"), field="donor_name")
    if "@" not in email or "." not in email.rpartition("@")[2]:
        raise DomainError(_("Enter an email address, like name@example.org"), field="donor_email")
    clean_postcode = None
    if (postcode or "").strip():
        clean_postcode = normalise_postcode(postcode or "")
    return name, email, clean_postcode


def _check_amount(amount_pence: int | None, field: str = "amount_pence") -> int:
    if amount_pence is None or not _is_pence(amount_pence) or amount_pence < MIN_GIFT_PENCE:
        raise DomainError(_("Give at least £1"), field=field)
    return amount_pence


def start_gift(
    session: Session,
    actor: User | None,
    fund: Fund,
    *,
    monthly: bool,
    amount_pence: int | None,
    donor_name: str,
    donor_email: str,
    postcode: str | None = None,
    purpose: str | None = None,
    gift_aid: GiftAidDetails | None = None,
) -> Donation | RegularGift:
    """A gift someone is about to pay online: waiting for Stripe until the money arrives."""
    if not online_giving_ready():
        raise DomainError(_("Online giving is not set up yet."))
    amount = _check_amount(amount_pence)
    if amount > MAX_GIFT_PENCE:
        raise DomainError(
            _("For gifts over %(max)s, please contact us first.", max=money(MAX_GIFT_PENCE)),
            field="amount_pence",
        )
    name, email, clean_postcode = _check_donor(donor_name, donor_email, postcode)
    purpose = (purpose or "").strip()[:160] or None
    declaration = None
    if gift_aid is not None:
        declaration = make_declaration(
            session, fund, gift_aid, email=email, user=actor, amount_pence=amount
        )
        clean_postcode = clean_postcode or declaration.postcode
    else:
        declaration = live_declaration(session, fund, email)
    common = {
        "reference": _reference(),
        "fund": fund,
        "user_id": actor.id if _signed_in(actor) else None,
        "donor_name": name,
        "donor_email": email,
        "postcode": clean_postcode,
        "amount_pence": amount,
        "purpose": purpose,
        "declaration_id": declaration.id if declaration else None,
    }
    gift: Donation | RegularGift
    if monthly:
        gift = RegularGift(**common)
    else:
        gift = Donation(kind=DonationKind.ONCE, method=DonationMethod.CARD, **common)
    session.add(gift)
    session.flush()
    return gift


def find_gift(session: Session, reference: str) -> Donation | RegularGift | None:
    found = session.scalar(select(Donation).where(Donation.reference == reference))
    if found is None:
        found = session.scalar(select(RegularGift).where(RegularGift.reference == reference))
    return found


def checkout(
    session: Session, gift: Donation | RegularGift, success_url: str, cancel_url: str
) -> str:
    """Hand the donor over to Stripe Checkout: payment mode for one gift, subscription mode
    for monthly giving. Returns the address to send them to; no card details come here."""
    if isinstance(gift, Donation) and gift.state != DonationState.PENDING:
        raise DomainError(_("This gift has already been paid."))
    if isinstance(gift, RegularGift) and gift.state != RegularGiftState.PENDING:
        raise DomainError(_("This monthly gift is already set up."))
    monthly = isinstance(gift, RegularGift)
    metadata = {
        "fund_id": str(gift.fund_id),
        ("regular_gift" if monthly else "donation"): gift.reference,
    }
    price_data: dict[str, Any] = {
        "currency": "gbp",
        "unit_amount": gift.amount_pence,
        "product_data": {"name": f"Gift to {gift.fund.name}"},
    }
    if monthly:
        price_data["recurring"] = {"interval": "month"}
    params: dict[str, Any] = {
        "mode": "subscription" if monthly else "payment",
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "customer_email": gift.donor_email,
        "client_reference_id": gift.reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
    }
    if monthly:
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {"metadata": metadata}
        params["submit_type"] = "donate"
    try:
        created = stripe_client().v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe Checkout could not start: %s", error)
        raise DomainError(
            _("We could not reach our card payment service. Please try again in a minute.")
        ) from None
    gift.stripe_checkout_id = created.id
    session.flush()
    return str(created.url)


def charge_payment_method(session: Session, donation: Donation, payment_method: str) -> str:
    """Take a one-off gift with a payment method Stripe collected (Stripe Elements or a card
    reader: only its id comes here). Returns the payment intent id; the webhook clears it."""
    client = stripe_client()
    try:
        customer = client.v1.customers.create(
            params={"email": donation.donor_email, "name": donation.donor_name}
        )
        intent = client.v1.payment_intents.create(
            params={
                "amount": donation.amount_pence,
                "currency": "gbp",
                "customer": customer.id,
                "payment_method": payment_method,
                "confirm": True,
                "metadata": {"donation": donation.reference, "fund_id": str(donation.fund_id)},
            }
        )
    except stripe.CardError as error:
        raise DomainError(error.user_message or _("The card was declined.")) from None
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe payment could not start: %s", error)
        raise DomainError(_("We could not reach our card payment service.")) from None
    donation.stripe_payment_intent_id = intent.id
    session.flush()
    _replay(session, intent.id)
    return intent.id


def subscribe_payment_method(session: Session, gift: RegularGift, payment_method: str) -> str:
    """Start monthly giving with a payment method Stripe collected. Returns the subscription
    id; each paid invoice arrives by webhook and becomes a gift."""
    client = stripe_client()
    try:
        customer = client.v1.customers.create(
            params={
                "email": gift.donor_email,
                "name": gift.donor_name,
                "payment_method": payment_method,
                "invoice_settings": {"default_payment_method": payment_method},
            }
        )
        plan = client.v1.plans.create(
            params={
                "amount": gift.amount_pence,
                "currency": "gbp",
                "interval": "month",
                "product": {"name": f"Monthly gift to {gift.fund.name}"},
            }
        )
        gift.stripe_customer_id = customer.id
        gift.stripe_subscription_id = None
        session.flush()
        subscription = client.v1.subscriptions.create(
            params={
                "customer": customer.id,
                "items": [{"plan": plan.id}],
                "metadata": {"regular_gift": gift.reference, "fund_id": str(gift.fund_id)},
            }
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe subscription could not start: %s", error)
        raise DomainError(_("We could not reach our card payment service.")) from None
    gift.stripe_subscription_id = subscription.id
    session.flush()
    _replay(session, subscription.id)
    return subscription.id


# --- Applying what we know to the ledger -----------------------------------------------------


def _facts(donation: Donation) -> workflow.DonationFacts:
    return workflow.DonationFacts(
        amount_pence=donation.amount_pence,
        succeeded=donation.succeeded_at is not None,
        failed=donation.failed_at is not None,
        refunded_pence=donation.refunded_pence,
        disputed=donation.disputed_at is not None,
    )


def _lock_row(session: Session, model: type, row_id: int) -> Any:
    """Read a row again, locked until this transaction ends (a no-op on SQLite)."""
    return session.scalars(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def gift_aid_applies(donation: Donation) -> bool:
    """Whether Gift Aid can be claimed on this gift: a declaration covering it, from a person
    (not a company), with nothing given back in return, to a holder who can claim."""
    declaration = donation.declaration
    return (
        declaration is not None
        and donation.fund.holder_can_claim_gift_aid
        and not donation.from_company
        and not donation.has_benefit
        and declaration.covers(donation.created_at)
    )


def _apply(session: Session, actor: User | None, donation: Donation) -> Donation:
    """Work out the donation's state from its facts, and bring the ledger (its income, and
    any match it drew) to what the fund now keeps. Safe to call any number of times."""
    facts = _facts(donation)
    before = donation.state
    donation.state = workflow.donation_state(facts)
    kept = workflow.kept_pence(facts)
    fund = donation.fund
    income = donation.income
    if income is None and kept > 0:
        donation.received_on = donation.received_on or (donation.succeeded_at or utcnow()).date()
        income = Income(
            fund=fund,
            source=IncomeSource.DONATION,
            amount_pence=donation.amount_pence,
            from_name=donation.donor_name,
            purpose=donation.purpose,
            gift_aid=gift_aid_applies(donation),
            received_on=donation.received_on,
        )
        session.add(income)
        session.flush()
        donation.income = income
        post(
            session,
            actor,
            fund,
            "donation",
            [
                (account(session, fund, AccountKind.BANK), donation.amount_pence),
                (
                    account(
                        session, fund, AccountKind.INCOME, IncomeSource.DONATION, donation.purpose
                    ),
                    -donation.amount_pence,
                ),
            ],
            occurred_on=donation.received_on,
            memo=f"Gift from {donation.donor_name}",
            income=income,
        )
    if income is not None:
        held = income.amount_pence - income.refunded_pence
        if kept < held:
            back = held - kept
            income.refunded_pence += back
            post(
                session,
                actor,
                fund,
                "refund",
                [
                    (
                        account(
                            session, fund, AccountKind.INCOME, IncomeSource.DONATION, income.purpose
                        ),
                        back,
                    ),
                    (account(session, fund, AccountKind.BANK), -back),
                ],
                memo=f"Gift given back: {donation.donor_name} ({donation.state.value})",
                income=income,
            )
    _match(session, actor, donation, kept)
    session.flush()
    if before != donation.state:
        audit(
            session,
            actor,
            "donation.state",
            donation,
            f"Gift of {money(donation.amount_pence)} to {fund.name}: {donation.state.value}",
            place=fund.place,
            before=before.value if before else None,
            after=donation.state.value,
            kept_pence=kept,
        )
    if (
        donation.state == DonationState.CLEARED
        and donation.receipt_sent_at is None
        and donation.donor_email
    ):
        donation.receipt_sent_at = utcnow()
        send_email(
            donation.donor_email,
            _("Thank you for your gift to %(fund)s", fund=fund.name),
            "donation_receipt",
            donation=donation,
            fund=fund,
            amount=money(donation.amount_pence),
            day=format_date(donation.received_on),
            gift_aid=gift_aid_applies(donation),
            matched=money(_matched(session, donation)),
            method=_(donation.method.label),
        )
    return donation


def _matched(session: Session, donation: Donation) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(MatchDraw.amount_pence), 0)).where(
            MatchDraw.donation_id == donation.id
        )
    )
    return int(total or 0)


def _match(session: Session, actor: User | None, donation: Donation, kept: int) -> None:
    """Draw match funding for what the fund keeps of a gift (or give back what it no longer
    should have). The pledge row is locked, so two gifts clearing at once cannot both take the
    last of it; the database refuses a draw over the cap in any case."""
    fund = donation.fund
    draws = list(session.scalars(select(MatchDraw).where(MatchDraw.donation_id == donation.id)))
    pledges_acct = account(session, fund, AccountKind.PLEDGES)
    match_acct = account(session, fund, AccountKind.INCOME, IncomeSource.MATCH)
    if draws:
        # Already matched: only ever give back, in proportion to what the fund still keeps.
        for draw in draws:
            pledge = _lock_row(session, MatchPledge, draw.pledge_id)
            should = min(draw.amount_pence, kept * pledge.ratio_percent // 100)
            back = draw.amount_pence - should
            if back > 0:
                draw.amount_pence = should
                pledge.drawn_pence -= back
                session.flush()
                post(
                    session,
                    actor,
                    fund,
                    "match_reversed",
                    [(match_acct, back), (pledges_acct, -back)],
                    memo=f"Match given back: {pledge.funder_name}",
                )
        return
    if kept <= 0 or donation.state != DonationState.CLEARED:
        return
    on = donation.received_on or utcnow().date()
    pledge_ids = list(
        session.scalars(
            select(MatchPledge.id)
            .where(
                MatchPledge.fund_id == fund.id,
                MatchPledge.starts_on <= on,
                MatchPledge.ends_on >= on,
            )
            .order_by(MatchPledge.id)
        )
    )
    for pledge_id in pledge_ids:
        pledge = _lock_row(session, MatchPledge, pledge_id)
        want = kept * pledge.ratio_percent // 100
        take = min(want, pledge.cap_pence - pledge.drawn_pence)
        if take <= 0:
            continue
        pledge.drawn_pence += take
        session.add(MatchDraw(pledge_id=pledge.id, donation_id=donation.id, amount_pence=take))
        session.flush()
        post(
            session,
            actor,
            fund,
            "match",
            [(pledges_acct, take), (match_acct, -take)],
            memo=f"{pledge.funder_name} matched a gift from {donation.donor_name}",
        )
        break


def record_offline_gift(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    method: DonationMethod,
    amount_pence: int | None,
    donor_name: str,
    donor_email: str = "",
    postcode: str | None = None,
    purpose: str | None = None,
    received_on: dt.date | None = None,
    from_company: bool = False,
    has_benefit: bool = False,
    gift_aid: GiftAidDetails | None = None,
) -> Donation:
    """Staff record a gift of cash, a cheque or a bank transfer: into the same ledger, matched
    and receipted like a gift made online."""
    _require_manager(session, actor, fund)
    if method == DonationMethod.CARD:
        raise DomainError(_("Card gifts are recorded by the payment service."), field="method")
    amount = _check_amount(amount_pence)
    name = (donor_name or "").strip()
    if not name:
        raise DomainError(_("Enter who gave it"), field="donor_name")
    email = (donor_email or "").strip().lower()
    if email and "@" not in email:
        raise DomainError(_("Enter an email address, like name@example.org"), field="donor_email")
    clean_postcode = normalise_postcode(postcode) if (postcode or "").strip() else None
    if gift_aid is not None and from_company:
        raise DomainError(_("Gifts from companies cannot have Gift Aid."), field="gift_aid")
    if gift_aid is not None and has_benefit:
        raise DomainError(
            _("Gifts that get something back cannot have Gift Aid."), field="gift_aid"
        )
    declaration = None
    if gift_aid is not None:
        declaration = make_declaration(
            session,
            fund,
            gift_aid,
            email=email or f"offline-{_reference()}",
            user=None,
            amount_pence=amount,
        )
        clean_postcode = clean_postcode or declaration.postcode
    elif email and not from_company:
        declaration = live_declaration(session, fund, email)
    now = utcnow()
    donation = Donation(
        reference=_reference(),
        fund=fund,
        donor_name=name,
        donor_email=email,
        postcode=clean_postcode,
        amount_pence=amount,
        purpose=(purpose or "").strip()[:160] or None,
        kind=DonationKind.ONCE,
        method=method,
        from_company=from_company,
        has_benefit=has_benefit,
        declaration_id=declaration.id if declaration else None,
        succeeded_at=now,
        received_on=received_on or now.date(),
        created_by_id=actor.id,
    )
    session.add(donation)
    session.flush()
    session.refresh(donation)
    audit(
        session,
        actor,
        "donation.offline",
        donation,
        f"{money(amount)} given to {fund.name} by {method.label.lower()}",
        place=fund.place,
        amount_pence=amount,
        method=method.value,
    )
    return _apply(session, actor, donation)


def refund_donation(session: Session, actor: User, donation: Donation, reason: str) -> Donation:
    """Give a whole gift back: through Stripe for card gifts, by hand for the rest. The ledger
    and any match it drew are reversed."""
    _require_manager(session, actor, donation.fund)
    donation = _lock_row(session, Donation, donation.id)
    if not (reason or "").strip():
        raise DomainError(_("Say why the money is going back"), field="reason")
    if donation.state != DonationState.CLEARED:
        raise DomainError(_("Only a gift that has arrived can be given back."))
    left = donation.amount_pence - donation.refunded_pence
    if donation.method == DonationMethod.CARD and donation.stripe_payment_intent_id:
        try:
            refund = stripe_client().v1.refunds.create(
                params={"payment_intent": donation.stripe_payment_intent_id, "amount": left}
            )
        except stripe.StripeError as error:
            current_app.logger.warning("Stripe refund failed: %s", error)
            raise DomainError(_("We could not reach our card payment service.")) from None
        left = int(refund.amount)
    donation.refunded_pence = min(donation.amount_pence, donation.refunded_pence + left)
    audit(
        session,
        actor,
        "donation.refund",
        donation,
        f"Gave back {money(left)} to {donation.donor_name}",
        place=donation.fund.place,
        reason=reason.strip(),
    )
    return _apply(session, actor, donation)


# --- Stripe's events -------------------------------------------------------------------------


def _stripe_id(value: Any) -> str | None:
    """An object's id, whether Stripe sent the object or only its id."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.get("id")


def _donation_for(session: Session, obj: dict[str, Any]) -> Donation | None:
    """The gift a Stripe object is about: by our reference in its metadata, or by the
    payment intent or invoice it belongs to."""
    metadata = obj.get("metadata") or {}
    found = None
    if metadata.get("donation"):
        found = session.scalar(select(Donation).where(Donation.reference == metadata["donation"]))
    intent = obj.get("payment_intent") if obj.get("object") != "payment_intent" else obj.get("id")
    intent = _stripe_id(intent)
    if found is None and intent:
        found = session.scalar(select(Donation).where(Donation.stripe_payment_intent_id == intent))
    invoice = _stripe_id(obj.get("invoice"))
    if found is None and invoice:
        found = session.scalar(select(Donation).where(Donation.stripe_invoice_id == invoice))
    return found


def _regular_gift_for(session: Session, obj: dict[str, Any]) -> RegularGift | None:
    metadata = obj.get("metadata") or (obj.get("subscription_details") or {}).get("metadata") or {}
    if metadata.get("regular_gift"):
        found = session.scalar(
            select(RegularGift).where(RegularGift.reference == metadata["regular_gift"])
        )
        if found is not None:
            return found
    subscription = obj.get("id") if obj.get("object") == "subscription" else obj.get("subscription")
    subscription = _stripe_id(subscription)
    if subscription is None:
        # Newer API versions name the subscription under the invoice's parent.
        parent = (obj.get("parent") or {}).get("subscription_details") or {}
        subscription = _stripe_id(parent.get("subscription"))
        metadata = parent.get("metadata") or {}
        if metadata.get("regular_gift"):
            return session.scalar(
                select(RegularGift).where(RegularGift.reference == metadata["regular_gift"])
            )
    if subscription is None:
        return None
    return session.scalar(
        select(RegularGift).where(RegularGift.stripe_subscription_id == subscription)
    )


def _at(event: dict[str, Any]) -> dt.datetime:
    created = event.get("created")
    if isinstance(created, int):
        return dt.datetime.fromtimestamp(created, dt.UTC)
    return utcnow()


def handle_stripe_event(session: Session, event: dict[str, Any]) -> str:
    """Act on one verified Stripe event, once: "done", "duplicate", "waiting" or "ignored".

    The event's id is stored first under a UNIQUE constraint; a second delivery of the same
    event (even at the same moment, from another worker) stops there. Each event only adds a
    fact to a gift, so they may arrive in any order; one that comes before we know whose
    payment it is waits, and is acted on when we find out."""
    event_id = str(event.get("id") or "")
    kind = str(event.get("type") or "")
    if not event_id:
        raise ValueError("A Stripe event has an id")
    row = StripeEvent(event_id=event_id, type=kind[:100])
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return "duplicate"
    return _act(session, row, event)


def _wait(row: StripeEvent, event: dict[str, Any], key: str | None) -> str:
    if not key:
        current_app.logger.info("Stripe event %s is about nothing we know", row.event_id)
        return "ignored"
    row.waiting_for = key
    row.payload = event
    return "waiting"


def _replay(session: Session, key: str | None) -> None:
    """Act on events that were waiting to learn whose payment ``key`` is."""
    if not key:
        return
    waiting = list(
        session.scalars(
            select(StripeEvent).where(StripeEvent.waiting_for == key).order_by(StripeEvent.id)
        )
    )
    for row in waiting:
        event = row.payload or {}
        row.waiting_for = None
        row.payload = None
        session.flush()
        _act(session, row, event)


def _subscription_of(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "subscription":
        return _stripe_id(obj.get("id"))
    found = _stripe_id(obj.get("subscription"))
    if found is None:
        parent = (obj.get("parent") or {}).get("subscription_details") or {}
        found = _stripe_id(parent.get("subscription"))
    return found


def _act(session: Session, row: StripeEvent, event: dict[str, Any]) -> str:
    kind = str(event.get("type") or "")
    fact = workflow.STRIPE_FACTS.get(kind)
    obj = dict((event.get("data") or {}).get("object") or {})
    if fact is None:
        return "ignored"
    at = _at(event)
    if fact == "checkout":
        return _checkout_completed(session, row, event, obj, at)
    if fact == "invoice_paid":
        return _invoice_paid(session, row, event, obj, at)
    if fact == "subscription_ended":
        gift = _regular_gift_for(session, obj)
        if gift is None:
            return _wait(row, event, _subscription_of(obj))
        _end_regular_gift(session, None, gift)
        return "done"
    donation = _donation_for(session, obj)
    intent = _stripe_id(
        obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    )
    if donation is None:
        return _wait(row, event, intent)
    donation = _lock_row(session, Donation, donation.id)
    if fact == "succeeded":
        donation.succeeded_at = donation.succeeded_at or at
    elif fact == "failed":
        donation.failed_at = donation.failed_at or at
    elif fact == "refunded":
        refunded = int(obj.get("amount_refunded") or obj.get("amount") or 0)
        donation.refunded_pence = min(donation.amount_pence, max(donation.refunded_pence, refunded))
    elif fact == "disputed":
        donation.disputed_at = donation.disputed_at or at
    _apply(session, None, donation)
    if intent and donation.stripe_payment_intent_id is None:
        donation.stripe_payment_intent_id = intent
        session.flush()
        _replay(session, intent)
    return "done"


def _checkout_completed(
    session: Session, row: StripeEvent, event: dict[str, Any], obj: dict[str, Any], at: dt.datetime
) -> str:
    if obj.get("mode") == "subscription":
        gift = _regular_gift_for(session, obj)
        if gift is None:
            return "ignored"
        gift = _lock_row(session, RegularGift, gift.id)
        gift.stripe_checkout_id = gift.stripe_checkout_id or obj.get("id")
        gift.stripe_customer_id = _stripe_id(obj.get("customer")) or gift.stripe_customer_id
        subscription = _stripe_id(obj.get("subscription"))
        if subscription and gift.stripe_subscription_id is None:
            gift.stripe_subscription_id = subscription
            session.flush()
            _replay(session, subscription)
        session.flush()
        return "done"
    donation = _donation_for(session, obj)
    if donation is None:
        return "ignored"
    donation = _lock_row(session, Donation, donation.id)
    if obj.get("payment_status") == "paid":
        donation.succeeded_at = donation.succeeded_at or at
    _apply(session, None, donation)
    intent = _stripe_id(obj.get("payment_intent"))
    if intent and donation.stripe_payment_intent_id is None:
        donation.stripe_payment_intent_id = intent
        session.flush()
        _replay(session, intent)
    return "done"


def _invoice_paid(
    session: Session, row: StripeEvent, event: dict[str, Any], obj: dict[str, Any], at: dt.datetime
) -> str:
    """A month's payment on a monthly gift: one gift per invoice, however often told."""
    gift = _regular_gift_for(session, obj)
    invoice_id = obj.get("id")
    amount = int(obj.get("amount_paid") or 0)
    if not invoice_id or amount <= 0:
        return "ignored"
    if gift is None:
        return _wait(row, event, _subscription_of(obj))
    gift = _lock_row(session, RegularGift, gift.id)
    subscription = _subscription_of(obj)
    if subscription and gift.stripe_subscription_id is None:
        gift.stripe_subscription_id = subscription
        session.flush()
        _replay(session, subscription)
    intent = _stripe_id(obj.get("payment_intent"))
    donation = session.scalar(select(Donation).where(Donation.stripe_invoice_id == invoice_id))
    if donation is None:
        declaration = gift.declaration
        if declaration is None or declaration.cancelled_at is not None:
            declaration = live_declaration(session, gift.fund, gift.donor_email)
        donation = Donation(
            reference=_reference(),
            fund=gift.fund,
            regular_gift=gift,
            user_id=gift.user_id,
            postcode=gift.postcode,
            donor_name=gift.donor_name,
            donor_email=gift.donor_email,
            amount_pence=amount,
            purpose=gift.purpose,
            kind=DonationKind.MONTHLY,
            method=DonationMethod.CARD,
            declaration_id=declaration.id if declaration else None,
            stripe_invoice_id=invoice_id,
            stripe_payment_intent_id=intent,
            created_at=at,
        )
        session.add(donation)
        session.flush()
    donation.succeeded_at = donation.succeeded_at or at
    if gift.state == RegularGiftState.PENDING:
        gift.state = RegularGiftState.ACTIVE
    _apply(session, None, donation)
    _replay(session, intent)
    return "done"


def _end_regular_gift(session: Session, actor: User | None, gift: RegularGift) -> RegularGift:
    gift = _lock_row(session, RegularGift, gift.id)
    target = workflow.regular_gift_move(gift.state, "cancel")
    if target is None:
        return gift
    gift.state = target
    gift.cancelled_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "regular_gift.cancel",
        gift,
        f"Monthly gift of {money(gift.amount_pence)} to {gift.fund.name} stopped",
        place=gift.fund.place,
    )
    return gift


def can_see_regular_gift(session: Session, user: User | None, gift: RegularGift) -> bool:
    if not _signed_in(user):
        return False
    return gift.user_id == user.id or can_manage_fund(session, user, gift.fund)


def cancel_regular_gift(session: Session, actor: User, gift: RegularGift) -> RegularGift:
    """Stop a monthly gift: Stripe takes no more payments, and none are recorded after."""
    if not can_see_regular_gift(session, actor, gift):
        raise NotAllowed(_("Only the donor can stop this monthly gift."))
    if gift.state == RegularGiftState.CANCELLED:
        raise DomainError(_("This monthly gift has already stopped."))
    if gift.stripe_subscription_id and online_giving_ready():
        try:
            stripe_client().v1.subscriptions.cancel(gift.stripe_subscription_id)
        except stripe.InvalidRequestError as error:
            # Already gone at Stripe's end: nothing more will be taken.
            current_app.logger.info("Subscription was already cancelled: %s", error)
        except stripe.StripeError as error:
            current_app.logger.warning("Stripe cancel failed: %s", error)
            raise DomainError(
                _("We could not reach our card payment service. Nothing was changed.")
            ) from None
    return _end_regular_gift(session, actor, gift)


# --- Match funding ---------------------------------------------------------------------------


def create_match_pledge(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    funder_name: str,
    ratio_percent: int | None,
    cap_pence: int | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> MatchPledge:
    """A funder promises to match gifts, up to a cap, between two days."""
    _require_manager(session, actor, fund)
    name = (funder_name or "").strip()
    if not name:
        raise DomainError(_("Enter the funder's name"), field="funder_name")
    if ratio_percent is None or not 1 <= ratio_percent <= 1000:
        raise DomainError(_("Enter how much they add for every £1, from 1p to £10"), field="ratio")
    if cap_pence is None or not _is_pence(cap_pence) or cap_pence <= 0:
        raise DomainError(_("Enter the most they will give"), field="cap_pence")
    if starts_on is None:
        raise DomainError(_("Enter the first day"), field="starts_on")
    if ends_on is None or ends_on < starts_on:
        raise DomainError(_("Enter a last day on or after the first"), field="ends_on")
    pledge = MatchPledge(
        fund=fund,
        funder_name=name,
        ratio_percent=ratio_percent,
        cap_pence=cap_pence,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    session.add(pledge)
    session.flush()
    audit(
        session,
        actor,
        "match.create",
        pledge,
        f"{name} will match gifts to {fund.name} up to {money(cap_pence)}",
        place=fund.place,
        ratio_percent=ratio_percent,
        cap_pence=cap_pence,
    )
    return pledge


def live_match(session: Session, fund: Fund, on: dt.date | None = None) -> MatchPledge | None:
    """The match pledge a gift made today would draw on, if any has money left."""
    on = on or utcnow().date()
    return session.scalar(
        select(MatchPledge)
        .where(
            MatchPledge.fund_id == fund.id,
            MatchPledge.starts_on <= on,
            MatchPledge.ends_on >= on,
            MatchPledge.drawn_pence < MatchPledge.cap_pence,
        )
        .order_by(MatchPledge.id)
        .limit(1)
    )


def match_pledges(session: Session, fund: Fund) -> list[MatchPledge]:
    return list(
        session.scalars(
            select(MatchPledge).where(MatchPledge.fund_id == fund.id).order_by(MatchPledge.id)
        )
    )


@dataclass(frozen=True)
class GivingFigures:
    """What giving has done for a fund, for its giving page."""

    donors: int
    given_pence: int
    matched_pence: int
    granted_pence: int
    grants: int


def giving_figures(session: Session, fund: Fund) -> GivingFigures:
    kept = Donation.amount_pence - Donation.refunded_pence
    row = session.execute(
        select(
            func.count(func.distinct(Donation.donor_name)),
            func.coalesce(func.sum(kept), 0),
        ).where(Donation.fund_id == fund.id, Donation.state == DonationState.CLEARED)
    ).one()
    matched = session.scalar(
        select(func.coalesce(func.sum(MatchPledge.drawn_pence), 0)).where(
            MatchPledge.fund_id == fund.id
        )
    )
    grants = session.execute(
        select(func.count(Grant.id), func.coalesce(func.sum(Grant.total_pence), 0)).where(
            Grant.fund_id == fund.id, Grant.state.in_(workflow.PUBLISHED_GRANT_STATES)
        )
    ).one()
    return GivingFigures(
        donors=int(row[0] or 0),
        given_pence=int(row[1] or 0),
        matched_pence=int(matched or 0),
        granted_pence=int(grants[1] or 0),
        grants=int(grants[0] or 0),
    )


def donations_stmt(fund: Fund) -> Select:
    return select(Donation).where(Donation.fund_id == fund.id).order_by(Donation.id.desc())


def donations_for_user_stmt(user: User) -> Select:
    return (
        select(Donation)
        .where(Donation.user_id == user.id, Donation.state != DonationState.PENDING)
        .order_by(Donation.id.desc())
    )


def regular_gifts_for_user(session: Session, user: User) -> list[RegularGift]:
    return list(
        session.scalars(
            select(RegularGift)
            .where(RegularGift.user_id == user.id, RegularGift.state != RegularGiftState.PENDING)
            .order_by(RegularGift.id.desc())
        )
    )


def declarations_for_user(session: Session, user: User) -> list[GiftAidDeclaration]:
    return list(
        session.scalars(
            select(GiftAidDeclaration)
            .where(
                (GiftAidDeclaration.user_id == user.id) | (GiftAidDeclaration.email == user.email)
            )
            .order_by(GiftAidDeclaration.id.desc())
        )
    )


ERASED = "Erased"


def erase_expired_declarations(session: Session, today: dt.date, *, dry_run: bool = False) -> int:
    """Erase the donor's details from declarations past their keep-until date that can cover
    no more gifts (cancelled, or for one gift only). A declaration for future gifts that was
    never cancelled stays: the donor may still give under it. The row stays, so a gift it
    covered can never be claimed again. Returns how many were (or would be) erased."""
    expired = list(
        session.scalars(
            select(GiftAidDeclaration)
            .where(
                GiftAidDeclaration.erased_at.is_(None),
                GiftAidDeclaration.keep_until < today,
                or_(
                    GiftAidDeclaration.cancelled_at.is_not(None),
                    GiftAidDeclaration.scope == DeclarationScope.THIS_GIFT,
                ),
            )
            .order_by(GiftAidDeclaration.id)
        )
    )
    if dry_run or not expired:
        return len(expired)
    now = utcnow()
    for declaration in expired:
        declaration.title = ""
        declaration.first_name = declaration.last_name = ERASED
        declaration.house = declaration.postcode = ERASED
        declaration.email = ""
        declaration.user_id = None
        declaration.erased_at = now
        audit(
            session,
            None,
            "giftaid.erase",
            declaration,
            "Erased the donor's details from a Gift Aid declaration that need not be kept",
            place=declaration.fund.place,
        )
    session.flush()
    return len(expired)


# --- Gift Aid claims -------------------------------------------------------------------------


def claimable_donations(
    session: Session, fund: Fund, from_on: dt.date, to_on: dt.date
) -> list[Donation]:
    """Gifts that can go in a claim: received between the days, kept (not all given back),
    with a declaration that covers them, from a person, with nothing in return, never claimed."""
    if not fund.holder_can_claim_gift_aid:
        return []
    claimed = select(GiftAidClaimItem.donation_id)
    stmt = (
        select(Donation)
        .join(GiftAidDeclaration, GiftAidDeclaration.id == Donation.declaration_id)
        .where(
            Donation.fund_id == fund.id,
            Donation.state == DonationState.CLEARED,
            Donation.received_on >= from_on,
            Donation.received_on <= to_on,
            Donation.from_company.is_(False),
            Donation.has_benefit.is_(False),
            Donation.id.not_in(claimed),
            GiftAidDeclaration.erased_at.is_(None),
        )
        .order_by(Donation.received_on, Donation.id)
    )
    return [d for d in session.scalars(stmt) if gift_aid_applies(d)]


def make_gift_aid_claim(
    session: Session, fund: Fund, from_on: dt.date, to_on: dt.date
) -> GiftAidClaim:
    """Put every claimable gift between the days in one claim, marked claimed in the same
    transaction. The database refuses to claim any gift twice (a UNIQUE constraint), so two
    claims made at once cannot both include it."""
    if to_on < from_on:
        raise DomainError(_("The last day must be on or after the first."))
    if not fund.holder_can_claim_gift_aid:
        raise DomainError(_("%(holder)s cannot claim Gift Aid.", holder=fund.holder_name))
    gifts = claimable_donations(session, fund, from_on, to_on)
    claim = GiftAidClaim(fund_id=fund.id, from_on=from_on, to_on=to_on)
    today = utcnow().date()
    for gift in gifts:
        amount = gift.amount_pence - gift.refunded_pence
        claim.items.append(
            GiftAidClaimItem(
                donation_id=gift.id, declaration_id=gift.declaration_id, amount_pence=amount
            )
        )
        declaration = gift.declaration
        # Records are kept for six years after the claim that used them.
        declaration.keep_until = max(declaration.keep_until, _add_years(today, RETENTION_YEARS))
    claim.total_pence = sum(item.amount_pence for item in claim.items)
    session.add(claim)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(
            _("Another claim took some of these gifts at the same moment. Try again.")
        ) from None
    audit(
        session,
        None,
        "giftaid.claim",
        claim,
        f"Gift Aid claim for {fund.name}: {len(claim.items)} gifts, {money(claim.total_pence)}",
        place=fund.place,
        from_on=from_on.isoformat(),
        to_on=to_on.isoformat(),
    )
    return claim


CLAIM_COLUMNS = (
    "Title",
    "First name",
    "Last name",
    "House name or number",
    "Postcode",
    "Aggregated donations",
    "Sponsored event",
    "Donation date",
    "Amount",
)


def claim_csv(claim: GiftAidClaim) -> str:
    """The claim schedule in the columns of HMRC's Gift Aid schedule."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CLAIM_COLUMNS)
    for item in claim.items:
        d = item.declaration
        pounds, pence = divmod(item.amount_pence, 100)
        writer.writerow(
            [
                d.title,
                d.first_name,
                d.last_name,
                d.house,
                d.postcode,
                "",
                "",
                item.donation.received_on.strftime("%d/%m/%y"),  # type: ignore[union-attr]
                f"{pounds}.{pence:02d}",
            ]
        )
    return out.getvalue()


# --- Reconciling with Stripe -----------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    reference: str
    stripe_pence: int
    ledger_pence: int
    note: str

    def __str__(self) -> str:
        return (
            f"{self.reference}: Stripe {money(self.stripe_pence)}, "
            f"ledger {money(self.ledger_pence)} ({self.note})"
        )


def _ledger_kept(donation: Donation | None) -> int:
    if donation is None or donation.income is None:
        return 0
    return donation.income.amount_pence - donation.income.refunded_pence


def reconcile(session: Session) -> list[Difference]:
    """Compare what Stripe says each card payment is worth with what the ledger holds for it;
    returns the differences (an empty list when they agree)."""
    client = stripe_client()
    differences: list[Difference] = []
    seen: set[str] = set()
    for listed in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        intent = listed.to_dict()
        seen.add(intent["id"])
        succeeded = intent.get("status") == "succeeded"
        received = int(intent.get("amount_received") or 0)
        if succeeded and not received:
            received = int(intent.get("amount") or 0)
        refunded = 0
        charge_id = _stripe_id(intent.get("latest_charge"))
        if charge_id:
            charge = client.v1.charges.retrieve(charge_id).to_dict()
            refunded = int(charge.get("amount_refunded") or 0)
            if charge.get("disputed"):
                refunded = received
        stripe_kept = received - refunded if succeeded else 0
        donation = _donation_for(session, intent)
        ledger_kept = _ledger_kept(donation)
        if donation is None and stripe_kept:
            differences.append(Difference(intent["id"], stripe_kept, 0, "no gift in the ledger"))
        elif donation is not None and stripe_kept != ledger_kept:
            differences.append(
                Difference(donation.reference, stripe_kept, ledger_kept, donation.state.value)
            )
    missing = select(Donation).where(
        Donation.method == DonationMethod.CARD,
        Donation.income_id.is_not(None),
        Donation.stripe_payment_intent_id.is_not(None),
    )
    for donation in session.scalars(missing):
        if donation.stripe_payment_intent_id not in seen and _ledger_kept(donation):
            differences.append(
                Difference(donation.reference, 0, _ledger_kept(donation), "not found at Stripe")
            )
    return differences
