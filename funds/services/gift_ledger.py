"""Applying what we know about a gift to the ledger: its state from its facts, its income, the
match it draws, its receipt; and the gifts staff record or give back by hand."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds import workflow
from funds.models import (
    AccountKind,
    Donation,
    DonationKind,
    DonationMethod,
    Fund,
    Income,
    IncomeSource,
    MatchDraw,
    MatchPledge,
)
from funds.permissions import (
    require_manager,
)
from funds.services.donations import (
    GiftAidDetails,
    check_amount,
    live_declaration,
    make_declaration,
    new_reference,
    stripe_client,
)
from funds.services.ledger import account, post
from funds.services.receipt_links import receipt_link, receipt_number
from funds.workflow import (
    DonationState,
)
from giving.email import send_email
from giving.errors import DomainError
from giving.models import User
from giving.money import format_money
from giving.services import audit, locked, normalise_postcode, total_of
from giving.services.core import in_english
from giving.timeutil import to_london, utcnow


def _facts(donation: Donation) -> workflow.DonationFacts:
    return workflow.DonationFacts(
        amount_pence=donation.amount_pence,
        succeeded=donation.succeeded_at is not None,
        failed=donation.failed_at is not None,
        refunded_pence=donation.refunded_pence,
        disputed=donation.disputed_at is not None,
    )


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


def _record_income(session: Session, actor: User | None, donation: Donation) -> Income:
    """The gift as money into the fund: its income row and its ledger transaction."""
    fund = donation.fund
    # The day it arrived is the day on London's clocks: it decides the financial year.
    arrived = to_london(donation.succeeded_at or utcnow()).date()
    donation.received_on = donation.received_on or arrived
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
                account(session, fund, AccountKind.INCOME, IncomeSource.DONATION, donation.purpose),
                -donation.amount_pence,
            ),
        ],
        occurred_on=donation.received_on,
        memo=f"Gift from {donation.donor_name}",
        income=income,
    )
    return income


def apply_facts(session: Session, actor: User | None, donation: Donation) -> Donation:
    """Work out the donation's state from its facts, and bring the ledger (its income, and
    any match it drew) to what the fund now keeps. Safe to call any number of times."""
    facts = _facts(donation)
    before = donation.state
    donation.state = workflow.donation_state(facts)
    kept = workflow.kept_pence(facts)
    fund = donation.fund
    income = donation.income
    if income is None and kept > 0:
        income = _record_income(session, actor, donation)
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
        with in_english():
            audit(
                session,
                actor,
                "donation.state",
                donation,
                f"Gift of {format_money(donation.amount_pence)} to {fund.name}: "
                f"{donation.state.value}",
                place=fund.place,
                before=before.value if before else None,
                after=donation.state.value,
                kept_pence=kept,
            )
    _send_receipt(session, donation)
    return donation


def _send_receipt(session: Session, donation: Donation) -> None:
    """Thank the donor once, when the gift has arrived."""
    fund = donation.fund
    if (
        donation.state != DonationState.CLEARED
        or donation.receipt_sent_at is not None
        or not donation.donor_email
    ):
        return
    donation.receipt_sent_at = utcnow()
    send_email(
        donation.donor_email,
        _l("Thank you for your gift to %(fund)s", fund=fund.name),
        "donation_receipt",
        donation=donation,
        fund=fund,
        amount=format_money(donation.amount_pence),
        day=donation.received_on,
        gift_aid=gift_aid_applies(donation),
        matched=format_money(_matched(session, donation)),
        method=donation.method.label,
        number=receipt_number(donation),
        link=receipt_link(donation),
    )


def _matched(session: Session, donation: Donation) -> int:
    return total_of(session, MatchDraw.amount_pence, MatchDraw.donation_id == donation.id)


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
            pledge = locked(session, MatchPledge, draw.pledge_id)
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
        pledge = locked(session, MatchPledge, pledge_id)
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
    require_manager(session, actor, fund)
    if method == DonationMethod.CARD:
        raise DomainError(_("Card gifts are recorded by the payment service."), field="method")
    amount = check_amount(amount_pence)
    name = (donor_name or "").strip()
    if not name:
        raise DomainError(_("Enter who gave it"), field="donor_name")
    email = (donor_email or "").strip().lower()
    if email and "@" not in email:
        raise DomainError(_("Enter an email address, like name@example.org"), field="donor_email")
    clean_postcode = normalise_postcode(postcode) if postcode and postcode.strip() else None
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
            email=email or f"offline-{new_reference()}",
            user=None,
            amount_pence=amount,
        )
        clean_postcode = clean_postcode or declaration.postcode
    elif email and not from_company:
        declaration = live_declaration(session, fund, email)
    now = utcnow()
    donation = Donation(
        reference=new_reference(),
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
    _log_offline_gift(session, actor, donation)
    return apply_facts(session, actor, donation)


def _log_offline_gift(session: Session, actor: User, donation: Donation) -> None:
    """The audit entry for a gift staff recorded, in English as the log keeps it."""
    amount, method = donation.amount_pence, donation.method
    with in_english():
        audit(
            session,
            actor,
            "donation.offline",
            donation,
            f"{format_money(amount)} given to {donation.fund.name} by {method.label.lower()}",
            place=donation.fund.place,
            amount_pence=amount,
            method=method.value,
        )


def refund_donation(session: Session, actor: User, donation: Donation, reason: str) -> Donation:
    """Give a whole gift back: through Stripe for card gifts, by hand for the rest. The ledger
    and any match it drew are reversed."""
    import stripe

    require_manager(session, actor, donation.fund)
    donation = locked(session, Donation, donation.id)
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
    with in_english():
        audit(
            session,
            actor,
            "donation.refund",
            donation,
            f"Gave back {format_money(left)} to {donation.donor_name}",
            place=donation.fund.place,
            reason=reason.strip(),
        )
    return apply_facts(session, actor, donation)
