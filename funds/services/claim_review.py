"""What a Gift Aid claim between two days would take, before anything is claimed: the gifts
with Gift Aid, the small cash and contactless gifts claimed under the Gift Aid Small Donations
Scheme (GASDS), and every other gift in those days left out, each with its reason.

HMRC counts Gift Aid and GASDS by tax year (6 April to 5 April), not by the fund's financial
year. In each tax year the small donations claimed are never more than HMRC's yearly cap, nor
more than ten times the Gift Aid gifts claimed for the same year, for the charity that holds
the fund (every fund with the same charity number counts together)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from funds.models import (
    Donation,
    DonationMethod,
    Fund,
    GiftAidClaim,
    GiftAidClaimItem,
    GiftAidDeclaration,
    GiftAidSmallDonation,
)
from funds.permissions import require_manager
from funds.services.gift_ledger import gift_aid_applies
from funds.workflow import DonationState
from giving.errors import DomainError
from giving.models import User
from giving.money import format_money
from giving.timeutil import format_date

# Gifts the Small Donations Scheme can take: money handed over, not sent.
SMALL_DONATION_METHODS = (DonationMethod.CASH, DonationMethod.CONTACTLESS)
# Gift Aid is worth 25p for every £1 given (basic rate tax of 20% on the gross gift).
GIFT_AID_PERCENT = 25


@dataclass(frozen=True)
class ClaimLimits:
    """HMRC's limits, in pence (settings, as HMRC changes them)."""

    aggregate_max_pence: int = 2_000
    aggregate_line_max_pence: int = 100_000
    small_gift_max_pence: int = 3_000
    small_year_cap_pence: int = 800_000
    matching_times: int = 10

    @classmethod
    def from_config(cls) -> ClaimLimits:
        config = current_app.config
        return cls(
            aggregate_max_pence=int(config["GIFT_AID_AGGREGATE_MAX_PENCE"]),
            aggregate_line_max_pence=int(config["GIFT_AID_AGGREGATE_LINE_MAX_PENCE"]),
            small_gift_max_pence=int(config["GASDS_GIFT_MAX_PENCE"]),
            small_year_cap_pence=int(config["GASDS_YEAR_CAP_PENCE"]),
            matching_times=int(config["GASDS_MATCHING_TIMES"]),
        )


def tax_year(day: dt.date) -> int:
    """The HMRC tax year a day falls in, named by the year it starts (6 April)."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_label(start_year: int) -> str:
    """'6 April 2026 to 5 April 2027' for the tax year starting in 2026."""
    return _(
        "%(first)s to %(last)s",
        first=format_date(dt.date(start_year, 4, 6)),
        last=format_date(dt.date(start_year + 1, 4, 5)),
    )


def net_pence(gift: Donation) -> int:
    """What the fund kept of a gift."""
    return gift.amount_pence - gift.refunded_pence


@dataclass(frozen=True)
class Exclusion:
    """A gift in the days that the claim leaves out, and why, in plain words."""

    donation: Donation
    reason: str


@dataclass(frozen=True)
class SmallGift:
    """A small cash or contactless gift the claim takes under GASDS."""

    donation: Donation
    tax_year: int
    amount_pence: int


@dataclass
class TaxYearFigures:
    """One tax year's small donations: what Gift Aid allows, what was claimed before, and
    what this claim adds."""

    tax_year: int
    gift_aid_pence: int  # Gift Aid gifts of the year: earlier claims and this one
    small_before_pence: int  # small donations of the year in earlier claims
    small_pence: int = 0  # small donations of the year in this claim

    @property
    def label(self) -> str:
        return tax_year_label(self.tax_year)


@dataclass
class ClaimReview:
    fund: Fund
    from_on: dt.date
    to_on: dt.date
    gifts: list[Donation]
    small: list[SmallGift] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    years: list[TaxYearFigures] = field(default_factory=list)
    limits: ClaimLimits = field(default_factory=ClaimLimits)

    @property
    def total_pence(self) -> int:
        return sum(net_pence(g) for g in self.gifts)

    @property
    def small_total_pence(self) -> int:
        return sum(s.amount_pence for s in self.small)

    @property
    def gift_aid_due_pence(self) -> int:
        """What HMRC pays on the gifts with Gift Aid and the small donations together."""
        return (self.total_pence + self.small_total_pence) * GIFT_AID_PERCENT // 100

    @property
    def empty(self) -> bool:
        return not self.gifts and not self.small


def claimable_donations(
    session: Session, fund: Fund, from_on: dt.date, to_on: dt.date
) -> list[Donation]:
    """Gifts that can go in a claim with Gift Aid: received between the days, kept (not all
    given back), with a declaration that covers them, from a person, with nothing in return,
    never claimed."""
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
        .options(contains_eager(Donation.declaration))
    )
    return [d for d in session.scalars(stmt) if gift_aid_applies(d)]


def _why_not(gift: Donation, claimed: set[int], small_claimed: set[int]) -> str | None:
    """Why a gift can go in neither part of the claim; None when it may be a small
    donation."""
    if gift.id in claimed:
        return _("It is already in an earlier Gift Aid claim.")
    if gift.id in small_claimed:
        return _("It is already in an earlier claim as a small donation.")
    reasons = {
        DonationState.PENDING: _("The money has not arrived yet."),
        DonationState.FAILED: _("The payment did not go through."),
        DonationState.REFUNDED: _("All of it was given back."),
        DonationState.DISPUTED: _("The giver's bank took it back."),
    }
    if gift.state in reasons:
        return reasons[gift.state]
    if gift.from_company:
        return _("It came from a company. Gift Aid is only for gifts from people.")
    if gift.has_benefit:
        return _("The giver got something back for it.")
    return None


def _no_declaration_reason(gift: Donation, limits: ClaimLimits) -> str:
    declaration = gift.declaration
    if declaration is not None and declaration.erased_at is not None:
        return _("The giver's Gift Aid details were erased.")
    if declaration is not None:
        return _("The giver's Gift Aid declaration was cancelled before this gift.")
    if gift.method in SMALL_DONATION_METHODS:
        return _(
            "No Gift Aid declaration covers it, and it is over %(limit)s, so it is not a "
            "small donation.",
            limit=format_money(limits.small_gift_max_pence),
        )
    return _(
        "No Gift Aid declaration covers it. Small donations without one must be cash or "
        "contactless."
    )


def _charity_fund_ids(session: Session, fund: Fund) -> list[int]:
    """The funds whose gifts count with this one's towards HMRC's limits: every fund held by
    the same registered charity."""
    if not fund.holder_charity_number:
        return [fund.id]
    same = select(Fund.id).where(Fund.holder_charity_number == fund.holder_charity_number)
    return list(session.scalars(same))


def _year_days(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 6), dt.date(year + 1, 4, 5)


def _year_figures(
    session: Session, fund_ids: Sequence[int], year: int, gifts: Sequence[Donation]
) -> TaxYearFigures:
    first, last = _year_days(year)
    gift_aid_before = select(func.coalesce(func.sum(GiftAidClaimItem.amount_pence), 0)).where(
        GiftAidClaimItem.claim_id.in_(
            select(GiftAidClaim.id).where(GiftAidClaim.fund_id.in_(fund_ids))
        ),
        GiftAidClaimItem.donation_id.in_(
            select(Donation.id).where(Donation.received_on.between(first, last))
        ),
    )
    small_before = select(func.coalesce(func.sum(GiftAidSmallDonation.amount_pence), 0)).where(
        GiftAidSmallDonation.tax_year == year,
        GiftAidSmallDonation.claim_id.in_(
            select(GiftAidClaim.id).where(GiftAidClaim.fund_id.in_(fund_ids))
        ),
    )
    now = sum(net_pence(g) for g in gifts if g.received_on and tax_year(g.received_on) == year)
    return TaxYearFigures(
        tax_year=year,
        gift_aid_pence=int(session.scalar(gift_aid_before) or 0) + now,
        small_before_pence=int(session.scalar(small_before) or 0),
    )


def _take_small(
    session: Session, review: ClaimReview, candidates: list[Donation], limits: ClaimLimits
) -> None:
    """Take small donations in the order they came, year by year, while they fit under the
    yearly cap and ten times the year's Gift Aid; any that do not fit are left out, saying
    which limit they met (they can go in a later claim if Gift Aid grows)."""
    fund_ids = _charity_fund_ids(session, review.fund)
    by_year: dict[int, list[Donation]] = defaultdict(list)
    for gift in candidates:
        assert gift.received_on is not None
        by_year[tax_year(gift.received_on)].append(gift)
    for year in sorted(by_year):
        figures = _year_figures(session, fund_ids, year, review.gifts)
        review.years.append(figures)
        cap_room = limits.small_year_cap_pence - figures.small_before_pence
        matching_room = limits.matching_times * figures.gift_aid_pence - figures.small_before_pence
        for gift in by_year[year]:
            amount = net_pence(gift)
            if figures.small_pence + amount > cap_room:
                reason = _(
                    "It would take the small donations of the tax year %(year)s over HMRC's "
                    "limit of %(cap)s.",
                    year=figures.label,
                    cap=format_money(limits.small_year_cap_pence),
                )
            elif figures.small_pence + amount > matching_room:
                reason = _(
                    "Small donations can be at most %(times)d times the Gift Aid gifts claimed "
                    "for the same tax year. Gift Aid gifts for %(year)s come to %(gift_aid)s.",
                    times=limits.matching_times,
                    year=figures.label,
                    gift_aid=format_money(figures.gift_aid_pence),
                )
            else:
                figures.small_pence += amount
                review.small.append(SmallGift(gift, year, amount))
                continue
            review.excluded.append(Exclusion(gift, reason))


def review_claim(
    session: Session,
    fund: Fund,
    from_on: dt.date,
    to_on: dt.date,
    limits: ClaimLimits | None = None,
) -> ClaimReview:
    """Every gift received between the days, sorted into the claim's Gift Aid gifts, its
    small donations, and the gifts it leaves out with their reasons."""
    limits = limits or ClaimLimits.from_config()
    gifts = claimable_donations(session, fund, from_on, to_on)
    review = ClaimReview(fund, from_on, to_on, gifts, limits=limits)
    taken = {g.id for g in gifts}
    in_days = select(Donation).where(
        Donation.fund_id == fund.id,
        Donation.received_on >= from_on,
        Donation.received_on <= to_on,
    )
    in_days = in_days.options(selectinload(Donation.declaration))
    ordered = session.scalars(in_days.order_by(Donation.received_on, Donation.id))
    others = [g for g in ordered if g.id not in taken]
    ids = [g.id for g in others]
    claimed = set(
        session.scalars(
            select(GiftAidClaimItem.donation_id).where(GiftAidClaimItem.donation_id.in_(ids))
        )
    )
    small_claimed = set(
        session.scalars(
            select(GiftAidSmallDonation.donation_id).where(
                GiftAidSmallDonation.donation_id.in_(ids)
            )
        )
    )
    candidates: list[Donation] = []
    for gift in others:
        reason = _why_not(gift, claimed, small_claimed)
        small = (
            gift.method in SMALL_DONATION_METHODS
            and net_pence(gift) <= limits.small_gift_max_pence
            and fund.holder_can_claim_gift_aid
        )
        if reason is None and small:
            candidates.append(gift)
            continue
        review.excluded.append(Exclusion(gift, reason or _no_declaration_reason(gift, limits)))
    _take_small(session, review, candidates, limits)
    review.excluded.sort(key=lambda e: (e.donation.received_on or from_on, e.donation.id))
    return review


def review_claim_for(
    session: Session, actor: User, fund: Fund, from_on: dt.date, to_on: dt.date
) -> ClaimReview:
    """The review a fund manager sees before claiming; or a refusal that names the field to
    change."""
    require_manager(session, actor, fund)
    if not fund.holder_can_claim_gift_aid:
        raise DomainError(_("%(holder)s cannot claim Gift Aid.", holder=fund.holder_name))
    if to_on < from_on:
        raise DomainError(_("The last day must be on or after the first."), field="to_on")
    review = review_claim(session, fund, from_on, to_on)
    if review.empty:
        raise DomainError(
            _("There are no gifts to claim Gift Aid on between those days."), field="from_on"
        )
    return review
