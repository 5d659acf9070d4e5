"""Gift Aid claims: the gifts that can be claimed, one claim that takes them, and HMRC's
schedule."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import (
    Donation,
    Fund,
    GiftAidClaim,
    GiftAidClaimItem,
    GiftAidDeclaration,
)
from funds.services.donations import RETENTION_YEARS, add_years
from funds.services.gift_ledger import gift_aid_applies
from funds.services.ledger import decimal_pounds
from funds.workflow import (
    DonationState,
)
from giving.errors import DomainError
from giving.exports import formula_safe_writer
from giving.models import User
from giving.money import format_money
from giving.progress import Progress, quietly
from giving.services import audit, flush_or_refuse
from giving.timeutil import utcnow


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
    session: Session,
    fund: Fund,
    from_on: dt.date,
    to_on: dt.date,
    progress: Progress = quietly,
    actor: User | None = None,
) -> GiftAidClaim:
    """Put every claimable gift between the days in one claim, marked claimed in the same
    transaction. The database refuses to claim any gift twice (a UNIQUE constraint), so two
    claims made at once cannot both include it. ``progress`` hears how many gifts are in."""
    if to_on < from_on:
        raise DomainError(_("The last day must be on or after the first."))
    if not fund.holder_can_claim_gift_aid:
        raise DomainError(_("%(holder)s cannot claim Gift Aid.", holder=fund.holder_name))
    gifts = claimable_donations(session, fund, from_on, to_on)
    claim = GiftAidClaim(fund_id=fund.id, from_on=from_on, to_on=to_on)
    today = utcnow().date()
    progress(0, len(gifts))
    for number, gift in enumerate(gifts, 1):
        amount = gift.amount_pence - gift.refunded_pence
        claim.items.append(
            GiftAidClaimItem(
                donation_id=gift.id, declaration_id=gift.declaration_id, amount_pence=amount
            )
        )
        declaration = gift.declaration
        assert declaration is not None  # only gifts with a declaration can be claimed
        # Records are kept for six years after the claim that used them.
        declaration.keep_until = max(declaration.keep_until, add_years(today, RETENTION_YEARS))
        progress(number, len(gifts))
    claim.total_pence = sum(item.amount_pence for item in claim.items)
    taken = _("Another claim took some of these gifts at the same moment. Try again.")
    flush_or_refuse(session, taken, claim)
    audit(
        session,
        actor,
        "giftaid.claim",
        claim,
        f"Gift Aid claim for {fund.name}: {len(claim.items)} gifts, "
        f"{format_money(claim.total_pence)}",
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


def claim_csv(claim: GiftAidClaim, progress: Progress = quietly) -> str:
    """The claim schedule in the columns of HMRC's Gift Aid schedule. Names and addresses
    that a spreadsheet would read as a formula are written as text; amounts stay numbers.
    ``progress`` hears how many rows are written."""
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(CLAIM_COLUMNS)
    items = claim.items
    progress(0, len(items))
    for number, item in enumerate(items, 1):
        d = item.declaration
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
                Decimal(decimal_pounds(item.amount_pence)),
            ]
        )
        progress(number, len(items))
    return out.getvalue()
