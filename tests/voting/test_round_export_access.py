"""Who may download a round's spreadsheet of applications: the place's fund managers and
admins only; not panel members, groups, residents, visitors or another place's staff."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import GroupMemberFactory, RoleGrantFactory
from tests.voting.panel_helpers import build_panel_world

ROUTES_COVERED = {"/places/<place_slug>/rounds/<int:round_id>/applications.csv"}


@pytest.fixture
def world(session):
    built = build_panel_world()
    return {
        "people": {
            "visitor": None,
            "resident": built.resident,
            "panel_member": built.chair.user,
            "group_member": GroupMemberFactory(group=built.first.group).user,
            "elsewhere": built.other_manager,
            "fund_manager": built.manager,
            "admin": RoleGrantFactory(place=built.place, role=Role.ADMIN).user,
        },
        "place": built.place.slug,
        "round": built.round.id,
    }


URL = "/places/{place}/rounds/{round}/applications.csv"
CASES = [
    (
        "GET",
        URL,
        {
            "visitor": "login",
            "resident": 403,
            "panel_member": 403,
            "group_member": 403,
            "elsewhere": 403,
            "fund_manager": 200,
            "admin": 200,
        },
    ),
    ("GET", "/places/{place}/rounds/999999/applications.csv", {"fund_manager": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_download_a_rounds_applications(client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)


def test_the_round_page_links_to_it_for_staff_only(client, world):
    from tests.giving.round_helpers import as_user

    path = URL.format(**world)
    as_user(client, world["people"]["fund_manager"])
    manage = client.get(f"/places/{world['place']}/rounds/{world['round']}/manage")
    assert manage.status_code == 200
    assert path in manage.get_data(as_text=True)
    as_user(client, None)
    public = client.get(f"/places/{world['place']}/rounds/{world['round']}")
    assert path not in public.get_data(as_text=True)
