"""The participation report counts verified residents: how many there are now, and their
wards as shares set against the place's own figures for its wards (worked out by hand in the
comments)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from giving.models import PlaceFigure
from giving.services import reports
from giving.services.participation import verified_residents
from tests.factories import ResidentVerificationFactory, place_with_wards
from tests.giving.test_participation import _chart


@pytest.fixture
def world(session):
    place, north, south = place_with_wards("verton", "Verton", "VT")
    # Who lives here: North 300, South 100 (75% and 25%); "Age" figures are not wards.
    for label, people in (("North", 300), ("South", 100)):
        session.add(PlaceFigure(place=place, category="Ward", label=label, people=people))
    session.add(PlaceFigure(place=place, category="Age", label="16 to 34", people=50))
    # Verified now: North 1, South 2, ward not known 1. One has run out: not counted.
    for ward in (north, south, south, None):
        ResidentVerificationFactory(place=place, ward=ward)
    ResidentVerificationFactory(place=place, ward=north, expired=True)
    # Verified in another place: not counted here.
    other, other_north, _south = place_with_wards("elsewhere", "Elsewhere", "EW")
    ResidentVerificationFactory(place=other, ward=other_north)
    session.commit()
    return {"place": place}


def test_verified_residents_are_counted_by_ward_against_the_place(app, session, world):
    with app.test_request_context():
        report = reports.participation(session, world["place"])
    figures = {f.key: f for f in report.figures}
    assert figures["verified_residents"].value == 4
    # Shares of the 4 verified: North 1 (25%), South 2 (50%), not known 1 (25%);
    # of the place: North 300 of 400 (75%), South 100 of 400 (25%).
    assert _chart(report, "verified-by-ward") == {
        "North": [25, 75],
        "South": [50, 25],
        "Ward not known": [25, 0],
    }


def test_the_count_is_one_query_however_many_residents(app, session, world):
    for _n in range(20):
        ResidentVerificationFactory(place=world["place"])
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        if "resident_verifications" in statement:
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        with app.test_request_context():
            figure, _by_ward = verified_residents(session, world["place"])
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert figure.value == 24
    assert len(statements) == 1
    assert "GROUP BY" in statements[0].upper()


def test_the_page_and_the_api_show_verified_residents(world, client):
    page = client.get("/places/verton/participation").get_data(as_text=True)
    assert 'id="verified-by-ward"' in page
    assert "Verified residents by ward, against all who live here" in page
    assert "/scorecard/how-we-work-it-out#verified-residents" in page
    how = client.get("/scorecard/how-we-work-it-out").get_data(as_text=True)
    assert 'id="verified-residents"' in how
    data = client.get("/api/places/verton/participation").get_json()
    assert {f["key"]: f["value"] for f in data["figures"]}["verified_residents"] == 4
    charts = {c["id"]: {r["label"]: r["values"] for r in c["rows"]} for c in data["charts"]}
    assert charts["verified-by-ward"]["South"] == [50, 25]
