"""Payment runs: what is ready to pay on a day, the file for the bank, and recording it paid."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from funds.models import (
    Fund,
    Grant,
    Instalment,
)
from funds.permissions import (
    require_manager,
)
from funds.services.grant_moves import transition
from funds.services.ledger import decimal_pounds
from funds.workflow import (
    GrantState,
    InstalmentState,
)
from giving.errors import DomainError
from giving.exports import formula_safe_writer
from giving.models import User


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
    """Record every payment in the run for ``on`` as paid on ``paid_on``."""
    require_manager(session, actor, fund)
    items = payment_run(session, fund, on)
    if not items:
        raise DomainError(_("There is nothing ready to pay on or before that day."))
    for inst in items:
        transition(
            session, actor, inst, "pay", paid_on=paid_on, reference=run_reference(fund, on, inst)
        )
    return items
