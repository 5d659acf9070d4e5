"""After logging in (or verifying where one lives), a ``next`` address takes a person on only
to a path on this site: never to another site, whatever characters hide the way there, and
never to an error."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from giving.views.pages import safe_next
from tests.conftest import post_form
from tests.factories import UserFactory

LEAVING = [
    "/%09/evil.example/x",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r/evil.example/x",
    "/ /evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "https://evil.example/x",
    "javascript:alert(1)",
    "evil.example",
    "/\x00/evil.example",
]


@pytest.mark.parametrize("target", LEAVING)
def test_addresses_that_could_leave_the_site_are_refused(target):
    assert safe_next(unquote(target)) is None


def test_paths_on_this_site_are_kept():
    assert (
        safe_next("/places/oakbridge/votes?round=3#ballot")
        == "/places/oakbridge/votes?round=3#ballot"
    )
    assert safe_next("/") == "/"


@pytest.mark.parametrize("raw", ["/%09/evil.example/x", "/%0a/evil.example/x", "/%0d%0a//evil"])
def test_logging_in_with_a_hidden_way_out_goes_to_the_tasks_page(client, session, raw):
    user = UserFactory()
    session.commit()
    response = post_form(
        client,
        f"/login?next={raw}",
        {"email": user.email, "password": "a-long-password"},
        page="/login",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_logging_in_goes_on_to_a_page_on_this_site(client, session):
    user = UserFactory()
    session.commit()
    response = post_form(
        client,
        "/login?next=/places",
        {"email": user.email, "password": "a-long-password"},
        page="/login",
    )
    assert response.headers["Location"] == "/places"
