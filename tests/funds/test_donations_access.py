"""Who may use each route of giving, gifts, match funding and the Stripe webhook."""

from __future__ import annotations

import pytest

from funds import services
from funds.models import DeclarationScope, DonationMethod
from giving.extensions import db
from giving.models import Role, User
from tests.conftest import csrf_token, log_in
from tests.factories import FundFactory, PlaceFactory, RoleGrantFactory, UserFactory

ROUTES_COVERED = {
    "/funds/<int:fund_id>/give",
    "/give/<reference>",
    "/give/<reference>/pay",
    "/give/<reference>/thanks",
    "/stripe/webhook",
    "/funds/<int:fund_id>/donations",
    "/funds/<int:fund_id>/donations/new",
    "/funds/<int:fund_id>/donations/<int:donation_id>/refund",
    "/funds/<int:fund_id>/match",
    "/giving",
    "/giving/monthly/<int:gift_id>/cancel",
    "/giving/gift-aid/<int:declaration_id>/cancel",
    "/funds/<int:fund_id>/gift-aid/<int:declaration_id>/cancel",
}


@pytest.fixture
def world(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_test")
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        donor = UserFactory()
        details = services.GiftAidDetails(
            "Di", "Donor", "1", "E17 4QH", DeclarationScope.THIS_AND_FUTURE, taxpayer=True
        )
        pending = services.start_gift(
            db.session,
            donor,
            fund,
            monthly=False,
            amount_pence=1_000,
            donor_name="Di Donor",
            donor_email=donor.email,
            gift_aid=details,
        )
        monthly = services.start_gift(
            db.session,
            donor,
            fund,
            monthly=True,
            amount_pence=500,
            donor_name="Di Donor",
            donor_email=donor.email,
        )
        cleared = services.record_offline_gift(
            db.session,
            manager,
            fund,
            method=DonationMethod.CASH,
            amount_pence=700,
            donor_name="Cash Giver",
        )
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
        return {
            "people": people,
            "fund": fund.id,
            "ref": pending.reference,
            "monthly": monthly.id,
            "declaration": pending.declaration_id,
            "cleared": cleared.id,
        }


STAFF_ONLY = {
    "visitor": "login",
    "person": 403,
    "donor": 403,
    "panel": 403,
    "elsewhere": 403,
    "fund_manager": 200,
    "admin": 200,
}
PUBLIC = {"visitor": 200, "person": 200, "fund_manager": 200}
DONOR_POST = {"visitor": "login", "person": 403, "elsewhere": 403, "donor": 302}

CASES = [
    ("GET", "/funds/{fund}/give", PUBLIC),
    ("GET", "/funds/999999/give", {"visitor": 404}),
    ("GET", "/give/{ref}", PUBLIC),
    ("GET", "/give/not-a-gift", {"visitor": 404, "fund_manager": 404}),
    ("POST", "/give/not-a-gift/pay", {"visitor": 404}),
    ("POST", "/give/{ref}/pay-without-token", {"visitor": 400}),
    ("GET", "/give/{ref}/thanks", PUBLIC),
    ("GET", "/give/not-a-gift/thanks", {"visitor": 404}),
    ("POST", "/stripe/webhook", {"visitor": 400, "fund_manager": 400}),
    ("GET", "/funds/{fund}/donations", STAFF_ONLY),
    ("GET", "/funds/{fund}/donations/new", STAFF_ONLY),
    ("GET", "/funds/{fund}/donations/{cleared}/refund", STAFF_ONLY),
    ("GET", "/funds/{fund}/donations/999999/refund", {"fund_manager": 404}),
    ("GET", "/funds/{fund}/match", STAFF_ONLY),
    ("GET", "/giving", {"visitor": "login", "person": 200, "donor": 200}),
    ("POST", "/giving/monthly/{monthly}/cancel", DONOR_POST),
    ("POST", "/giving/monthly/999999/cancel", {"donor": 404}),
    ("POST", "/giving/gift-aid/{declaration}/cancel", {**DONOR_POST, "fund_manager": 302}),
    ("POST", "/giving/gift-aid/999999/cancel", {"donor": 404}),
    (
        "POST",
        "/funds/{fund}/gift-aid/{declaration}/cancel",
        {"visitor": "login", "donor": 403, "elsewhere": 403, "panel": 403, "fund_manager": 302},
    ),
    ("POST", "/funds/{fund}/gift-aid/999999/cancel", {"fund_manager": 404}),
]


def _cases():
    for method, path, expectations in CASES:
        for who, expected in expectations.items():
            yield pytest.param(method, path, who, expected, id=f"{method} {path} as {who}")


@pytest.mark.parametrize(("method", "path", "who", "expected"), list(_cases()))
def test_who_may_use_each_giving_route(app, client, session, world, method, path, who, expected):
    user_id = world["people"][who]
    if user_id is not None:
        assert log_in(client, session.get(User, user_id)).status_code == 302
    url = path.format(**world)
    if method == "GET":
        response = client.get(url)
    elif url.endswith("/pay-without-token"):
        # A hand-off needs the form's token: without it, nothing is sent to Stripe.
        response = client.post(url.replace("/pay-without-token", "/pay"))
    elif url == "/stripe/webhook":
        response = client.post(url, data="{}", headers={"Stripe-Signature": "t=1,v1=bad"})
    else:
        token = csrf_token(client, "/account" if user_id is not None else "/login")
        response = client.post(url, data={"csrf_token": token})
    if expected == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
