"""Who may use "Your tasks" and the "how this works" page, and who may not."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory

# tests/test_routes_covered.py checks that each route the app serves appears in some
# module's ROUTES_COVERED.
ROUTES_COVERED = {"/tasks", "/how-it-works"}


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
    # Everyone's tasks are their own: log in to see them.
    ("GET", "/tasks", {"visitor": "login", "person": 200, "fund_manager": 200, "site_admin": 200}),
    # A list that does not apply to the person is not there for them.
    ("GET", "/tasks?list=to-check", {"visitor": "login", "person": 404, "fund_manager": 200}),
    ("GET", "/tasks?list=places", {"person": 404, "fund_manager": 404, "site_admin": 200}),
    ("GET", "/tasks?list=nonsense", {"person": 404}),
    ("GET", "/how-it-works", {"visitor": 200, "person": 200}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
