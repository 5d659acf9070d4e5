"""Who may see background jobs and their files, claim Gift Aid from the web and make the
payment run's file for the bank."""

from __future__ import annotations

import pytest

from giving.models import Job, JobState, Role
from tests.access_helpers import check_route, route_cases
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    UserFactory,
)

# tests/test_routes_covered.py checks that every route the app serves appears in some module's
# ROUTES_COVERED; every rule here has at least one case below.
ROUTES_COVERED = {
    "/jobs/<int:job_id>",
    "/jobs/<int:job_id>/download",
    "/funds/<int:fund_id>/gift-aid/claim",
    "/funds/<int:fund_id>/payment-run/file",
}


def _job(place, starter, state=JobState.DONE) -> Job:
    done = state == JobState.DONE
    return Job(
        kind="test",
        title="A file of things",
        place=place,
        started_by_id=starter.id,
        state=state,
        result_name="things.csv" if done else None,
        result_type="text/csv" if done else None,
        result_data=b"a,b\n" if done else None,
    )


@pytest.fixture(scope="module")
def world(shared_session):
    session = shared_session.session
    place = PlaceFactory()
    fund = FundFactory(place=place)
    # Someone who started a job in the place: they see it, though they are not its staff.
    starter = UserFactory()
    job, queued = _job(place, starter), _job(place, starter, JobState.QUEUED)
    session.add_all([job, queued])
    session.flush()
    people = {
        "visitor": None,
        "person": UserFactory(),
        "starter": starter,
        "group_lead": GroupMemberFactory(group=GroupFactory(place=place), is_lead=True).user,
        "panel": RoleGrantFactory(place=place, role=Role.PANEL_MEMBER).user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
        "site_admin": UserFactory(site_admin=True),
    }
    return {"people": people, "fund": fund.id, "job": job.id, "queued": queued.id}


JOB_PAGE = {
    "visitor": "login",
    "person": 403,
    "group_lead": 403,
    "panel": 403,
    "elsewhere": 403,
    "starter": 200,
    "fund_manager": 200,
    "admin": 200,
    "site_admin": 200,
}
STAFF_ONLY = {
    "visitor": "login",
    "starter": 403,
    "group_lead": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
}
STAFF_POST = {"visitor": "login", "group_lead": 403, "elsewhere": 403}

CASES = [
    ("GET", "/jobs/{job}", JOB_PAGE),
    ("GET", "/jobs/{queued}", {"starter": 200, "person": 403}),
    ("GET", "/jobs/999999", {"visitor": "login", "fund_manager": 404}),
    ("GET", "/jobs/{job}/download", JOB_PAGE),
    ("GET", "/jobs/{queued}/download", {"starter": 404, "person": 403}),
    ("GET", "/funds/{fund}/gift-aid/claim", STAFF_ONLY),
    # The form sent with nothing in it comes back with its errors.
    ("POST", "/funds/{fund}/gift-aid/claim", {**STAFF_POST, "fund_manager": 200}),
    ("POST", "/funds/{fund}/payment-run/file", {**STAFF_POST, "fund_manager": 302}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_job_route(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)
