"""A panel member's journey on the demo panel: say whether they have a conflict with each
application, score two of them, then see the panel's view. Every page is scanned with axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Application
from giving.workflow import State
from voting import demo as voting_demo
from voting import services

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_panel(live_app):
    """The demo panel (loaded here too, in case the demo command does not load it yet), and
    a member who has not declared or scored anything."""
    with live_app.test_request_context():
        voting_demo.load(db.session)
        commit()
        panel = voting_demo.find_panel(db.session)
        reading = db.session.scalars(
            select(Application)
            .where(Application.round_id == panel.round_id, Application.state == State.IN_REVIEW)
            .order_by(Application.id)
        ).all()
        fresh = next(
            m
            for m in sorted(panel.active_members, key=lambda m: m.id)
            if not any(services.declaration_for(db.session, m, a) for a in reading)
        )
        info = {
            "panel": panel.id,
            "email": fresh.user.email,
            "apps": [(a.id, a.group.name) for a in reading],
            "titles": [a.title for a in reading],
            "names": [m.user.name for m in panel.active_members],
            "criteria": [c.id for c in panel.round.criteria],
        }
        db.session.remove()
    return info


def test_a_panel_member_declares_scores_and_sees_the_panel(visitor, demo_panel):
    panel_id = demo_panel["panel"]
    (first_id, first_name), (second_id, second_name) = demo_panel["apps"][:2]
    visitor.log_in(demo_panel["email"], DEMO_PASSWORD)
    visitor.open("/panels")
    visitor.follow("Oakbridge Community Chest")
    assert "You have not said yet whether you have a conflict" in visitor.text()

    # Scoring before declaring sends them to declare first.
    visitor.open(f"/panels/{panel_id}/applications/{first_id}/score")
    assert "Do you have a conflict?" in visitor.text()
    visitor.page.check(f"#conflict_{first_id}")  # No conflict
    visitor.page.check(f"#conflict_{second_id}")
    visitor.press("Save declarations")
    assert "Your declarations are saved." in visitor.text()

    for app_id, scores in ((first_id, [4, 3, 5]), (second_id, [2, 3, 2])):
        visitor.open(f"/panels/{panel_id}/applications/{app_id}/score")
        for n, criterion_id in enumerate(demo_panel["criteria"]):
            value = scores[n % len(scores)]
            suffix = "" if value == 1 else f"-{value}"
            visitor.page.check(f"#criterion_{criterion_id}{suffix}")
        visitor.fill("Your comment", "Clear plan; I would like to know who comes.")
        visitor.press("Send your scores")
        assert "Your scores are sent." in visitor.text()

    text = visitor.text()
    assert first_name in text
    assert second_name in text
    assert "How we work out the scores" in text
    visitor.follow(f"{first_name}: {demo_panel['titles'][0]}")
    assert "Clear plan; I would like to know who comes." in visitor.text()
    visitor.follow("What the panel says about it")
    visitor.fill("Add to the discussion", "Can we ask how many people use the shed each week?")
    visitor.press("Add")
    assert "Added to the discussion." in visitor.text()
    visitor.log_out()


def test_the_published_draw_names_no_one(visitor, demo_panel):
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/rounds")
    visitor.follow("Oakbridge Community Chest")
    round_path = visitor.page.url.split(visitor.base_url)[1]
    visitor.open(round_path + "/panel")
    visitor.follow("Register of conflicts")
    assert "My brother is on the Men's Shed committee." in visitor.text()
    visitor.open(round_path + "/panel")
    visitor.follow("Questions for people who offer")
    visitor.open(round_path + "/panel")
    with visitor.page.expect_navigation():
        visitor.page.get_by_role("link", name="Lottery on").first.click()
    visitor.check()
    text = visitor.text()
    assert "How the panel was drawn" in text
    assert voting_demo.LOTTERY_RESULT in text
    assert voting_demo.LOTTERY_SOURCE in text
    assert "Age band" in text
    for name in demo_panel["names"]:
        assert name not in text
    visitor.log_out()
