"""Who may choose the language of the pages: everyone, signed in or not."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory

# tests/test_routes_covered.py checks that each route the app serves appears in some
# module's ROUTES_COVERED.
ROUTES_COVERED = {"/language"}


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
    # Anyone may choose a language, visitors too; a choice sent with no language shows the
    # choice again, with the message next to it. There is no page to GET.
    (
        "POST",
        "/language",
        {"visitor": 200, "person": 200, "fund_manager": 200, "site_admin": 200},
    ),
    ("GET", "/language", {"visitor": 405, "person": 405}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
