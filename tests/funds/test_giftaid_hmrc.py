"""Gift Aid the way HMRC takes it: the claim schedule as Charities Online's ODS spreadsheet
(read back with odfpy), small gifts aggregated within HMRC's limits, and the Gift Aid Small
Donations Scheme's per-gift limit, yearly cap and ten-times rule, counted by tax year."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from odf import number as odf_number
from odf import table as odf_table
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load

from funds import services
from funds.models import DeclarationScope, GiftAidSmallDonation
from funds.models import DonationMethod as M
from giving.extensions import db
from giving.models import Role
from tests.factories import FundFactory, RoleGrantFactory
from tests.funds.donation_support import offline_gift, today

DAY = dt.timedelta(days=1)


def year() -> int:
    return services.tax_year(today())


def in_year() -> dt.date:
    """A day well inside the current tax year, and not after today."""
    return max(dt.date(year(), 4, 6), today() - 30 * DAY)


def _details(**changes) -> services.GiftAidDetails:
    values = {
        "title": "Ms",
        "first_name": "Gita",
        "last_name": "Aid",
        "house": "12",
        "postcode": "e174qh",
        "scope": DeclarationScope.THIS_GIFT,
        "taxpayer": True,
    }
    return services.GiftAidDetails(**{**values, **changes})


@pytest.fixture
def fund(app, session):
    with app.test_request_context():
        fund = FundFactory()
        fund.manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        yield fund


def _gift_aid(fund, pence, n, **fields):
    return offline_gift(
        fund,
        fund.manager,
        pence,
        M.CHEQUE,
        donor_name=f"Giver {n}",
        donor_email=f"giver{n}@example.org",
        gift_aid=_details(last_name=f"Giver{n}", **fields.pop("details", {})),
        **fields,
    )


def _cash(fund, pence, n, method=M.CASH, **fields):
    return offline_gift(fund, fund.manager, pence, method, donor_name=f"Bucket {n}", **fields)


def _cells(row) -> list:
    cells = []
    for cell in row.getElementsByType(odf_table.TableCell):
        repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
        cells.extend([cell] * repeat)
    return cells


def _sheet(data: bytes) -> tuple[object, list[list]]:
    doc = load(io.BytesIO(data))
    (sheet,) = doc.spreadsheet.getElementsByType(odf_table.Table)
    rows = [_cells(row) for row in sheet.getElementsByType(odf_table.TableRow)]
    return doc, rows


def _text(cell) -> str:
    return str(cell)


def _office(cell, name: str):
    return cell.attributes.get((OFFICENS, name))


def test_the_ods_schedule_has_hmrcs_columns_and_formats(app, fund):
    big = _gift_aid(fund, 2_550, 1, details={"title": "Dr", "postcode": "ob2 1aa"})
    _gift_aid(fund, 10_000, 2, details={"title": "Professor"})  # too long a title for HMRC
    first_small = _gift_aid(fund, 1_000, 3, received_on=today() - 2 * DAY)
    last_small = _gift_aid(fund, 2_000, 4, received_on=today() - DAY)
    claim = services.make_gift_aid_claim(db.session, fund, today() - 7 * DAY, today())
    assert claim.total_pence == 15_550

    doc, rows = _sheet(services.claim_ods(claim))
    assert [_text(c) for c in rows[0]] == list(services.CLAIM_COLUMNS)
    body = [[_text(c) for c in row] for row in rows[1:]]
    assert len(body) == 3
    # Small gifts (up to £20 each) share one aggregated line, with no name or address, dated
    # on the last of them; bigger gifts have a line each, with the donor's name and address.
    aggregated = body[0]
    assert aggregated == [
        "",
        "",
        "",
        "",
        "",
        "Aggregated donations",
        "",
        last_small.received_on.strftime("%d/%m/%y"),
        "30.00",
    ]
    assert first_small.received_on < last_small.received_on
    named = {row[2]: row for row in body[1:]}
    assert named["Giver1"] == [
        "Dr",
        "Gita",
        "Giver1",
        "12",
        "OB2 1AA",
        "",
        "",
        big.received_on.strftime("%d/%m/%y"),
        "25.50",
    ]
    assert named["Giver2"][0] == ""  # "Professor" is longer than HMRC's 4 characters
    assert named["Giver2"][-1] == "100.00"

    # Dates are date cells shown DD/MM/YY; amounts are numbers shown with two decimals.
    date_cell, amount_cell = rows[1][7], rows[1][8]
    assert _office(date_cell, "value-type") == "date"
    assert _office(date_cell, "date-value") == last_small.received_on.isoformat()
    assert _office(amount_cell, "value-type") == "float"
    assert _office(amount_cell, "value") == "30.00"
    styles = {s.getAttribute("name"): s for s in doc.automaticstyles.childNodes}
    date_style = styles[date_cell.getAttribute("stylename")].getAttribute("datastylename")
    parts = [
        (p.qname[1], p.getAttribute("style") if p.qname[1] != "text" else str(p))
        for p in styles[date_style].childNodes
    ]
    assert parts == [
        ("day", "long"),
        ("text", "/"),
        ("month", "long"),
        ("text", "/"),
        ("year", "short"),
    ]
    amount_style = styles[amount_cell.getAttribute("stylename")].getAttribute("datastylename")
    (digits,) = styles[amount_style].getElementsByType(odf_number.Number)
    assert digits.getAttribute("decimalplaces") == "2"


def test_aggregated_lines_keep_within_hmrcs_limits(app, fund):
    for n in range(5):
        _gift_aid(fund, 2_000, n, received_on=today() - (5 - n) * DAY)
    _gift_aid(fund, 2_001, 9)  # a penny over: a line of its own
    claim = services.make_gift_aid_claim(db.session, fund, today() - 7 * DAY, today())
    # HMRC changes the limits, so they are settings: here a line may hold up to £50.
    limits = services.ClaimLimits(aggregate_max_pence=2_000, aggregate_line_max_pence=5_000)
    rows = services.schedule_rows(claim, limits)
    lines = [r for r in rows if r.aggregated]
    assert [r.amount_pence for r in lines] == [4_000, 4_000, 2_000]
    assert all(r.first_name == "" and r.postcode == "" for r in lines)
    assert [r.donated_on for r in lines] == [today() - 4 * DAY, today() - 2 * DAY, today() - DAY]
    (alone,) = [r for r in rows if not r.aggregated]
    assert (alone.last_name, alone.amount_pence) == ("Giver9", 2_001)
    # With aggregation off (a limit of 0), every gift has its own named line.
    assert len(services.schedule_rows(claim, services.ClaimLimits(aggregate_max_pence=0))) == 6


def test_small_donations_take_cash_and_contactless_gifts_up_to_the_per_gift_limit(app, fund):
    _gift_aid(fund, 10_000, 1, received_on=in_year())
    cash = _cash(fund, 3_000, 1, received_on=in_year())
    tap = _cash(fund, 500, 2, method=M.CONTACTLESS, received_on=in_year())
    too_big = _cash(fund, 3_001, 3, received_on=in_year())
    cheque = _cash(fund, 1_000, 4, method=M.CHEQUE, received_on=in_year())
    company = _cash(fund, 1_000, 5, received_on=in_year(), from_company=True)
    review = services.review_claim(db.session, fund, in_year(), today())
    assert [s.donation.id for s in review.small] == [cash.id, tap.id]
    reasons = {e.donation.id: e.reason for e in review.excluded}
    assert "over £30, so it is not a small donation" in reasons[too_big.id]
    assert "must be cash or contactless" in reasons[cheque.id]
    assert "came from a company" in reasons[company.id]
    assert review.gift_aid_due_pence == (10_000 + 3_500) * 25 // 100

    claim = services.make_gift_aid_claim(db.session, fund, in_year(), today())
    assert claim.small_donations_pence == 3_500
    assert {(s.donation_id, s.tax_year) for s in claim.small_donations} == {
        (cash.id, year()),
        (tap.id, year()),
    }
    # Claimed once, ever: the same days again take nothing, and say why.
    again = services.review_claim(db.session, fund, in_year(), today())
    assert again.empty
    reasons = {e.donation.id: e.reason for e in again.excluded}
    assert "earlier claim as a small donation" in reasons[cash.id]


def test_small_donations_are_never_more_than_ten_times_the_gift_aid_of_the_tax_year(app, fund):
    _gift_aid(fund, 1_000, 1, received_on=in_year())  # £10 of Gift Aid: up to £100 of small
    buckets = [_cash(fund, pence, n, received_on=in_year()) for n, pence in enumerate([3_000] * 3)]
    over = _cash(fund, 2_000, 9, received_on=in_year())
    fits = _cash(fund, 1_000, 10, received_on=in_year())  # a smaller gift still fits
    claim = services.make_gift_aid_claim(db.session, fund, in_year(), today())
    assert claim.small_donations_pence == 10_000
    assert {s.donation_id for s in claim.small_donations} == {b.id for b in buckets} | {fits.id}

    # The gift left out waits for more Gift Aid in the same tax year: £5 more allows £150.
    review = services.review_claim(db.session, fund, in_year(), today())
    reasons = {e.donation.id: e.reason for e in review.excluded}
    assert "at most 10 times the Gift Aid gifts" in reasons[over.id]
    assert "already in an earlier claim" in reasons[fits.id]
    _gift_aid(fund, 500, 2)
    later = services.make_gift_aid_claim(db.session, fund, in_year(), today())
    assert [s.donation_id for s in later.small_donations] == [over.id]
    assert services.review_claim(db.session, fund, in_year(), today()).empty

    taken = db.session.query(GiftAidSmallDonation).filter_by(tax_year=year()).all()
    assert sum(s.amount_pence for s in taken) == 12_000 <= 10 * 1_500


def test_small_donations_stop_at_the_yearly_cap_across_claims(app, fund):
    _gift_aid(fund, 100_000, 1, received_on=in_year())
    for n in range(4):
        _cash(fund, 3_000, n, received_on=in_year())
    # HMRC's cap is a setting; here £70 a tax year.
    limits = services.ClaimLimits(small_year_cap_pence=7_000)
    before = services.review_claim(db.session, fund, in_year(), today(), limits)
    assert [s.amount_pence for s in before.small] == [3_000, 3_000]
    assert len(before.excluded) == 2
    assert all("over HMRC's limit of £70" in e.reason for e in before.excluded)
    first = services.make_gift_aid_claim(db.session, fund, in_year(), today(), limits=limits)
    assert first.small_donations_pence == 6_000
    # The next claim counts what the first took: £10 of room is left, and no £30 gift fits.
    review = services.review_claim(db.session, fund, in_year(), today(), limits)
    assert review.small == []
    assert [y.small_before_pence for y in review.years] == [6_000]
    # Another fund of the same charity shares the cap.
    sister = FundFactory(place=fund.place, holder_charity_number=fund.holder_charity_number)
    sister.manager = fund.manager
    _gift_aid(sister, 100_000, 7, received_on=in_year())
    _cash(sister, 1_000, 8, received_on=in_year())
    _cash(sister, 2_000, 9, received_on=in_year())
    shared = services.review_claim(db.session, sister, in_year(), today(), limits)
    assert [s.amount_pence for s in shared.small] == [1_000]


def test_the_tax_year_runs_from_6_april_and_each_year_has_its_own_rule(app, fund):
    assert services.tax_year(dt.date(2026, 4, 5)) == 2025
    assert services.tax_year(dt.date(2026, 4, 6)) == 2026
    assert services.tax_year(dt.date(2027, 1, 1)) == 2026
    last_day, first_day = dt.date(year(), 4, 5), dt.date(year(), 4, 6)
    # Gift Aid only in the new tax year: the small gift of the old year has nothing to match.
    _gift_aid(fund, 1_000, 1, received_on=first_day)
    old = _cash(fund, 500, 2, received_on=last_day)
    new = _cash(fund, 500, 3, received_on=first_day)
    review = services.review_claim(db.session, fund, last_day, first_day)
    assert [(s.donation.id, s.tax_year) for s in review.small] == [(new.id, year())]
    (left,) = review.excluded
    assert left.donation.id == old.id
    assert f"6 April {year() - 1} to 5 April {year()}" in left.reason
    assert [y.tax_year for y in review.years] == [year() - 1, year()]


def test_gifts_left_out_say_why(app, fund):
    company = _cash(fund, 5_000, 1, method=M.CHEQUE, from_company=True)
    benefit = _cash(fund, 5_000, 2, method=M.CHEQUE, has_benefit=True)
    refunded = _gift_aid(fund, 6_000, 3)
    services.refund_donation(db.session, fund.manager, refunded, "Asked for it back")
    claimed = _gift_aid(fund, 4_000, 4)
    services.make_gift_aid_claim(db.session, fund, today() - DAY, today())
    kept = _gift_aid(fund, 4_500, 5)
    review = services.review_claim(db.session, fund, today() - DAY, today())
    assert [g.id for g in review.gifts] == [kept.id]
    reasons = {e.donation.id: e.reason for e in review.excluded}
    assert reasons == {
        company.id: "It came from a company. Gift Aid is only for gifts from people.",
        benefit.id: "The giver got something back for it.",
        refunded.id: "All of it was given back.",
        claimed.id: "It is already in an earlier Gift Aid claim.",
    }


def test_the_claim_command_writes_the_ods_schedule(app, session, tmp_path):
    with app.test_request_context():
        fund = FundFactory()
        fund.manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        _gift_aid(fund, 4_250, 1)
        _cash(fund, 1_500, 2, method=M.CONTACTLESS)
        db.session.commit()
        fund_id = fund.id
    out = tmp_path / "claim.ods"
    days = ["--from", (today() - DAY).isoformat(), "--to", today().isoformat()]
    args = ["giftaid", "claim", *days, "--fund", str(fund_id), "--format", "ods"]
    result = app.test_cli_runner().invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Small donations: 1 gifts, £15." in result.output
    _doc, rows = _sheet(out.read_bytes())
    assert [str(c) for c in rows[0]] == list(services.CLAIM_COLUMNS)
    assert [str(c) for c in rows[1]][1:5] == ["Gita", "Giver1", "12", "E17 4QH"]
    assert str(rows[1][8]) == "42.50"
    with app.app_context():
        stored = db.session.query(GiftAidSmallDonation).all()
        assert [s.amount_pence for s in stored] == [1_500]
