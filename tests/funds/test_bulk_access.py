"""Who may use the bulk pages and throw a payment run away: the place's fund managers and
admins; not groups, residents, visitors, or fund managers of another place."""

from __future__ import annotations

import pytest

from funds import services
from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.conftest import in_request
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory
from tests.funds.bank_world import bank_world

ROUTES_COVERED = {
    "/funds/<int:fund_id>/bulk/ready",
    "/funds/<int:fund_id>/bulk/ready/confirm",
    "/funds/<int:fund_id>/bulk/checkins",
    "/funds/<int:fund_id>/bulk/checkins/confirm",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>/discard",
}


@pytest.fixture(scope="module")
def world(app, shared_session):
    session = shared_session.session
    with in_request(app, session) as ctx:
        built = bank_world(ctx)
        prepared = services.prepare_run(ctx, built["preparer"], built["fund"], built["on"])
        ctx.flush()
        return {
            "people": {
                "visitor": None,
                "person": UserFactory(),
                "group_lead": built["lead"],
                "fund_manager": built["approver"],
                "admin": RoleGrantFactory(place=built["place"], role=Role.ADMIN).user,
                "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
            },
            "fund": built["fund"].id,
            "run": prepared.id,
            "later": built["grant"].instalments[3].id,
        }


REFUSED = {"visitor": "login", "person": 403, "group_lead": 403, "elsewhere": 403}
STAFF_ONLY = {**REFUSED, "fund_manager": 200, "admin": 200}
STAFF_REDIRECT = {**REFUSED, "fund_manager": 302, "admin": 302}

CASES = [
    ("GET", "/funds/{fund}/bulk/ready", STAFF_ONLY),
    ("POST", "/funds/{fund}/bulk/ready", STAFF_ONLY),
    ("GET", "/funds/{fund}/bulk/checkins", STAFF_ONLY),
    ("POST", "/funds/{fund}/bulk/checkins", STAFF_ONLY),
    ("GET", "/funds/999999/bulk/ready", {"visitor": "login", "fund_manager": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_see_the_bulk_pages(client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)


@pytest.mark.parametrize(("who", "expected"), [*STAFF_REDIRECT.items()], ids=[*STAFF_REDIRECT])
def test_who_may_mark_many_payments_ready(client, world, who, expected):
    check_route(
        client,
        world,
        "POST",
        "/funds/{fund}/bulk/ready/confirm",
        who,
        expected,
        data={"items": [world["later"]]},
    )


@pytest.mark.parametrize(("who", "expected"), [*REFUSED.items()], ids=[*REFUSED])
def test_who_may_not_ask_for_check_ins(client, world, who, expected):
    check_route(client, world, "POST", "/funds/{fund}/bulk/checkins/confirm", who, expected)


@pytest.mark.parametrize(("who", "expected"), [*STAFF_REDIRECT.items()], ids=[*STAFF_REDIRECT])
def test_who_may_throw_a_payment_run_away(client, world, who, expected):
    check_route(client, world, "POST", "/funds/{fund}/payment-runs/{run}/discard", who, expected)
