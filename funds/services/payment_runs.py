"""Payment runs: what is ready to pay on a day, the file for the bank, and recording it paid."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from funds import banking
from funds.bank_files import BankLine, StatementLine, bacs_file, csv_file, read_statement, sha256
from funds.models import (
    BankDetailsState,
    Fund,
    Grant,
    GroupBankDetails,
    Instalment,
    PaymentRun,
    PaymentRunItem,
    RunState,
)
from funds.permissions import (
    require_manager,
)
from funds.services.bank_details import bank_details_of, fund_banking_of, one_person_may_pay
from funds.services.grant_moves import transition
from funds.services.ledger import decimal_pounds
from funds.workflow import (
    GrantState,
    InstalmentState,
)
from giving.errors import DomainError
from giving.exports import formula_safe_writer
from giving.models import User
from giving.services import audit, locked
from giving.timeutil import format_date, to_london, utcnow


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
        .options(joinedload(Instalment.grant).joinedload(Grant.group))
    )
    return list(session.scalars(stmt))


def run_reference(fund: Fund, on: dt.date, instalment: Instalment) -> str:
    """What the bank shows the group: short, and the same every time."""
    return f"PF{fund.id}-G{instalment.grant_id}-{instalment.number}"


def payment_run_csv(fund: Fund, on: dt.date, instalments: Sequence[Instalment], prefix: str) -> str:
    """The payment run as a CSV file for the bank: who, how much, and the reference. Names
    that a spreadsheet would read as a formula are written as text; amounts stay numbers."""
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(
        ["Payee", "Payee identifier", "Amount (GBP)", "Reference", "Due date", "Grant", "Payment"]
    )
    for inst in instalments:
        writer.writerow(
            [
                inst.grant.group.name,
                inst.grant.group.org_id(prefix),
                Decimal(decimal_pounds(inst.amount_pence)),
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
    """Record every payment in the run for ``on`` as paid on ``paid_on``: by one person, so
    only where the fund lets one person pay (otherwise payments go through a payment run that
    someone else approves)."""
    require_manager(session, actor, fund)
    if not one_person_may_pay(session, fund):
        raise DomainError(
            _(
                "This fund needs two people to pay: prepare a payment run below, and someone "
                "else approves it."
            ),
            field="paid_on",
        )
    items = payment_run(session, fund, on)
    if not items:
        raise DomainError(_("There is nothing ready to pay on or before that day."))
    for inst in items:
        transition(
            session, actor, inst, "pay", paid_on=paid_on, reference=run_reference(fund, on, inst)
        )
    return items


# --- Payment runs prepared by one person and approved by another -----------------------------


@dataclass(frozen=True)
class LeftOut:
    """A payment that is due but cannot go in a run yet, and why (said to the fund's team)."""

    instalment: Instalment
    reason: str


def runnable(session: Session, fund: Fund, on: dt.date) -> tuple[list[Instalment], list[LeftOut]]:
    """The payments a new run for ``on`` would hold, and those left out with the reason: ones
    already in a run, and ones to groups without confirmed bank details."""
    in_runs = set(session.scalars(select(PaymentRunItem.instalment_id)))
    due = [inst for inst in payment_run(session, fund, on) if inst.id not in in_runs]
    group_ids = {inst.grant.group_id for inst in due}
    details = {
        d.group_id: d
        for d in session.scalars(
            select(GroupBankDetails).where(GroupBankDetails.group_id.in_(group_ids))
        )
    }
    ready: list[Instalment] = []
    left: list[LeftOut] = []
    for inst in due:
        found = details.get(inst.grant.group_id)
        if found is None:
            left.append(LeftOut(inst, _("The group has not given its bank details yet.")))
        elif found.state != BankDetailsState.CONFIRMED:
            left.append(
                LeftOut(
                    inst,
                    _(
                        "The group's bank details changed on %(day)s. Check them with the "
                        "group and confirm them first.",
                        day=format_date(to_london(found.changed_at).date()),
                    ),
                )
            )
        else:
            ready.append(inst)
    return ready, left


def payment_runs_of(session: Session, fund: Fund) -> list[PaymentRun]:
    return list(
        session.scalars(
            select(PaymentRun).where(PaymentRun.fund_id == fund.id).order_by(PaymentRun.id.desc())
        )
    )


def prepare_run(session: Session, actor: User, fund: Fund, on: dt.date) -> PaymentRun:
    """Gather what is ready to pay on or before ``on`` into a run for someone else to approve."""
    require_manager(session, actor, fund)
    settings = fund_banking_of(session, fund)
    if settings is None:
        raise DomainError(_("Add the fund's own bank account first: payments come from it."))
    ready, _left = runnable(session, fund, on)
    if not ready:
        raise DomainError(_("No payment can go in a run on or before that day."))
    run = PaymentRun(
        fund_id=fund.id,
        due_on=on,
        payment_count=len(ready),
        total_pence=sum(inst.amount_pence for inst in ready),
        one_person_allowed=settings.allow_one_person,
        prepared_by_id=actor.id,
        prepared_at=utcnow(),
    )
    run.items = [
        PaymentRunItem(
            instalment_id=inst.id,
            amount_pence=inst.amount_pence,
            reference=run_reference(fund, on, inst)[:18],
        )
        for inst in ready
    ]
    session.add(run)
    session.flush()
    audit(
        session,
        actor,
        "payment_run.prepare",
        run,
        f"Payment run prepared: {run.payment_count} payments, {decimal_pounds(run.total_pence)}",
        fund.place,
        count=run.payment_count,
        total_pence=run.total_pence,
    )
    return run


def _bank_lines(session: Session, run: PaymentRun) -> list[BankLine]:
    """Each payment with the group's account; refused if anything changed since preparing."""
    lines = []
    for item in run.items:
        inst = item.instalment
        group = inst.grant.group
        if inst.state != InstalmentState.APPROVED:
            raise DomainError(
                _(
                    "Payment %(number)d to %(group)s is no longer ready to pay. Make a new run.",
                    number=inst.number,
                    group=group.name,
                )
            )
        details = bank_details_of(session, group)
        if (
            details is None
            or details.state != BankDetailsState.CONFIRMED
            or details.changed_at > run.prepared_at
        ):
            raise DomainError(
                _(
                    "The bank details of %(group)s changed after this run was prepared. "
                    "Nothing was approved.",
                    group=group.name,
                )
            )
        lines.append(
            BankLine(
                banking.decrypt(details.sort_code_secret),
                banking.decrypt(details.account_number_secret),
                details.account_name,
                item.amount_pence,
                item.reference,
            )
        )
    return lines


def may_approve(run: PaymentRun, user: User) -> bool:
    """Whether ``user`` (one of the fund's team) may approve the run: not the person who
    prepared it, unless the fund lets one person do both."""
    if run.state != RunState.PREPARED:
        return False
    return run.prepared_by_id != user.id or run.one_person_allowed


def approve_run(session: Session, actor: User, run: PaymentRun) -> PaymentRun:
    """A second person approves the run: its files for the bank are made and kept."""
    run = locked(session, PaymentRun, run.id)
    fund = run.fund
    require_manager(session, actor, fund)
    if run.state != RunState.PREPARED:
        raise DomainError(_("This payment run is approved already."))
    if not may_approve(run, actor):
        raise DomainError(_("Someone else must approve a payment run you prepared."))
    settings = fund_banking_of(session, fund)
    if settings is None:
        raise DomainError(_("Add the fund's own bank account first: payments come from it."))
    lines = _bank_lines(session, run)
    bacs = bacs_file(
        lines,
        banking.decrypt(settings.sort_code_secret),
        banking.decrypt(settings.account_number_secret),
        settings.account_name,
    )
    run.bacs_secret = banking.encrypt(bacs)
    run.csv_secret = banking.encrypt(csv_file(lines))
    run.file_sha256 = sha256(bacs)
    run.state = RunState.APPROVED
    run.approved_by_id = actor.id
    run.approved_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "payment_run.approve",
        run,
        f"Payment run approved: {run.payment_count} payments, {decimal_pounds(run.total_pence)}",
        fund.place,
        sha256=run.file_sha256,
    )
    return run


def discard_run(session: Session, actor: User, run: PaymentRun) -> int:
    """Throw away a prepared run before anyone approves it: its payments are ready to go in a
    new run again. Gives back the run's id; the audit entry keeps what it held."""
    run = locked(session, PaymentRun, run.id)
    fund = run.fund
    require_manager(session, actor, fund)
    if run.state != RunState.PREPARED:
        raise DomainError(_("This payment run is approved already, so it cannot be thrown away."))
    run_id = run.id
    instalment_ids = [item.instalment_id for item in run.items]
    audit(
        session,
        actor,
        "payment_run.discard",
        run,
        f"Payment run {run_id} thrown away: {run.payment_count} payments, "
        f"{decimal_pounds(run.total_pence)} ready for a new run",
        fund.place,
        count=run.payment_count,
        total_pence=run.total_pence,
        instalment_ids=instalment_ids,
    )
    session.delete(run)
    session.flush()
    return run_id


def run_file(run: PaymentRun, kind: str) -> str:
    """The approved run's file for the bank: ``bacs`` or ``csv``."""
    if run.state != RunState.APPROVED or not run.bacs_secret or not run.csv_secret:
        raise DomainError(_("The files for the bank are made when the run is approved."))
    return banking.decrypt(run.bacs_secret if kind == "bacs" else run.csv_secret)


@dataclass
class Reconciled:
    """What a statement matched: payments now recorded as paid, ones recorded before, lines of
    the statement that matched nothing, and payments in the run still not seen."""

    paid: list[PaymentRunItem] = field(default_factory=list)
    paid_before: list[PaymentRunItem] = field(default_factory=list)
    unmatched_lines: list[StatementLine] = field(default_factory=list)
    unpaid: list[PaymentRunItem] = field(default_factory=list)


def _mentions(description: str, reference: str) -> bool:
    pattern = rf"(?<![A-Z0-9]){re.escape(reference.upper())}(?![A-Z0-9])"
    return re.search(pattern, description.upper()) is not None


def import_statement(session: Session, actor: User, run: PaymentRun, data: bytes) -> Reconciled:
    """Match the bank's statement to the run by reference and amount; record matched payments
    as paid (on the statement's day, through the instalment's own move, which posts to the
    ledger) and list the rest."""
    require_manager(session, actor, run.fund)
    if run.state != RunState.APPROVED:
        raise DomainError(_("Approve the run before matching the bank's statement."), field="file")
    lines = read_statement(data)
    result = Reconciled()
    waiting = list(run.items)
    for line in lines:
        found = next(
            (
                item
                for item in waiting
                if item.amount_pence == line.amount_pence
                and _mentions(line.description, item.reference)
            ),
            None,
        )
        if found is None:
            result.unmatched_lines.append(line)
            continue
        waiting.remove(found)
        if found.instalment.state == InstalmentState.PAID:
            result.paid_before.append(found)
            continue
        transition(
            session, actor, found.instalment, "pay", paid_on=line.on, reference=found.reference
        )
        result.paid.append(found)
    result.unpaid = [item for item in waiting if item.instalment.state != InstalmentState.PAID]
    audit(
        session,
        actor,
        "payment_run.statement",
        run,
        f"Bank statement matched: {len(result.paid)} paid, {len(result.unmatched_lines)} lines"
        " not matched",
        run.fund.place,
        paid=len(result.paid),
        not_matched=len(result.unmatched_lines),
    )
    return result
