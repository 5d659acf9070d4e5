"""Grants: from awards or made directly, agreements, payments (once, never beyond the
schedule, also when two people race), holds, variations, closure, commitments, check-ins."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds import services
from funds.models import (
    AccountKind,
    CheckInKind,
    CheckInState,
    Entry,
    Fund,
    Instalment,
    Payment,
    Transaction,
)
from funds.schedule import Frequency
from funds.workflow import GrantState, InstalmentState
from giving import services as giving_services
from giving.models import AuditEntry, DecidedBy, DecisionMethod, Role
from giving.services import DomainError, NotAllowed
from giving.workflow import State
from tests.conftest import in_request
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.factories import (
    ApplicationFactory,
    FundFactory,
    GroupFactory,
    RoleGrantFactory,
    RoundFactory,
    make_grant,
)


@pytest.fixture
def fund(session):
    return FundFactory(money=10_000_000, questions=["What went well?", "What was hard?"])


@pytest.fixture
def manager(fund):
    return RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user


def _offer(session, manager, fund, **terms):
    """Offer a grant on the usual terms here (one payment, from 15 August 2026), changed by
    ``terms``."""
    usual = {
        "title": "x",
        "start_date": dt.date(2026, 8, 15),
        "years": 1,
        "frequency": Frequency.ANNUAL,
    }
    return services.make_grant(session, manager, fund, **{**usual, **terms})


def _ledger_rows(session) -> int:
    return session.scalar(select(func.count(Entry.id)))


def test_an_award_becomes_a_grant_with_its_group_and_amount(session, fund, manager):
    round_ = RoundFactory(place=fund.place)
    application = ApplicationFactory(round=round_, state=State.AWARDED, award_pence=1_500_000)
    services.link_round(session, manager, fund, round_)
    assert services.awards_waiting(session, fund) == [application]
    grant = _offer(
        session,
        manager,
        fund,
        application=application,
        title="Food club",
        total_pence=1_500_000,
        years=3,
        frequency=Frequency.QUARTERLY,
    )
    assert grant.group == application.group
    assert grant.state == GrantState.OFFERED
    assert not grant.restricted
    assert len(grant.instalments) == 12
    assert sum(i.amount_pence for i in grant.instalments) == 1_500_000
    assert "anything that helps your group" in grant.agreement_text
    assert services.awards_waiting(session, fund) == []
    figures = services.figures(session, fund)
    assert figures.owed_pence == 1_500_000
    with pytest.raises(DomainError, match="already a grant"):
        _offer(
            session, manager, fund, application=application, title="Again", total_pence=1_500_000
        )


def test_an_award_in_a_grant_is_not_overridden_until_the_offer_is_taken_back(
    app, session, fund, manager
):
    """The money and the decision agree: the fund's team cannot override an award that a
    grant was made from while the grant stands; once the offer is taken back, it can."""
    round_ = RoundFactory(place=fund.place, decision_method=DecisionMethod.PANEL)
    application = ApplicationFactory(
        round=round_, state=State.AWARDED, award_pence=100_000, decided_by=DecidedBy.RESIDENTS
    )
    services.link_round(session, manager, fund, round_)
    grant = _offer(session, manager, fund, application=application, total_pence=100_000)
    override = {
        "override_reason": "The group was found to be a fraud after the panel decided.",
        "feedback": "We cannot pay this grant.",
    }
    with in_request(app, session) as ctx:
        with pytest.raises(DomainError, match="A grant was made from this award"):
            giving_services.override_decision(
                ctx, manager, application, "override_decline", **override
            )
        assert application.state == State.AWARDED
        services.end_grant(ctx, manager, grant, "Taken back: the group was a fraud.")
        giving_services.override_decision(ctx, manager, application, "override_decline", **override)
    assert application.state == State.DECLINED
    assert application.decided_by == DecidedBy.OVERRIDE
    assert application.award_pence is None


def test_a_grant_from_an_award_is_for_the_amount_awarded(session, fund, manager):
    application = ApplicationFactory(
        round=RoundFactory(place=fund.place), state=State.AWARDED, award_pence=100_000
    )
    with pytest.raises(DomainError, match="amount awarded") as error:
        _offer(session, manager, fund, application=application, total_pence=200_000)
    assert error.value.field == "total_pence"
    declined = ApplicationFactory(round=RoundFactory(place=fund.place), state=State.DECLINED)
    with pytest.raises(DomainError, match="given money"):
        _offer(session, manager, fund, application=declined, total_pence=100_000)


def test_a_restricted_grant_says_what_it_is_for(session, fund, manager):
    group = GroupFactory(place=fund.place)
    with pytest.raises(DomainError) as error:
        _offer(session, manager, fund, group=group, total_pence=100_000, restricted=True)
    assert error.value.field == "purpose"
    grant = _offer(
        session,
        manager,
        fund,
        group=group,
        total_pence=100_000,
        restricted=True,
        purpose="A new roof",
    )
    assert "only for this: A new roof" in grant.agreement_text


def test_only_the_places_fund_managers_make_grants(session, fund):
    stranger = RoleGrantFactory(role=Role.FUND_MANAGER).user
    with pytest.raises(NotAllowed):
        make_grant(fund, manager=stranger)
    other_place_group = GroupFactory()
    with pytest.raises(DomainError, match="in this place"):
        make_grant(fund, group=other_place_group)


def test_the_group_agrees_online_and_staff_cannot_agree_for_it(session, fund, manager):
    grant = make_grant(fund, manager=manager)
    with pytest.raises(NotAllowed):
        services.accept_agreement(session, manager, grant, agreed=True)
    member = grant.group.members[0].user
    with pytest.raises(DomainError, match="Tick the box"):
        services.accept_agreement(session, member, grant, agreed=False)
    services.accept_agreement(session, member, grant, agreed=True)
    assert grant.state == GrantState.ACTIVE
    assert grant.accepted_by_id == member.id
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "Grant", AuditEntry.object_id == str(grant.id)
        )
    ).all()
    assert actions == ["grant.make", "grant.accept"]


def _pay(session, manager, inst, reference="BACS-1"):
    return services.act_on_instalment(
        session, manager, inst, "pay", paid_on=dt.date(2026, 8, 20), reference=reference
    )


def test_nothing_is_paid_before_the_group_agrees(session, fund, manager):
    grant = make_grant(fund, manager=manager)
    with pytest.raises(DomainError, match="agreed"):
        services.act_on_instalment(session, manager, grant.instalments[0], "approve")


def test_paying_an_instalment_twice_is_refused_and_changes_nothing(session, fund, manager):
    grant = make_grant(fund, manager=manager, accepted=True)
    first = grant.instalments[0]
    services.act_on_instalment(session, manager, first, "approve")
    _pay(session, manager, first)
    assert first.state == InstalmentState.PAID
    before = (_ledger_rows(session), session.scalar(select(func.count(Payment.id))))
    with pytest.raises(DomainError, match="already been made"):
        _pay(session, manager, first, reference="BACS-2")
    assert (_ledger_rows(session), session.scalar(select(func.count(Payment.id)))) == before
    assert first.payment.reference == "BACS-1"


def test_the_database_refuses_a_second_payment_or_one_beyond_the_schedule(session, fund, manager):
    grant = make_grant(fund, manager=manager, accepted=True)
    first = grant.instalments[0]
    services.act_on_instalment(session, manager, first, "approve")
    payment = _pay(session, manager, first).payment
    sql = text(
        "INSERT INTO grant_payments (instalment_id, amount_pence, paid_on, reference, "
        "transaction_id, created_at) VALUES (:i, :a, :d, 'X', :t, :c)"
    )
    transaction = services.post(
        session,
        None,
        fund,
        "test",
        [
            (services.account(session, fund, AccountKind.PAYABLE), 1),
            (services.account(session, fund, AccountKind.BANK), -1),
        ],
    )
    values = {"d": dt.date(2026, 9, 1), "t": transaction.id, "c": dt.datetime(2026, 9, 1)}
    # The same instalment again.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(sql, {**values, "i": first.id, "a": first.amount_pence})
    # More than the schedule says for the next one.
    second = grant.instalments[1]
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(sql, {**values, "i": second.id, "a": second.amount_pence + 1})
    # An instalment that is not on any schedule.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(sql, {**values, "i": 987654, "a": 100})
    # And a paid instalment's amount can no longer change.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text("UPDATE grant_instalments SET amount_pence = amount_pence + 1 WHERE id = :i"),
            {"i": first.id},
        )
    assert (
        session.scalar(select(func.count(Payment.id)).where(Payment.instalment_id == first.id)) == 1
    )
    assert payment.amount_pence == first.amount_pence


def test_a_held_payment_shows_the_group_why(session, client, fund, manager):
    from tests.conftest import log_in

    grant = make_grant(fund, manager=manager, accepted=True)
    inst = grant.instalments[0]
    with pytest.raises(DomainError):
        services.act_on_instalment(session, manager, inst, "hold", reason="  ")
    services.act_on_instalment(
        session, manager, inst, "hold", reason="We need your new bank details"
    )
    with pytest.raises(DomainError):
        _pay(session, manager, inst)
    session.commit()
    log_in(client, grant.group.members[0].user)
    page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "We need your new bank details" in page
    services.act_on_instalment(session, manager, inst, "release")
    assert inst.state == InstalmentState.SCHEDULED
    assert inst.held_reason == ""


def test_a_variation_changes_amounts_and_dates_with_a_reason_and_keeps_history(
    session, fund, manager
):
    grant = make_grant(fund, manager=manager, accepted=True, total_pence=1_200_000)
    first, second = grant.instalments[0], grant.instalments[1]
    services.act_on_instalment(session, manager, first, "approve")
    _pay(session, manager, first)
    with pytest.raises(DomainError, match="cannot change"):
        services.vary_grant(
            session,
            manager,
            grant,
            [services.Change(first, 1, None)],
            "Paid already",
        )
    with pytest.raises(DomainError) as error:
        services.vary_grant(session, manager, grant, [services.Change(second, 400_000, None)], " ")
    assert error.value.field == "reason"
    variation = services.vary_grant(
        session,
        manager,
        grant,
        [services.Change(second, 400_000, dt.date(2027, 4, 10))],
        "They are opening a second site",
    )
    assert grant.total_pence == 1_300_000
    assert second.financial_year == 2027
    assert variation.changes == [
        {
            "number": 2,
            "from_pence": 300_000,
            "to_pence": 400_000,
            "from_due": "2026-11-15",
            "to_due": "2027-04-10",
        }
    ]
    assert services.figures(session, fund).owed_pence == 1_000_000
    assert len(grant.variations) == 1


def test_closing_a_grant_keeps_what_was_paid_and_frees_the_rest(session, fund, manager):
    grant = make_grant(fund, manager=manager, accepted=True, total_pence=1_200_000)
    services.act_on_instalment(session, manager, grant.instalments[0], "approve")
    _pay(session, manager, grant.instalments[0])
    free_before = services.figures(session, fund).free_pence
    with pytest.raises(DomainError):
        services.end_grant(session, manager, grant, "")
    services.end_grant(session, manager, grant, "The group merged with another; we agreed to stop.")
    assert grant.state == GrantState.CLOSED
    assert [i.state for i in grant.instalments] == [InstalmentState.PAID] + [
        InstalmentState.CANCELLED
    ] * 3
    assert services.figures(session, fund).free_pence == free_before + 900_000
    with pytest.raises(DomainError):
        services.act_on_instalment(session, manager, grant.instalments[1], "approve")


def test_an_offer_not_yet_agreed_can_be_taken_back(session, fund, manager):
    grant = make_grant(fund, manager=manager)
    services.end_grant(session, manager, grant, "Made by mistake")
    assert grant.state == GrantState.WITHDRAWN
    assert services.figures(session, fund).owed_pence == 0


def test_commitments_by_financial_year_and_the_warning(session):
    fund = FundFactory(money=1_000_000)
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    make_grant(
        fund,
        manager=manager,
        accepted=True,
        total_pence=800_000,
        years=2,
        start_date=dt.date(2026, 8, 15),
        frequency=Frequency.ANNUAL,
    )
    rows = {r.year: r for r in services.commitments(session, fund)}
    assert rows[2026].committed_pence == 400_000
    assert rows[2026].income_pence == 1_000_000
    assert rows[2026].free_pence == 600_000
    assert rows[2027].free_pence == 200_000
    assert services.overcommitment_warning(session, fund) is None
    make_grant(
        fund,
        manager=manager,
        total_pence=600_000,
        years=1,
        start_date=dt.date(2027, 5, 1),
        frequency=Frequency.ANNUAL,
    )
    warning = services.overcommitment_warning(session, fund)
    assert warning is not None
    assert "£4,000 short by 2027-28" in warning
    services.record_income(
        session,
        manager,
        fund,
        source=services.IncomeSource.MATCH,
        amount_pence=400_000,
        pledged=True,
        expected_on=dt.date(2027, 6, 1),
    )
    assert services.overcommitment_warning(session, fund) is None


def test_check_ins_are_proportionate_and_ask_only_the_funds_questions(
    session, fund, manager, mailbox, app
):
    small = make_grant(fund, manager=manager, accepted=True, total_pence=500_000, years=2)
    big = make_grant(fund, manager=manager, accepted=True, total_pence=2_500_000, years=3)
    assert [c.kind for c in small.checkins] == [CheckInKind.CONVERSATION] * 2
    assert [c.kind for c in big.checkins] == [CheckInKind.UPDATE] * 3
    member = big.group.members[0].user
    checkin = big.checkins[0]
    with pytest.raises(DomainError, match="only the questions"):
        services.answer_checkin(session, member, checkin, {1: "a", 2: "b", 6: "extra"})
    with pytest.raises(DomainError) as error:
        services.answer_checkin(session, member, checkin, {1: "Lots of new members"})
    assert error.value.field == "answer_2"
    with pytest.raises(NotAllowed):
        services.answer_checkin(session, manager, checkin, {1: "a", 2: "b"})
    services.answer_checkin(session, member, checkin, {1: "Lots of new members", 2: "Rain"})
    assert checkin.state == CheckInState.DONE
    assert [(a.position, a.question) for a in checkin.answers] == [
        (1, "What went well?"),
        (2, "What was hard?"),
    ]
    with pytest.raises(DomainError):
        services.answer_checkin(
            session, small.group.members[0].user, small.checkins[0], {1: "x", 2: "y"}
        )
    services.note_conversation(
        session, manager, small.checkins[0], "Chatted at the café; all well."
    )
    # Reminders go to groups with a written check-in due soon, once. Each call runs as a
    # command does: in its own request context, with one commit.
    session.commit()
    from giving.extensions import db
    from giving.jobs import commit

    soon = big.checkins[1].due_on - dt.timedelta(days=3)
    for day, expected in ((soon, 1), (soon + dt.timedelta(days=3), 0)):
        with app.test_request_context():
            assert services.send_checkin_reminders(db.session, day) == expected
            commit()
    message = mailbox.to(member.email)[-1]
    assert "What went well?" in message["body"]
    assert "What was hard?" in message["body"]


def test_a_fund_asks_five_questions_at_most(session):
    fund = FundFactory(questions=["a", "b", "c", "d", "e"])
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    with pytest.raises(DomainError, match="5 questions at most"):
        services.add_question(session, manager, fund, "f")


def test_a_payment_run_exports_a_csv_for_the_bank_and_records_the_payments(session, fund, manager):
    grant = make_grant(fund, manager=manager, accepted=True, total_pence=1_200_000)
    for inst in grant.instalments[:2]:
        services.act_on_instalment(session, manager, inst, "approve")
    run = services.payment_run(session, fund, dt.date(2026, 9, 1))
    assert run == [grant.instalments[0]]
    csv_text = services.payment_run_csv(fund, dt.date(2026, 9, 1), run, "placefund")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Payee,Payee identifier,Amount (GBP),Reference")
    assert f"{grant.group.name},360G-placefund-group-{grant.group.id},3000.00," in lines[1]
    paid = services.record_payment_run(
        session, manager, fund, dt.date(2026, 9, 1), dt.date(2026, 9, 2)
    )
    assert [i.state for i in paid] == [InstalmentState.PAID]
    with pytest.raises(DomainError, match="nothing ready"):
        services.record_payment_run(
            session, manager, fund, dt.date(2026, 9, 1), dt.date(2026, 9, 2)
        )


@pytest.fixture
def race_app():
    """An app on a database of its own: the race commits for real, and the audit log cannot
    be cleaned up afterwards (it is append-only), so the database is dropped instead."""
    with own_database("race") as app:
        yield app


@pytest.mark.postgres
def test_two_people_paying_the_same_instalment_at_once_pay_it_once(race_app):
    """A real race: two threads, two connections, both committing for real."""
    engine = engine_of(race_app)
    with setup_session(engine) as setup:
        fund = FundFactory(money=5_000_000)
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        grant = make_grant(fund, manager=manager, accepted=True)
        services.act_on_instalment(setup, manager, grant.instalments[0], "approve")
        setup.commit()
        ids = {
            "fund": fund.id,
            "grant": grant.id,
            "inst": grant.instalments[0].id,
            "manager": manager.id,
        }

    barrier = threading.Barrier(2)
    results: list[str] = []

    def pay(reference: str) -> None:
        with race_app.app_context(), Session(engine) as own:
            from giving.models import User

            actor = own.get(User, ids["manager"])
            inst = own.get(Instalment, ids["inst"])
            barrier.wait()
            try:
                services.act_on_instalment(
                    own, actor, inst, "pay", paid_on=dt.date(2026, 8, 20), reference=reference
                )
                own.commit()
                results.append("paid")
            except DomainError:
                own.rollback()
                results.append("refused")

    run_in_threads(pay, [("BACS-1",), ("BACS-2",)], timeout=30)
    assert sorted(results) == ["paid", "refused"]
    with Session(engine) as check:
        assert (
            check.scalar(select(func.count(Payment.id)).where(Payment.instalment_id == ids["inst"]))
            == 1
        )
        payments = check.scalar(
            select(func.count(Transaction.id)).where(
                Transaction.grant_id == ids["grant"], Transaction.kind == "payment"
            )
        )
        assert payments == 1
        fund = check.get(Fund, ids["fund"])
        bank = services.balances(check, fund)[AccountKind.BANK]
        assert bank == 5_000_000 - check.get(Instalment, ids["inst"]).amount_pence
