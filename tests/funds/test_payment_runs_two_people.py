"""Payment runs: one person prepares, another approves (in the service and in the database);
the files for the bank are exactly their formats; the bank's statement records the payments."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from funds import bank_files, services
from funds.bank_files import BankLine
from funds.models import RunState
from funds.workflow import InstalmentState
from giving.errors import DomainError
from tests.funds.bank_world import bank_world

# Two payments laid out by hand, position by position, as the module's table says.
FIXTURE_LINES = [
    BankLine("309634", "57391846", "Oak Lane Allotments", 300_000, "PF7-G12-1"),
    BankLine("012345", "00012345", "St Mary's Café & Co!", 5, "PF7-G3-10"),
]
EXPECTED_BACS = (
    "309634"
    "57391846"
    "0"
    "99"
    "401122"
    "99887766"
    "    "
    "00000300000"
    "OAKBRIDGE FUND    "
    "PF7-G12-1         "
    "OAK LANE ALLOTMENT"
    "\r\n"
    "012345"
    "00012345"
    "0"
    "99"
    "401122"
    "99887766"
    "    "
    "00000000005"
    "OAKBRIDGE FUND    "
    "PF7-G3-10         "
    "ST MARY S CAF  & C"
    "\r\n"
)
EXPECTED_CSV = (
    "Sort code,Account number,Account name,Amount,Reference\r\n"
    "30-96-34,57391846,Oak Lane Allotments,3000.00,PF7-G12-1\r\n"
    "01-23-45,00012345,St Mary's Café & Co!,0.05,PF7-G3-10\r\n"
)


def test_the_bacs_file_is_standard_18_byte_for_byte():
    made = bank_files.bacs_file(FIXTURE_LINES, "401122", "99887766", "Oakbridge Fund")
    assert made == EXPECTED_BACS
    assert all(len(record) == 100 for record in made.split("\r\n")[:-1])
    assert made.encode("ascii") == EXPECTED_BACS.encode("ascii")


def test_the_csv_file_matches_its_format_byte_for_byte():
    assert bank_files.csv_file(FIXTURE_LINES) == EXPECTED_CSV


def test_the_same_person_cannot_prepare_and_approve(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    assert (run.payment_count, run.total_pence) == (2, 600_000)
    with pytest.raises(DomainError, match="Someone else"):
        services.approve_run(ctx, world["preparer"], run)
    assert run.state == RunState.PREPARED


def test_the_database_refuses_one_person_preparing_and_approving(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    ctx.flush()
    with pytest.raises(IntegrityError), ctx.begin_nested():
        ctx.execute(
            text("UPDATE payment_runs SET approved_by_id = prepared_by_id WHERE id = :id"),
            {"id": run.id},
        )
    # Another person's approval is let through by the same constraint.
    ctx.execute(
        text("UPDATE payment_runs SET approved_by_id = :other WHERE id = :id"),
        {"other": world["approver"].id, "id": run.id},
    )


def test_a_small_fund_may_let_one_person_do_both(ctx):
    world = bank_world(ctx, allow_one_person=True)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    services.approve_run(ctx, world["preparer"], run)
    assert run.state == RunState.APPROVED


def test_an_approved_run_gives_the_files_with_their_checksum(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    services.approve_run(ctx, world["approver"], run)
    bacs = services.run_file(run, "bacs")
    records = bacs.split("\r\n")[:-1]
    assert len(records) == 2
    assert records[0].startswith("3096345739184609940112299887766")
    assert records[0][35:46] == "00000300000"
    assert run.file_sha256 == bank_files.sha256(bacs)
    assert services.run_file(run, "csv").startswith("Sort code,Account number")
    assert "57391846" not in (run.bacs_secret or "")


def test_details_changed_after_preparing_stop_the_approval(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    services.change_bank_details(ctx, world["lead"], world["group"], "Thief", "111111", "22222222")
    services.confirm_bank_details(ctx, world["approver"], world["group"])
    with pytest.raises(DomainError, match="changed after"):
        services.approve_run(ctx, world["approver"], run)


def test_a_statement_marks_matched_payments_paid_and_lists_the_rest(ctx):
    world = bank_world(ctx)
    run = services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
    services.approve_run(ctx, world["approver"], run)
    first, second = run.items
    statement = (
        "Date,Description,Amount\n"
        f"03/12/2026,BACS {first.reference} OAK LANE,-3000.00\n"
        f"03/12/2026,BACS {second.reference} OAK LANE,-2999.00\n"
        "03/12/2026,CARD PAYMENT STATIONERY,-12.50\n"
    ).encode()
    result = services.import_statement(ctx, world["approver"], run, statement)
    assert [i.id for i in result.paid] == [first.id]
    assert [line.row for line in result.unmatched_lines] == [3, 4]
    assert [i.id for i in result.unpaid] == [second.id]
    assert first.instalment.state == InstalmentState.PAID
    assert first.instalment.payment.paid_on == dt.date(2026, 12, 3)
    assert first.instalment.payment.reference == first.reference
    assert second.instalment.state == InstalmentState.APPROVED
    # The same statement again records nothing twice.
    again = services.import_statement(ctx, world["approver"], run, statement)
    assert again.paid == []
    assert [i.id for i in again.paid_before] == [first.id]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00junk", "CSV"),
        (b"When,What,How much\n1,2,3\n", "Date"),
        (b"Date,Description,Amount\n", "no lines"),
        (b"Date,Description,Amount\n31/02/2027,x,1.00\n", "Row 2"),
        (b"Date,Description,Amount\n2027-01-01,x,lots\n", "Row 2"),
        (b"Date,Description,Amount\n2027-01-01,x,1.005\n", "Row 2"),
        (b"Date,Description,Amount\n2027-01-01\n", "too few"),
    ],
)
def test_a_bad_statement_is_refused_on_the_file_field(data, says):
    with pytest.raises(DomainError) as refused:
        bank_files.read_statement(data)
    assert refused.value.field == "file"
    assert says in refused.value.message
