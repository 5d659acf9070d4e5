"""Who sees the open data checks, and who may set a place's area codes; and what setting the
codes does (the file uses them; a wrong code is refused next to its box, nothing changed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from funds.services import opendata_checks
from giving.extensions import db
from giving.models import AuditEntry, Place, Role, Ward
from tests.access_helpers import check_route, post_as, route_cases
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    UserFactory,
    WardFactory,
    make_grant,
)
from tests.giving.round_helpers import as_user

ROUTES_COVERED = {"/open-data", "/places/<place_slug>/area-codes"}


@pytest.fixture(scope="module")
def world(shared_session):
    session = shared_session.session
    place = PlaceFactory()
    ward = WardFactory(place=place, name="North")
    PostcodeAreaFactory(place=place, prefix="TB1", ward=ward)
    fund = FundFactory(place=place, money=5_000_000)
    group = GroupFactory(place=place, postcode="TB1 4XY")
    lead = GroupMemberFactory(group=group, is_lead=True)
    make_grant(fund, group=group, accepted=True)
    people = {
        "visitor": None,
        "person": UserFactory(),
        "group_lead": lead.user,
        "panel": RoleGrantFactory(place=place, role=Role.PANEL_MEMBER).user,
        "fund_manager": RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user,
        "admin": RoleGrantFactory(place=place, role=Role.ADMIN).user,
        "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user,
        "site_admin": UserFactory(site_admin=True),
    }
    session.commit()
    return {"people": people, "slug": place.slug, "place": place, "ward": ward}


STAFF = {
    "visitor": "login",
    "person": 403,
    "group_lead": 403,
    "panel": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
    "site_admin": 200,
}
CASES = [
    ("GET", "/places/{slug}/area-codes", STAFF),
    ("GET", "/places/no-such-place/area-codes", {"visitor": "login", "site_admin": 404}),
    (
        "POST",
        "/places/{slug}/area-codes",
        {"visitor": "login", "group_lead": 403, "elsewhere": 403, "fund_manager": 302},
    ),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_set_area_codes(client, world, method, path, who, expected):
    check_route(client, world, method, path, who, expected, data={"place_code": "E09000031"})


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("visitor", False),
        ("person", False),
        ("group_lead", False),
        ("panel", False),
        ("fund_manager", True),
        ("admin", True),
        ("elsewhere", True),  # staff of another place: the file holds every place's grants
        ("site_admin", True),
    ],
)
def test_only_staff_see_the_checks(client, world, who, sees):
    as_user(client, world["people"][who])
    page = client.get("/open-data").get_data(as_text=True)
    assert "360giving.json" in page  # everyone gets the files
    assert ('id="checks"' in page) is sees
    assert ("/open-data?check=1" in page) is sees
    assert "data-check=" not in page  # the checks run only when asked for
    page = client.get("/open-data?check=1").get_data(as_text=True)
    assert ('data-check="BeneficiaryLocationNameButNoCode"' in page) is sees
    can_set = who in ("fund_manager", "admin", "site_admin")
    assert (f"/places/{world['slug']}/area-codes" in page) is can_set


def test_setting_the_codes_puts_them_in_the_file_and_clears_the_warnings(client, session, world):
    manager = world["people"]["fund_manager"]
    as_user(client, manager)
    page = client.get("/open-data?check=1").get_data(as_text=True)
    assert 'data-check="BeneficiaryLocationNameButNoCode"' in page
    url = f"/places/{world['slug']}/area-codes"
    ward = f"ward_{world['ward'].id}"
    response = post_as(client, url, manager, {"place_code": "e09 000031", ward: "E05000001"})
    assert response.status_code == 302
    page = client.get("/open-data?check=1").get_data(as_text=True)
    assert "No warnings: every check passed." in page
    [grant] = client.get("/open-data/360giving.json").get_json()["grants"]
    assert grant["beneficiaryLocation"][0]["geoCode"] == "E09000031"
    assert grant["recipientOrganization"][0]["location"][0]["geoCode"] == "E05000001"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "place.area_codes"))
    assert entry.details["wards"] == {"North": "E05000001"}
    # Left empty, a code is taken away.
    assert post_as(client, url, manager, {"place_code": "", ward: "E05000001"}).status_code == 302
    [grant] = client.get("/open-data/360giving.json").get_json()["grants"]
    assert "geoCode" not in grant["beneficiaryLocation"][0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("place_code", "E05000001", "A council&#39;s code starts with"),
        ("place_code", "E0900003", "A council&#39;s code starts with"),
        ("ward", "E09000031", "A ward&#39;s code starts with"),
        ("ward", "OB2 1AB", "A ward&#39;s code starts with"),
    ],
)
def test_a_wrong_code_is_refused_next_to_its_box(client, session, world, field, value, message):
    manager = world["people"]["fund_manager"]
    as_user(client, manager)
    ward = f"ward_{world['ward'].id}"
    name = ward if field == "ward" else field
    data = {"place_code": "E09000031", ward: "E05000001", name: value}
    response = post_as(client, f"/places/{world['slug']}/area-codes", manager, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{name}-error"' in page
    assert message in page
    assert session.get(Place, world["place"].id).gss_code is None
    assert session.get(Ward, world["ward"].id).gss_code is None


def test_a_file_too_big_to_check_while_you_wait_points_to_the_command(client, world, monkeypatch):
    monkeypatch.setattr(opendata_checks, "CHECK_LIMIT", 0)
    as_user(client, world["people"]["fund_manager"])
    page = client.get("/open-data?check=1").get_data(as_text=True)
    assert "too many to check while you wait" in page
    assert "flask export 360giving --check" in page
    assert "data-check=" not in page


def test_the_command_checks_the_file_and_fails_on_a_warning(app, world, session, tmp_path):
    runner = app.test_cli_runner()
    args = ["export", "360giving", "--out", str(tmp_path / "grants.json"), "--check"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Checked 1 grants: 3 warnings." in result.output
    for code in ("BeneficiaryLocationNameButNoCode", "IncompleteRecipientOrg"):
        assert f"[{code}]" in result.output
    place, ward = session.get(Place, world["place"].id), session.get(Ward, world["ward"].id)
    place.gss_code, ward.gss_code = "E09000031", "E05000001"
    db.session.commit()
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Checked 1 grants: 0 warnings." in result.output
    assert "[RecipientOrg360GPrefix]" in result.output  # a note: the group is not registered
