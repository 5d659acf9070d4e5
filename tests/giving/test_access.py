"""Who may use each route of accounts, places and groups, and who may not."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.factories import (
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    UserFactory,
)

# Every rule here has at least one case below; tests/test_routes_covered.py checks that each
# route the app serves appears in some module's ROUTES_COVERED.
ROUTES_COVERED = {
    "/",
    "/accessibility",
    "/privacy",
    "/register",
    "/register/check-email",
    "/register/resend",
    "/confirm/<token>",
    "/login",
    "/logout",
    "/password/forgot",
    "/password/reset/<token>",
    "/account",
    "/account/email",
    "/account/email/confirm/<token>",
    "/account/password",
    "/account/postcode",
    "/places",
    "/places/new",
    "/places/<slug>",
    "/places/<place_slug>/manage",
    "/places/<place_slug>/postcodes/<int:area_id>/remove",
    "/places/<place_slug>/team",
    "/places/<place_slug>/team/<int:grant_id>/remove",
    "/places/<place_slug>/audit",
    "/groups",
    "/groups/new",
    "/groups/<int:group_id>",
    "/groups/<int:group_id>/edit",
    "/groups/<int:group_id>/members",
    "/groups/<int:group_id>/members/<int:member_id>/remove",
}


@pytest.fixture(scope="module")
def world(shared_session):
    place = PlaceFactory()
    area = PostcodeAreaFactory(place=place, prefix="TB7")
    group = GroupFactory(place=place)
    lead = GroupMemberFactory(group=group, is_lead=True)
    people = {
        "visitor": None,
        "person": UserFactory(),
        "resident": UserFactory(postcode="TB7 1AA"),
        "group_lead": lead.user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "site_admin": UserFactory(site_admin=True),
    }
    grant = RoleGrantFactory(place=place, role=Role.PANEL_MEMBER)
    return {
        "people": people,
        "slug": place.slug,
        "area": area.id,
        "group": group.id,
        "member": lead.id,
        "grant": grant.id,
    }


# (method, path, {who: expected status}); "login" means sent to the log-in page.
CASES = [
    ("GET", "/", {"visitor": 200, "person": 200}),
    ("GET", "/accessibility", {"visitor": 200}),
    ("GET", "/privacy", {"visitor": 200}),
    ("GET", "/register", {"visitor": 200, "person": 302}),
    ("GET", "/register/check-email", {"visitor": 200, "person": 200}),
    # Anyone may ask for the email again; with no address typed, the page asks for one.
    ("POST", "/register/resend", {"visitor": 200, "person": 200}),
    ("GET", "/confirm/bad-token", {"visitor": 400, "person": 400}),
    ("POST", "/confirm/bad-token", {"visitor": 400, "person": 400}),
    ("GET", "/login", {"visitor": 200, "person": 302}),
    ("POST", "/logout", {"visitor": 302, "person": 302}),
    ("GET", "/password/forgot", {"visitor": 200, "person": 200}),
    ("GET", "/password/reset/bad-token", {"visitor": 400}),
    ("GET", "/account", {"visitor": "login", "person": 200}),
    ("GET", "/account/email", {"visitor": "login", "person": 200}),
    ("GET", "/account/email/confirm/bad-token", {"visitor": 400, "person": 400}),
    ("POST", "/account/email/confirm/bad-token", {"visitor": 400, "person": 400}),
    ("GET", "/account/password", {"visitor": "login", "person": 200}),
    ("GET", "/account/postcode", {"visitor": "login", "person": 200}),
    ("GET", "/places", {"visitor": 200}),
    (
        "GET",
        "/places/new",
        {"visitor": "login", "fund_manager": 403, "admin": 403, "site_admin": 200},
    ),
    ("GET", "/places/{slug}", {"visitor": 200, "resident": 200}),
    ("GET", "/places/no-such-place", {"visitor": 404}),
    (
        "GET",
        "/places/{slug}/manage",
        {
            "visitor": "login",
            "resident": 403,
            "group_lead": 403,
            "fund_manager": 200,
            "admin": 200,
            "site_admin": 200,
        },
    ),
    (
        "POST",
        "/places/{slug}/postcodes/{area}/remove",
        {"visitor": "login", "resident": 403, "group_lead": 403, "fund_manager": 302},
    ),
    (
        "GET",
        "/places/{slug}/team",
        {"visitor": "login", "resident": 403, "fund_manager": 403, "admin": 200, "site_admin": 200},
    ),
    (
        "POST",
        "/places/{slug}/team/{grant}/remove",
        {"visitor": "login", "resident": 403, "fund_manager": 403, "admin": 302},
    ),
    (
        "GET",
        "/places/{slug}/audit",
        {"visitor": "login", "resident": 403, "group_lead": 403, "fund_manager": 200, "admin": 200},
    ),
    ("GET", "/groups", {"visitor": "login", "person": 200}),
    ("GET", "/groups/new", {"visitor": "login", "person": 200}),
    (
        "GET",
        "/groups/{group}",
        {
            "visitor": "login",
            "person": 403,
            "resident": 403,
            "group_lead": 200,
            "fund_manager": 200,
        },
    ),
    (
        "GET",
        "/groups/{group}/edit",
        {"visitor": "login", "person": 403, "group_lead": 200, "fund_manager": 200},
    ),
    (
        "POST",
        "/groups/{group}/members",
        {
            "visitor": "login",
            "person": 403,
            "resident": 403,
            "group_lead": 400,
            "fund_manager": 400,
        },
    ),
    (
        "POST",
        "/groups/{group}/members/{member}/remove",
        {"visitor": "login", "person": 403, "group_lead": 302},
    ),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
