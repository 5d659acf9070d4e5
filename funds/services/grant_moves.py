"""Moving a grant or an instalment along its workflow (:mod:`funds.workflow`): the group agrees,
staff approve, hold, release and pay instalments, and a grant ends. Every move goes through
:func:`transition`, which hands it to the one checked step."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds import workflow
from funds.models import (
    AccountKind,
    Grant,
    Instalment,
    Payment,
)
from funds.permissions import (
    actors_for,
)
from funds.services.bank_details import one_person_may_pay
from funds.services.ledger import account, post
from funds.workflow import (
    GrantState,
    InstalmentState,
    Needs,
)
from giving.errors import DomainError
from giving.models import User
from giving.money import format_money
from giving.moves import Move
from giving.services import locked
from giving.services.workflow import step
from giving.timeutil import utcnow

# What transition() moves, and so gives back: a grant or an instalment.
Movable = TypeVar("Movable", Grant, Instalment)


def transition(
    session: Session,
    actor: User | None,
    obj: Movable,
    action: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    paid_on: dt.date | None = None,
    reference: str | None = None,
    agreed: bool = False,
) -> Movable:
    """Move a grant or an instalment along its workflow: the only way either state changes.

    The row is locked first, so two people acting at once cannot both pay the same instalment.
    The checked step (:func:`giving.services.workflow.step`) then looks the move up in
    :data:`funds.workflow.GRANT` or :data:`funds.workflow.INSTALMENT`, checks who is asking and
    what the move needs, makes it with its ledger entries, and writes the audit entry."""
    if isinstance(obj, Instalment):
        instalment = locked(session, Instalment, obj.id)
        return _move_instalment(
            session, actor, instalment, action, reason=reason, paid_on=paid_on, reference=reference
        )
    grant = locked(session, Grant, obj.id)
    return _move_grant(session, actor, grant, action, note=note, agreed=agreed)


def _check_needs(
    move: Move,
    *,
    reason: str | None = None,
    note: str | None = None,
    agreed: bool = False,
    paid_on: dt.date | None = None,
    reference: str | None = None,
) -> None:
    """Refuse a move that lacks what it needs (see :class:`funds.workflow.Needs`)."""
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


def _move_grant(
    session: Session,
    actor: User | None,
    grant: Grant,
    action: str,
    *,
    note: str | None,
    agreed: bool,
) -> Grant:
    def check(move: Move) -> None:
        _check_needs(move, note=note, agreed=agreed)

    def apply(move: Move) -> dict[str, Any]:
        now = utcnow()
        details: dict[str, Any] = {}
        if action == "accept":
            grant.accepted_at = now
            grant.accepted_by_id = actor.id if actor is not None else None
        if action in ("close", "withdraw"):
            for instalment in grant.instalments:
                if instalment.state in workflow.OWED_STATES:
                    transition(session, actor, instalment, "cancel")
            grant.closing_note = (note or "").strip()
            grant.ended_at = now
            details["note"] = grant.closing_note
        grant.updated_at = now
        return details

    step(
        session,
        actor,
        grant,
        workflow.GRANT,
        action,
        actors_for(session, actor, grant),
        place=grant.fund.place,
        summary=lambda move: f"{grant.group.name}: grant {move.source.label} → {move.target.label}",
        check=check,
        apply=apply,
    )
    return grant


def _move_instalment(
    session: Session,
    actor: User | None,
    instalment: Instalment,
    action: str,
    *,
    reason: str | None,
    paid_on: dt.date | None,
    reference: str | None,
) -> Instalment:
    grant = instalment.grant
    fund = grant.fund
    if instalment.state == InstalmentState.PAID and action == "pay":
        raise DomainError(_("This payment has already been made. Nothing was changed."))

    def check(move: Move) -> None:
        if action != "cancel" and grant.state != GrantState.ACTIVE:
            raise DomainError(
                _("Payments can only be made once the group has agreed to the grant.")
            )
        _check_needs(move, reason=reason, paid_on=paid_on, reference=reference)

    def apply(move: Move) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if action == "pay":
            bank_reference = (reference or "").strip()
            assert paid_on is not None  # check() refuses a payment without the day it was paid
            _pay(session, actor, instalment, paid_on, bank_reference)
            details.update(amount_pence=instalment.amount_pence, reference=bank_reference)
        elif action == "cancel":
            post(
                session,
                actor,
                fund,
                "release",
                [
                    (account(session, fund, AccountKind.PAYABLE), instalment.amount_pence),
                    (account(session, fund, AccountKind.GRANTS), -instalment.amount_pence),
                ],
                memo=f"Not paid: {grant.group.name} payment {instalment.number}",
                grant=grant,
            )
            details["amount_pence"] = instalment.amount_pence
        if action == "hold":
            instalment.held_reason = (reason or "").strip()
            details["reason"] = instalment.held_reason
        elif move.target != InstalmentState.HELD:
            instalment.held_reason = ""
        instalment.updated_at = utcnow()
        return details

    def summary(move: Move) -> str:
        return (
            f"{grant.group.name}: payment {instalment.number} "
            f"({format_money(instalment.amount_pence)}) {move.source.label} → {move.target.label}"
        )

    step(
        session,
        actor,
        instalment,
        workflow.INSTALMENT,
        action,
        actors_for(session, actor, grant),
        place=fund.place,
        summary=summary,
        check=check,
        apply=apply,
    )
    return instalment


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
    return transition(session, actor, grant, "accept", agreed=agreed)


def end_grant(session: Session, actor: User, grant: Grant, note: str) -> Grant:
    """Close an agreed grant, or take back an offer not yet agreed; what was not paid is no
    longer owed."""
    action = "withdraw" if grant.state == GrantState.OFFERED else "close"
    return transition(session, actor, grant, action, note=note)


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
    """Staff move one instalment on the grant's page. Recording a single payment as paid is one
    person's act, so a fund whose payment settings need two people refuses it: its payments are
    recorded through a payment run that someone else approves."""
    if action == "cancel":
        raise DomainError(_("Payments are cancelled only when the grant ends."))
    if action == "pay" and not one_person_may_pay(session, instalment.grant.fund):
        raise DomainError(
            _(
                "This fund needs two people to pay: put this payment in a payment run, and "
                "someone else approves it. Nothing was changed."
            ),
            field="paid_on",
        )
    return transition(
        session, actor, instalment, action, reason=reason, paid_on=paid_on, reference=reference
    )
