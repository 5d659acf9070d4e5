"""Who may use each route of funds, grants, payments, check-ins and open data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from funds.models import Income
from giving.models import Role
from giving.workflow import State
from tests.access_helpers import check_route, route_cases
from tests.factories import (
    ApplicationFactory,
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
    make_grant,
)

# tests/test_routes_covered.py checks that every route the app serves appears in some module's
# ROUTES_COVERED; every rule here has at least one case below.
ROUTES_COVERED = {
    "/places/<place_slug>/funds",
    "/places/<place_slug>/funds/new",
    "/funds/<int:fund_id>",
    "/funds/<int:fund_id>/manage",
    "/funds/<int:fund_id>/edit",
    "/funds/<int:fund_id>/questions",
    "/funds/<int:fund_id>/questions/<int:question_id>/remove",
    "/funds/<int:fund_id>/rounds",
    "/funds/<int:fund_id>/income",
    "/funds/<int:fund_id>/income/new",
    "/funds/<int:fund_id>/income/<int:income_id>/arrived",
    "/funds/<int:fund_id>/income/<int:income_id>/refund",
    "/funds/<int:fund_id>/grants",
    "/funds/<int:fund_id>/grants/new",
    "/funds/<int:fund_id>/payment-run",
    "/funds/<int:fund_id>/payment-run.csv",
    "/grants",
    "/grants/<int:grant_id>",
    "/grants/<int:grant_id>/agreement",
    "/grants/<int:grant_id>/payments/<int:instalment_id>/<action>",
    "/grants/<int:grant_id>/change",
    "/grants/<int:grant_id>/end",
    "/grants/<int:grant_id>/check-ins/<int:checkin_id>",
    "/open-data",
    "/open-data/360giving.json",
    "/open-data/360giving.csv",
}


@pytest.fixture(scope="module")
def world(shared_session):
    session = shared_session.session
    place = PlaceFactory()
    fund = FundFactory(place=place, money=5_000_000, questions=["What went well?"])
    group = GroupFactory(place=place)
    lead = GroupMemberFactory(group=group, is_lead=True)
    grant = make_grant(fund, group=group, accepted=True, total_pence=2_000_000)
    offered = make_grant(fund, group=group, total_pence=500_000, title="A second thing")
    income = session.scalar(select(Income).where(Income.fund_id == fund.id))
    round_ = RoundFactory(place=place)
    application = ApplicationFactory(round=round_, group=group, state=State.AWARDED)
    other_place = PlaceFactory()
    people = {
        "visitor": None,
        "person": UserFactory(),
        "group_lead": lead.user,
        "other_group": GroupMemberFactory(group=GroupFactory(place=place)).user,
        "panel": RoleGrantFactory(place=place, role=Role.PANEL_MEMBER).user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "elsewhere": RoleGrantFactory(place=other_place, role=Role.FUND_MANAGER).user,
        "site_admin": UserFactory(site_admin=True),
    }
    return {
        "people": people,
        "slug": place.slug,
        "fund": fund.id,
        "question": fund.questions[0].id,
        "income": income.id,
        "grant": grant.id,
        "offered": offered.id,
        "inst": grant.instalments[0].id,
        "checkin": grant.checkins[0].id,
        "application": application.id,
    }


STAFF_ONLY = {"visitor": "login", "group_lead": 403, "elsewhere": 403, "fund_manager": 200}
EVERY_ROLE = {
    **STAFF_ONLY,
    "person": 403,
    "panel": 403,
    "other_group": 403,
    "admin": 200,
    "site_admin": 200,
}
STAFF_POST = {
    "visitor": "login",
    "group_lead": 403,
    "elsewhere": 403,
    "fund_manager": 302,
}
GRANT_PAGE = {
    "visitor": "login",
    "other_group": 403,
    "elsewhere": 403,
    "group_lead": 200,
    "fund_manager": 200,
}
PUBLIC = {"visitor": 200, "group_lead": 200}

# (method, path, {who: expected status}); "login" means sent to the log-in page.
CASES = [
    ("GET", "/places/{slug}/funds", PUBLIC),
    ("GET", "/places/no-such-place/funds", {"visitor": 404}),
    ("GET", "/places/{slug}/funds/new", EVERY_ROLE),
    ("GET", "/funds/{fund}", PUBLIC),
    ("GET", "/funds/999999", {"visitor": 404}),
    ("GET", "/funds/{fund}/manage", EVERY_ROLE),
    ("GET", "/funds/{fund}/edit", STAFF_ONLY),
    ("GET", "/funds/{fund}/questions", STAFF_ONLY),
    ("POST", "/funds/{fund}/questions/{question}/remove", STAFF_POST),
    ("GET", "/funds/{fund}/rounds", STAFF_ONLY),
    ("GET", "/funds/{fund}/income", STAFF_ONLY),
    ("GET", "/funds/{fund}/income/new", STAFF_ONLY),
    ("POST", "/funds/{fund}/income/{income}/arrived", STAFF_POST),
    ("GET", "/funds/{fund}/income/{income}/refund", STAFF_ONLY),
    ("GET", "/funds/{fund}/grants", STAFF_ONLY),
    ("GET", "/funds/{fund}/grants/new", STAFF_ONLY),
    ("GET", "/funds/{fund}/grants/new?application={application}", STAFF_ONLY),
    ("GET", "/funds/{fund}/payment-run", STAFF_ONLY),
    ("GET", "/funds/{fund}/payment-run.csv", STAFF_ONLY),
    ("GET", "/grants", {"visitor": "login", "person": 200, "group_lead": 200}),
    ("GET", "/funds/{fund}/payment-run?on=1&on=1&on=2030", STAFF_ONLY),
    ("GET", "/grants/{grant}", GRANT_PAGE),
    ("GET", "/grants/999999", {"visitor": "login", "fund_manager": 404}),
    ("GET", "/grants/{grant}/agreement", GRANT_PAGE),
    (
        "POST",
        "/grants/{offered}/agreement",
        {"visitor": "login", "person": 403, "fund_manager": 403, "group_lead": 200},
    ),
    (
        "GET",
        "/grants/{grant}/payments/{inst}/approve",
        EVERY_ROLE,
    ),
    ("GET", "/grants/{grant}/payments/{inst}/pay", STAFF_ONLY),
    ("GET", "/grants/{grant}/payments/{inst}/hold", STAFF_ONLY),
    ("GET", "/grants/{grant}/payments/{inst}/fly", {"fund_manager": 404}),
    ("GET", "/grants/{grant}/change", STAFF_ONLY),
    ("GET", "/grants/{grant}/end", STAFF_ONLY),
    ("GET", "/grants/{grant}/check-ins/{checkin}", GRANT_PAGE),
    (
        "POST",
        "/grants/{grant}/check-ins/{checkin}",
        {"visitor": "login", "person": 403, "fund_manager": 403},
    ),
    ("GET", "/open-data", PUBLIC),
    ("GET", "/open-data/360giving.json", PUBLIC),
    ("GET", "/open-data/360giving.csv", PUBLIC),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_funds_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
