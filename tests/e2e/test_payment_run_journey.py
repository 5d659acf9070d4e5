"""A group adds its bank details and the fund's team check them; one fund manager prepares a
payment run, a second approves it, the Bacs file is downloaded, and the bank's statement
records the payment as paid. Every page is scanned with axe."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from funds import services
from funds.demo import FUND_NAME
from funds.models import Fund
from funds.schedule import Frequency
from giving.demo import DEMO_MANAGER_EMAIL, DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Group, GroupKind, GroupMember, Place, User
from giving.services import hash_password
from giving.timeutil import to_london, utcnow
from tests.e2e.journey_helpers import click

pytestmark = pytest.mark.e2e

FINANCE_EMAIL = "finance@demo.placefund.org"


def _grant_ready_to_pay(live_app, tag: str) -> dict:
    """A new group in Oakbridge with a grant from the demo fund whose first payment is ready to
    pay today (grants have browser tests of their own)."""
    with live_app.test_request_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        fund = db.session.scalar(select(Fund).where(Fund.name == FUND_NAME))
        manager = db.session.scalar(select(User).where(User.email == DEMO_MANAGER_EMAIL))
        email = f"garden-{tag}@example.org"
        lead = User(
            email=email,
            name="Gita Green",
            password_hash=hash_password(DEMO_PASSWORD),
            email_confirmed_at=utcnow(),
        )
        group = Group(place=place, name=f"Ashby Garden Club {tag}", kind=GroupKind.UNINCORPORATED)
        group.members.append(GroupMember(user=lead, is_lead=True))
        db.session.add(group)
        db.session.flush()
        grant = services.make_grant(
            db.session,
            manager,
            fund,
            group=group,
            title="Growing food together",
            total_pence=240_000,
            start_date=to_london(utcnow()).date(),
            years=1,
            frequency=Frequency.QUARTERLY,
        )
        services.accept_agreement(db.session, lead, grant, agreed=True)
        services.act_on_instalment(db.session, manager, grant.instalments[0], "approve")
        result = {"email": email, "group": group.name, "group_id": group.id, "fund_id": fund.id}
        commit()
        return result


def test_bank_details_checked_then_a_run_prepared_approved_and_reconciled(
    visitor, live_app, mailbox
):
    tag = uuid.uuid4().hex[:8]
    world = _grant_ready_to_pay(live_app, tag)

    # The group's lead adds the account; a mistake is shown next to the field.
    visitor.log_in(world["email"], DEMO_PASSWORD)
    visitor.open(f"/groups/{world['group_id']}")
    click(visitor, "link", "Bank details for grant payments")
    click(visitor, "link", "Add bank details")
    visitor.fill("Name on the account", "Ashby Garden Club")
    visitor.fill("Sort code", "60-16-13")
    visitor.fill("Account number", "3192657")
    visitor.press("Save bank details")
    assert (
        "Enter an account number of 8 numbers"
        in visitor.page.locator(".govuk-error-summary").inner_text()
    )
    visitor.fill("Account number", "31926819")
    visitor.press("Save bank details")
    text = visitor.text()
    assert "Waiting to be checked" in text
    assert "****6819" in text
    assert "31926819" not in text
    assert any("bank details have changed" in m["subject"] for m in mailbox.to(world["email"]))
    visitor.log_out()

    # The fund manager sees the payment held, checks the details and confirms them.
    visitor.log_in(DEMO_MANAGER_EMAIL, DEMO_PASSWORD)
    visitor.open(f"/funds/{world['fund_id']}/payment-run")
    assert "Left out of payment runs" in visitor.text()
    click(visitor, "link", f"Bank details of {world['group']}")
    assert "31926819" in visitor.text()
    visitor.press("Confirm these bank details")
    assert "Bank details confirmed" in visitor.text()

    # The manager prepares a run, and cannot approve it alone.
    visitor.open(f"/funds/{world['fund_id']}/payment-run")
    visitor.press("Prepare a payment run")
    text = visitor.text()
    assert "Payment run prepared" in text
    assert "someone else on the fund's team must approve it" in text
    run_path = visitor.page.url.split(visitor.base_url, 1)[1]
    visitor.log_out()

    # A second fund manager approves it and downloads the files.
    visitor.log_in(FINANCE_EMAIL, DEMO_PASSWORD)
    visitor.open(run_path)
    visitor.press("Approve this payment run")
    text = visitor.text()
    assert "Payment run approved" in text
    assert "SHA-256" in text
    with visitor.page.expect_download() as fetched:
        visitor.page.get_by_role("link", name="Download the Bacs file (Standard 18)").click()
    bacs = Path(fetched.value.path()).read_bytes().decode("ascii")
    records = bacs.split("\r\n")[:-1]
    assert records
    assert all(len(r) == 100 for r in records)
    assert any(r.startswith("60161331926819099") for r in records)
    with visitor.page.expect_download() as fetched:
        visitor.page.get_by_role("link", name="Download the payments as a CSV file").click()
    rows = list(csv.DictReader(io.StringIO(Path(fetched.value.path()).read_text("utf-8"))))
    ours = next(r for r in rows if r["Account number"] == "31926819")

    # The bank's statement comes back: the group's line is matched, a card payment is not.
    statement = (
        "Date,Description,Amount\n"
        f"{to_london(utcnow()).date():%d/%m/%Y},BACS {ours['Reference']},-{ours['Amount']}\n"
        f"{to_london(utcnow()).date():%d/%m/%Y},CARD STATIONERY,-9.99\n"
    )
    visitor.page.get_by_label("The bank's statement, as a CSV file").set_input_files(
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": statement.encode()}]
    )
    visitor.press("Match the statement")
    text = visitor.text()
    assert "payment recorded as paid" in text or "payments recorded as paid" in text
    assert "CARD STATIONERY" in text
    assert "Statement lines that matched no payment" in text
