"""Bulk work for a fund's team: tick many payments or check-ins, check what will happen, then
confirm; each row moved is audited; bad input changes nothing. Also the payment run's gaps:
a prepared run can be thrown away, and one person cannot record payments as paid when the
fund needs two."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from funds import services
from funds.models import CheckInState, Instalment, PaymentRun, PaymentRunItem
from funds.services import bulk
from funds.workflow import InstalmentState
from giving.errors import DomainError, NotAllowed
from giving.models import AuditEntry, OutboxMessage, Role
from tests.conftest import csrf_token, in_request, log_in
from tests.factories import FundFactory, RoleGrantFactory, make_grant
from tests.funds.bank_world import bank_world
from tests.funds.bulk_world import bulk_world


def _audits(session, action: str) -> int:
    return session.scalar(select(func.count()).where(AuditEntry.action == action))


def _states(session, ids) -> list[InstalmentState]:
    """As the database holds them now, in the order of ``ids``."""
    found = dict(
        session.execute(select(Instalment.id, Instalment.state).where(Instalment.id.in_(ids))).all()
    )
    return [found[i] for i in ids]


# --- Many payments ready to pay ---------------------------------------------------------------


def test_marking_many_payments_ready_checks_first_and_audits_each(ctx):
    world = bulk_world(ctx)
    due = bulk.planned_payments(ctx, world["fund"], dt.date.today() + bulk.AHEAD)
    chosen = [g.instalments[0].id for g in world["grants"]]
    assert set(chosen) <= {i.id for i in due}
    before = _audits(ctx, "instalment.approve")
    plan = bulk.plan_ready(ctx, world["manager"], world["fund"], chosen)
    assert (plan.count, plan.total_pence) == (2, 300_000)
    assert _states(ctx, chosen) == [InstalmentState.SCHEDULED] * 2  # checking changes nothing
    bulk.mark_ready(ctx, world["manager"], world["fund"], chosen)
    assert _states(ctx, chosen) == [InstalmentState.APPROVED] * 2
    assert _audits(ctx, "instalment.approve") == before + 2


@pytest.mark.parametrize(
    ("make_ids", "message"),
    [
        (lambda w, other: [], "Tick at least one payment"),
        (lambda w, other: [w["grants"][0].instalments[0].id, other], "not this fund's"),
        (lambda w, other: [w["grants"][0].instalments[1].id, 10**9], "not this fund's"),
    ],
    ids=["nothing ticked", "another fund's", "no such payment"],
)
def test_bad_choices_are_refused_and_change_nothing(ctx, make_ids, message):
    world = bulk_world(ctx)
    elsewhere = FundFactory(money=5_000_000)
    other = make_grant(elsewhere, accepted=True).instalments[0].id
    ids = make_ids(world, other)
    with pytest.raises(DomainError, match=message) as refused:
        bulk.mark_ready(ctx, world["manager"], world["fund"], ids)
    assert refused.value.field == "items"
    assert (
        _states(ctx, [world["grants"][0].instalments[0].id, other])
        == [InstalmentState.SCHEDULED] * 2
    )


def test_a_payment_already_ready_is_named_and_nothing_changes(ctx):
    world = bulk_world(ctx)
    first, second = (g.instalments[0] for g in world["grants"])
    services.act_on_instalment(ctx, world["manager"], second, "approve")
    with pytest.raises(DomainError, match="Payment 1 to Riverside Youth Club is ready to pay"):
        bulk.mark_ready(ctx, world["manager"], world["fund"], [first.id, second.id])
    assert first.state == InstalmentState.SCHEDULED


def test_only_the_funds_managers_may_mark_payments_ready(ctx):
    world = bulk_world(ctx)
    outsider = RoleGrantFactory(role=Role.FUND_MANAGER).user  # of another place
    with pytest.raises(NotAllowed):
        bulk.plan_ready(ctx, outsider, world["fund"], [world["grants"][0].instalments[0].id])


def test_the_pages_review_then_confirm(app, session, client):
    with in_request(app, session) as ctx:
        world = bulk_world(ctx)
        ids = [g.instalments[0].id for g in world["grants"]]
        fund_id, manager = world["fund"].id, world["manager"]
    log_in(client, manager)
    url = f"/funds/{fund_id}/bulk/ready"
    page = client.get(url).get_data(as_text=True)
    assert "Oak Lane Allotments: payment 1, £1,500, due" in page
    token = csrf_token(client, url)
    review = client.post(url, data={"csrf_token": token, "items": ids})
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "2 payments, £3,000 in all, will be marked as ready to pay" in text
    assert _states(session, ids) == [InstalmentState.SCHEDULED] * 2
    done = client.post(url + "/confirm", data={"csrf_token": token, "items": ids})
    assert done.status_code == 302
    assert _states(session, ids) == [InstalmentState.APPROVED] * 2
    assert "2 payments marked as ready to pay" in client.get(url).get_data(as_text=True)
    again = client.post(url + "/confirm", data={"csrf_token": token, "items": ids})
    assert again.status_code == 200
    assert 'id="items-error"' in again.get_data(as_text=True)
    nothing = client.post(url, data={"csrf_token": token})
    assert "Tick at least one payment" in nothing.get_data(as_text=True)
    junk = client.post(url, data={"csrf_token": token, "items": ["x"]})
    assert "Tick only the boxes shown" in junk.get_data(as_text=True)
    for huge in (str(10**30), "-1", "0"):
        answer = client.post(url + "/confirm", data={"csrf_token": token, "items": [huge]})
        assert answer.status_code == 200
        assert "not this fund" in answer.get_data(as_text=True)


def test_the_list_is_read_in_the_same_few_queries_for_any_number_of_grants(app, session, client):
    from tests.statements import statements_for

    with in_request(app, session) as ctx:
        world = bulk_world(ctx)
        fund_id, manager = world["fund"].id, world["manager"]
    log_in(client, manager)
    url = f"/funds/{fund_id}/bulk/ready"
    engine = session.get_bind()
    few = statements_for(client, engine, url)
    with in_request(app, session) as ctx:
        from funds.models import Fund

        fund = ctx.get(Fund, fund_id)
        for _n in range(6):
            make_grant(fund, accepted=True, start_date=dt.date.today() - dt.timedelta(days=5))
    assert statements_for(client, engine, url) == few


# --- Many check-ins asked for -----------------------------------------------------------------


def test_asking_many_groups_for_their_check_in_emails_each_once_saved(app, session, mailbox):
    with in_request(app, session) as ctx:
        world = bulk_world(ctx)
        due = bulk.checkins_due(ctx, world["fund"], dt.date.today() + bulk.AHEAD)
        ids = [c.id for c in due]
        assert len(ids) == 2
        plan = bulk.plan_checkins(ctx, world["manager"], world["fund"], ids)
        assert plan.count == 2
        assert ctx.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        before = _audits(ctx, "checkin.request")
        bulk.request_checkins(ctx, world["manager"], world["fund"], ids)
        assert _audits(ctx, "checkin.request") == before + 2
        assert all(c.reminded_at is not None for c in due)
        lead = world["grants"][0].group.members[0].user
        assert ctx.scalar(select(func.count()).where(OutboxMessage.recipient == lead.email)) == 1


def test_a_check_in_already_done_is_named_and_nothing_is_sent(ctx):
    world = bulk_world(ctx)
    first, second = (g.checkins[0] for g in world["grants"])
    services.answer_checkin(
        ctx, world["grants"][1].group.members[0].user, second, {1: "Lots of new members."}
    )
    assert second.state == CheckInState.DONE
    with pytest.raises(DomainError, match="Riverside Youth Club has already done check-in 1"):
        bulk.request_checkins(ctx, world["manager"], world["fund"], [first.id, second.id])
    assert first.reminded_at is None
    assert ctx.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- Payment runs: throwing one away; the two-person rule on the old path --------------------


def test_a_prepared_run_can_be_thrown_away_and_its_payments_go_in_a_new_run(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    held = [item.instalment_id for item in run.items]
    assert services.runnable(ctx, world["fund"], world["on"])[0] == []
    services.discard_run(ctx, world["approver"], run)
    assert ctx.scalar(select(func.count()).select_from(PaymentRunItem)) == 0
    assert services.payment_runs_of(ctx, world["fund"]) == []
    ready, _left = services.runnable(ctx, world["fund"], world["on"])
    assert [i.id for i in ready] == held
    assert _states(ctx, held) == [InstalmentState.APPROVED] * 2
    entry = ctx.scalar(select(AuditEntry).where(AuditEntry.action == "payment_run.discard"))
    assert entry.details["instalment_ids"] == held
    assert (
        services.prepare_run(ctx, world["preparer"], world["fund"], world["on"]).payment_count == 2
    )


def test_an_approved_run_cannot_be_thrown_away(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    services.approve_run(ctx, world["approver"], run)
    with pytest.raises(DomainError, match="approved already"):
        services.discard_run(ctx, world["preparer"], run)
    assert ctx.get(PaymentRun, run.id) is not None


def test_one_person_cannot_record_payments_paid_when_the_fund_needs_two(ctx):
    world = bank_world(ctx)
    with pytest.raises(DomainError, match="needs two people") as refused:
        services.record_payment_run(
            ctx, world["preparer"], world["fund"], world["on"], dt.date(2026, 12, 2)
        )
    assert refused.value.field == "paid_on"
    assert (
        _states(ctx, [i.id for i in world["grant"].instalments[:2]])
        == [InstalmentState.APPROVED] * 2
    )


def test_one_person_may_record_payments_paid_when_the_fund_allows_it(ctx):
    world = bank_world(ctx, allow_one_person=True)
    paid = services.record_payment_run(
        ctx, world["preparer"], world["fund"], world["on"], dt.date(2026, 12, 2)
    )
    assert [i.state for i in paid] == [InstalmentState.PAID] * 2


def test_the_payment_run_page_offers_no_one_person_recording_when_two_are_needed(
    app, session, client
):
    with in_request(app, session) as ctx:
        world = bank_world(ctx)
        fund_id, manager, on = world["fund"].id, world["approver"], world["on"]
    log_in(client, manager)
    url = f"/funds/{fund_id}/payment-run?on={on.day}&on={on.month}&on={on.year}"
    page = client.get(url).get_data(as_text=True)
    assert "Record these as paid" not in page
    assert "needs two people" in page
    token = csrf_token(client, url)
    answer = client.post(url, data={"csrf_token": token, "paid_on": ["2", "12", "2026"]})
    assert answer.status_code == 200
    assert "needs two people" in answer.get_data(as_text=True)
    assert (
        _states(session, [i.id for i in world["grant"].instalments[:2]])
        == [InstalmentState.APPROVED] * 2
    )
