"""No dead ends: the place's funds are a click from the place and from managing it, the home
page's "give" goes to the place's funds, every page that says "ask the fund's team" shows how,
a round page says when a vote or the panel's offers are open and links to them, and status
labels tell the truth."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from giving.models import Role
from giving.timeutil import utcnow
from tests.conftest import post_form
from tests.factories import (
    FundFactory,
    PanelFactory,
    PanelMemberFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
)
from tests.giving.round_helpers import as_user
from voting.models import PanelDraw
from voting.models.panels import DrawKind

CONTACT = {
    "action": "contact",
    "contact-contact_name": "Oakbridge grants team",
    "contact-contact_email": "grants@oakbridge.example",
    "contact-contact_phone": "01632 960 001",
}


@pytest.fixture
def world(session):
    manager_grant = RoleGrantFactory(role=Role.FUND_MANAGER)
    place = manager_grant.place
    PostcodeAreaFactory(place=place, prefix="TQ1")
    fund = FundFactory(place=place, name="Taskbury Fund")
    session.commit()
    return {"place": place, "manager": manager_grant.user, "fund": fund}


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_funds_are_linked_from_the_place_and_from_managing_it(client, world):
    slug = world["place"].slug
    assert f'href="/places/{slug}/funds"' in _html(client, f"/places/{slug}")
    as_user(client, world["manager"])
    assert f'href="/places/{slug}/funds"' in _html(client, f"/places/{slug}/manage")
    # And the funds page lets you give.
    assert f'href="/funds/{world["fund"].id}/give"' in _html(client, f"/places/{slug}/funds")


def test_give_to_your_place_on_the_home_page_goes_to_its_funds(client, world):
    slug = world["place"].slug
    assert f'href="/places/{slug}/funds" id="give-link"' in _html(client, "/")
    # Someone who lives there is sent to their own place's funds, whatever else there is.
    RoundFactory()  # another place
    as_user(client, UserFactory(postcode="TQ1 1AA"))
    assert f'href="/places/{slug}/funds" id="give-link"' in _html(client, "/")


def test_a_contact_set_on_the_place_shows_wherever_people_are_told_to_ask(client, world):
    slug = world["place"].slug
    before = _html(client, f"/places/{slug}")
    assert "The fund's team has not said how to reach them yet." in before
    as_user(client, world["manager"])
    response = post_form(client, f"/places/{slug}/manage", CONTACT)
    assert response.status_code == 302
    round_ = RoundFactory(place=world["place"])
    as_user(client, UserFactory(postcode="TQ1 1AA"))
    for url in (
        f"/places/{slug}",
        f"/places/{slug}/funds",
        f"/places/{slug}/verify",
        f"/places/{slug}/rounds/{round_.id}",
        f"/funds/{world['fund'].id}",
    ):
        page = _html(client, url)
        assert "Oakbridge grants team" in page, url
        assert 'href="mailto:grants@oakbridge.example"' in page, url
        assert 'href="tel:01632960001"' in page, url


def test_a_fund_can_have_its_own_contact(client, world):
    fund = world["fund"]
    as_user(client, world["manager"])
    data = {
        "name": fund.name,
        "holder_name": fund.holder_name,
        "checkin_threshold_pence": "10000",
        "contact_name": "Fund desk",
        "contact_email": "desk@fund.example",
    }
    assert post_form(client, f"/funds/{fund.id}/edit", data).status_code == 302
    page = _html(client, f"/funds/{fund.id}")
    assert "Fund desk" in page
    assert 'href="mailto:desk@fund.example"' in page


def test_a_contact_that_cannot_be_right_is_refused_next_to_its_field(client, world):
    slug = world["place"].slug
    as_user(client, world["manager"])
    for field, value, message in (
        ("contact_email", "not an email", "Enter a real email address"),
        ("contact_phone", "call me", "Enter a phone number using only digits and spaces"),
    ):
        bad = {**CONTACT, f"contact-{field}": value}
        response = post_form(client, f"/places/{slug}/manage", bad)
        assert response.status_code in (200, 400)
        page = response.get_data(as_text=True)
        assert f'id="contact-{field}-error"' in page
        assert message in page
    assert world["place"].contact_email is None


def test_the_database_refuses_a_contact_email_without_an_at(session, world):
    refused = text("UPDATE places SET contact_email = 'nobody' WHERE id = :id")
    with pytest.raises(IntegrityError):
        session.execute(refused, {"id": world["place"].id})
    session.rollback()


def test_a_round_page_links_to_its_open_panel_offers_and_says_when_drawn(client, world):
    place = world["place"]
    round_ = RoundFactory(place=place)
    panel = PanelFactory(round=round_, open=True)
    url = f"/places/{place.slug}/rounds/{round_.id}"
    offer = f"/places/{place.slug}/rounds/{round_.id}/panel/offer"
    assert f'href="{offer}"' in _html(client, url)
    # An open panel takes offers while it reads, too.
    panel.status = panel.status.__class__("reviewing")
    client.application.extensions["sqlalchemy"].session.commit()
    assert f'href="{offer}"' in _html(client, url)


def test_a_drawn_panel_says_when_it_was_drawn(client, session, world):
    place = world["place"]
    round_ = RoundFactory(place=place)
    panel = PanelFactory(round=round_, drawn=True)
    draw = PanelDraw(
        panel=panel,
        kind=DrawKind.PANEL,
        seed=7,
        seats=5,
        pool_size=20,
        algorithm="legacy",
        pool=[],
        quotas=[],
        selected=[],
        summary=[],
    )
    session.add(draw)
    session.commit()
    page = _html(client, f"/places/{place.slug}/rounds/{round_.id}")
    assert "The panel was drawn on" in page
    assert f"/panel/draws/{draw.id}" in page


def test_a_drawn_panel_s_status_says_drawn_on_wherever_it_shows(client, session, world):
    place = world["place"]
    round_ = RoundFactory(place=place)
    panel = PanelFactory(round=round_, drawn=True)
    member = PanelMemberFactory(panel=panel)
    session.commit()
    pages = {
        "manage": f"/places/{place.slug}/rounds/{round_.id}/panel",
        "mine": "/panels",
        "panel": f"/panels/{panel.id}",
    }
    as_user(client, world["manager"])
    assert "Being formed" in _html(client, pages["manage"])
    as_user(client, member.user)
    assert "being formed" in _html(client, pages["mine"])
    session.add(
        PanelDraw(
            panel=panel,
            kind=DrawKind.PANEL,
            seed=7,
            seats=5,
            pool_size=20,
            algorithm="maximin",
            pool=[],
            quotas=[],
            selected=[],
            summary=[],
        )
    )
    session.commit()
    as_user(client, world["manager"])
    assert "Drawn on" in _html(client, pages["manage"])
    as_user(client, member.user)
    for name in ("mine", "panel"):
        page = _html(client, pages[name])
        assert "Drawn on" in page, name
        assert "eing formed" not in page, name


def test_a_round_that_has_not_opened_says_when_it_opens(client, world):
    place = world["place"]
    later = utcnow().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    RoundFactory(place=place, opens_at=later, closes_at=later + dt.timedelta(days=10))
    page = _html(client, f"/places/{place.slug}/rounds")
    assert "Opens at " in page
    assert "Opens soon" not in page


def test_a_round_page_with_an_open_public_vote_says_so_and_links_to_it(client, world):
    from tests.giving.tasks_helpers import _vote
    from voting.models import VoteStatus

    round_ = RoundFactory(place=world["place"])
    vote = _vote(round_, VoteStatus.OPEN)
    client.application.extensions["sqlalchemy"].session.commit()
    page = _html(client, f"/places/{world['place'].slug}/rounds/{round_.id}")
    assert "A public vote is open until" in page
    assert f'href="/votes/{vote.id}"' in page
