"""Eligibility first: the public checker says, before a group writes a word, whether it can
apply and exactly why not; the same rules are applied when a group starts and sends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from giving import services
from giving.models import Application, EligibilityRule, GroupKind, RuleKind
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import post_form
from tests.factories import ApplicationFactory, RoundFactory
from tests.giving.round_helpers import as_user, build_world, round_url


@pytest.fixture
def world(session):
    world = build_world()
    north, _south = world.wards
    round_ = RoundFactory(place=world.place, title="Strict round", opened=False)
    round_.rules.extend(
        [
            EligibilityRule(kind=RuleKind.GROUP_KIND, group_kind=GroupKind.UNINCORPORATED),
            EligibilityRule(kind=RuleKind.GROUP_KIND, group_kind=GroupKind.CHARITY),
            EligibilityRule(kind=RuleKind.WARD, ward=north),
            EligibilityRule(kind=RuleKind.INCOME_CEILING, amount_pence=2_500_000),
            EligibilityRule(kind=RuleKind.NO_RECENT_AWARD, months=12),
        ]
    )
    session.flush()
    round_.status = round_.status.OPEN
    round_.opened_at = utcnow()
    session.commit()
    world.strict = round_
    return world


def check(client, world, **answers):
    data = {
        "group_kind": "unincorporated",
        "income_pence": "10,000",
        "postcode": "RV1 4XY",
        "recently_awarded": "no",
        **answers,
    }
    return post_form(client, round_url(world, "/check", round_=world.strict), data)


def test_a_group_that_fits_is_told_it_can_apply(client, world):
    page = check(client, world).get_data(as_text=True)
    assert "Your group can apply" in page
    assert "Start an application" in page


def test_the_checker_gives_every_reason_a_group_cannot_apply(client, world):
    page = check(
        client,
        world,
        group_kind="cic",
        income_pence="30,000",
        postcode="rv2 1ab",
        recently_awarded="yes",
    ).get_data(as_text=True)
    assert "Your group cannot apply to this round" in page
    assert "community interest company (cic)" in page
    assert "Your postcode RV2 1AB is in South" in page
    assert "Your group has £30,000" in page
    assert "in the last 12 months cannot apply" in page


def test_the_checker_asks_only_what_the_rules_need(client, world):
    page = client.get(round_url(world)).get_data(as_text=True)
    assert "Check if your group can apply" in page
    page = client.get(round_url(world, "/check")).get_data(as_text=True)
    assert "Any group that works in Riverton can apply" in page
    assert 'name="postcode"' not in page
    page = client.get(round_url(world, "/check", round_=world.strict)).get_data(as_text=True)
    for name in ("group_kind", "income_pence", "postcode", "recently_awarded"):
        assert f'name="{name}"' in page


def test_a_bad_postcode_in_the_checker_is_shown_next_to_the_field(client, world):
    page = check(client, world, postcode="nonsense").get_data(as_text=True)
    assert "Enter a full UK postcode" in page
    assert 'href="#postcode"' in page
    page = check(client, world, group_kind="").get_data(as_text=True)
    assert "Choose what kind of group you are" in page


def test_an_ineligible_group_cannot_start_and_is_told_why(client, world, session):
    group = world.group
    group.kind = GroupKind.CIC
    group.company_number = "12345678"
    group.annual_income_pence = 5_000_000
    session.commit()
    as_user(client, world.member)
    before = session.scalar(select(func.count(Application.id)))
    response = post_form(
        client, round_url(world, "/apply", round_=world.strict), {"group": str(group.id)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "only for these kinds of group" in page
    assert "Your group has £50,000" in page
    assert 'href="#group"' in page
    assert session.scalar(select(func.count(Application.id))) == before


def test_a_group_funded_recently_cannot_apply(session, world, ctx):
    ApplicationFactory(
        round=RoundFactory(place=world.place, title="Last spring"),
        group=world.group,
        state=State.AWARDED,
        decided_at=utcnow() - dt.timedelta(days=40),
    )
    facts = services.facts_for_group(session, world.strict, world.group)
    reasons = services.eligibility_reasons(session, world.strict, facts)
    assert any("in the last 12 months cannot apply" in r for r in reasons)
    assert any("Your group was given money on" in r for r in reasons)


def test_a_group_with_no_income_or_postcode_is_asked_to_add_them(session, world, ctx):
    world.group.postcode = None
    world.group.annual_income_pence = None
    facts = services.facts_for_group(session, world.strict, world.group)
    reasons = " ".join(services.eligibility_reasons(session, world.strict, facts))
    assert "Add your group's postcode" in reasons
    assert "Tell us how much money comes into your group each year" in reasons


def test_a_group_from_another_place_cannot_apply(session, world, ctx):
    from tests.factories import GroupFactory

    outsider = GroupFactory(name="Far Away Club")
    facts = services.facts_for_group(session, world.round, outsider)
    reasons = services.eligibility_reasons(session, world.round, facts)
    assert reasons == [
        f"This round is for groups in Riverton. Your group is in {outsider.place.name}."
    ]
