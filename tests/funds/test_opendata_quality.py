"""Open data that passes 360Giving's own data quality checks: each check catches the bad
data it is for, the demo's file raises no warning, and the export itself puts right what the
checks look for (data source, area codes, identifiers, no email addresses or home postcodes,
a description that is more than the title)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from funds import opendata
from funds.opendata_quality import NOTE, check
from giving.models import Group, GroupKind
from giving.timeutil import to_london, utcnow
from tests.conftest import in_request
from tests.factories import (
    FundFactory,
    GroupFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    WardFactory,
    make_grant,
)
from tests.funds.test_opendata import _load_demo, validator

TODAY = dt.date(2026, 12, 3)  # for hand-made grants; the database's grants are checked on
# the real day, as the award dates they get are real.
BASE = "https://placefund.example"

GOOD: dict[str, Any] = {
    "id": "360G-placefund-grant-1",
    "title": "Saturday food larder",
    "description": "Fresh food on Saturdays for anyone who needs it.",
    "currency": "GBP",
    "amountAwarded": Decimal("7500"),
    "awardDate": "2026-11-20",
    "plannedDates": [{"startDate": "2027-01-01", "endDate": "2029-12-31", "duration": 36}],
    "recipientOrganization": [
        {
            "id": "GB-CHC-1164883",
            "name": "Oakbridge Refugee Welcome",
            "charityNumber": "1164883",
            "postalCode": "OB2 1AB",
            "location": [{"name": "Northgate", "geoCode": "E05999903", "geoCodeType": "WD"}],
        }
    ],
    "fundingOrganization": [{"id": "GB-CHC-1100001", "name": "Oakbridge Community Foundation"}],
    "grantProgramme": [{"code": "360G-placefund-round-1", "title": "Community Chest"}],
    "beneficiaryLocation": [
        {"name": "Oakbridge", "geoCode": "E06999901", "geoCodeType": "UA", "countryCode": "GB"}
    ],
    "dateModified": "2026-11-21T10:00:00+00:00",
    "dataSource": "https://placefund.example/open-data",
}


def _set(grant: dict[str, Any], path: str, value: Any) -> None:
    """Change (or with ``None``, remove) one field, named by a path like ``a/0/b``."""
    *parents, last = path.split("/")
    here: Any = grant
    for key in parents:
        here = here[int(key)] if key.isdigit() else here[key]
    if value is None:
        del here[last]
    else:
        here[last] = value


def test_a_good_grant_passes_every_check():
    report = check([GOOD], TODAY)
    assert report.grants == 1
    assert report.warnings == []
    assert report.notes == []
    assert len(report.passed) == len(report.outcomes) > 30


RECIPIENT = "recipientOrganization/0"
BAD_DATA = [
    # (what is changed, to what, the check that must catch it)
    ("amountAwarded", 0, "ZeroAmountTest"),
    (f"{RECIPIENT}/id", "XX-NOPE-123", "RecipientOrgUnrecognisedPrefix"),
    ("fundingOrganization/0/id", "ZZ-ABC-1", "FundingOrgUnrecognisedPrefix"),
    (f"{RECIPIENT}/charityNumber", "12345", "RecipientOrgCharityNumber"),
    (f"{RECIPIENT}/charityNumber", "1164883-1", "RecipientOrgCharityNumber"),
    (f"{RECIPIENT}/companyNumber", "1234", "RecipientOrgCompanyNumber"),
    (f"{RECIPIENT}/id", "GB-CHC-11648", "OrganizationIdLooksInvalid"),
    (f"{RECIPIENT}/id", "GB-CHC-1164883-1", "OrganizationIdLooksInvalid"),
    ("fundingOrganization/0/id", "GB-COH-123", "OrganizationIdLooksInvalid"),
    (
        f"{RECIPIENT}/id",
        "GB-CHC-\n1164883",
        {"OrganizationIdUnexpectedChars", "OrganizationIdLooksInvalid"},
    ),
    ("id", "360G-placefund-\ngrant-1", "GrantIdUnexpectedChars"),
    ("description", "Write to sam.taylor@example.org for a place.", "LooksLikeEmail"),
    (f"{RECIPIENT}/name", "jo@larder.org.uk", "LooksLikeEmail"),
    ("awardDate", "2026-02-30", "ImpossibleDates"),
    ("plannedDates/0/endDate", "2027-13-01", "ImpossibleDates"),
    ("plannedDates/0/startDate", "2030-01-01", "PlannedStartDateBeforeEndDate"),
    (
        "actualDates",
        [{"startDate": "2027-02-01", "endDate": "2027-01-01"}],
        "ActualStartDateBeforeEndDate",
    ),
    ("plannedDates/0/endDate", "2039-01-01", "FarFuturePlannedDates"),
    ("actualDates", [{"startDate": "2027-01-01", "endDate": "2032-01-01"}], "FarFutureActualDates"),
    ("awardDate", "2001-11-20", "FarPastDates"),
    ("awardDate", "2026-12-04", "PostDatedAwardDates"),
    (f"{RECIPIENT}/id", "360G-placefund-group-7", "NumberNotUsedForId"),
    (f"{RECIPIENT}/charityNumber", None, "UnregisteredGroupPostcode"),
    (f"{RECIPIENT}/postalCode", None, None),  # still has its ward's code: passes
    ("grantProgramme", None, "NoGrantProgramme"),
    (
        "beneficiaryLocation",
        None,
        {"NoBeneficiaryLocation", "RecipientGeoDataButNoBeneficiary"},
    ),
    ("beneficiaryLocation/0/geoCode", None, "BeneficiaryLocationNameButNoCode"),
    ("description", "Saturday food larder", "TitleDescriptionSame"),
    ("title", "A" * 141, "TitleLength"),
    ("dateModified", None, "NoLastModified"),
    ("dataSource", None, "NoDataSource"),
    ("plannedDates", None, "PlannedDurationNotPresent"),
]


@pytest.mark.parametrize(("path", "value", "code"), BAD_DATA)
def test_each_check_catches_its_bad_data(path, value, code):
    grant = copy.deepcopy(GOOD)
    _set(grant, path, value)
    expected = code if isinstance(code, set) else {code} if code else set()
    assert check([grant], TODAY).failing() == expected


def test_a_recipient_with_no_place_at_all_fails_both_location_checks():
    grant = copy.deepcopy(GOOD)
    del grant["recipientOrganization"][0]["postalCode"]
    del grant["recipientOrganization"][0]["location"]
    assert check([grant], TODAY).failing() == {
        "IncompleteRecipientOrg",
        "BeneficiaryButNotRecipientGeoData",
    }
    del grant["beneficiaryLocation"]
    grant["recipientOrganization"][0]["location"] = [{"geoCode": "E05999903"}]
    assert check([grant], TODAY).failing() == {
        "NoBeneficiaryLocation",
        "RecipientGeoDataButNoBeneficiary",
    }


def test_an_unregistered_group_is_a_note_not_a_warning():
    grant = copy.deepcopy(GOOD)
    recipient = grant["recipientOrganization"][0]
    recipient["id"] = "360G-placefund-group-7"
    del recipient["charityNumber"], recipient["postalCode"]
    report = check([grant], TODAY)
    assert report.failing() == set()
    assert {o.code for o in report.notes} == {
        "RecipientOrg360GPrefix",
        "NoRecipientOrgCompanyCharityNumber",
    }
    assert all(o.level == NOTE for o in report.notes)


def test_funders_must_pair_names_and_identifiers_across_the_file():
    second = copy.deepcopy(GOOD)
    second["id"] = "360G-placefund-grant-2"
    second["fundingOrganization"] = [{"id": "GB-CHC-1100001", "name": "Oakbridge CF"}]
    assert check([GOOD, second], TODAY).failing() == {"MultiFundingNamesForOrgId"}
    second["fundingOrganization"] = [
        {"id": "GB-CHC-1100002", "name": "Oakbridge Community Foundation"}
    ]
    assert check([GOOD, second], TODAY).failing() == {
        "MultiFundingOrgIdsForName",
        "MoreThanOneFundingOrg",
    }
    examples = {o.code: o for o in check([GOOD, second, second], TODAY).warnings}
    assert examples["MultiFundingOrgIdsForName"].count == 2
    assert examples["MoreThanOneFundingOrg"].examples == ["360G-placefund-grant-2"]


# --- the demo, and the export itself ----------------------------------------------------------


@pytest.fixture
def demo(app, session):
    with in_request(app, session):
        return _load_demo(session)


def today() -> dt.date:
    return to_london(utcnow()).date()


def _grants(session) -> list[dict[str, Any]]:
    return list(opendata.grants(session, "placefund", BASE))


def test_the_demo_raises_no_warning(session, demo):
    grants = _grants(session)
    report = check(grants, today())
    assert report.grants == len(grants) >= 2
    assert report.failing() == set(), [(o.code, o.examples) for o in report.warnings]
    # The notes are only for groups that really have no charity or company number.
    numbers = {
        f"360G-placefund-group-{g.id}": g.charity_number or g.company_number
        for g in session.scalars(select(Group))
    }
    unregistered = [g["recipientOrganization"][0]["id"] for g in grants]
    assert all(numbers.get(org_id) is None for org_id in unregistered if org_id.startswith("360G"))
    by_title = {g["title"]: g for g in grants}
    larder = by_title["Saturday food larder"]
    assert larder["dataSource"] == f"{BASE}/open-data"
    assert larder["beneficiaryLocation"] == [
        {"name": "Oakbridge", "geoCode": "E06999901", "geoCodeType": "UA", "countryCode": "GB"}
    ]
    recipient = larder["recipientOrganization"][0]
    assert "postalCode" not in recipient  # an unregistered group: its postcode may be a home
    assert recipient["location"] == [
        {"name": "Castle Hill", "geoCode": "E05999901", "geoCodeType": "WD", "countryCode": "GB"}
    ]
    shed = by_title["Running the Shed, three days a week"]["recipientOrganization"][0]
    assert shed["postalCode"].startswith("OB3")  # a charity's registered address is public
    assert shed["charityNumber"] == "1187654"


def test_the_json_and_csv_carry_the_new_fields(session, demo):
    out = opendata.io.StringIO()
    opendata.write(session, out, "placefund", "json", base_url=BASE)
    package = json.loads(out.getvalue())
    assert validator().is_valid(package)
    out = opendata.io.StringIO()
    opendata.write(session, out, "placefund", "csv", base_url=BASE)
    header, first = out.getvalue().splitlines()[:2]
    assert "Beneficiary Location:Geographic Code" in header
    assert "Recipient Org:Location:Geographic Code" in header
    assert "Data Source" in header
    assert "E06999901" in first
    assert f"{BASE}/open-data" in first


@pytest.fixture
def fund(session):
    place = PlaceFactory(gss_code="E09000031")
    north = WardFactory(place=place, name="North", gss_code="E05000001")
    PostcodeAreaFactory(place=place, prefix="TB1", ward=north)
    PostcodeAreaFactory(place=place, prefix="TB1 9", ward=WardFactory(place=place, name="Far"))
    return FundFactory(place=place, money=10_000_000)


def _only_grant(session, fund, group, **fields) -> dict[str, Any]:
    manager = RoleGrantFactory(place=fund.place).user
    make_grant(fund, manager=manager, group=group, accepted=True, **fields)
    session.flush()
    [grant] = _grants(session)
    return grant


def test_no_email_address_leaves_in_the_file(session, fund):
    group = GroupFactory(place=fund.place, name="Ask sam@larder.org")
    grant = _only_grant(
        session,
        fund,
        group,
        title="Larder (bookings: bookings@larder.org.uk)",
        description="Food on Saturdays. Contact jo.smith@example.com.",
    )
    text = json.dumps(grant)
    assert "@" not in text.replace(opendata.EMAIL_REMOVED, "")
    assert grant["description"] == f"Food on Saturdays. Contact {opendata.EMAIL_REMOVED}."
    assert check([grant], today()).failing() == set()


def test_a_home_postcode_is_left_out_and_the_ward_code_used(session, fund):
    manager = RoleGrantFactory(place=fund.place).user
    near = GroupFactory(place=fund.place, name="Near", postcode="TB1 4XY")
    far = GroupFactory(place=fund.place, name="Far", postcode="TB1 9XY")
    for group in (near, far):
        make_grant(fund, manager=manager, group=group, accepted=True)
    grants = {g["recipientOrganization"][0]["name"]: g for g in _grants(session)}
    recipient = grants["Near"]["recipientOrganization"][0]
    assert "postalCode" not in recipient
    assert recipient["location"] == [
        {"name": "North", "geoCode": "E05000001", "geoCodeType": "WD", "countryCode": "GB"}
    ]
    # The most specific postcode area wins; a ward without a code falls back to the place.
    where = grants["Far"]["recipientOrganization"][0]["location"][0]
    assert (where["geoCode"], where["geoCodeType"]) == ("E09000031", "LONB")
    assert check(grants.values(), today()).failing() == set()


def test_a_grant_without_a_description_gets_more_than_its_title(session, fund):
    grant = _only_grant(session, fund, GroupFactory(place=fund.place), description="")
    assert grant["description"] != grant["title"]
    assert grant["recipientOrganization"][0]["name"] in grant["description"]
    assert check([grant], today()).failing() == set()


@pytest.mark.parametrize(
    ("kind", "charity", "company", "org_id", "number"),
    [
        (GroupKind.OTHER, "1164883", None, "GB-CHC-1164883", "1164883"),
        (GroupKind.CHARITY, "1164883-1", None, "GB-CHC-1164883", "1164883"),
        (GroupKind.CHARITY, "NIC100002", None, "GB-NIC-100002", "100002"),
        (GroupKind.COMPANY, None, "sc123456", "GB-COH-SC123456", None),
    ],
)
def test_a_group_with_a_number_is_published_under_it(
    session, fund, kind, charity, company, org_id, number
):
    group = GroupFactory(
        place=fund.place, kind=kind, charity_number=charity, company_number=company
    )
    grant = _only_grant(session, fund, group)
    recipient = grant["recipientOrganization"][0]
    assert recipient["id"] == org_id
    assert recipient.get("charityNumber") == number
    assert check([grant], today()).failing() == set()
