"""Who may see a gift's receipt and a giving statement, and ask for a statement by email: the
donor, and the fund's managers for a receipt; nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from funds import services
from funds.services.receipt_links import receipt_token
from giving.extensions import db
from giving.models import Role, User
from tests.access_helpers import assert_answers, post_as, route_cases
from tests.factories import FundFactory, PlaceFactory, RoleGrantFactory, UserFactory
from tests.funds.donation_support import STRIPE_SETTINGS, start_gift
from tests.giving.round_helpers import as_user

ROUTES_COVERED = {
    "/giving/gifts/<int:donation_id>/receipt",
    "/receipts/<token>",
    "/giving/statements/<int:year>",
    "/giving/statements/<int:year>/email",
}


@pytest.fixture(scope="module")
def world(app, shared_session):
    with pytest.MonkeyPatch.context() as patch:
        for key, value in STRIPE_SETTINGS.items():
            patch.setitem(app.config, key, value)
        with app.test_request_context():
            fund = FundFactory()
            donor = UserFactory()
            named = {"donor_name": "Di Donor", "donor_email": donor.email}
            gift = start_gift(fund, 1_500, donor, **named)
            gift.succeeded_at = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
            services.apply_facts(db.session, None, gift)
            waiting = start_gift(fund, 900, donor, **named)
            without_account = start_gift(fund, 500, None)
            without_account.succeeded_at = dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC)
            services.apply_facts(db.session, None, without_account)
            manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
            db.session.commit()
            people = {
                "visitor": None,
                "person": UserFactory().id,
                "donor": donor.id,
                "panel": RoleGrantFactory(place=fund.place, role=Role.PANEL_MEMBER).user.id,
                "fund_manager": manager.id,
                "admin": RoleGrantFactory(place=fund.place, role=Role.ADMIN).user.id,
                "elsewhere": RoleGrantFactory(place=PlaceFactory(), role=Role.FUND_MANAGER).user.id,
            }
            built = {
                "people": people,
                "gift": gift.id,
                "waiting": waiting.id,
                "stranger_gift": without_account.id,
                "token": receipt_token(without_account),
                "bad_token": receipt_token(without_account)[:-4] + "AAAA",
            }
        yield built


DONOR_OR_STAFF = {
    "visitor": "login",
    "person": 403,
    "panel": 403,
    "elsewhere": 403,
    "donor": 200,
    "fund_manager": 200,
    "admin": 200,
}
ANYONE_SIGNED_IN = {"visitor": "login", "person": 200, "donor": 200, "fund_manager": 200}

CASES = [
    ("GET", "/giving/gifts/{gift}/receipt", DONOR_OR_STAFF),
    # A gift given without an account: its receipt is for the link's holder and the staff.
    (
        "GET",
        "/giving/gifts/{stranger_gift}/receipt",
        {"visitor": "login", "person": 403, "donor": 403, "fund_manager": 200},
    ),
    ("GET", "/giving/gifts/{waiting}/receipt", {"donor": 404, "fund_manager": 404}),
    ("GET", "/giving/gifts/999999/receipt", {"donor": 404}),
    ("GET", "/receipts/{token}", {"visitor": 200, "person": 200, "donor": 200}),
    ("GET", "/receipts/{bad_token}", {"visitor": 400, "donor": 400}),
    ("GET", "/receipts/not-a-token", {"visitor": 400}),
    ("GET", "/giving/statements/2026", ANYONE_SIGNED_IN),
    ("GET", "/giving/statements/1999", {"donor": 404}),
    ("POST", "/giving/statements/2026/email", {"visitor": "login", "person": 302, "donor": 302}),
    ("POST", "/giving/statements/1999/email", {"donor": 404}),
]


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_see_receipts_and_statements(
    app, client, session, world, method, path, who, expected
):
    user_id = world["people"][who]
    user = None if user_id is None else session.get(User, user_id)
    as_user(client, user)
    url = path.format(**world)
    response = client.get(url) if method == "GET" else post_as(client, url, user)
    assert_answers(response, expected)


def test_a_statement_shows_only_the_signed_in_persons_own_gifts(app, client, session, world):
    as_user(client, session.get(User, world["people"]["fund_manager"]))
    text = client.get("/giving/statements/2026").get_data(as_text=True)
    assert "£15" not in text
    assert "Di Donor" not in text
    assert "You did not give through Placefund in this year." in text


def test_a_statement_email_goes_only_to_the_signed_in_persons_own_address(
    app, client, session, world, mailbox
):
    person = session.get(User, world["people"]["person"])
    donor = session.get(User, world["people"]["donor"])
    as_user(client, person)
    assert post_as(client, "/giving/statements/2026/email", person).status_code == 302
    assert len(mailbox.to(person.email)) == 1
    assert mailbox.to(donor.email) == []
