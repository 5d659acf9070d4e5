"""Gift Aid claims: one claim that takes every gift it can (see :mod:`claim_review`), and
HMRC's schedule as CSV (the ODS file is in :mod:`claim_schedule`)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import Fund, GiftAidClaim, GiftAidClaimItem, GiftAidSmallDonation
from funds.permissions import require_manager
from funds.services.claim_review import GIFT_AID_PERCENT, ClaimLimits, review_claim, tax_year_label
from funds.services.claim_schedule import (
    CLAIM_COLUMNS,
    ODS_TYPE,
    ScheduleRow,
    claim_ods,
    schedule_rows,
)
from funds.services.donations import RETENTION_YEARS, add_years
from funds.services.ledger import decimal_pounds
from giving.errors import DomainError
from giving.exports import formula_safe_writer
from giving.models import User
from giving.money import format_money
from giving.progress import Progress, quietly
from giving.services import audit, flush_or_refuse
from giving.services.core import in_english
from giving.services.jobs import JobFile
from giving.timeutil import utcnow


def make_gift_aid_claim(
    session: Session,
    fund: Fund,
    from_on: dt.date,
    to_on: dt.date,
    progress: Progress = quietly,
    actor: User | None = None,
    limits: ClaimLimits | None = None,
) -> GiftAidClaim:
    """Put every claimable gift between the days in one claim, with the small cash and
    contactless gifts the Small Donations Scheme allows (see :mod:`claim_review`), marked
    claimed in the same transaction. The database refuses to claim any gift twice (UNIQUE
    constraints), so two claims made at once cannot both include it. ``progress`` hears how
    many gifts with Gift Aid are in."""
    if to_on < from_on:
        raise DomainError(_("The last day must be on or after the first."))
    if not fund.holder_can_claim_gift_aid:
        raise DomainError(_("%(holder)s cannot claim Gift Aid.", holder=fund.holder_name))
    review = review_claim(session, fund, from_on, to_on, limits)
    gifts = review.gifts
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
    for small in review.small:
        claim.small_donations.append(
            GiftAidSmallDonation(
                donation_id=small.donation.id,
                tax_year=small.tax_year,
                amount_pence=small.amount_pence,
            )
        )
    claim.small_donations_pence = review.small_total_pence
    taken = _("Another claim took some of these gifts at the same moment. Try again.")
    flush_or_refuse(session, taken, claim)
    with in_english():
        audit(
            session,
            actor,
            "giftaid.claim",
            claim,
            f"Gift Aid claim for {fund.name}: {len(claim.items)} gifts, "
            f"{format_money(claim.total_pence)}; {len(claim.small_donations)} small donations, "
            f"{format_money(claim.small_donations_pence)}",
            place=fund.place,
            from_on=from_on.isoformat(),
            to_on=to_on.isoformat(),
        )
    return claim


def claim_csv(
    claim: GiftAidClaim, progress: Progress = quietly, limits: ClaimLimits | None = None
) -> str:
    """The claim schedule in the columns of HMRC's Gift Aid schedule, small gifts aggregated
    as :func:`schedule_rows` says. Names and addresses that a spreadsheet would read as a
    formula are written as text; amounts stay numbers. ``progress`` hears how many rows are
    written."""
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(CLAIM_COLUMNS)
    rows = schedule_rows(claim, limits)
    progress(0, len(rows))
    for number, row in enumerate(rows, 1):
        writer.writerow(
            [
                row.title,
                row.first_name,
                row.last_name,
                row.house,
                row.postcode,
                row.aggregated,
                row.sponsored,
                row.donated_on.strftime("%d/%m/%y"),
                Decimal(decimal_pounds(row.amount_pence)),
            ]
        )
        progress(number, len(rows))
    return out.getvalue()


@dataclass(frozen=True)
class ClaimSummary:
    """A claim as its page shows it: the schedule's rows and the small donations by tax
    year, with what HMRC pays on them."""

    claim: GiftAidClaim
    rows: list[ScheduleRow]
    small_by_year: list[tuple[str, int]]

    @property
    def gift_aid_due_pence(self) -> int:
        claimed = self.claim.total_pence + self.claim.small_donations_pence
        return claimed * GIFT_AID_PERCENT // 100


def claims_of(session: Session, actor: User, fund: Fund) -> list[GiftAidClaim]:
    """The fund's claims, newest first, for its managers."""
    require_manager(session, actor, fund)
    newest = select(GiftAidClaim).where(GiftAidClaim.fund_id == fund.id)
    return list(session.scalars(newest.order_by(GiftAidClaim.id.desc()).limit(50)))


def claim_summary(session: Session, actor: User, claim: GiftAidClaim) -> ClaimSummary:
    """One claim for the fund's managers."""
    require_manager(session, actor, claim.fund)
    years: dict[int, int] = {}
    for small in claim.small_donations:
        years[small.tax_year] = years.get(small.tax_year, 0) + small.amount_pence
    by_year = [(tax_year_label(year), years[year]) for year in sorted(years)]
    return ClaimSummary(claim, schedule_rows(claim), by_year)


def claim_file(session: Session, actor: User, claim: GiftAidClaim, kind: str) -> JobFile:
    """The claim's schedule to download: ``ods`` (HMRC's spreadsheet) or ``csv``."""
    require_manager(session, actor, claim.fund)
    name = f"gift-aid-claim-{claim.fund_id}-{claim.id}"
    if kind == "ods":
        return JobFile(f"{name}.ods", ODS_TYPE, claim_ods(claim))
    return JobFile(f"{name}.csv", "text/csv; charset=utf-8", claim_csv(claim).encode("utf-8"))
