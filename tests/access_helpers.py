"""The table-driven access tests' shared steps: one test case for each (route, person), the
request made as that person, and what it must answer."""

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


def assert_sent_to_log_in(response) -> None:
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def assert_answers(response, expected) -> None:
    """``expected`` is a status code, or "login" for a redirect to log in."""
    if expected == "login":
        assert_sent_to_log_in(response)
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]


def post_as(client, url: str, user, data: dict | None = None):
    """A real form post: the token comes from a page this person (None: a visitor) can see."""
    token = csrf_token(client, "/account" if user is not None else "/login")
    return client.post(url, data={"csrf_token": token, **(data or {})})


def check_route(client, world, method, path, who, expected, data=None) -> None:
    """Ask for ``path`` as ``who`` (one of ``world["people"]``) and check the answer."""
    user = world["people"][who]
    as_user(client, user)
    url = path.format(**world)
    response = client.get(url) if method == "GET" else post_as(client, url, user, data)
    assert_answers(response, expected)
