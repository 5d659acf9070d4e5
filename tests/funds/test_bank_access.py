"""Who may see and change bank details and payment runs: a group's members see its details
masked and only its lead members change them; the place's fund managers read them in full,
confirm them, and prepare, approve, download and match payment runs; no one else."""

from __future__ import annotations

import pytest

from funds import services
from giving.models import Role, User
from tests.access_helpers import check_route, route_cases
from tests.conftest import csrf_token, in_request, log_in
from tests.factories import PlaceFactory, RoleGrantFactory, UserFactory
from tests.funds.bank_world import bank_world
from tests.giving.round_helpers import as_user

ROUTES_COVERED = {
    "/groups/<int:group_id>/bank-details",
    "/groups/<int:group_id>/bank-details/change",
    "/groups/<int:group_id>/bank-details/confirm",
    "/funds/<int:fund_id>/bank-account",
    "/funds/<int:fund_id>/payment-runs",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>/approve",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>/statement",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>/bacs.txt",
    "/funds/<int:fund_id>/payment-runs/<int:run_id>/payments.csv",
}


@pytest.fixture(scope="module")
def world(app, shared_session):
    session = shared_session.session
    with in_request(app, session) as ctx:
        built = bank_world(ctx)
        prepared = services.prepare_run(ctx, built["preparer"], built["fund"], built["on"])
        ctx.flush()
        people = {
            "visitor": None,
            "person": UserFactory(),
            "member": built["member"],
            "group_lead": built["lead"],
            "fund_manager": built["approver"],
            "admin": RoleGrantFactory(place=built["place"], role=Role.ADMIN).user,
            "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
        }
        return {
            "people": people,
            "group": built["group"].id,
            "fund": built["fund"].id,
            "run": prepared.id,
        }


STAFF_ONLY = {
    "visitor": "login",
    "person": 403,
    "member": 403,
    "group_lead": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
}
STAFF_REDIRECT = {**STAFF_ONLY, "fund_manager": 302, "admin": 302}
STAFF_NOT_YET = {**STAFF_ONLY, "fund_manager": 404, "admin": 404}
STAFF_REFUSED = {**STAFF_ONLY, "fund_manager": 400, "admin": 400}
MEMBERS_AND_STAFF = {**STAFF_ONLY, "member": 200, "group_lead": 200}
LEADS_ONLY = {**STAFF_ONLY, "group_lead": 200, "fund_manager": 403, "admin": 403}

CASES = [
    ("GET", "/groups/{group}/bank-details", MEMBERS_AND_STAFF),
    ("GET", "/groups/{group}/bank-details/change", LEADS_ONLY),
    ("POST", "/groups/{group}/bank-details/change", LEADS_ONLY),
    ("POST", "/groups/{group}/bank-details/confirm", STAFF_REDIRECT),
    ("GET", "/groups/999999/bank-details", {"visitor": "login", "fund_manager": 404}),
    ("GET", "/funds/{fund}/bank-account", STAFF_ONLY),
    ("POST", "/funds/{fund}/bank-account", STAFF_ONLY),
    ("POST", "/funds/{fund}/payment-runs", STAFF_REDIRECT),
    ("GET", "/funds/{fund}/payment-runs/{run}", STAFF_ONLY),
    ("POST", "/funds/{fund}/payment-runs/{run}/approve", STAFF_REDIRECT),
    ("POST", "/funds/{fund}/payment-runs/{run}/statement", STAFF_REFUSED),
    ("GET", "/funds/{fund}/payment-runs/{run}/bacs.txt", STAFF_NOT_YET),
    ("GET", "/funds/{fund}/payment-runs/{run}/payments.csv", STAFF_NOT_YET),
    ("GET", "/funds/999999/payment-runs/1", {"visitor": "login", "fund_manager": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_bank_details_and_payment_runs(app, client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected)


def test_members_see_the_numbers_masked_and_fund_managers_in_full(client, world):
    log_in(client, world["people"]["member"])
    page = client.get(f"/groups/{world['group']}/bank-details").get_data(as_text=True)
    assert "****1846" in page
    assert "**-**-34" in page
    assert "57391846" not in page
    as_user(client, world["people"]["fund_manager"])
    page = client.get(f"/groups/{world['group']}/bank-details").get_data(as_text=True)
    assert "57391846" in page
    assert "30-96-34" in page


def test_bad_input_is_shown_next_to_the_field(client, world):
    from tests.access_helpers import post_as

    lead = world["people"]["group_lead"]
    log_in(client, lead)
    answer = post_as(
        client,
        f"/groups/{world['group']}/bank-details/change",
        lead,
        {"account_name": "X", "sort_code": "12-34", "account_number": "12345678"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="sort_code-error"' in page
    assert "6 numbers" in page


def test_a_bad_statement_file_is_shown_next_to_the_field(app, session, client, world):
    import io

    from funds.models import PaymentRun

    with in_request(app, session) as ctx:
        run = ctx.get(PaymentRun, world["run"])
        approver = ctx.get(User, world["people"]["fund_manager"].id)
        services.approve_run(ctx, approver, run)
    manager = world["people"]["admin"]
    log_in(client, manager)
    page_url = f"/funds/{world['fund']}/payment-runs/{world['run']}"
    token = csrf_token(client, page_url)
    answer = client.post(
        page_url + "/statement",
        data={"csrf_token": token, "file": (io.BytesIO(b"When,What\n1,2\n"), "s.csv")},
        content_type="multipart/form-data",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="file-error"' in page
    assert "no Date column" in page
