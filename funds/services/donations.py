"""Gifts to a fund: Gift Aid declarations, a gift about to be paid online, and the donor's lists.

Card details never come here: Stripe takes them, and tells us what happened through its events
(:mod:`funds.services.stripe_events`)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from funds.models import (
    DeclarationScope,
    Donation,
    DonationKind,
    DonationMethod,
    Fund,
    GiftAidDeclaration,
    RegularGift,
)
from funds.permissions import (
    can_see_declaration,
    signed_in,
)
from funds.services.ledger import is_pence
from funds.workflow import (
    DonationState,
    RegularGiftState,
)
from giving.errors import DomainError, NotAllowed
from giving.models import User
from giving.money import format_money
from giving.services import audit, find_one, newest_first, normalise_postcode
from giving.timeutil import utcnow

if TYPE_CHECKING:
    import stripe

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
    return GIFT_AID_WORDING[scope].format(
        amount=format_money(amount_pence), holder=fund.holder_name
    )


def online_giving_ready() -> bool:
    """Online giving needs Stripe keys; without them, the giving page says so."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def stripe_client() -> stripe.StripeClient:
    """The Stripe client for this app (pointed at localstripe in tests by STRIPE_API_BASE)."""
    import stripe

    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise DomainError(_("Online giving is not set up yet."))
    base = config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=0 if base else 2,
    )


def new_reference() -> str:
    return secrets.token_urlsafe(18)


def add_years(day: dt.date, years: int) -> dt.date:
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
        user_id=user.id if signed_in(user) else None,
        email=email,
        scope=details.scope,
        wording=gift_aid_wording(fund, details.scope, amount_pence),
        made_at=now,
        keep_until=add_years(now.date(), RETENTION_YEARS),
        **clean,
    )
    session.add(declaration)
    session.flush()
    return declaration


def live_declaration(session: Session, fund: Fund, email: str) -> GiftAidDeclaration | None:
    """A donor's declaration for this and future gifts to the fund, if not cancelled."""
    return session.scalar(
        newest_first(
            GiftAidDeclaration,
            GiftAidDeclaration.cancelled_at.is_(None),
            fund_id=fund.id,
            email=email,
            scope=DeclarationScope.THIS_AND_FUTURE,
        ).limit(1)
    )


def live_declarations(session: Session, fund: Fund, limit: int = 50) -> list[GiftAidDeclaration]:
    """The fund's Gift Aid declarations that still cover gifts, newest first."""
    stmt = newest_first(
        GiftAidDeclaration, GiftAidDeclaration.cancelled_at.is_(None), fund_id=fund.id
    )
    return list(session.scalars(stmt.limit(limit)))


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


def check_donor(name: str, email: str, postcode: str | None) -> tuple[str, str, str | None]:
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


def check_amount(amount_pence: int | None, field: str = "amount_pence") -> int:
    if amount_pence is None or not is_pence(amount_pence) or amount_pence < MIN_GIFT_PENCE:
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
    amount = check_amount(amount_pence)
    if amount > MAX_GIFT_PENCE:
        raise DomainError(
            _("For gifts over %(max)s, please contact us first.", max=format_money(MAX_GIFT_PENCE)),
            field="amount_pence",
        )
    name, email, clean_postcode = check_donor(donor_name, donor_email, postcode)
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
        "reference": new_reference(),
        "fund": fund,
        "user_id": actor.id if signed_in(actor) else None,
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
    found: Donation | RegularGift | None = find_one(session, Donation, reference=reference)
    if found is None:
        found = find_one(session, RegularGift, reference=reference)
    return found


def donations_stmt(fund: Fund) -> Select:
    return newest_first(Donation, fund_id=fund.id)


def donations_for_user_stmt(user: User) -> Select:
    return newest_first(Donation, Donation.state != DonationState.PENDING, user_id=user.id).options(
        joinedload(Donation.fund)
    )


def regular_gifts_for_user(session: Session, user: User) -> list[RegularGift]:
    stmt = newest_first(RegularGift, RegularGift.state != RegularGiftState.PENDING, user_id=user.id)
    return list(session.scalars(stmt.options(joinedload(RegularGift.fund))))


def declarations_for_user(session: Session, user: User) -> list[GiftAidDeclaration]:
    mine = (GiftAidDeclaration.user_id == user.id) | (GiftAidDeclaration.email == user.email)
    stmt = newest_first(GiftAidDeclaration, mine).options(joinedload(GiftAidDeclaration.fund))
    return list(session.scalars(stmt))


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
