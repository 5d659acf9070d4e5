"""Who may use each page for votes, ballots and results, and who may not."""

from __future__ import annotations

import pytest

from tests.access_helpers import check_route, route_cases
from tests.factories import ResidentVerificationFactory
from tests.voting.ballot_helpers import in_request, vote_world
from voting import services

_V = "/places/<place_slug>/rounds/<int:round_id>/votes"
ROUTES_COVERED = {
    _V,
    _V + "/<kind>/setup",
    _V + "/<int:vote_id>/move/<action>",
    _V + "/<int:vote_id>/codes",
    "/votes/<int:vote_id>",
    "/votes/<int:vote_id>/code",
    "/votes/<int:vote_id>/ballot",
    "/votes/<int:vote_id>/ballot/check",
    "/votes/<int:vote_id>/ballot/cast",
    "/votes/<int:vote_id>/ballot/done",
    "/votes/<int:vote_id>/ballot/receipt",
    "/votes/<int:vote_id>/results",
    "/votes/<int:vote_id>/ballots.pb",
}


@pytest.fixture(scope="module")
def world(app, shared_session):
    session = shared_session.session
    w = vote_world(app, session)
    counted = vote_world(app, session, slug="ashvale-counted")
    # The resident has shown they live in the counted vote's place too.
    ResidentVerificationFactory(user=w.residents[0], place=counted.place)
    with in_request(app, session) as ctx:
        services.move_vote(ctx, counted.manager, counted.public, "close")
        ctx.commit()
    return {
        "people": {
            "visitor": None,
            "outsider": w.outsider,
            "unconfirmed": w.unconfirmed,
            "resident": w.residents[0],
            "chair": w.chair.user,
            "manager": w.manager,
            "other_manager": w.other_manager,
        },
        "votes": f"/places/{w.place.slug}/rounds/{w.round.id}/votes",
        "public": w.public.id,
        "panel": w.panel_vote.id,
        "counted": counted.public.id,
    }


STAFF = {
    "visitor": "login",
    "resident": 403,
    "chair": 403,
    "manager": 200,
    "other_manager": 403,
}
CASES = [
    ("GET", "{votes}", STAFF),
    ("GET", "{votes}/public/setup", STAFF),
    ("GET", "{votes}/panel/setup", {"manager": 200, "resident": 403}),
    ("GET", "{votes}/nonsense/setup", {"manager": 404}),
    ("GET", "{votes}/{public}/move/close", STAFF),
    ("POST", "{votes}/{public}/move/close", {"visitor": "login", "other_manager": 403}),
    ("GET", "{votes}/{public}/move/count", {"manager": 404}),
    ("GET", "{votes}/{counted}/move/close", {"manager": 404}),
    ("GET", "{votes}/{public}/codes", STAFF),
    ("GET", "{votes}/{panel}/codes", {"manager": 404}),
    ("POST", "{votes}/{public}/codes", {"visitor": "login", "resident": 403, "manager": 200}),
    (
        "GET",
        "/votes/{public}",
        {"visitor": 200, "outsider": 200, "resident": 200, "manager": 200},
    ),
    (
        "GET",
        "/votes/{panel}",
        {"visitor": 404, "resident": 404, "chair": 200, "manager": 200, "other_manager": 404},
    ),
    ("GET", "/votes/{public}/code", {"visitor": 200, "resident": 200}),
    ("GET", "/votes/{panel}/code", {"chair": 404, "visitor": 404}),
    (
        "GET",
        "/votes/{public}/ballot",
        {
            "visitor": "login",
            "outsider": 403,
            "unconfirmed": 403,
            "resident": 200,
            "manager": 403,
        },
    ),
    ("POST", "/votes/{public}/ballot", {"visitor": "login", "outsider": 403}),
    (
        "GET",
        "/votes/{panel}/ballot",
        {"visitor": 404, "resident": 404, "chair": 200, "manager": 403},
    ),
    ("GET", "/votes/{counted}/ballot", {"resident": 302}),  # sent back: voting is over
    # Checking and casting: only someone who may vote now (an empty ballot is shown again
    # with what to fix: 200).
    (
        "POST",
        "/votes/{public}/ballot/check",
        {"visitor": "login", "outsider": 403, "unconfirmed": 403, "resident": 200, "manager": 403},
    ),
    ("POST", "/votes/{panel}/ballot/check", {"resident": 404, "chair": 200}),
    ("POST", "/votes/{counted}/ballot/check", {"resident": 302}),
    (
        "POST",
        "/votes/{public}/ballot/cast",
        {"visitor": "login", "outsider": 403, "unconfirmed": 403, "resident": 200, "manager": 403},
    ),
    ("POST", "/votes/{panel}/ballot/cast", {"visitor": 404, "resident": 404, "chair": 200}),
    ("POST", "/votes/{counted}/ballot/cast", {"resident": 302}),
    # The confirmation and the receipt email: only in the browser that has just voted (the
    # others are sent back to the vote's page).
    ("GET", "/votes/{public}/ballot/done", {"visitor": "login", "resident": 302}),
    ("GET", "/votes/{panel}/ballot/done", {"visitor": 404, "resident": 404, "chair": 302}),
    ("POST", "/votes/{public}/ballot/receipt", {"visitor": "login", "resident": 302}),
    ("POST", "/votes/{panel}/ballot/receipt", {"resident": 404, "chair": 302}),
    ("GET", "/votes/{public}/results", {"visitor": 404, "manager": 404}),
    ("GET", "/votes/{counted}/results", {"visitor": 200, "outsider": 200, "manager": 200}),
    ("GET", "/votes/{public}/ballots.pb", {"visitor": 404}),
    ("GET", "/votes/{counted}/ballots.pb", {"visitor": 200, "resident": 200}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_vote_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected, data={"count": "2"})
