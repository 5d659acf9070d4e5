"""Match funding: a funder adds to each gift at a ratio, never beyond the cap, within dates."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from funds import services
from funds.models import AccountKind, Fund, MatchDraw, MatchPledge
from giving.extensions import db
from giving.models import Role
from giving.services import DomainError
from giving.timeutil import utcnow
from tests.database_helpers import own_database, run_in_threads
from tests.factories import FundFactory, RoleGrantFactory
from tests.funds.donation_support import (
    STRIPE_SETTINGS,
    event,
    match_pledge,
    offline_gift,
    pending_gift,
    post_event,
    success,
)


def _fund_with_match(cap: int, ratio: int = 100, days: tuple[int, int] = (-1, 30)):
    fund = FundFactory()
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    return fund, manager, match_pledge(fund, manager, cap, ratio, days)


def _give(fund, manager, pence: int, **kwargs):
    return offline_gift(fund, manager, pence, donor_name="Sam", **kwargs)


def test_a_gift_draws_its_match_at_the_ratio_until_the_cap(app, session):
    with app.test_request_context():
        fund, manager, pledge = _fund_with_match(cap=5_000, ratio=50)
        _give(fund, manager, 4_000)
        assert pledge.drawn_pence == 2_000
        _give(fund, manager, 10_000)
        assert pledge.drawn_pence == 5_000  # the cap, not 7,000
        _give(fund, manager, 1_000)
        assert pledge.drawn_pence == 5_000
        b = services.balances(db.session, fund)
        assert b[AccountKind.PLEDGES] == 5_000
        assert b[AccountKind.BANK] == 15_000
        assert services.live_match(db.session, fund) is None
        db.session.rollback()


def test_no_match_outside_the_dates(app, session):
    with app.test_request_context():
        fund, manager, pledge = _fund_with_match(cap=5_000, days=(3, 10))
        _give(fund, manager, 1_000)
        assert pledge.drawn_pence == 0
        _give(fund, manager, 1_000, received_on=utcnow().date() + dt.timedelta(days=4))
        assert pledge.drawn_pence == 1_000
        db.session.rollback()


def test_giving_back_a_gift_gives_back_its_match(app, session):
    with app.test_request_context():
        fund, manager, pledge = _fund_with_match(cap=5_000)
        gift = _give(fund, manager, 3_000)
        assert pledge.drawn_pence == 3_000
        services.refund_donation(db.session, manager, gift, "Given by mistake")
        assert pledge.drawn_pence == 0
        b = services.balances(db.session, fund)
        assert b[AccountKind.PLEDGES] == 0
        assert b[AccountKind.BANK] == 0
        assert b[AccountKind.INCOME] == 0
        with pytest.raises(DomainError, match="arrived"):
            services.refund_donation(db.session, manager, gift, "Again")
        db.session.rollback()


def test_the_database_refuses_a_draw_over_the_cap(app, session):
    with app.test_request_context():
        _fund, _manager, pledge = _fund_with_match(cap=1_000)
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(
                text("UPDATE match_pledges SET drawn_pence = 1001 WHERE id = :id"),
                {"id": pledge.id},
            )
        db.session.rollback()


def test_a_match_needs_sensible_terms(app, session):
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        today = utcnow().date()
        terms = {
            "funder_name": "T",
            "ratio_percent": 100,
            "cap_pence": 100,
            "starts_on": today,
            "ends_on": today,
        }
        for change, field in (
            ({"funder_name": " "}, "funder_name"),
            ({"ratio_percent": 0}, "ratio"),
            ({"cap_pence": 0}, "cap_pence"),
            ({"ends_on": today - dt.timedelta(days=1)}, "ends_on"),
        ):
            with pytest.raises(DomainError) as error:
                services.create_match_pledge(db.session, manager, fund, **{**terms, **change})
            assert error.value.field == field
        stranger = RoleGrantFactory(role=Role.FUND_MANAGER).user
        with pytest.raises(DomainError):
            services.create_match_pledge(db.session, stranger, fund, **terms)
        db.session.rollback()


def test_the_giving_page_says_what_the_match_does_and_what_is_left(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
    with app.test_request_context():
        fund, manager, _pledge = _fund_with_match(cap=500_000)
        _give(fund, manager, 100_000)
        db.session.commit()
        fund_id = fund.id
    page = client.get(f"/funds/{fund_id}/give").get_data(as_text=True)
    assert "<strong>Every £1 you give becomes £2 until the £5,000 match runs out.</strong>" in page
    assert "Match Trust has £4,000 of match funding left" in page
    assert "&lt;" not in page, "the page shows markup as text"


@pytest.mark.postgres
def test_the_cap_holds_when_gifts_clear_at_the_same_moment():
    """A real race on PostgreSQL: twelve gifts of £10 clear at once against a £35 match.
    Exactly £35 is drawn, never more, and the ledger agrees with the pledge."""
    with own_database("match", **STRIPE_SETTINGS) as race_app:
        with race_app.test_request_context():
            fund, _manager, pledge = _fund_with_match(cap=3_500)
            gifts = [pending_gift(fund, 1_000, donor_email=f"d{n}@example.org") for n in range(12)]
            payloads = [event("payment_intent.succeeded", success(g)) for g in gifts]
            ids = {"fund": fund.id, "pledge": pledge.id}
            db.session.commit()
        barrier = threading.Barrier(len(payloads))
        statuses: list[int] = []

        def deliver(payload: str) -> None:
            client = race_app.test_client()
            barrier.wait()
            statuses.append(post_event(client, payload).status_code)

        run_in_threads(deliver, [(p,) for p in payloads], timeout=60)
        assert statuses == [200] * len(payloads)
        with race_app.app_context():
            pledge = db.session.get(MatchPledge, ids["pledge"])
            assert pledge.drawn_pence == 3_500
            drawn = db.session.scalar(
                select(func.sum(MatchDraw.amount_pence)).where(MatchDraw.pledge_id == pledge.id)
            )
            assert drawn == 3_500
            fund = db.session.get(Fund, ids["fund"])
            b = services.balances(db.session, fund)
            assert b[AccountKind.PLEDGES] == 3_500
            assert b[AccountKind.BANK] == 12_000
            db.session.remove()


def test_a_gift_is_given_back_only_as_a_gift_so_its_match_goes_too(app, session):
    with app.test_request_context():
        fund, manager, pledge = _fund_with_match(cap=5_000)
        gift = _give(fund, manager, 2_000)
        with pytest.raises(DomainError, match="gifts page"):
            services.refund_income(db.session, manager, gift.income, 2_000, "Wrong page")
        assert pledge.drawn_pence == 2_000
        db.session.rollback()
