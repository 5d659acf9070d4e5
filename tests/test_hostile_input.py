"""Hostile input never makes an error on our side: a NUL character, an id no row can have, an
amount that is not a number, a day sent in the wrong number of parts, a choice that is not
one of the choices. Each gets a clear 400 or 404, or a message next to the field, and
changes nothing. The requests are made on the demo, as its people, on real pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from funds.models import Fund
from giving.demo import DEMO_ROUND_TITLE
from giving.extensions import db
from giving.jobs import commit
from giving.models import Application, GroupMember, Round, User
from giving.workflow import State
from tests.conftest import csrf_token, in_request, log_in
from tests.factories import PlaceFactory, PostcodeAreaFactory, RoundFactory, UserFactory
from tests.test_get_changes_nothing import DEMO_PASSWORD, fingerprint
from tests.voting.ballot_helpers import build_vote_world
from voting import services as voting_services
from voting.models import Ballot, BallotKind, Panel, PanelOffer, Vote, VoteStatus

MANAGER = "manager@demo.placefund.org"
RESIDENT = "resident@demo.placefund.org"
GROUP = "group@demo.placefund.org"
HUGE = "99999999999999999999"


@pytest.fixture
def demo(app: Flask, session) -> SimpleNamespace:
    """The demo, and the ids of its fund, its round read by a panel, that panel, and an
    application sent in and one being read."""
    from wsgi import load_demo

    with app.test_request_context():
        load_demo(db.session)
        commit()
    chest = session.scalar(select(Round).where(Round.title == DEMO_ROUND_TITLE))

    def application(state: State) -> int:
        found = select(Application.id).where(Application.round_id == chest.id)
        return session.scalar(found.where(Application.state == state).order_by(Application.id))

    return SimpleNamespace(
        fund=session.scalar(select(Fund.id).order_by(Fund.id)),
        round=chest.id,
        panel=session.scalar(select(Panel.id).where(Panel.round_id == chest.id)),
        submitted=application(State.SUBMITTED),
        reading=application(State.IN_REVIEW),
        draft=application(State.DRAFT),
    )


@pytest.fixture
def stripe_keys(app, monkeypatch) -> None:
    """Online giving is set up (no test here gets as far as calling Stripe)."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")


def person(app: Flask, session, email: str | None = None) -> FlaskClient:
    client = app.test_client()
    if email is not None:
        user = session.scalar(select(User).where(User.email == email))
        assert log_in(client, user, DEMO_PASSWORD).status_code == 302
    return client


def post(client: FlaskClient, url: str, data: dict):
    """A form sent as a browser sends it, with the CSRF token from a page."""
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


@contextmanager
def nothing_changes(session) -> Iterator[None]:
    connection = session.connection()
    before = fingerprint(connection)
    yield
    after = fingerprint(connection)
    assert [t for t in before if before[t] != after[t]] == []


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


# --- NUL characters ------------------------------------------------------------------------


def test_a_nul_character_anywhere_gets_a_clear_400_and_changes_nothing(
    app, session, demo, stripe_keys
):
    d = demo
    visitor, group = person(app, session), person(app, session, GROUP)
    manager = person(app, session, MANAGER)
    panel_member = person(app, session, RESIDENT)
    api = [
        (visitor, "/api/places/oakbridge%00"),
        (visitor, "/api/places?per_page=5%00"),
        (visitor, f"/api/rounds/{d.round}?x%00=1"),
    ]
    pages = [
        (visitor, "/give/%00"),
        (visitor, "/places/oak%00bridge"),
        (visitor, "/places?page=1%00"),
        (visitor, "/places?page=1&page=2%00"),  # in a name's second value too
        (manager, f"/places/oakbridge/rounds/{d.round}/applications?state=%00"),
    ]
    forms = [
        (
            group,
            "/groups/new",
            {
                "name": "Hillside\x00Choir",
                "place": "oakbridge",
                "kind": "unincorporated",
                "description": "We sing.",
            },
        ),
        (
            visitor,
            f"/funds/{d.fund}/give",
            {
                "frequency": "once",
                "preset": "other",
                "other_amount": "10",
                "donor_name": "Ada\x00Giver",
                "donor_email": "ada@example.org",
                "gift_aid": "no",
            },
        ),
        (manager, "/places/oakbridge/manage", {"action": "ward", "ward-name": "New\x00Town"}),
        (
            manager,
            f"/funds/{d.fund}/edit",
            {"name": "Fund\x00", "holder_name": "Oakbridge CVS", "checkin_threshold_pence": "1"},
        ),
        (
            panel_member,
            f"/panels/{d.panel}/declarations",
            {f"conflict_{d.reading}": "yes", f"reason_{d.reading}": "My sister\x00 runs it"},
        ),
        (
            manager,
            f"/applications/{d.submitted}/decide",
            {"action\x00": "decline", "feedback": "No."},
        ),
    ]
    with nothing_changes(session):
        for client, url in api:
            response = client.get(url)
            assert response.status_code == 400, url
            assert response.get_json()["error"]["status"] == 400, url
            assert "NUL" in response.get_json()["error"]["message"]
        for client, url in pages:
            response = client.get(url)
            assert response.status_code == 400, url
            assert "hidden character that we cannot use" in text(response), url
        for client, url, data in forms:
            response = post(client, url, data)
            assert response.status_code == 400, url
            assert "hidden character that we cannot use" in text(response), url
    # Only typed text is refused: an uploaded file may hold NUL bytes (a PDF often does).
    draft = session.get(Application, demo.draft)
    lead = session.scalar(
        select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == draft.group_id)
    )
    writer = person(app, session, lead.email)
    pdf = (io.BytesIO(b"%PDF-1.4\n\x00\x00 not really"), "plan.pdf")
    files = f"/applications/{draft.id}/files"
    response = writer.post(files, data={"csrf_token": csrf_token(writer), "file": pdf})
    assert response.status_code == 302  # the file is added


# --- Ids no row can have ---------------------------------------------------------------------


def test_ids_beyond_what_the_database_holds_are_not_found(app, session, demo):
    d = demo
    visitor, manager = person(app, session), person(app, session, MANAGER)
    not_found = [
        (visitor, f"/votes/{HUGE}/results"),
        (visitor, f"/votes/{HUGE}"),
        (visitor, "/votes/2147483648/results"),
        (visitor, "/votes/" + "9" * 5000 + "/results"),
        (visitor, f"/places/oakbridge/rounds/{HUGE}"),
        (visitor, f"/places/oakbridge/results/rounds/{HUGE}"),
        (manager, f"/applications/{HUGE}"),
        (manager, f"/grants/{HUGE}"),
        (manager, f"/funds/{HUGE}/manage"),
        (manager, f"/funds/{d.fund}/donations/{HUGE}/refund"),
        (manager, f"/places/oakbridge/rounds/{d.round}/votes/{HUGE}/codes"),
    ]
    api = [f"/api/rounds/{HUGE}", "/api/rounds/\u00b2", f"/api/rounds/1{'0' * 5000}"]
    shown_anyway = [
        (visitor, f"/places/oakbridge/participation?round={HUGE}"),
        (visitor, "/places/oakbridge/participation?round=\u00b2"),
        (visitor, f"/places?page={HUGE}"),
        (visitor, "/places?page=" + "9" * 5000),
        (visitor, "/places/oakbridge/grants?year=\u00b2"),
        (visitor, "/places/oakbridge/grants?year=" + "2" * 5000),
        (manager, f"/funds/{d.fund}/grants/new?application={HUGE}"),
        (manager, f"/places/oakbridge/rounds/{d.round}/applications?page={HUGE}"),
    ]
    with nothing_changes(session):
        for client, url in not_found:
            assert client.get(url).status_code == 404, url[:80]
        for url in api:
            response = visitor.get(url)
            assert response.status_code == 404, url[:80]
            assert response.get_json()["error"]["message"] == "No such round"
        for client, url in shown_anyway:
            assert client.get(url).status_code == 200, url[:80]
        response = post(manager, f"/places/oakbridge/rounds/{d.round}/criteria/{HUGE}/remove", {})
        assert response.status_code == 404


# --- Amounts that are not amounts -------------------------------------------------------------

NOT_AMOUNTS = ["-1e309", "sNaN", "NaN", "-NaN", "Infinity", "-inf", "1e-400", "1e"]
TOO_BIG = ["1e309", "1E+999999999", "99999999999999", "1000000000.01"]


def test_amounts_that_are_not_numbers_or_too_big_get_a_message(app, session, demo, stripe_keys):
    d = demo
    visitor, manager = person(app, session), person(app, session, MANAGER)
    gift = {
        "frequency": "once",
        "preset": "other",
        "donor_name": "Ada Giver",
        "donor_email": "ada@example.org",
        "gift_aid": "no",
    }
    forms = [
        (visitor, f"/funds/{d.fund}/give", gift, "other_amount"),
        (
            visitor,
            f"/places/oakbridge/rounds/{d.round}/check",
            {"group_kind": "charity"},
            "income_pence",
        ),
        (manager, f"/applications/{d.submitted}/decide", {"action": "decline"}, "award_pence"),
        (
            manager,
            f"/funds/{d.fund}/income/new",
            {"source": "council", "pledged": "received"},
            "amount_pence",
        ),
        (manager, f"/places/oakbridge/rounds/{d.round}/who-can-apply", {}, "income_ceiling_pence"),
    ]
    with nothing_changes(session):
        for client, url, data, field in forms:
            for amount in NOT_AMOUNTS:
                response = post(client, url, {**data, field: amount})
                assert response.status_code in (200, 400), (url, amount)
                page = text(response)
                assert "Enter an amount in pounds" in page, (url, amount)
                assert f'value="{amount}"' in page, (url, amount)
            for amount in TOO_BIG:
                response = post(client, url, {**data, field: amount})
                assert response.status_code in (200, 400), (url, amount)
                assert "Enter an amount of £1,000,000,000 or less" in text(response), (url, amount)


# --- Days in the wrong number of parts ---------------------------------------------------------

BAD_DAYS = [
    (["5"], "Enter a day, month and year, like 27 3 2027", ["5", "", ""]),
    (["5", "", "2027"], "Enter a day, month and year, like 27 3 2027", ["5", "", "2027"]),
    (["5", "5", "6", "2027"], "Enter a day, month and year, like 27 3 2027", ["5", "5", "6"]),
    (["five", "6", "2027"], "Enter the date in numbers, like 27 3 2027", ["five", "6", "2027"]),
    (["5", "6", "99999"], "Enter a year from 1900 to 2200", ["5", "6", "99999"]),
    (["5", "6", "0"], "Enter a year from 1900 to 2200", ["5", "6", "0"]),
    (["5", "6", "1" + "0" * 5000], "Enter a year from 1900 to 2200", None),
    (["31", "2", "2027"], "Enter a real date, like 27 3 2027", ["31", "2", "2027"]),
    (["5", "99999999999999999999", "2027"], "Enter a real date, like 27 3 2027", None),
    ([" ", " ", " "], "Enter", None),
]


def test_days_sent_in_the_wrong_parts_get_a_message_and_keep_what_was_typed(app, session, demo):
    d = demo
    manager = person(app, session, MANAGER)
    forms = [
        (
            f"/places/oakbridge/rounds/{d.round}/deadline",
            {"closes_time": "5pm", "reason": "More time"},
        ),
        (
            f"/funds/{d.fund}/income/new",
            {"source": "council", "pledged": "pledged", "amount_pence": "5"},
        ),
        (f"/funds/{d.fund}/match", {"funder_name": "A trust", "ratio": "1", "cap_pence": "100"}),
    ]
    fields = {f"/places/oakbridge/rounds/{d.round}/deadline": "closes_on"}
    fields |= {f"/funds/{d.fund}/income/new": "expected_on", f"/funds/{d.fund}/match": "starts_on"}
    with nothing_changes(session):
        for url, data in forms:
            for parts, message, kept in BAD_DAYS:
                response = post(manager, url, {**data, fields[url]: parts})
                assert response.status_code == 200, (url, parts[:4])
                page = text(response)
                assert message in page, (url, parts[:4])
                for value in kept or []:
                    assert f'value="{value}"' in page, (url, parts, value)
        for parts, message, _kept in BAD_DAYS:
            query = "&".join(f"on={p}" for p in parts)
            response = manager.get(f"/funds/{d.fund}/payment-run?{query}")
            assert response.status_code == 200, parts[:4]
            if message != "Enter":
                assert message in text(response), parts[:4]


def test_times_sent_twice_get_a_message(app, session, demo):
    d = demo
    manager = person(app, session, MANAGER)
    url = f"/places/oakbridge/rounds/{d.round}/deadline"
    data = {"closes_on": ["5", "6", "2030"], "reason": "More time"}
    with nothing_changes(session):
        response = post(manager, url, {**data, "closes_time": ["5pm", "6pm"]})
        assert "Enter one time, like 9am, 5:30pm or 17:30" in text(response)
        response = post(manager, url, {**data, "closes_time": " "})
        assert response.status_code == 200


# --- Choices that are not choices -------------------------------------------------------------


def test_a_ballot_with_choices_that_are_not_on_it_gets_a_message(app, session, demo):
    resident = person(app, session, RESIDENT)
    vote = session.scalar(select(Vote).where(Vote.status == VoteStatus.OPEN))
    # The ballot is sent to the check step and, from there, cast: both read the choices.
    urls = [f"/votes/{vote.id}/ballot/check", f"/votes/{vote.id}/ballot/cast"]
    first = str(vote.options[0].id)
    tries = [
        (" ", "Tick only the boxes shown"),
        ("abc", "Tick only the boxes shown"),
        (HUGE, "Tick only the boxes shown"),
        ("9" * 5000, "Tick only the boxes shown"),
        ("-1", "Tick only the boxes shown"),
        ([first, first], "Tick each box only once"),
    ]
    with nothing_changes(session):
        for choices, message in tries:
            for url in urls:
                response = post(resident, url, {"choices": choices})
                assert response.status_code == 200, (url, choices)
                assert message in text(response), (url, choices)


def test_points_that_are_not_whole_numbers_get_a_message(app, session, client):
    with in_request(app, session):
        world = build_vote_world(session, ballot_kind=BallotKind.CUMULATIVE, points_total=10)
    log_in(client, world.residents[0])
    option = world.public.options[0]
    urls = [f"/votes/{world.public.id}/ballot/check", f"/votes/{world.public.id}/ballot/cast"]
    tries = [
        ("abc", "Enter a whole number, like 5"),
        ("1e309", "Enter a whole number, like 5"),
        ("NaN", "Enter a whole number, like 5"),
        ("\u00b2", "Enter a whole number, like 5"),
        (HUGE, "This number is too big"),
        ("9" * 5000, "This number is too big"),
        ("2147483648", "This number is too big"),
    ]
    for points, message in tries:
        for url in urls:
            response = post(client, url, {f"points_{option.id}": points})
            assert response.status_code == 200, (url, points)
            assert message in text(response), (url, points)
    assert session.scalar(select(func.count(Ballot.id))) == 0


def test_a_panel_offer_with_an_answer_that_is_not_a_choice_gets_a_message(app, session, client):
    place = PlaceFactory(slug="ashby", name="Ashby")
    PostcodeAreaFactory(place=place, prefix="AS1")
    manager = UserFactory()
    from tests.factories import PanelFactory, RoleGrantFactory

    RoleGrantFactory(user=manager, place=place)
    panel = PanelFactory(round=RoundFactory(place=place), open=True)
    with in_request(app, session):
        age = voting_services.add_category(session, manager, panel, "Age band", ["Young", "Old"])
    session.commit()
    log_in(client, UserFactory(postcode="AS1 1AB"))
    url = f"/places/ashby/rounds/{panel.round_id}/panel/offer"
    for answer in [" ", "abc", HUGE, "\u00b2", "9" * 5000]:
        response = post(client, url, {f"category_{age.id}": answer})
        assert response.status_code == 200, answer
        assert "Not a valid choice" in text(response), answer
    assert session.scalar(select(func.count(PanelOffer.id))) == 0
