"""Who may close offers for a panel lottery, and who may download a lottery's bundle."""

from __future__ import annotations

import pytest

from tests.access_helpers import check_route, route_cases
from tests.voting.test_voting_access import STAFF_POST, world  # noqa: F401

_R = "/places/<place_slug>/rounds/<int:round_id>/panel"
ROUTES_COVERED = {
    _R + "/draw/close",
    _R + "/draws/<int:draw_id>/bundle.json",
}

CASES = [
    ("POST", "{rp}/draw/close", STAFF_POST),
    (
        "GET",
        "{rp}/draws/{draw}/bundle.json",
        {"visitor": 200, "outsider": 200, "resident": 200, "manager": 200},
    ),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_close_offers_and_download_a_bundle(
    app,
    client,
    world,  # noqa: F811 (the panel world of the other panel access tests)
    method,
    path,
    who,
    expected,
):
    check_route(client, world, method, path, who, expected)
