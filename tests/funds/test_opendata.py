"""360Giving open data: the demo's grants validate against the official 1.4.3 schema, offline;
the CSV is flat; the command and the public downloads give the same files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from config import TestConfig
from funds import demo as funds_demo
from funds import opendata
from funds.models import Grant
from funds.workflow import GrantState
from giving import demo as giving_demo
from giving.models import Group, Place, Role
from giving.workflow import State
from tests.conftest import in_request
from tests.factories import (
    ApplicationFactory,
    FundFactory,
    RoleGrantFactory,
    RoundFactory,
    make_grant,
)

DATA = Path(__file__).parent / "data"
GRANT_SCHEMA_1_4_2 = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"


def validator() -> Draft202012Validator:
    """The package schema, with the grant schema registered under both of its addresses and
    every resource created as draft 2020-12 (the files name their dialect with http://)."""
    package = json.loads((DATA / "360-giving-package-schema.json").read_text())
    grant = json.loads((DATA / "360-giving-schema.json").read_text())
    grant_resource = DRAFT202012.create_resource(grant)
    registry = Registry().with_resources(
        [(grant["$id"], grant_resource), (GRANT_SCHEMA_1_4_2, grant_resource)]
    )
    registry = registry.with_resource(package["$id"], DRAFT202012.create_resource(package))
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


@pytest.fixture
def demo(app, session):
    # The demo loads as `flask demo` does, inside the app (it encrypts bank details and sends
    # email with the app's settings).
    with in_request(app, session):
        return _load_demo(session)


def _load_demo(session):
    giving_demo.load(session)
    place = session.scalar(select(Place).where(Place.slug == "oakbridge"))
    group = session.scalar(select(Group).where(Group.name == "Castle Hill Community Larder"))
    ApplicationFactory(
        round=RoundFactory(place=place, title="Oakbridge small grants"),
        group=group,
        state=State.AWARDED,
        award_pence=750_000,
        title="Saturday food larder",
    )
    assert funds_demo.load(session) is True
    assert funds_demo.load(session) is False  # safe to run twice: nothing new the second time
    session.flush()
    return place


def export(session, fmt: str = "json") -> str:
    out = io.StringIO()
    opendata.write(session, out, "placefund", fmt, base_url=TestConfig.PUBLIC_URL)
    return out.getvalue()


def test_the_demo_export_validates_against_the_official_schema(session, demo):
    package = json.loads(export(session))
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.path))
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    grants = package["grants"]
    assert package["version"] == "1.4"
    assert len(grants) >= 2  # the partner grant, ours, and any award in the giving demo
    by_title = {g["title"]: g for g in grants}
    award = by_title["Saturday food larder"]
    assert award["amountAwarded"] == 7500
    assert award["fromOpenCall"] == "Yes"
    larder = session.scalar(select(Group).where(Group.name == "Castle Hill Community Larder"))
    assert award["recipientOrganization"][0]["id"] == f"360G-placefund-group-{larder.id}"
    partner = by_title["Running the Shed, three days a week"]
    assert partner["recipientOrganization"][0]["id"] == "GB-CHC-1187654"
    assert partner["amountDisbursed"] == 2500
    assert partner["fromOpenCall"] == "No"
    assert all(g["id"].startswith("360G-placefund-grant-") for g in grants)


def test_the_validator_catches_a_broken_grant(session, demo):
    package = json.loads(export(session))
    package["grants"][0]["awardDate"] = "21 November 2026"
    del package["grants"][1]["recipientOrganization"]
    assert len(list(validator().iter_errors(package))) >= 2


def test_grants_not_agreed_are_not_published(session, demo):
    grant = session.scalar(select(Grant).where(Grant.title == "Saturday food larder"))
    grant.state = GrantState.OFFERED
    grant.accepted_at = None
    session.flush()
    titles = [g["title"] for g in json.loads(export(session))["grants"]]
    assert "Saturday food larder" not in titles
    assert "Running the Shed, three days a week" in titles


def test_the_csv_is_flat_with_the_standards_column_titles(session, demo):
    rows = list(csv.DictReader(io.StringIO(export(session, "csv"))))
    assert len(rows) == len(json.loads(export(session))["grants"])
    assert {"Identifier", "Amount Awarded", "Recipient Org:Identifier", "Funding Org:Name"} <= set(
        rows[0]
    )
    partner = next(r for r in rows if r["Title"].startswith("Running the Shed"))
    assert partner["Amount Awarded"] == "30000"
    assert partner["Funding Org:Identifier"] == "GB-CHC-1100001"


def test_pounds_are_written_exactly_from_pence():
    assert opendata.pounds(125050) == "1250.5"
    assert opendata.pounds(125055) == "1250.55"
    assert opendata.pounds(100) == "1"
    assert opendata.pounds(1) == "0.01"


def test_the_command_writes_the_files(app, session, demo, tmp_path):
    session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "grants.json"
    result = runner.invoke(args=["export", "360giving", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert validator().is_valid(json.loads(target.read_text()))
    result = runner.invoke(
        args=["export", "360giving", "--format", "csv", "--out", str(tmp_path / "g.csv")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.csv").read_text().startswith("Identifier,Title,")


def test_the_public_downloads_are_the_same_files(client, session, demo):
    session.commit()
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.get_data(as_text=True)) == json.loads(export(session))
    response = client.get("/open-data/360giving.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True) == export(session, "csv")


def test_a_title_that_looks_like_an_amount_stays_a_title(client, session):
    fund = FundFactory(money=10_000_000)
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    make_grant(fund, manager=manager, accepted=True, title="@pence:5@", total_pence=1_200_000)
    make_grant(fund, manager=manager, accepted=True, title="@pence:five@", total_pence=1_200_000)
    session.commit()
    grants = client.get("/open-data/360giving.json").get_json()["grants"]
    assert [g["title"] for g in grants] == ["@pence:5@", "@pence:five@"]
    assert validator().is_valid({"version": "1.4", "grants": grants})
    response = client.get("/open-data/360giving.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Title"] for r in rows] == ["'@pence:5@", "'@pence:five@"]
    assert [r["Amount Awarded"] for r in rows] == ["12000", "12000"]
