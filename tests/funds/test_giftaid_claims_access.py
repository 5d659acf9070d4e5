"""Who may see a Gift Aid claim and download its schedule: the fund's managers and the place's
admins only (the schedule holds donors' names and addresses)."""

from __future__ import annotations

import pytest

from funds.models import GiftAidClaim
from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    UserFactory,
)
from tests.funds.donation_support import today

# tests/test_routes_covered.py checks that every route the app serves appears in some module's
# ROUTES_COVERED; every rule here has at least one case below.
ROUTES_COVERED = {
    "/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>",
    "/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>/schedule.ods",
    "/funds/<int:fund_id>/gift-aid/claims/<int:claim_id>/schedule.csv",
}


@pytest.fixture(scope="module")
def world(shared_session):
    session = shared_session.session
    place = PlaceFactory()
    fund, other = FundFactory(place=place), FundFactory(place=place)
    claim = GiftAidClaim(fund_id=fund.id, from_on=today(), to_on=today())
    session.add(claim)
    session.flush()
    people = {
        "visitor": None,
        "person": UserFactory(),
        "group_lead": GroupMemberFactory(group=GroupFactory(place=place), is_lead=True).user,
        "panel": RoleGrantFactory(place=place, role=Role.PANEL_MEMBER).user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
    }
    return {"people": people, "fund": fund.id, "other": other.id, "claim": claim.id}


STAFF_ONLY = {
    "visitor": "login",
    "person": 403,
    "group_lead": 403,
    "panel": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
}
BASE = "/funds/{fund}/gift-aid/claims/{claim}"

CASES = [
    ("GET", BASE, STAFF_ONLY),
    ("GET", BASE + "/schedule.ods", STAFF_ONLY),
    ("GET", BASE + "/schedule.csv", STAFF_ONLY),
    # A claim is found only under its own fund.
    ("GET", "/funds/{other}/gift-aid/claims/{claim}", {"fund_manager": 404}),
    ("GET", "/funds/{other}/gift-aid/claims/{claim}/schedule.ods", {"fund_manager": 404}),
    ("GET", "/funds/{fund}/gift-aid/claims/999999/schedule.csv", {"fund_manager": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_see_a_gift_aid_claim(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
