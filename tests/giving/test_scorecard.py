"""Every figure on the Open and Trusting scorecard, checked against a hand-built place whose
answers were worked out by hand (the sums are in the comments)."""

from __future__ import annotations

import datetime as dt

import pytest

from funds import services as fund_services
from funds.models import FundRound
from funds.reports import fund_scorecard
from funds.schedule import Frequency
from giving.models import FunderRating, RoundStatus
from giving.services import reports
from giving.workflow import State
from tests.factories import (
    ApplicationFactory,
    FundFactory,
    PlaceFactory,
    RoleGrantFactory,
    RoundFactory,
    make_grant,
)

UTC = dt.UTC


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def world(app, session):
    place = PlaceFactory(name="Scoreton", slug="scoreton")
    manager = RoleGrantFactory(place=place).user
    # Round A: closes 1 March 2026, promised a decision by 20 March. Two questions of 100
    # and 50 words: 10 + (5 + 10) + (5 + 5) = 35 minutes. Largest grant £2,000: 2 / 2 = 1.0.
    a = RoundFactory(
        place=place,
        title="Round A",
        opens_at=_at("2026-01-01"),
        closes_at=_at("2026-03-01", 12),
        decision_date=dt.date(2026, 3, 20),
        max_grant_pence=200_000,
    )
    # Round B: closes 1 May, decision by 10 May. Three questions of 150 words:
    # 10 + 3 x (5 + 15) = 70 minutes. Largest grant £5,000: 3 / 5 = 0.6.
    b = RoundFactory(
        place=place,
        title="Round B",
        opens_at=_at("2026-04-01"),
        closes_at=_at("2026-05-01", 11),
        decision_date=dt.date(2026, 5, 10),
        max_grant_pence=500_000,
        questions=[("One?", 150), ("Two?", 150), ("Three?", 150)],
    )
    # A draft round counts for nothing.
    RoundFactory(place=place, title="Draft", opened=False, questions=[("Q", 2000)])
    for r in (a, b):
        r.closed_at = r.closes_at
        r.status = RoundStatus.CLOSED
    # Round A: 10 days, on time | 20 days, late | decided before closing: 0 days, on time.
    a1 = ApplicationFactory(round=a, state=State.AWARDED, decided_at=_at("2026-03-11"))
    ApplicationFactory(round=a, state=State.DECLINED, decided_at=_at("2026-03-21"))
    ApplicationFactory(round=a, state=State.INELIGIBLE, decided_at=_at("2026-02-20"))
    ApplicationFactory(round=a, state=State.WITHDRAWN)  # never decided: not counted
    # Round B: 4 days, on time (London is on summer time: 5 May 23:30 UTC is 6 May, 5 days).
    ApplicationFactory(round=b, state=State.AWARDED, decided_at=_at("2026-05-05", 23))
    # Ratings: five for round A, two for round B.
    for respect, clarity, time, overall in [
        (5, 1, 2, 5),
        (5, 2, 2, 4),
        (5, 3, 3, 4),
        (5, 4, 3, 3),
        (5, 5, 4, 5),
    ]:
        session.add(
            FunderRating(
                round=a,
                respect=respect,
                clarity=clarity,
                time=time,
                overall=overall,
                answered_on=dt.date(2026, 3, 25),
            )
        )
    for overall in (1, 2):
        session.add(
            FunderRating(
                round=b,
                respect=1,
                clarity=1,
                time=1,
                overall=overall,
                answered_on=dt.date(2026, 5, 20),
            )
        )
    # Grants: threshold £10,000, two questions in a written update.
    fund = FundFactory(place=place, questions=["How is it going?", "Anything we should change?"])
    # g1 from a1: unrestricted, 3 years, £12,000 (a written update each year: 3 x 2 = 6).
    a1.award_pence = 1_200_000
    session.flush()
    g1 = fund_services.make_grant(
        session,
        manager,
        fund,
        application=a1,
        title="Larder",
        total_pence=1_200_000,
        start_date=dt.date(2026, 4, 1),
        years=3,
        frequency=Frequency.ANNUAL,
    )
    # g2: restricted, 1 year, £3,000 (a conversation: no written questions).
    g2 = make_grant(
        fund, manager=manager, total_pence=300_000, years=1, restricted=True, purpose="A van"
    )
    # g3: unrestricted, 2 years, £15,000 (2 x 2 = 4 written questions).
    g3 = make_grant(fund, manager=manager, total_pence=1_500_000, years=2)
    # A withdrawn offer counts for nothing.
    g4 = make_grant(fund, manager=manager, total_pence=900_000, years=5)
    fund_services.end_grant(session, manager, g4, "They found other money.")
    # The fund pays for round A only.
    session.add(FundRound(fund=fund, round=a))
    session.commit()
    assert [len(g.checkins) for g in (g1, g2, g3)] == [3, 1, 2]
    return {"place": place, "a": a, "b": b, "fund": fund}


def _figures(app, session, place, round_=None) -> dict:
    with app.test_request_context():
        return {f.key: f for f in reports.scorecard(session, place, round_)}


# Each figure's value for the place, round A, round B and the fund; "-" where not checked.
# Days: 10, 20, 0, 5 for the place -> median (5 + 10) / 2 = 7.5; round A 0, 10, 20; round B
# 1 May to 6 May in London. On time: a1, a3 and b1 of 4; round A 2 of 3. Reasons: the
# declined and the ineligible application both have them. Time to apply: the median of 35 and
# 70. Questions per £1,000: the median of 1.0 and 0.6. Ratings, all seven answers: respect
# (25 + 2) / 7 = 3.857, clarity 17 / 7 = 2.43, time 16 / 7 = 2.29, overall (21 + 3) / 7 = 3.43;
# round A's five: 25 / 5, 15 / 5, 14 / 5, 21 / 5; round B's two stay hidden. Grants g1, g2, g3
# (g4 was withdrawn): unrestricted 2 of 3, check-ins (3 + 1 + 2) / 3 = 2, written questions
# (6 + 0 + 4) / 3 = 3.33; round A: g1 only; no grant came from round B. The fund: round A's
# decisions and ratings, and all three of its grants.
VALUES = {
    "days_to_decision": (7.5, 10, 5, 10),
    "decided_on_time": (75, 67, 100, 67),
    "reasons_given": (100, 100, None, "-"),
    "minutes_to_apply": (52.5, 35, "-", 35),
    "questions_per_1000": (0.8, 1, 0.6, 1),
    "rating_respect": (3.9, 5, None, "-"),
    "rating_clarity": (2.4, 3, None, "-"),
    "rating_time": (2.3, 2.8, None, "-"),
    "rating_overall": (3.4, 4.2, None, 4.2),
    "unrestricted": (67, 100, None, 67),
    "multi_year": ("-", 100, "-", 67),
    "checkins_per_grant": (2, 3, "-", 2),
    "checkin_questions_per_grant": (3.3, 6, "-", 3.3),
}
PLACE, ROUND_A, ROUND_B, FUND = range(4)


def _check_values(figures: dict, column: int) -> None:
    expected = {key: row[column] for key, row in VALUES.items() if row[column] != "-"}
    assert {key: figures[key].value for key in expected} == expected


def test_every_scorecard_figure_for_the_place(app, session, world):
    figures = _figures(app, session, world["place"])
    _check_values(figures, PLACE)
    assert figures["days_to_decision"].text == "7.5 days"
    ratios = {
        key: (figures[key].numerator, figures[key].denominator)
        for key in ("decided_on_time", "reasons_given", "unrestricted", "multi_year")
    }
    assert ratios == {
        "decided_on_time": (3, 4),
        "reasons_given": (2, 2),
        "unrestricted": (2, 3),
        "multi_year": (2, 3),
    }
    assert figures["rating_overall"].denominator == 7


def test_every_scorecard_figure_for_one_round(app, session, world):
    _check_values(_figures(app, session, world["place"], world["a"]), ROUND_A)


def test_ratings_stay_hidden_until_five_groups_answer(app, session, world):
    figures = _figures(app, session, world["place"], world["b"])
    _check_values(figures, ROUND_B)
    for key in ("respect", "clarity", "time", "overall"):
        assert "5 groups" in figures[f"rating_{key}"].text


def test_the_scorecard_page_links_each_figure_to_how_it_is_worked_out(app, session, world, client):
    page = client.get("/places/scoreton/scorecard").get_data(as_text=True)
    assert "7.5 days" in page
    assert "75% (3 of 4)" in page
    how = client.get("/scorecard/how-we-work-it-out").get_data(as_text=True)
    with app.test_request_context():
        figures = reports.scorecard(session, world["place"])
    for figure in figures:
        assert f'/scorecard/how-we-work-it-out#{figure.anchor}"' in page
        assert f'id="{figure.anchor}"' in how
    round_page = client.get(f"/places/scoreton/results/rounds/{world['a'].id}").get_data(
        as_text=True
    )
    assert "4.2 out of 5" in round_page
    b_page = client.get(f"/places/scoreton/results/rounds/{world['b'].id}").get_data(as_text=True)
    assert "out of 5" not in b_page


def test_every_scorecard_figure_for_one_fund(app, session, world, client):
    with app.test_request_context():
        figures = {f.key: f for f in fund_scorecard(session, world["fund"])}
    _check_values(figures, FUND)
    page = client.get(f"/funds/{world['fund'].id}/scorecard").get_data(as_text=True)
    assert "4.2 out of 5" in page
    api = client.get(f"/api/funds/{world['fund'].id}/scorecard").get_json()
    assert {f["key"]: f["value"] for f in api["figures"]}["checkins_per_grant"] == 2
