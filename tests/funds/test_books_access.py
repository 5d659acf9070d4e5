"""Who may read a fund's books: its managers (the fund managers and admins of its place), and
no one else."""

from __future__ import annotations

import pytest

from giving.models import Role
from tests.access_helpers import check_route, route_cases
from tests.conftest import log_in
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    UserFactory,
    make_grant,
)

ROUTES_COVERED = {
    "/funds/<int:fund_id>/books",
    "/funds/<int:fund_id>/books/journal.csv",
    "/funds/<int:fund_id>/books/trial-balance",
    "/funds/<int:fund_id>/books/trial-balance.csv",
}


@pytest.fixture(scope="module")
def world(shared_session):
    place = PlaceFactory()
    fund = FundFactory(place=place, money=5_000_000)
    group = GroupFactory(place=place)
    lead = GroupMemberFactory(group=group, is_lead=True)
    make_grant(fund, group=group, accepted=True, total_pence=2_000_000)
    people = {
        "visitor": None,
        "person": UserFactory(),
        "group_lead": lead.user,
        "panel": RoleGrantFactory(place=place, role=Role.PANEL_MEMBER).user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
    }
    return {"people": people, "fund": fund.id}


STAFF_ONLY = {
    "visitor": "login",
    "person": 403,
    "group_lead": 403,
    "panel": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
}

CASES = [
    ("GET", "/funds/{fund}/books", STAFF_ONLY),
    ("GET", "/funds/{fund}/books?account=1&date_from=1&date_from=1&date_from=2026", STAFF_ONLY),
    ("GET", "/funds/{fund}/books/journal.csv", STAFF_ONLY),
    ("GET", "/funds/{fund}/books/trial-balance", STAFF_ONLY),
    ("GET", "/funds/{fund}/books/trial-balance?at=31&at=3&at=2027", STAFF_ONLY),
    ("GET", "/funds/{fund}/books/trial-balance.csv", STAFF_ONLY),
    ("GET", "/funds/999999/books", {"visitor": "login", "fund_manager": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_read_the_books(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)


def test_someone_else_cannot_read_the_journal_file(client, world):
    log_in(client, world["people"]["elsewhere"])
    response = client.get(f"/funds/{world['fund']}/books/journal.csv")
    assert response.status_code == 403
    assert b"Money in the bank" not in response.data
