"""Who may change reminder settings, and who may not: only a logged-in person, their own."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory

# tests/test_routes_covered.py checks that each route the app serves appears in some
# module's ROUTES_COVERED.
ROUTES_COVERED = {"/account/reminders"}


@pytest.fixture
def world(session):
    place = PlaceFactory()
    return {
        "people": {
            "visitor": None,
            "person": UserFactory(),
            "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
            "site_admin": UserFactory(site_admin=True),
        }
    }


CASES = [
    # Everyone's reminders are their own: log in to change them; there is no one else's.
    (
        "GET",
        "/account/reminders",
        {"visitor": "login", "person": 200, "fund_manager": 200, "site_admin": 200},
    ),
    # A form sent with no answer shows the page again with the message next to the field.
    ("POST", "/account/reminders", {"visitor": "login", "person": 200}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
