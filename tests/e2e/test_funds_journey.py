"""A fund manager turns an award into a grant and pays the first instalment; the group agrees
to its grant online and answers its check-in. Every page is scanned with axe."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import (
    Application,
    Group,
    GroupKind,
    GroupMember,
    Place,
    Round,
    RoundStatus,
    User,
)
from giving.services import hash_password
from giving.timeutil import utcnow
from giving.workflow import State
from tests.e2e.journey_helpers import click

pytestmark = pytest.mark.e2e


def _award(live_app, tag: str) -> dict:
    """A round in Oakbridge with one application already given £15,000 (rounds and panels
    have browser tests of their own); names are unique to this run."""
    with live_app.app_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        now = utcnow()
        round_ = Round(
            place=place,
            title=f"Community spaces {tag}",
            description="Money for places where people meet.",
            budget_pence=5_000_000,
            min_grant_pence=100_000,
            max_grant_pence=2_000_000,
            opens_at=now - dt.timedelta(days=60),
            closes_at=now - dt.timedelta(days=30),
            decision_date=(now - dt.timedelta(days=5)).date(),
            status=RoundStatus.OPEN,
            opened_at=now - dt.timedelta(days=60),
        )
        email = f"hall-{tag}@example.org"
        member = User(
            email=email,
            name="Hallie Hart",
            password_hash=hash_password(DEMO_PASSWORD),
            email_confirmed_at=now,
        )
        group = Group(
            place=place, name=f"Northgate Hall Friends {tag}", kind=GroupKind.UNINCORPORATED
        )
        group.members.append(GroupMember(user=member, is_lead=True))
        application = Application(
            round=round_,
            group=group,
            state=State.AWARDED,
            title="Warm space on winter evenings",
            amount_requested_pence=1_500_000,
            award_pence=1_500_000,
            submitted_at=now - dt.timedelta(days=40),
            decided_at=now - dt.timedelta(days=5),
        )
        db.session.add_all([round_, group, application])
        commit()
        return {"round": round_.title, "group": group.name, "email": email}


def test_award_to_grant_to_first_payment_and_the_group_agrees_and_checks_in(visitor, live_app):
    tag = uuid.uuid4().hex[:8]
    award = _award(live_app, tag)
    fund_name = f"Northgate Fund {tag}"

    # The fund manager sets up a fund, says which round it pays for, and adds money.
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/funds")
    click(visitor, "link", "Set up a fund")
    visitor.fill("Name of the fund", fund_name)
    visitor.fill("Who holds the money", "Oakbridge Community Foundation")
    visitor.press("Save fund")
    assert f"The fund {fund_name} is set up" in visitor.text()

    click(visitor, "link", "Check-in questions")
    visitor.fill("Question", "What went well this year?")
    visitor.press("Add question")
    assert "What went well this year?" in visitor.text()
    click(visitor, "link", f"Back to {fund_name}")

    click(visitor, "link", "Rounds paid from this fund")
    visitor.page.get_by_label("Round", exact=True).select_option(label=award["round"])
    visitor.press("Use this fund for the round")
    assert "Awards waiting to become grants" in visitor.text()

    click(visitor, "link", "Money in")
    click(visitor, "link", "Add money")
    visitor.press("Add money")  # nothing filled in: errors by the fields
    assert visitor.page.title().startswith("Error:")
    assert (
        "Choose where the money is from"
        in visitor.page.locator(".govuk-error-summary").inner_text()
    )
    visitor.page.get_by_label("Money from the council", exact=True).check()
    visitor.fill("How much, in pounds", "50,000")
    visitor.fill("Who gave it (optional)", "Oakbridge Borough Council")
    visitor.press("Add money")
    assert "£50,000 added to the fund" in visitor.text()
    click(visitor, "link", f"Back to {fund_name}")

    # The award becomes a two-year grant, paid every three months.
    click(visitor, "link", "Make a grant")
    visitor.fill("How many years it lasts", "2")
    visitor.press("Offer the grant")
    text = visitor.text()
    assert "The grant is offered" in text
    assert "Waiting for the group to agree" in text
    assert "£1,875" in text  # eight payments of £1,875
    grant_path = visitor.page.url.split(visitor.base_url, 1)[1]
    visitor.log_out()

    # The group reads the short agreement, agrees online, and answers its check-in.
    visitor.log_in(award["email"], DEMO_PASSWORD)
    click(visitor, "link", "Your grants")
    click(visitor, "link", "Warm space on winter evenings")
    click(visitor, "link", "Read the agreement")
    assert "You can spend the money on anything that helps your group do its work" in visitor.text()
    visitor.press("Agree to the grant")
    assert "Tick the box to say your group agrees" in visitor.text()
    visitor.page.get_by_label("I have read this and my group agrees to it", exact=True).check()
    visitor.press("Agree to the grant")
    assert "Your group has agreed to the grant" in visitor.text()
    click(visitor, "link", "Check-in 1")
    assert "These are the only questions we ask" in visitor.text()
    visitor.fill("What went well this year?", "Forty people came every week.")
    visitor.press("Send answers")
    assert "That check-in is done" in visitor.text()
    visitor.log_out()

    # The manager marks the first payment ready, and the payment run records it as paid.
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(grant_path)
    click(visitor, "link", "Mark as ready to pay")
    visitor.press("Confirm")
    assert "Payment 1: ready to pay" in visitor.text()
    click(visitor, "link", "All grants from")
    click(visitor, "link", f"Back to {fund_name}")
    click(visitor, "link", "Payment run")
    assert award["group"] in visitor.text()
    visitor.press("Record these as paid")
    assert "1 payment recorded as paid" in visitor.text()
    visitor.open(grant_path)
    assert "Paid " in visitor.text()
    visitor.log_out()


def test_the_public_can_find_funds_and_open_data(visitor):
    visitor.open("/places/oakbridge/funds")
    click(visitor, "link", "Download every grant as open data")
    assert "360Giving" in visitor.text()
