"""Every figure on the participation report, checked against a hand-built place whose
answers were worked out by hand (the sums are in the comments)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from funds.models import Donation, DonationKind, DonationMethod
from funds.workflow import DonationState
from giving.models import GainAnswer, PlaceFigure
from giving.services import reports
from giving.timeutil import utcnow
from tests.factories import (
    FundFactory,
    PanelFactory,
    PanelMemberFactory,
    RoundFactory,
    UserFactory,
    place_with_wards,
)
from voting.models import (
    BallotKind,
    PanelOffer,
    ProfileAnswer,
    ProfileCategory,
    ProfileValue,
    Vote,
    VoteKind,
    VoterRecord,
    VotingCode,
)
from voting.workflow import VoteStatus


def _vote(session, round_, kind=VoteKind.PUBLIC) -> Vote:
    now = utcnow()
    vote = Vote(
        round=round_,
        kind=kind,
        status=VoteStatus.CLOSED,
        rule="greedy",
        ballot_kind=BallotKind.APPROVAL,
        budget_pence=100_000,
        tie_break_seed="seed",
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(days=1),
    )
    session.add(vote)
    session.flush()
    return vote


def _donation(session, fund, user, day, state=DonationState.CLEARED) -> None:
    session.add(
        Donation(
            reference=uuid.uuid4().hex[:20],
            fund=fund,
            user_id=user.id if user else None,
            donor_name="A donor",
            amount_pence=2_000,
            kind=DonationKind.ONCE,
            method=DonationMethod.CASH,
            state=state,
            succeeded_at=utcnow() if state == DonationState.CLEARED else None,
            received_on=day,
        )
    )


@pytest.fixture
def world(session):
    place, north, south = place_with_wards("partown", "Partown", "PT")
    for category, label, people in [
        ("Ward", "North", 12),
        ("Ward", "South", 8),
        ("Age", "16 to 34", 30),
        ("Age", "35 and over", 70),
    ]:
        session.add(PlaceFigure(place=place, category=category, label=label, people=people))
    u = {
        1: UserFactory(postcode="PT1 1AA"),
        2: UserFactory(postcode="PT2 1AA"),
        3: UserFactory(postcode=None),
        4: UserFactory(postcode="PT1 2AA"),
        5: UserFactory(postcode="PT2 2AA"),
        6: UserFactory(postcode="PT2 3AA"),
        7: UserFactory(postcode="PT1 3AA"),
        8: UserFactory(postcode="PT1 4AA"),
    }
    a = RoundFactory(place=place, title="Round A")
    b = RoundFactory(place=place, title="Round B")
    # Round A's panel: u1 (North, 16 to 34), u2 (South, 35 and over), u3 (no postcode,
    # appointed without offering, so their age is not known).
    panel = PanelFactory(round=a)
    age = ProfileCategory(panel=panel, name="Age", position=1)
    young = ProfileValue(label="16 to 34", position=1)
    older = ProfileValue(label="35 and over", position=2)
    age.values.extend([young, older])
    session.add(age)
    session.flush()
    for user, value in ((u[1], young), (u[2], older)):
        offer = PanelOffer(panel=panel, user=user)
        session.add(offer)
        session.flush()
        session.add(
            ProfileAnswer(volunteer_ref=offer.volunteer_ref, category_id=age.id, value_id=value.id)
        )
    for n in (1, 2, 3):
        PanelMemberFactory(panel=panel, user=u[n])
    # Public votes. A: u1 (North), u4 (North), u5 (South), one voting code (South).
    # B: u1 (North), u6 (South). A panel vote on B is not a public vote: not counted.
    vote_a, vote_b = _vote(session, a), _vote(session, b)
    panel_vote = _vote(session, b, VoteKind.PANEL)
    code = VotingCode(vote_id=vote_a.id, code_hash="x" * 64, ward_id=south.id)
    session.add(code)
    session.flush()
    for vote, user, ward in [
        (vote_a, u[1], north),
        (vote_a, u[4], north),
        (vote_a, u[5], south),
        (vote_b, u[1], north),
        (vote_b, u[6], south),
        (panel_vote, u[8], north),
    ]:
        session.add(VoterRecord(vote_id=vote.id, user_id=user.id, ward_id=ward.id))
    session.add(VoterRecord(vote_id=vote_a.id, voting_code_id=code.id, ward_id=south.id))
    # Donations: u4 twice in 2026-27 (one occasion); u7 in 2026-27 and 2027-28 (two);
    # u8's is still pending and an anonymous one has no account: neither counts.
    fund = FundFactory(place=place)
    _donation(session, fund, u[4], dt.date(2026, 5, 1))
    _donation(session, fund, u[4], dt.date(2027, 2, 1))
    _donation(session, fund, u[7], dt.date(2026, 6, 1))
    _donation(session, fund, u[7], dt.date(2027, 5, 1))
    _donation(session, fund, u[8], dt.date(2026, 6, 1), DonationState.PENDING)
    _donation(session, fund, None, dt.date(2026, 6, 1))
    # What people gained: five answers for A, one for B.
    for skills, confidence, new_role in [(1, 1, 1), (1, 0, 1), (1, 0, 0), (0, 0, 0), (0, 0, 0)]:
        session.add(
            GainAnswer(
                round=a,
                skills=bool(skills),
                confidence=bool(confidence),
                new_role=bool(new_role),
                answered_on=dt.date(2026, 6, 1),
            )
        )
    session.add(
        GainAnswer(
            round=b, skills=True, confidence=True, new_role=True, answered_on=dt.date(2026, 6, 1)
        )
    )
    session.commit()
    return {"place": place, "a": a, "b": b}


def _chart(report, chart_id):
    chart = next(c for c in [report.by_ward, *report.charts] if c.id == chart_id)
    return {row.label: row.values for row in chart.rows}


def test_every_participation_figure_for_the_place(app, session, world):
    with app.test_request_context():
        report = reports.participation(session, world["place"])
    # u1 to u7 took part.
    assert report.people.value == 7
    # Came back: u1 (round A and round B), u4 (vote in A, gave in 2026-27),
    # u7 (gave in 2026-27 and 2027-28): 3 of 7 = 43%.
    assert (report.returning.numerator, report.returning.denominator) == (3, 7)
    assert report.returning.value == 43
    assert dict(report.by_way) == {
        "Sat on a panel": 3,  # u1, u2, u3
        "Voted in a public vote": 4,  # u1, u4, u5, u6
        "Gave money": 2,  # u4, u7
    }
    # Where they live: North u1, u4, u7; South u2, u5, u6; u3 not known.
    assert _chart(report, "people-by-ward") == {"North": [3], "South": [3], "Ward not known": [1]}
    # People who voted by ward, each once, every public vote: North u1 (in both votes), u4;
    # South u5, u6, and one voting code in its own column.
    assert _chart(report, "voters-by-ward") == {"North": [2, 0], "South": [2, 1]}
    # ... the same people as "Voted in a public vote": u1, u4, u5, u6.
    assert sum(row[0] for row in _chart(report, "voters-by-ward").values()) == 4
    # Turnout, people once each: North 2 / 12 = 16.67% -> 16.7%, South 3 / 8 = 37.5%.
    assert _chart(report, "turnout-by-ward") == {"North": [16.7], "South": [37.5]}
    figures = {f.key: f for f in report.figures}
    assert figures["code_votes"].value == 1
    # Panel against the place. Age: panel 1 of 3 each (33%); place 30 and 70 of 100.
    assert _chart(report, "panel-make-up-age") == {
        "16 to 34": [33, 30],
        "35 and over": [33, 70],
        "Not known": [33, 0],
    }
    # Ward: panel North 1, South 1, not known 1 of 3; place 12 and 8 of 20.
    assert _chart(report, "panel-make-up-ward") == {
        "North": [33, 60],
        "South": [33, 40],
        "Not known": [33, 0],
    }
    # Gained, all six answers: skills 4 of 6, confidence 2 of 6, a new role 3 of 6.
    gains = {f.key: f for f in report.gains}
    assert [gains[k].value for k in ("gained_skills", "gained_confidence", "gained_new_role")] == [
        67,
        33,
        50,
    ]
    assert gains["gained_skills"].denominator == 6


def test_every_participation_figure_for_one_round(app, session, world):
    with app.test_request_context():
        report = reports.participation(session, world["place"], world["a"])
    # Panel u1, u2, u3 and voters u1, u4, u5; donations belong to no round.
    assert report.people.value == 5
    assert report.returning.value == 0  # one occasion each in a single round
    assert dict(report.by_way) == {
        "Sat on a panel": 3,
        "Voted in a public vote": 3,
        "Gave money": 0,
    }
    # Turnout: North 2 / 12 = 16.67% -> 16.7%, South 2 / 8 = 25%.
    assert _chart(report, "turnout-by-ward") == {"North": [16.7], "South": [25]}
    gains = {f.key: f for f in report.gains}
    # Five answers: skills 3, confidence 1, a new role 2.
    assert [gains[k].value for k in ("gained_skills", "gained_confidence", "gained_new_role")] == [
        60,
        20,
        40,
    ]


def test_gains_stay_hidden_until_five_people_answer(app, session, world):
    with app.test_request_context():
        report = reports.participation(session, world["place"], world["b"])
    assert report.people.value == 2  # u1 and u6 voted
    assert all(f.value is None for f in report.gains)
    assert "5 people" in report.gains[0].text


def test_the_participation_page_shows_every_chart_with_its_table(session, world, client):
    page = client.get("/places/partown/participation").get_data(as_text=True)
    for chart_id in ("people-by-ward", "voters-by-ward", "turnout-by-ward", "panel-make-up-age"):
        assert f'id="{chart_id}"' in page
        assert f'aria-labelledby="{chart_id}-title' in page
    assert page.count("<svg") == page.count('<table class="govuk-table pf-chart-table">')
    assert "43% (3 of 7)" in page
    one = client.get(f"/places/partown/participation?round={world['a'].id}")
    assert one.status_code == 200
    assert client.get("/places/partown/participation?round=99999").status_code == 404


def test_the_api_gives_the_same_figures(session, world, client):
    place = client.get("/api/places/partown/participation").get_json()
    figures = {f["key"]: f for f in place["figures"]}
    assert figures["people"]["value"] == 7
    assert (figures["returning"]["numerator"], figures["returning"]["denominator"]) == (3, 7)
    charts = {c["id"]: {r["label"]: r["values"] for r in c["rows"]} for c in place["charts"]}
    assert charts["turnout-by-ward"] == {"North": [16.7], "South": [37.5]}
    one = client.get(f"/api/rounds/{world['a'].id}/participation").get_json()
    assert {f["key"]: f["value"] for f in one["figures"]}["people"] == 5
