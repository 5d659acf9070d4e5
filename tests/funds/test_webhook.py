"""Stripe's webhook: signed events only, each acted on once, in any order."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from funds import services
from funds.models import (
    AccountKind,
    Donation,
    Fund,
    Income,
    MatchPledge,
    RegularGift,
    StripeEvent,
)
from funds.workflow import (
    DonationFacts,
    DonationState,
    RegularGiftState,
    donation_state,
    kept_pence,
)
from giving.extensions import db
from giving.models import Role
from tests.database_helpers import own_database, run_in_threads
from tests.factories import FundFactory, RoleGrantFactory
from tests.funds.donation_support import (
    STRIPE_SETTINGS,
    dispute,
    event,
    match_pledge,
    pending_gift,
    post_event,
    refund,
    signed,
    start_gift,
    success,
)


@pytest.fixture
def stripe_on(app):
    saved = {key: app.config.get(key) for key in STRIPE_SETTINGS}
    app.config.update(STRIPE_SETTINGS)
    yield
    app.config.update(saved)


def _world(app, amount: int = 2_000, match_cap: int | None = None) -> dict:
    with app.test_request_context():
        fund = FundFactory()
        if match_cap:
            manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
            match_pledge(fund, manager, match_cap)
        gift = pending_gift(fund, amount)
        return {
            "fund": fund.id,
            "gift": gift.id,
            "success": success(gift),
            "refund": refund(gift),
            "dispute": dispute(gift),
        }


def _state(session, ids: dict) -> dict:
    gift = session.get(Donation, ids["gift"])
    fund = session.get(Fund, ids["fund"])
    session.refresh(gift)
    b = services.balances(session, fund)
    drawn = session.scalar(
        select(func.coalesce(func.sum(MatchPledge.drawn_pence), 0)).where(
            MatchPledge.fund_id == fund.id
        )
    )
    return {
        "state": gift.state,
        "bank": b[AccountKind.BANK],
        "income": b[AccountKind.INCOME],
        "pledges": b[AccountKind.PLEDGES],
        "drawn": int(drawn),
    }


def test_a_bad_signature_is_refused_and_changes_nothing(app, client, session, stripe_on):
    ids = _world(app)
    payload = event("payment_intent.succeeded", ids["success"])
    response = client.post(
        "/stripe/webhook", data=payload, headers=signed(payload, secret="whsec_wrong")
    )
    assert response.status_code == 400
    unsigned = client.post("/stripe/webhook", data=payload)
    assert unsigned.status_code == 400
    tampered = payload.replace('"amount": 2000', '"amount": 9000')
    assert client.post("/stripe/webhook", data=tampered, headers=signed(payload)).status_code == 400
    assert session.scalar(select(func.count(StripeEvent.id))) == 0
    assert session.get(Donation, ids["gift"]).state == DonationState.PENDING


def test_a_stale_timestamp_is_refused_and_changes_nothing(app, client, session, stripe_on):
    ids = _world(app)
    payload = event("payment_intent.succeeded", ids["success"])
    response = post_event(client, payload, timestamp=int(time.time()) - 600)
    assert response.status_code == 400
    assert session.scalar(select(func.count(StripeEvent.id))) == 0
    assert session.get(Donation, ids["gift"]).state == DonationState.PENDING


def test_without_a_webhook_secret_nothing_is_accepted(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    ids = _world(app)
    payload = event("payment_intent.succeeded", ids["success"])
    assert post_event(client, payload).status_code == 404
    assert session.get(Donation, ids["gift"]).state == DonationState.PENDING


def test_the_same_event_fifty_times_credits_once(app, client, session, stripe_on, mailbox):
    ids = _world(app, amount=2_500, match_cap=100_000)
    payload = event("payment_intent.succeeded", ids["success"])
    answers = {post_event(client, payload).get_data(as_text=True) for _ in range(50)}
    assert answers == {"done", "duplicate"}
    state = _state(session, ids)
    assert state["state"] == DonationState.CLEARED
    assert state["bank"] == 2_500
    assert state["drawn"] == 2_500  # matched £1 for £1, once
    assert session.scalar(select(func.count(Income.id)).where(Income.fund_id == ids["fund"])) == 1
    receipts = mailbox.to("dana@example.org")
    assert len(receipts) == 1
    assert "£25" in receipts[0]["body"]


ORDERS = [
    list(order)
    for n in (1, 2, 3)
    for combo in itertools.combinations(("success", "refund", "dispute"), n)
    for order in itertools.permutations(combo)
]


@pytest.mark.parametrize("kinds", [pytest.param(o, id="-".join(o)) for o in ORDERS])
def test_events_in_any_order_end_in_the_same_state(app, client, session, stripe_on, kinds):
    names = {
        "success": "payment_intent.succeeded",
        "refund": "charge.refunded",
        "dispute": "charge.dispute.created",
    }
    ids = _world(app, amount=3_000, match_cap=100_000)
    for kind in kinds:
        assert post_event(client, event(names[kind], ids[kind])).status_code == 200
    state = _state(session, ids)
    if "dispute" in kinds:
        expected_state = DonationState.DISPUTED
    elif "refund" in kinds:
        expected_state = DonationState.REFUNDED
    else:
        expected_state = DonationState.CLEARED
    kept = 3_000 if kinds == ["success"] else 0
    assert state == {
        "state": expected_state,
        "bank": kept,
        "income": -2 * kept,  # the gift and its match
        "pledges": kept,
        "drawn": kept,
    }


def test_a_refund_before_the_success_still_ends_refunded(app, client, session, stripe_on):
    ids = _world(app)
    post_event(client, event("charge.refunded", ids["refund"]))
    post_event(client, event("payment_intent.succeeded", ids["success"]))
    state = _state(session, ids)
    assert state["state"] == DonationState.REFUNDED
    assert state["bank"] == 0


def test_a_part_refund_keeps_the_rest_and_its_match(app, client, session, stripe_on):
    ids = _world(app, amount=4_000, match_cap=100_000)
    post_event(client, event("payment_intent.succeeded", ids["success"]))
    part = dict(ids["refund"], amount_refunded=1_000)
    post_event(client, event("charge.refunded", part))
    state = _state(session, ids)
    assert state["state"] == DonationState.CLEARED
    assert state["bank"] == 3_000
    assert state["drawn"] == 3_000
    income = session.scalar(select(Income).where(Income.fund_id == ids["fund"]))
    assert income.refunded_pence == 1_000


def test_a_failed_payment_takes_nothing(app, client, session, stripe_on):
    ids = _world(app)
    failed = dict(ids["success"], status="requires_payment_method")
    post_event(client, event("payment_intent.payment_failed", failed))
    state = _state(session, ids)
    assert state["state"] == DonationState.FAILED
    assert state["bank"] == 0


def test_checkout_completed_clears_a_paid_session(app, client, session, stripe_on):
    ids = _world(app)
    with app.test_request_context():
        gift = db.session.get(Donation, ids["gift"])
        reference, intent = gift.reference, gift.stripe_payment_intent_id
        gift.stripe_payment_intent_id = None
        db.session.commit()
    completed = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": intent,
        "metadata": {"donation": reference},
    }
    post_event(client, event("checkout.session.completed", completed))
    state = _state(session, ids)
    assert state["state"] == DonationState.CLEARED
    assert session.get(Donation, ids["gift"]).stripe_payment_intent_id == intent


def test_monthly_giving_records_each_paid_invoice_once_and_stops(app, client, session, stripe_on):
    with app.test_request_context():
        fund = FundFactory()
        gift = start_gift(
            fund, 1_000, monthly=True, donor_name="Mo Monthly", donor_email="mo@example.org"
        )
        gift.stripe_subscription_id = "sub_test_monthly"
        db.session.commit()
        ids = {"fund": fund.id, "gift": gift.id}

    def invoice(n: int) -> dict:
        return {
            "id": f"in_test_{n}",
            "object": "invoice",
            "amount_paid": 1_000,
            "subscription": "sub_test_monthly",
            "payment_intent": f"pi_month_{n}",
            "metadata": {},
        }

    post_event(client, event("invoice.paid", invoice(1)))
    post_event(client, event("invoice.payment_succeeded", invoice(1)))  # the same month, again
    post_event(client, event("invoice.paid", invoice(2)))
    fund = session.get(Fund, ids["fund"])
    gifts = list(session.scalars(select(Donation).where(Donation.regular_gift_id == ids["gift"])))
    assert [g.state for g in gifts] == [DonationState.CLEARED, DonationState.CLEARED]
    assert services.balances(session, fund)[AccountKind.BANK] == 2_000
    regular = session.get(RegularGift, ids["gift"])
    assert regular.state == RegularGiftState.ACTIVE
    ended = {"id": "sub_test_monthly", "object": "subscription", "metadata": {}}
    post_event(client, event("customer.subscription.deleted", ended))
    session.refresh(regular)
    assert regular.state == RegularGiftState.CANCELLED
    # A refund of one month reverses only that month.
    month = {
        "id": "ch_month_1",
        "object": "charge",
        "amount_refunded": 1_000,
        "payment_intent": "pi_month_1",
        "invoice": "in_test_1",
    }
    post_event(client, event("charge.refunded", month))
    assert services.balances(session, fund)[AccountKind.BANK] == 1_000


def test_an_event_about_no_gift_we_know_is_recorded_and_kept(app, client, session, stripe_on):
    payload = event("payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"})
    response = post_event(client, payload)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "waiting"  # in case we learn whose it is
    assert post_event(client, payload).get_data(as_text=True) == "duplicate"
    other = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, other).get_data(as_text=True) == "ignored"
    nothing = event("charge.refunded", {"id": "ch_1", "object": "charge"})
    assert post_event(client, nothing).get_data(as_text=True) == "ignored"


@pytest.mark.postgres
def test_ten_deliveries_at_once_fifty_times_credit_once():
    """A real race on PostgreSQL: ten threads post the same signed event at the same moment,
    five times over; the gift is credited once and every delivery gets an answer."""
    with own_database("hooks", **STRIPE_SETTINGS) as race_app:
        with race_app.test_request_context():
            fund = FundFactory()
            gift = pending_gift(fund, 5_000)
            ids = {"fund": fund.id, "gift": gift.id}
            payload = event("payment_intent.succeeded", success(gift))
        statuses: list[int] = []
        answers: list[str] = []
        lock = threading.Lock()
        for _round in range(5):
            barrier = threading.Barrier(10)

            def deliver(barrier: threading.Barrier = barrier) -> None:
                client = race_app.test_client()
                barrier.wait()
                response = post_event(client, payload)
                with lock:
                    statuses.append(response.status_code)
                    answers.append(response.get_data(as_text=True))

            run_in_threads(deliver, [()] * 10, timeout=60)
        assert statuses == [200] * 50
        assert answers.count("done") == 1
        with race_app.app_context():
            fund = db.session.get(Fund, ids["fund"])
            assert services.balances(db.session, fund)[AccountKind.BANK] == 5_000
            assert db.session.scalar(select(func.count(StripeEvent.id))) == 1
            assert (
                db.session.scalar(select(func.count(Income.id)).where(Income.fund_id == fund.id))
                == 1
            )
            assert db.session.get(Donation, ids["gift"]).state == DonationState.CLEARED
            db.session.remove()


def test_the_payload_is_json_the_library_reads(app):
    assert json.loads(event("x", {}))["object"] == "event"


def _unlinked(app) -> dict:
    """A gift sent to Checkout whose payment intent we have not been told about yet."""
    ids = _world(app, amount=2_000)
    with app.test_request_context():
        gift = db.session.get(Donation, ids["gift"])
        ids["reference"], ids["intent"] = gift.reference, gift.stripe_payment_intent_id
        gift.stripe_payment_intent_id = None
        db.session.commit()
    return ids


@pytest.mark.parametrize(
    "kinds",
    [
        pytest.param(list(o), id="-".join(o))
        for o in itertools.permutations(("checkout", "success", "refund"))
    ],
)
def test_events_before_we_know_whose_payment_it_is_wait_for_it(
    app, client, session, stripe_on, kinds
):
    ids = _unlinked(app)
    bare_success = {"id": ids["intent"], "object": "payment_intent", "metadata": {}}
    bare_refund = dict(ids["refund"], metadata={})
    completed = {
        "id": "cs_test_wait",
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": ids["intent"],
        "metadata": {"donation": ids["reference"]},
    }
    events = {
        "checkout": ("checkout.session.completed", completed),
        "success": ("payment_intent.succeeded", bare_success),
        "refund": ("charge.refunded", bare_refund),
    }
    answers = [post_event(client, event(*events[k])).get_data(as_text=True) for k in kinds]
    assert answers[kinds.index("checkout")] == "done"
    state = _state(session, ids)
    assert state["state"] == DonationState.REFUNDED
    assert state["bank"] == 0
    assert (
        session.scalar(
            select(func.count(StripeEvent.id)).where(StripeEvent.waiting_for.is_not(None))
        )
        == 0
    )


def test_a_paid_invoice_before_checkout_completes_waits_for_it(app, client, session, stripe_on):
    with app.test_request_context():
        fund = FundFactory()
        gift = start_gift(
            fund, 1_200, monthly=True, donor_name="Early Invoice", donor_email="early@example.org"
        )
        db.session.commit()
        ids = {"fund": fund.id, "gift": gift.id, "reference": gift.reference}
    invoice = {
        "id": "in_early_1",
        "object": "invoice",
        "amount_paid": 1_200,
        "subscription": "sub_early",
        "metadata": {},
    }
    assert post_event(client, event("invoice.paid", invoice)).get_data(as_text=True) == "waiting"
    completed = {
        "id": "cs_test_sub",
        "object": "checkout.session",
        "mode": "subscription",
        "subscription": "sub_early",
        "customer": "cus_early",
        "metadata": {"regular_gift": ids["reference"]},
    }
    assert post_event(client, event("checkout.session.completed", completed)).status_code == 200
    regular = session.get(RegularGift, ids["gift"])
    assert regular.state == RegularGiftState.ACTIVE
    assert regular.stripe_subscription_id == "sub_early"
    fund = session.get(Fund, ids["fund"])
    assert services.balances(session, fund)[AccountKind.BANK] == 1_200


facts = st.lists(
    st.one_of(
        st.just(("succeeded", 0)),
        st.just(("failed", 0)),
        st.just(("disputed", 0)),
        st.tuples(st.just("refunded"), st.integers(min_value=1, max_value=5_000)),
    ),
    max_size=8,
)


@given(facts, st.randoms(use_true_random=False))
def test_the_state_is_the_same_whatever_order_the_facts_come_in(items, rnd):
    def fold(sequence):
        value = DonationFacts(amount_pence=3_000)
        for name, amount in sequence:
            if name == "refunded":
                value = replace(value, refunded_pence=max(value.refunded_pence, amount))
            else:
                value = replace(value, **{name: True})
        return value

    shuffled = list(items)
    rnd.shuffle(shuffled)
    a, b = fold(items), fold(shuffled)
    assert donation_state(a) == donation_state(b)
    assert kept_pence(a) == kept_pence(b)
    assert 0 <= kept_pence(a) <= 3_000
