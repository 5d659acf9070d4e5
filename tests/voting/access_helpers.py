"""The table-driven access tests' shared steps: one test case for each (route, person), and
the request made as that person with what it must answer."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.giving.round_helpers import as_user


def route_cases(cases: list) -> list:
    """``[(method, path, {who: expected})]`` as one pytest case per person."""
    return [
        pytest.param(method, path, who, expected, id=f"{method} {path} as {who}")
        for method, path, expectations in cases
        for who, expected in expectations.items()
    ]


def check_route(client, world, method, path, who, expected, data=None) -> None:
    """Ask for ``path`` as ``who``; ``expected`` is a status code, or "login" for a redirect
    to log in."""
    user = world["people"][who]
    as_user(client, user)
    url = path.format(**world)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/account" if user is not None else "/login")
        response = client.post(url, data={"csrf_token": token, **(data or {})})
    if expected == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
