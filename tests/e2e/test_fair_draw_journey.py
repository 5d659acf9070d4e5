"""The fair panel lottery in the browser: the fund's team names the public source, closes
offers (publishing the fingerprint and everyone's chances), types in the public numbers and
runs the draw, then downloads the bundle; a volunteer sees their own chance. Every page is
scanned with axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Place, User
from tests.factories import PanelFactory, RoundFactory
from voting import draw_bundle, services

pytestmark = pytest.mark.e2e

SOURCE = "Dice rolled at the public meeting on Tuesday 8 December 2026"


@pytest.fixture
def offered_panel(live_app):
    """A round in Oakbridge whose four-seat panel is drawn by lottery, with twelve demo
    residents who offered (answering one question)."""
    with live_app.test_request_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        manager = db.session.scalar(select(User).where(User.email == "manager@demo.placefund.org"))
        round_ = RoundFactory(place=place, title="Oakbridge Lottery Trial")
        panel = PanelFactory(round=round_, drawn=True, size=4)
        db.session.flush()
        age = services.add_category(db.session, manager, panel, "Age band", ["Young", "Older"])
        for i in range(11, 23):
            person = db.session.scalar(
                select(User).where(User.email == f"resident{i}@demo.placefund.org")
            )
            # Three older people and nine young ones.
            value = age.values[1] if i < 14 else age.values[0]
            services.offer_to_serve(db.session, person, panel, {age.id: value.id})
        commit()
        return {"path": f"/places/oakbridge/rounds/{round_.id}/panel", "older": age.values[1].id}


def test_the_fund_team_runs_a_fair_lottery_anyone_can_check(visitor, offered_panel):
    path = offered_panel["path"]
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(path + "/draw")
    page = visitor.page
    page.get_by_label("At least (Older)", exact=True).fill("2")
    page.get_by_label("At most (Older)", exact=True).fill("2")
    page.get_by_label(
        "Fair lottery (everyone gets the best chance the quotas allow)", exact=True
    ).check()
    visitor.fill("Where will the lottery's numbers come from?", SOURCE)
    visitor.press("Save the plan")
    assert "The plan is saved." in visitor.text()
    visitor.press("Close offers and publish the fingerprint")
    text = visitor.text()
    assert "Offers have closed" in text
    assert "Fingerprint (SHA-256)" in text
    assert "66.7%" in text  # 3 older people for 2 seats
    assert "maximin" not in text.lower()
    visitor.fill("The numbers from the public source", "6 3 1 5")
    visitor.press("Run the lottery")
    text = visitor.text()
    assert "How the panel was drawn" in text
    assert SOURCE in text
    assert "6 3 1 5" in text
    assert "Everyone's chance of being chosen" in text
    link = page.get_by_role("link", name="Download everything needed to check this lottery (JSON)")
    bundle = page.request.get(visitor.base_url + link.get_attribute("href")).json()
    assert bundle["public_result"] == "6 3 1 5"
    assert draw_bundle.verify(bundle) == []
    page.get_by_text("Details for people who want to check").click()
    assert "sortition-algorithms" in visitor.text()
    visitor.check()
    visitor.log_out()
    visitor.assert_every_page_scanned()


def test_a_volunteer_sees_their_own_chance(visitor, narrow_visitor, offered_panel):
    path = offered_panel["path"]
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(path + "/draw")
    visitor.fill("Where will the lottery's numbers come from?", SOURCE)
    visitor.press("Save the plan")
    visitor.press("Close offers and publish the fingerprint")
    visitor.log_out()
    narrow_visitor.log_in("resident11@demo.placefund.org", DEMO_PASSWORD)
    narrow_visitor.open(path + "/offer")
    text = narrow_visitor.text()
    assert "Your chance of being chosen in the lottery: 33.3%." in text
    assert "3 people gave the same answers as you, and each has the same chance." in text
    narrow_visitor.log_out()
