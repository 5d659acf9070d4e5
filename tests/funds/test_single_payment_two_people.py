"""One payment recorded on a grant's page: where the fund's payment settings need two people,
one member of staff cannot mark it paid alone; it goes through a payment run that someone else
approves. A very small fund that lets one person do both still can."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from funds import services
from funds.models import Entry, Instalment, Payment
from funds.workflow import InstalmentState
from giving.errors import DomainError
from giving.models import AuditEntry
from tests.conftest import csrf_token, in_request, log_in
from tests.funds.bank_world import bank_world

TWO_PEOPLE = "This fund needs two people to pay"


def _what_is_kept(session, instalment_id: int) -> tuple:
    """The instalment's state, its payment, the ledger and the audit trail of payments."""
    return (
        session.scalar(select(Instalment.state).where(Instalment.id == instalment_id)),
        session.scalar(select(func.count(Payment.id))),
        session.scalar(select(func.count(Entry.id))),
        session.scalar(select(func.count()).where(AuditEntry.action == "instalment.pay")),
    )


def _world(app, session, allow_one_person: bool) -> tuple[int, int, object]:
    with in_request(app, session) as ctx:
        world = bank_world(ctx, allow_one_person=allow_one_person)
        grant = world["grant"]
        return grant.id, grant.instalments[0].id, world["preparer"]


def _record_on_the_grant_page(client, grant_id: int, instalment_id: int):
    url = f"/grants/{grant_id}/payments/{instalment_id}/pay"
    token = csrf_token(client, url)
    return client.post(
        url,
        data={"csrf_token": token, "paid_on": ["2", "12", "2026"], "reference": "BACS-77"},
    )


def test_one_person_cannot_record_a_payment_on_the_grant_page_when_two_are_needed(
    app, session, client
):
    grant_id, instalment_id, preparer = _world(app, session, allow_one_person=False)
    log_in(client, preparer)
    page = client.get(f"/grants/{grant_id}").get_data(as_text=True)
    assert "Record the payment" not in page
    assert "go through a payment run that a second person approves" in page
    assert 'href="/funds/' in page
    assert "Go to payment runs" in page

    before = _what_is_kept(session, instalment_id)
    answer = _record_on_the_grant_page(client, grant_id, instalment_id)
    assert answer.status_code == 200
    assert TWO_PEOPLE in answer.get_data(as_text=True)
    assert _what_is_kept(session, instalment_id) == before
    assert before[0] == InstalmentState.APPROVED


def test_the_service_refuses_too_and_says_so_on_the_day_field(ctx):
    world = bank_world(ctx)
    first = world["grant"].instalments[0]
    with pytest.raises(DomainError, match=TWO_PEOPLE) as refused:
        services.act_on_instalment(
            ctx, world["approver"], first, "pay", paid_on=dt.date(2026, 12, 2), reference="X-1"
        )
    assert refused.value.field == "paid_on"
    assert first.state == InstalmentState.APPROVED
    assert first.payment is None


def test_one_person_may_record_a_payment_on_the_grant_page_when_the_fund_allows_it(
    app, session, client
):
    grant_id, instalment_id, preparer = _world(app, session, allow_one_person=True)
    log_in(client, preparer)
    page = client.get(f"/grants/{grant_id}").get_data(as_text=True)
    assert "Record the payment" in page
    assert "a second person approves" not in page

    answer = _record_on_the_grant_page(client, grant_id, instalment_id)
    assert answer.status_code == 302
    state, payments, _entries, audited = _what_is_kept(session, instalment_id)
    assert (state, payments, audited) == (InstalmentState.PAID, 1, 1)
    assert session.scalar(select(Payment.reference)) == "BACS-77"
