"""Who may use each route of giving, gifts, match funding and the Stripe webhook."""

from __future__ import annotations

import pytest

from funds import services
from funds.models import DeclarationScope
from giving.extensions import db
from giving.models import Role, User
from tests.access_helpers import assert_answers, post_as, route_cases
from tests.factories import FundFactory, PlaceFactory, RoleGrantFactory, UserFactory
from tests.funds.donation_support import offline_gift, start_gift
from tests.giving.round_helpers import as_user

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


@pytest.fixture(scope="module")
def world(app, shared_session):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
        patch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_test")
        with app.test_request_context():
            fund = FundFactory()
            manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
            donor = UserFactory()
            details = services.GiftAidDetails(
                "Di", "Donor", "1", "E17 4QH", DeclarationScope.THIS_AND_FUTURE, taxpayer=True
            )
            named = {"donor_name": "Di Donor", "donor_email": donor.email}
            pending = start_gift(fund, 1_000, donor, gift_aid=details, **named)
            monthly = start_gift(fund, 500, donor, monthly=True, **named)
            cleared = offline_gift(fund, manager, 700, donor_name="Cash Giver")
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
                "fund": fund.id,
                "ref": pending.reference,
                "monthly": monthly.id,
                "declaration": pending.declaration_id,
                "cleared": cleared.id,
            }
        yield built


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
    # Only the donor hands their gift to Stripe (Stripe's page shows their email address).
    ("POST", "/give/{ref}/pay", {"visitor": 403, "person": 403, "fund_manager": 403}),
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


@pytest.mark.parametrize(("method", "path", "who", "expected"), route_cases(CASES))
def test_who_may_use_each_giving_route(app, client, session, world, method, path, who, expected):
    user_id = world["people"][who]
    user = None if user_id is None else session.get(User, user_id)
    as_user(client, user)
    url = path.format(**world)
    if method == "GET":
        response = client.get(url)
    elif url.endswith("/pay-without-token"):
        # A hand-off needs the form's token: without it, nothing is sent to Stripe.
        response = client.post(url.replace("/pay-without-token", "/pay"))
    elif url == "/stripe/webhook":
        response = client.post(url, data="{}", headers={"Stripe-Signature": "t=1,v1=bad"})
    else:
        response = post_as(client, url, user)
    assert_answers(response, expected)
