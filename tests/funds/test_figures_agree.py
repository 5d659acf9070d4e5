"""Figures that agree: the participation report's gifts and givers, and the giving page's
"given by people like you", against a small place counted by hand; and the demo's groups in
the wards their postcodes say."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from funds import services
from funds.models import DonationMethod, Fund, Income
from funds.services import books
from giving import demo
from giving.models import Group, Place, Role, User
from giving.postcodes import ward_for_postcode
from giving.services import reports
from tests.conftest import in_request
from tests.factories import FundFactory, RoleGrantFactory, UserFactory, place_with_wards


def _gift(session, manager, fund, pounds, email="", day=dt.date(2026, 5, 1), name="A giver"):
    return services.record_offline_gift(
        session,
        manager,
        fund,
        method=DonationMethod.CASH,
        amount_pence=pounds * 100,
        donor_name=name,
        donor_email=email,
        received_on=day,
    )


@pytest.fixture
def world(app, session):
    """Fund A (with council money, which is not a gift) and fund B, in one place.

    Gifts, by hand:
      1. A, £20 from Ann's email (typed in capitals), 1 May 2026         counts; Ann gave
      2. A, £30 from Bob's email, then given back in full               does not count
      3. B, £15 from Cat's email (Cat never confirmed her account)      counts; Cat is no giver
      4. A, £10 with no email                                            counts
      5. A, £40 from Ann, 1 May 2027 (the next financial year)          counts; Ann came back
      6. A, £100 from the Rotary club, written down as money in from
         Donations, £25 of it given back later                         counts, as £75
    """
    with in_request(app, session):
        place, _north, _south = place_with_wards("figtown", "Figtown", "FG")
        fund_a = FundFactory(place=place, money=1_000_000)
        fund_b = FundFactory(place=place)
        manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
        ann = UserFactory(email="ann@example.org", postcode="FG1 1AA")
        bob = UserFactory(email="bob@example.org", postcode="FG2 1AA")
        cat = UserFactory(email="cat@example.org", postcode="FG2 2AA")
        cat.email_confirmed_at = None
        _gift(session, manager, fund_a, 20, "Ann@Example.org")
        back = _gift(session, manager, fund_a, 30, bob.email, dt.date(2026, 6, 1))
        services.refund_donation(session, manager, back, "Sent by mistake")
        _gift(session, manager, fund_b, 15, cat.email)
        _gift(session, manager, fund_a, 10)
        _gift(session, manager, fund_a, 40, ann.email, dt.date(2027, 5, 1))
        services.record_income(
            session,
            manager,
            fund_a,
            source=services.IncomeSource.DONATION,
            amount_pence=10_000,
            from_name="Rotary club",
            received_on=dt.date(2026, 7, 1),
        )
        rotary = session.scalars(select(Income).where(Income.from_name == "Rotary club")).one()
        services.refund_income(session, manager, rotary, 2_500, "They paid twice")
        session.commit()
        return {"place": place.id, "a": fund_a.id, "b": fund_b.id, "manager": manager.id}


def test_gave_money_and_the_gifts_agree_with_a_hand_count(app, session, world):
    with app.test_request_context():
        place = session.get(Place, world["place"])
        report = reports.participation(session, place)
    figures = {f.key: f.value for f in [report.people, *report.figures]}
    assert figures["gifts"] == 5  # gifts 1, 3, 4, 5 and 6
    assert dict(report.by_way)["Gave money"] == 1  # Ann
    assert figures["people"] == 1
    assert (report.returning.numerator, report.returning.denominator) == (1, 1)


def test_the_participation_page_says_it_counts_people_once(client, world):
    page = client.get("/places/figtown/participation").get_data(as_text=True)
    assert "We count people, not times" in page
    assert re.search(r'data-figure="gifts".*?<td class="govuk-table__cell">5</td>', page, re.S)


def test_given_by_people_like_you_is_the_gifts_recorded(app, session, world, client):
    # Fund A: £20 + £10 + £40 + (£100 - £25) = £145; the £30 given back is not in it.
    page = client.get(f"/funds/{world['a']}/give").get_data(as_text=True)
    given = re.search(r"Given by people like you\s*</dt>\s*<dd[^>]*>\s*([^<]+?)\s*</dd>", page)
    assert given is not None
    assert given.group(1) == "£145"
    with in_request(app, session):
        fund_a = session.get(Fund, world["a"])
        fund_b = session.get(Fund, world["b"])
        manager = session.get(User, world["manager"])
        assert books.given_pence(session, fund_a) == 14_500
        assert books.given_pence(session, fund_b) == 1_500
        after = books.trial_balance(session, manager, fund_a, dt.date(2027, 12, 31))
    donations = sum(-line.balance_pence for line in after.lines if line.code == "income.donation")
    assert donations == 14_500


def test_the_demo_groups_are_in_the_wards_their_names_and_postcodes_say(app, session):
    with in_request(app, session):
        demo.load(session)
        place = demo.demo_place(session)
        assert place is not None
        groups = list(session.scalars(select(Group).where(Group.place_id == place.id)))
        wards = {ward for ward, _prefixes in demo.WARDS}
        named = 0
        for group in groups:
            ward = ward_for_postcode(session, place, group.postcode)
            assert ward is not None, group.name  # every group is in one of the wards
            said = next((w for w in wards if group.name.startswith(w)), None)
            if said is not None:
                named += 1
                assert ward.name == said, (group.name, group.postcode)
    assert named == 9
