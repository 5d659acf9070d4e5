"""A fund manager marks several payments ready to pay at once: ticks them, checks what will
happen, then confirms; on a normal browser (every page scanned with axe), on a 320 px phone
and with JavaScript switched off."""

from __future__ import annotations

import uuid

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


def _two_grants(live_app, tag: str) -> dict:
    """Two new groups in Oakbridge with agreed grants from the demo fund; each one's first
    payment is planned for today."""
    with live_app.test_request_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        fund = db.session.scalar(select(Fund).where(Fund.name == FUND_NAME))
        manager = db.session.scalar(select(User).where(User.email == DEMO_MANAGER_EMAIL))
        names = []
        for n in (1, 2):
            lead = User(
                email=f"bulk-{tag}-{n}@example.org",
                name="Bo Lead",
                password_hash=hash_password(DEMO_PASSWORD),
                email_confirmed_at=utcnow(),
            )
            group = Group(
                place=place, name=f"Bulk Test Club {tag} {n}", kind=GroupKind.UNINCORPORATED
            )
            group.members.append(GroupMember(user=lead, is_lead=True))
            db.session.add(group)
            db.session.flush()
            grant = services.make_grant(
                db.session,
                manager,
                fund,
                group=group,
                title="Club nights",
                total_pence=240_000,
                start_date=to_london(utcnow()).date(),
                years=1,
                frequency=Frequency.QUARTERLY,
            )
            services.accept_agreement(db.session, lead, grant, agreed=True)
            names.append(group.name)
        result = {"fund_id": fund.id, "groups": names}
        commit()
        return result


def _mark_two_ready(visitor, world) -> None:
    visitor.log_in(DEMO_MANAGER_EMAIL, DEMO_PASSWORD)
    visitor.open(f"/funds/{world['fund_id']}/manage")
    click(visitor, "link", "Mark many payments ready to pay")
    visitor.press("Check what will happen")
    assert "Tick at least one payment" in visitor.text()
    for name in world["groups"]:
        visitor.page.get_by_label(f"{name}: payment 1,", exact=False).check()
    visitor.press("Check what will happen")
    text = visitor.text()
    assert "2 payments, £1,200 in all, will be marked as ready to pay" in text
    assert all(name in text for name in world["groups"])
    visitor.press("Yes, mark them ready to pay")
    text = visitor.page.locator("body").inner_text()
    assert "2 payments marked as ready to pay" in text
    assert not any(f"{name}: payment 1," in visitor.text() for name in world["groups"])
    visitor.open(f"/funds/{world['fund_id']}/payment-run")
    assert all(name in visitor.text() for name in world["groups"])


def test_marking_many_payments_ready_to_pay(visitor, live_app):
    _mark_two_ready(visitor, _two_grants(live_app, uuid.uuid4().hex[:8]))


def test_marking_many_payments_ready_on_a_phone(narrow_visitor, live_app):
    _mark_two_ready(narrow_visitor, _two_grants(live_app, uuid.uuid4().hex[:8]))


def test_marking_many_payments_ready_without_javascript(noscript_visitor, live_app):
    _mark_two_ready(noscript_visitor, _two_grants(live_app, uuid.uuid4().hex[:8]))
