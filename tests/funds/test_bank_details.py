"""Bank details: kept encrypted, shown masked except to the place's fund managers, changed only
by a group's lead members, emailed to the whole group, and holding payments until checked."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from funds import banking, services
from funds.models import BankDetailsState
from giving.errors import DomainError, NotAllowed
from giving.models import AuditEntry
from tests.conftest import in_request, log_in, post_form
from tests.funds.bank_world import ACCOUNT, SORT_CODE, bank_world


def _all_rows(session) -> str:
    """Every row of every table, as text, read straight from the database."""
    connection = session.connection()
    names = [
        "group_bank_details",
        "fund_banking",
        "audit_entries",
        "payment_runs",
        "payment_run_items",
        "grant_payments",
        "ledger_transactions",
    ]
    return "\n".join(
        repr(row) for name in names for row in connection.execute(text(f"SELECT * FROM {name}"))
    )


def test_numbers_are_unreadable_in_the_database_without_the_key(ctx, app):
    world = bank_world(ctx)
    raw = _all_rows(ctx)
    for secret in (SORT_CODE, ACCOUNT, "30-96-34", "99887766", "401122"):
        assert secret not in raw
    row = (
        ctx.connection()
        .execute(text("SELECT sort_code_secret, account_number_secret FROM group_bank_details"))
        .one()
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 (any key but the right one fails)
        Fernet(Fernet.generate_key()).decrypt(row.account_number_secret.encode())
    assert banking.decrypt(row.account_number_secret) == ACCOUNT
    assert world["group"].id


def test_the_audit_log_has_no_numbers(ctx):
    bank_world(ctx)
    entries = ctx.query(AuditEntry).filter(AuditEntry.action.like("bank_details.%")).all()
    assert {e.action for e in entries} == {"bank_details.add", "bank_details.confirm"}
    written = " ".join(f"{e.summary} {e.details}" for e in entries)
    for secret in (SORT_CODE, ACCOUNT, ACCOUNT[-4:], SORT_CODE[-2:] + "'"):
        assert secret not in written


def test_only_fund_managers_of_the_place_read_the_numbers_in_full(ctx):
    world = bank_world(ctx)
    details = services.bank_details_of(ctx, world["group"])
    group = world["group"]
    assert services.can_read_in_full(ctx, world["approver"], group)
    assert not services.can_read_in_full(ctx, world["lead"], group)
    masked = services.shown(details, in_full=False)
    assert (masked.sort_code, masked.account_number) == ("**-**-34", "****1846")
    full = services.shown(details, in_full=True)
    assert (full.sort_code, full.account_number) == ("30-96-34", ACCOUNT)


def test_a_change_needs_a_lead_member(ctx):
    world = bank_world(ctx)
    with pytest.raises(NotAllowed):
        services.change_bank_details(
            ctx, world["member"], world["group"], "Me", "111111", "22222222"
        )
    with pytest.raises(NotAllowed):
        services.change_bank_details(
            ctx, world["approver"], world["group"], "Me", "111111", "22222222"
        )


@pytest.mark.parametrize(
    ("sort_code", "account", "iban", "field"),
    [
        ("12345", "12345678", "", "sort_code"),
        ("12-34-5x", "12345678", "", "sort_code"),
        ("123456", "1234567", "", "account_number"),
        ("123456", "123456789", "", "account_number"),
        ("123456", "12345678", "GB00 BUKB 2020 1555 5555 55", "iban"),
        ("123456", "12345678", "GB33 BUKB 2020 1555 5555 55", "iban"),  # another account's
        ("123456", "12345678", "not an iban", "iban"),
    ],
)
def test_bad_numbers_are_refused_on_their_field(ctx, sort_code, account, iban, field):
    world = bank_world(ctx)
    with pytest.raises(DomainError) as refused:
        services.change_bank_details(
            ctx, world["lead"], world["group"], "A", sort_code, account, iban
        )
    assert refused.value.field == field


def test_sort_codes_are_read_as_people_write_them_and_a_matching_iban_is_kept(ctx):
    world = bank_world(ctx)
    details = services.change_bank_details(
        ctx,
        world["lead"],
        world["group"],
        "Oak Lane",
        "20 20 15",
        "55555555",
        "gb33 bukb 2020 1555 5555 55",
    )
    full = services.shown(details, in_full=True)
    assert (full.sort_code, full.iban) == ("20-20-15", "GB33BUKB20201555555555")


def test_a_change_holds_payments_until_confirmed_and_emails_the_group(
    app, session, client, mailbox
):
    with in_request(app, session) as ctx:
        world = bank_world(ctx)
        ready, left = services.runnable(ctx, world["fund"], world["on"])
        assert len(ready) == 2
        assert not left
    mailbox.messages.clear()
    log_in(client, world["lead"])
    url = f"/groups/{world['group'].id}/bank-details/change"
    answer = post_form(
        client,
        url,
        {
            "account_name": "Not Really Allotments",
            "sort_code": "11-11-11",
            "account_number": "22222222",
        },
    )
    assert answer.status_code == 302
    with in_request(app, session) as ctx:
        ready, left = services.runnable(ctx, world["fund"], world["on"])
        assert ready == []
        assert len(left) == 2
        assert "changed on" in left[0].reason
        details = services.bank_details_of(ctx, world["group"])
        assert details.state == BankDetailsState.WAITING
        with pytest.raises(DomainError):
            services.prepare_run(ctx, world["preparer"], world["fund"], world["on"])
        services.confirm_bank_details(ctx, world["approver"], world["group"])
        ready, left = services.runnable(ctx, world["fund"], world["on"])
        assert len(ready) == 2
        assert not left
    for person in (world["lead"], world["member"]):
        sent = [m for m in mailbox.to(person.email) if "bank details have changed" in m["subject"]]
        assert len(sent) == 1, person.email
        assert "22222222" not in sent[0]["body"]
        assert "2222" in sent[0]["body"]


def test_rotating_keys_re_encrypts_every_row(app, ctx):
    world = bank_world(ctx)
    old = app.config["BANK_DETAILS_KEYS"]
    new_key = Fernet.generate_key().decode()
    app.config["BANK_DETAILS_KEYS"] = [new_key, *old]
    try:
        assert services.rotate_keys(ctx) == 2
        app.config["BANK_DETAILS_KEYS"] = [new_key]
        full = services.shown(services.bank_details_of(ctx, world["group"]), in_full=True)
        assert full.account_number == ACCOUNT
    finally:
        app.config["BANK_DETAILS_KEYS"] = old


def test_production_refuses_to_start_without_its_own_key():
    from config import DEFAULT_BANK_DETAILS_KEY

    assert banking.keys_problem({"BANK_DETAILS_KEYS": []}, DEFAULT_BANK_DETAILS_KEY)
    assert banking.keys_problem(
        {"BANK_DETAILS_KEYS": [DEFAULT_BANK_DETAILS_KEY]}, DEFAULT_BANK_DETAILS_KEY
    )
    assert banking.keys_problem({"BANK_DETAILS_KEYS": ["short"]}, DEFAULT_BANK_DETAILS_KEY)
    good = Fernet.generate_key().decode()
    assert banking.keys_problem({"BANK_DETAILS_KEYS": [good]}, DEFAULT_BANK_DETAILS_KEY) is None
