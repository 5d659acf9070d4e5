"""Who may use each page for panels and review, and who may not."""

from __future__ import annotations

import pytest

from tests.access_helpers import check_route, route_cases
from tests.voting.panel_helpers import build_panel_world
from voting.models import DrawKind, PanelDraw, ProfileCategory, ProfileValue

_R = "/places/<place_slug>/rounds/<int:round_id>/panel"
_A = "/panels/<int:panel_id>/applications/<int:application_id>"
ROUTES_COVERED = {
    _R,
    _R + "/setup",
    _R + "/questions",
    _R + "/questions/<int:category_id>/remove",
    _R + "/appoint",
    _R + "/draw",
    _R + "/replace",
    _R + "/members/<int:member_id>/remove",
    _R + "/members/<int:member_id>/chair",
    _R + "/move/<action>",
    _R + "/share-out",
    _R + "/conflicts",
    _R + "/draws/<int:draw_id>",
    _R + "/offer",
    _R + "/offer/withdraw",
    "/panels",
    "/panels/<int:panel_id>",
    "/panels/<int:panel_id>/declarations",
    _A + "/score",
    _A + "/scores",
    _A + "/discussion",
    _A + "/decide",
    "/panels/<int:panel_id>/meeting",
}


@pytest.fixture(scope="module")
def world(shared_session):
    session = shared_session.session
    w = build_panel_world()
    category = ProfileCategory(panel=w.panel, name="Ward", position=1)
    category.values.append(ProfileValue(label="North", position=1))
    category.values.append(ProfileValue(label="South", position=2))
    session.add(category)
    draw = PanelDraw(
        panel=w.panel,
        kind=DrawKind.PANEL,
        seed=7,
        seats=1,
        pool_size=1,
        algorithm="legacy",
        pool=[["abc", "North"]],
        quotas=[["Ward", "North", 0, 1]],
        selected=["abc"],
        summary=[],
    )
    session.add(draw)
    session.commit()
    return {
        "people": {
            "visitor": None,
            "outsider": w.outsider,
            "resident": w.resident,
            "chair": w.chair.user,
            "reader": w.reader.user,
            "conflicted": w.conflicted.user,
            "undeclared": w.undeclared.user,
            "manager": w.manager,
            "other_manager": w.other_manager,
        },
        "rp": f"/places/{w.place.slug}/rounds/{w.round.id}/panel",
        "panel": w.panel.id,
        "first": w.first.id,
        "member": w.reader.id,
        "category": category.id,
        "draw": draw.id,
    }


STAFF = {
    "visitor": "login",
    "resident": 403,
    "reader": 403,
    "chair": 403,
    "manager": 200,
    "other_manager": 403,
}
STAFF_POST = {"visitor": "login", "reader": 403, "other_manager": 403, "manager": 302}
APP = "/panels/{panel}/applications/{first}"
# An application's pages for the panel: readers only, not with a conflict, after declaring.
REVIEW = {
    "visitor": "login",
    "outsider": 403,
    "reader": 200,
    "conflicted": 403,
    "undeclared": 302,
    "manager": 200,
}

CASES = [
    ("GET", "{rp}", STAFF),
    ("GET", "{rp}/setup", STAFF),
    ("GET", "{rp}/questions", STAFF),
    ("POST", "{rp}/questions/{category}/remove", STAFF_POST),
    ("GET", "{rp}/appoint", STAFF),
    ("GET", "{rp}/draw", STAFF),
    ("POST", "{rp}/replace", STAFF_POST),
    ("GET", "{rp}/members/{member}/remove", STAFF),
    ("POST", "{rp}/members/{member}/chair", STAFF_POST),
    ("GET", "{rp}/move/finish", STAFF),
    ("GET", "{rp}/move/no-such-move", {"manager": 404}),
    ("POST", "{rp}/share-out", STAFF_POST),
    ("GET", "{rp}/conflicts", STAFF),
    ("GET", "{rp}/draws/{draw}", {"visitor": 200, "resident": 200, "manager": 200}),
    ("GET", "{rp}/offer", {"visitor": "login", "outsider": 403, "reader": 403, "resident": 200}),
    ("GET", "{rp}/offer/withdraw", {"visitor": "login", "outsider": 403, "resident": 200}),
    ("GET", "/panels", {"visitor": "login", "outsider": 200, "reader": 200}),
    (
        "GET",
        "/panels/{panel}",
        {
            "visitor": "login",
            "outsider": 403,
            "resident": 403,
            "reader": 200,
            "conflicted": 200,
            "manager": 200,
            "other_manager": 403,
        },
    ),
    (
        "GET",
        "/panels/{panel}/declarations",
        {"visitor": "login", "outsider": 403, "reader": 200, "undeclared": 200, "manager": 403},
    ),
    ("GET", APP + "/score", {**REVIEW, "resident": 403, "manager": 403, "other_manager": 403}),
    ("GET", APP + "/scores", {**REVIEW, "other_manager": 403}),
    ("GET", APP + "/discussion", REVIEW),
    (
        "GET",
        APP + "/decide",
        {"visitor": "login", "reader": 403, "conflicted": 403, "chair": 200, "manager": 200},
    ),
    (
        "GET",
        "/panels/{panel}/meeting",
        {"visitor": "login", "outsider": 403, "reader": 200, "chair": 200, "manager": 200},
    ),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_panel_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
