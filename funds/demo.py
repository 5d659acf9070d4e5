"""Demo data for funds: Oakbridge's community fund, its money, and grants (safe to run twice).

Run after :func:`giving.demo.load`. Awards already made in Oakbridge's rounds become grants;
a partner grant made outside any round shows a grant that is agreed and partly paid.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from funds import services
from funds.models import DonationMethod, Fund, FundRound, Grant, IncomeSource, MatchPledge
from funds.schedule import Frequency
from funds.workflow import GrantState, InstalmentState
from giving.demo import DEMO_PASSWORD, demo_manager, demo_place
from giving.models import Group, Place, Role, RoleGrant, Round, User
from giving.services import find_one, hash_password
from giving.timeutil import financial_year, utcnow

FUND_NAME = "Oakbridge Community Fund"
PARTNER_GROUP = "Riverside Men's Shed"
QUESTIONS = [
    "What went well this year?",
    "What was hard?",
    "Is there anything we could do differently to help?",
]


def load(session: Session) -> bool:
    """Add the fund and its grants; returns False when there was nothing new to add."""
    place = demo_place(session)
    manager = demo_manager(session)
    if place is None or manager is None:
        return False
    changed = False
    fund = find_one(session, Fund, place_id=place.id, name=FUND_NAME)
    today = utcnow().date()
    year_start = dt.date(financial_year(today), 4, 1)
    if fund is None:
        changed = True
        fund = _new_fund(session, manager, place, today, year_start)
    changed = _link_rounds(session, manager, place, fund) or changed
    session.flush()
    changed = _grant_awards(session, manager, fund, today) or changed
    session.flush()
    changed = _giving(session, manager, fund, today) or changed
    changed = _banking(session, manager, place, fund) or changed
    return changed


FINANCE_EMAIL = "finance@demo.placefund.org"


def _banking(session: Session, manager: User, place: Place, fund: Fund) -> bool:
    """A second fund manager (payment runs need two people), the fund's own account, and
    checked bank details for every group with a lead member (made-up numbers)."""
    if find_one(session, User, email=FINANCE_EMAIL) is not None:
        return False
    finance = User(
        email=FINANCE_EMAIL,
        name="Femi Adeyemi",
        password_hash=hash_password(DEMO_PASSWORD),
        email_confirmed_at=utcnow(),
    )
    session.add(finance)
    session.add(RoleGrant(user=finance, place=place, role=Role.FUND_MANAGER))
    session.flush()
    services.set_fund_banking(
        session, manager, fund, "OAKBRIDGE FUND", "40-12-34", "11223344", allow_one_person=False
    )
    groups = session.scalars(select(Group).where(Group.place_id == place.id).order_by(Group.id))
    for number, group in enumerate(groups, start=1):
        lead = next((m.user for m in group.members if m.is_lead), None)
        if lead is None:
            continue
        services.change_bank_details(
            session, lead, group, group.name[:60], "20-00-00", f"{number:08d}"
        )
        services.confirm_bank_details(session, finance, group)
    return True


def _new_fund(
    session: Session, manager: User, place: Place, today: dt.date, year_start: dt.date
) -> Fund:
    """The fund, its questions, money in and promised, and a partner's grant."""
    fund = services.create_fund(
        session,
        manager,
        place,
        name=FUND_NAME,
        description="Money from the council and from people in Oakbridge, for local groups.",
        translations={
            "cy": {
                "name": "Cronfa Gymunedol Oakbridge",
                "description": "Arian gan y cyngor a chan bobl Oakbridge, ar gyfer grwpiau lleol.",
            }
        },
        holder_name="Oakbridge Community Foundation",
        holder_charity_number="1100001",
        holder_company_number=None,
        holder_can_claim_gift_aid=True,
        checkin_threshold_pence=1_000_000,
    )
    for text in QUESTIONS:
        services.add_question(session, manager, fund, text)
    services.record_income(
        session,
        manager,
        fund,
        source=IncomeSource.COUNCIL,
        amount_pence=15_000_000,
        from_name="Oakbridge Borough Council",
        received_on=year_start,
    )
    for name, pence, gift_aid in (
        ("Amara Okafor", 5_000, True),
        ("Oakbridge Rotary", 250_000, False),
    ):
        services.record_income(
            session,
            manager,
            fund,
            source=IncomeSource.DONATION,
            amount_pence=pence,
            from_name=name,
            gift_aid=gift_aid,
            received_on=today,
        )
    services.record_income(
        session,
        manager,
        fund,
        source=IncomeSource.DONATION,
        amount_pence=100_000,
        from_name="Castle Hill Residents",
        purpose="Play equipment",
        received_on=today,
    )
    services.record_income(
        session,
        manager,
        fund,
        source=IncomeSource.MATCH,
        amount_pence=5_000_000,
        from_name="The Northern Match Trust",
        pledged=True,
        expected_on=dt.date(year_start.year + 1, 6, 1),
    )
    _partner_grant(session, manager, place, fund, year_start)
    return fund


def _partner_grant(
    session: Session, manager: User, place: Place, fund: Fund, year_start: dt.date
) -> None:
    """A grant made directly to a partner, agreed, with its first payment made: by one person,
    so this runs before :func:`_banking` sets the fund to need two people for every payment."""
    partner = find_one(session, Group, place_id=place.id, name=PARTNER_GROUP)
    if partner is not None and partner.members:
        grant = services.make_grant(
            session,
            manager,
            fund,
            group=partner,
            title="Running the Shed, three days a week",
            total_pence=3_000_000,
            start_date=year_start,
            years=3,
            frequency=Frequency.QUARTERLY,
            description="Core costs for a partner funded outside a round.",
        )
        services.accept_agreement(session, partner.members[0].user, grant, agreed=True)
        first = grant.instalments[0]
        services.act_on_instalment(session, manager, first, "approve")
        services.act_on_instalment(
            session, manager, first, "pay", paid_on=year_start, reference="DEMO-0001"
        )


def _link_rounds(session: Session, manager: User, place: Place, fund: Fund) -> bool:
    """Every round in the place that draws on no fund yet draws on this one."""
    changed = False
    linked = {link.round_id for link in fund.round_links}
    for round_ in session.scalars(select(Round).where(Round.place_id == place.id)):
        if (
            round_.id not in linked
            and session.scalar(select(FundRound.id).where(FundRound.round_id == round_.id)) is None
        ):
            services.link_round(session, manager, fund, round_)
            changed = True
    return changed


def _grant_awards(session: Session, manager: User, fund: Fund, today: dt.date) -> bool:
    """Each award in the fund's rounds becomes a grant, agreed where the group has members."""
    changed = False
    for application in services.awards_waiting(session, fund):
        start = max(today, application.decided_at.date() if application.decided_at else today)
        grant = services.make_grant(
            session,
            manager,
            fund,
            application=application,
            group=application.group,
            title=application.title or application.round.title,
            total_pence=application.award_pence,
            start_date=start,
            years=2,
            frequency=Frequency.QUARTERLY,
        )
        members = application.group.members
        if members:
            services.accept_agreement(session, members[0].user, grant, agreed=True)
        changed = True
    return changed


MATCH_FUNDER = "The Northern Match Trust"
OFFLINE_GIFTS = (
    ("Oakbridge Bowls Club", 25_000, DonationMethod.CHEQUE, False),
    ("Priya Shah", 2_000, DonationMethod.CASH, True),
    ("Greenway Bakery Ltd", 50_000, DonationMethod.BANK_TRANSFER, False),
)


def _giving(session: Session, manager: User, fund: Fund, today: dt.date) -> bool:
    """A live match pledge and a few gifts by cash, cheque and transfer (once only)."""
    if fund.holder_can_claim_gift_aid is False:
        fund.holder_can_claim_gift_aid = True
    exists = session.scalar(
        select(MatchPledge.id).where(
            MatchPledge.fund_id == fund.id, MatchPledge.funder_name == MATCH_FUNDER
        )
    )
    if exists is not None:
        return False
    services.create_match_pledge(
        session,
        manager,
        fund,
        funder_name=MATCH_FUNDER,
        ratio_percent=100,
        cap_pence=500_000,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=365),
    )
    for name, pence, method, gift_aid in OFFLINE_GIFTS:
        first, _sep, last = name.partition(" ")
        services.record_offline_gift(
            session,
            manager,
            fund,
            method=method,
            amount_pence=pence,
            donor_name=name,
            from_company=name.endswith("Ltd"),
            postcode="OB1 2AB" if gift_aid else None,
            gift_aid=services.GiftAidDetails(
                first_name=first, last_name=last, house="12", postcode="OB1 2AB", taxpayer=True
            )
            if gift_aid
            else None,
            received_on=today,
        )
    session.flush()
    return True


def summary(session: Session) -> dict[str, int]:
    """How many grants the demo fund has, by state (for messages and tests)."""
    counts: dict[str, int] = {}
    for grant in session.scalars(select(Grant)):
        counts[grant.state.value] = counts.get(grant.state.value, 0) + 1
    paid = sum(
        1
        for g in session.scalars(select(Grant))
        for i in g.instalments
        if i.state == InstalmentState.PAID and g.state != GrantState.WITHDRAWN
    )
    counts["paid_instalments"] = paid
    return counts
