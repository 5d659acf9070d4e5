"""Receipts and yearly giving statements: what a donor sees and prints, the link in the receipt
email for people who gave without an account, and emailing a statement (with its limit)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from funds import services
from funds.models import DeclarationScope, Donation
from giving.extensions import db
from giving.models import Role, User
from tests.conftest import log_in, post_form
from tests.factories import FundFactory, RoleGrantFactory, UserFactory
from tests.funds.donation_support import STRIPE_SETTINGS, start_gift

UTC = dt.UTC
TAXPAYER = services.GiftAidDetails(
    "Di", "Donor", "1", "E17 4QH", DeclarationScope.THIS_AND_FUTURE, taxpayer=True
)


def arrived(gift: Donation, when: dt.datetime, refunded_pence: int = 0) -> Donation:
    """The money for ``gift`` arrived at ``when`` (UTC), as Stripe would tell us."""
    gift.succeeded_at = when
    gift.refunded_pence = refunded_pence
    services.apply_facts(db.session, None, gift)
    return gift


@pytest.fixture
def world(app, session, monkeypatch):
    """Di, who gives from her account: with Gift Aid late on a July evening, across the 31 March
    boundary, and a gift partly given back; Olly, who gives to the same fund."""
    for key, value in STRIPE_SETTINGS.items():
        monkeypatch.setitem(app.config, key, value)
    with app.test_request_context():
        fund = FundFactory(name="Riverside Fund", contact_email="team@riverside.example")
        other_fund = FundFactory(name="Hillside Fund", no_gift_aid=True)
        di = UserFactory(name="Di Donor", email="di@example.org")
        olly = UserFactory(name="Olly Other")
        named = {"donor_name": "Di Donor", "donor_email": di.email}
        # 23:30 in UTC on 1 July is half past midnight on 2 July in London.
        july = arrived(
            start_gift(fund, 2_000, di, gift_aid=TAXPAYER, **named),
            dt.datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
        )
        # 23:30 in UTC on 31 March 2026 is 1 April in London: the 2026-27 year.
        april = arrived(
            start_gift(other_fund, 1_000, di, **named), dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
        )
        march = arrived(
            start_gift(other_fund, 700, di, **named), dt.datetime(2026, 3, 30, 12, tzinfo=UTC)
        )
        part_back = arrived(
            start_gift(fund, 3_000, di, **named),
            dt.datetime(2026, 9, 10, 9, tzinfo=UTC),
            refunded_pence=1_000,
        )
        waiting = start_gift(fund, 4_000, di, **named)
        theirs = arrived(
            start_gift(fund, 9_900, olly, donor_name="Olly", donor_email=olly.email),
            dt.datetime(2026, 8, 1, 12, tzinfo=UTC),
        )
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        db.session.commit()
        return {
            "di": di.id,
            "olly": olly.id,
            "manager": manager.id,
            "july": july.id,
            "april": april.id,
            "march": march.id,
            "part_back": part_back.id,
            "waiting": waiting.id,
            "theirs": theirs.id,
        }


def as_person(client, session, user_id: int):
    log_in(client, session.get(User, user_id))
    return client


def page_text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_donor_prints_the_receipt_for_their_gift(client, session, world):
    as_person(client, session, world["di"])
    response = client.get(f"/giving/gifts/{world['july']}/receipt")
    assert response.status_code == 200
    text = page_text(response)
    assert "Receipt for your gift" in text
    assert f"PF-{world['july']:06d}" in text
    assert "£20" in text
    assert "2 July 2026" in text  # the London day, not 1 July in UTC
    assert "Riverside Fund" in text
    assert "Testbury Community Foundation (charity number 1100001)" in text
    assert "Yes: it adds £5" in text
    assert 'media="print"' in response.get_data(as_text=True)
    assert "Questions about your gift? Ask the fund's team" in text
    assert "team@riverside.example" in text

    no_gift_aid = page_text(client.get(f"/giving/gifts/{world['april']}/receipt"))
    assert "Gift Aid No" in no_gift_aid
    assert "1 April 2026" in no_gift_aid


def test_a_receipt_says_what_was_given_back_and_gift_aid_counts_only_what_was_kept(
    client, session, world
):
    as_person(client, session, world["di"])
    text = page_text(client.get(f"/giving/gifts/{world['part_back']}/receipt"))
    assert "Given back to you £10" in text
    assert "it adds £5" in text  # 25p for each of the £20 kept


def test_a_gift_whose_money_has_not_arrived_has_no_receipt(client, session, world):
    as_person(client, session, world["di"])
    assert client.get(f"/giving/gifts/{world['waiting']}/receipt").status_code == 404


def test_your_giving_links_to_each_receipt_and_each_years_statement(client, session, world):
    as_person(client, session, world["di"])
    html = client.get("/giving").get_data(as_text=True)
    assert f"/giving/gifts/{world['july']}/receipt" in html
    assert f"/giving/gifts/{world['waiting']}/receipt" not in html
    assert "/giving/statements/2026" in html
    assert "Your statement for 2025-26" in html


def test_a_statement_lists_the_years_gifts_and_their_totals(client, session, world):
    as_person(client, session, world["di"])
    text = page_text(client.get("/giving/statements/2026"))
    assert "Your giving statement for 2026-27" in text
    assert "1 April 2026 to 31 March 2027" in text
    assert "1 April 2026" in text
    assert "2 July 2026" in text
    assert "10 September 2026" in text
    assert "30 March 2026" not in text  # the year before
    assert "£99" not in text  # Olly's gift
    # £10 + £20 + £20 kept of £30; Gift Aid on the two gifts to the Riverside Fund.
    assert "You gave in all £50" in text
    assert "Gift Aid adds in all £10" in text
    earlier = page_text(client.get("/giving/statements/2025"))
    assert "30 March 2026" in earlier
    assert "You gave in all £7" in earlier


def test_a_year_with_no_statement_is_not_found(client, session, world):
    as_person(client, session, world["di"])
    assert client.get("/giving/statements/1999").status_code == 404
    assert client.get("/giving/statements/2999").status_code == 404
    empty = page_text(client.get("/giving/statements/2020"))
    assert "You did not give through Placefund in this year." in empty


def test_a_donor_has_their_statement_emailed_and_cannot_flood_their_inbox(
    app, client, session, world, mailbox, monkeypatch
):
    monkeypatch.setitem(app.config, "STATEMENT_EMAIL_LIMIT", "2 per hour")
    as_person(client, session, world["di"])
    sent = post_form(client, "/giving/statements/2026/email", {}, page="/giving/statements/2026")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/giving/statements/2026")
    assert "We have emailed this statement to di@example.org." in page_text(
        client.get("/giving/statements/2026")
    )
    (message,) = mailbox.to("di@example.org")
    assert message["subject"] == "Your giving statement for 2026-27"
    body = message["body"]
    assert "You gave £50 in all." in body
    assert "Gift Aid adds £10 in all." in body
    assert "http://localhost/giving/statements/2026" in body
    again = post_form(client, "/giving/statements/2026/email", {}, page="/giving/statements/2026")
    assert again.status_code == 302
    third = post_form(client, "/giving/statements/2026/email", {}, page="/giving/statements/2026")
    assert third.status_code == 429
    assert "You have asked for a lot of statements" in third.get_data(as_text=True)
    assert len(mailbox.to("di@example.org")) == 2


def test_someone_without_an_account_opens_their_receipt_from_the_email(
    app, client, session, mailbox
):
    with app.test_request_context():
        fund = FundFactory(name="Cheque Fund")
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        db.session.commit()
        fund_id, manager_id = fund.id, manager.id
    as_person(client, session, manager_id)
    recorded = post_form(
        client,
        f"/funds/{fund_id}/donations/new",
        {"method": "cheque", "amount_pence": "15", "donor_name": "Cal Cheque"}
        | {"donor_email": "cal@example.org"},
    )
    assert recorded.status_code == 302
    gift = session.scalar(select(Donation).where(Donation.fund_id == fund_id))
    (receipt_email,) = mailbox.to("cal@example.org")
    assert f"Your receipt number is PF-{gift.id:06d}." in receipt_email["body"]
    link = mailbox.link("cal@example.org", "/receipts/")
    client.post("/logout", data={})
    with client.session_transaction() as cookie:
        cookie.clear()
    opened = client.get(link.replace("http://localhost", ""))
    assert opened.status_code == 200
    text = page_text(opened)
    assert "Cal Cheque" in text
    assert "£15" in text
    assert "Cheque Fund" in text
    # A link that has been changed opens nothing.
    token = link.rsplit("/", 1)[1]
    broken = client.get(f"/receipts/{token[:-3]}abc")
    assert broken.status_code == 400
    assert "This link is not right" in broken.get_data(as_text=True)
