"""Gift Aid: declarations in HMRC's words, and claims that never include a gift twice or a gift
without a declaration that covers it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from funds import services
from funds.models import (
    DeclarationScope,
    Donation,
    GiftAidClaim,
    GiftAidClaimItem,
    GiftAidDeclaration,
)
from funds.models import DonationMethod as M
from giving.extensions import db
from giving.models import Role
from giving.services import DomainError
from tests.factories import FundFactory, RoleGrantFactory
from tests.funds.donation_support import offline_gift, today

DAY = dt.timedelta(days=1)


def _details(scope=DeclarationScope.THIS_GIFT, **kwargs) -> services.GiftAidDetails:
    values = {
        "title": "Ms",
        "first_name": "Gita",
        "last_name": "Aid",
        "house": "12",
        "postcode": "e174qh",
        "scope": scope,
        "taxpayer": True,
    }
    values.update(kwargs)
    return services.GiftAidDetails(**values)


@pytest.fixture
def fund(app, session):
    with app.test_request_context():
        yield FundFactory()


def _manager(fund):
    return RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user


def _gift(fund, manager, pence=1_000, **kwargs) -> Donation:
    kwargs.setdefault("donor_name", "Gita Aid")
    kwargs.setdefault("donor_email", "gita@example.org")
    return offline_gift(fund, manager, pence, M.CHEQUE, **kwargs)


def test_a_declaration_keeps_hmrc_words_and_the_donor_details(app, fund):
    manager = _manager(fund)
    gift = _gift(fund, manager, 2_500, gift_aid=_details(DeclarationScope.THIS_AND_FUTURE))
    declaration = gift.declaration
    assert declaration.postcode == "E17 4QH"
    assert declaration.wording.startswith("I want to Gift Aid my donation of £25 and any")
    assert "I am a UK taxpayer" in declaration.wording
    assert fund.holder_name in declaration.wording
    assert declaration.keep_until == services.add_years(today(), 6)
    assert gift.income.gift_aid is True
    # A later gift from the same person is covered by "this and future".
    later = _gift(fund, manager, 1_000)
    assert later.declaration_id == declaration.id


def test_a_declaration_needs_the_taxpayer_statement_and_an_address(app, fund):
    for change, field in (
        ({"taxpayer": False}, "taxpayer"),
        ({"first_name": " "}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"house": ""}, "house"),
        ({"postcode": "nowhere"}, "gift_aid_postcode"),
    ):
        with pytest.raises(DomainError) as error:
            services.make_declaration(
                db.session,
                fund,
                _details(**change),
                email="x@example.org",
                user=None,
                amount_pence=100,
            )
        assert error.value.field == field


def test_companies_and_gifts_with_benefits_cannot_have_gift_aid(app, fund):
    manager = _manager(fund)
    with pytest.raises(DomainError, match="companies"):
        _gift(fund, manager, from_company=True, gift_aid=_details())
    with pytest.raises(DomainError, match="something back"):
        _gift(fund, manager, has_benefit=True, gift_aid=_details())


def test_no_gift_aid_where_the_holder_cannot_claim(app, session):
    with app.test_request_context():
        fund = FundFactory(no_gift_aid=True)
        with pytest.raises(DomainError, match="cannot claim"):
            _gift(fund, _manager(fund), gift_aid=_details())
        assert services.claimable_donations(db.session, fund, today() - DAY, today()) == []


def test_a_claim_includes_each_covered_gift_once_and_nothing_else(app, fund):
    manager = _manager(fund)
    future = _gift(fund, manager, 1_000, gift_aid=_details(DeclarationScope.THIS_AND_FUTURE))
    covered_later = _gift(fund, manager, 2_000)  # covered by "this and future"
    _gift(fund, manager, 3_000, donor_email="nobody@example.org", donor_name="No Decl")
    company = _gift(fund, manager, 4_000, donor_email="co@example.org", from_company=True)
    benefit = _gift(
        fund, manager, 5_000, donor_email="b@example.org", gift_aid=_details(), has_benefit=False
    )
    benefit.has_benefit = True  # got a ticket back after all: no Gift Aid
    refunded = _gift(fund, manager, 6_000, donor_email="r@example.org", gift_aid=_details())
    services.refund_donation(db.session, manager, refunded, "Asked for it back")
    part = _gift(fund, manager, 7_000, donor_email="p@example.org", gift_aid=_details())
    part.refunded_pence = 1_000
    services.apply_facts(db.session, manager, part)
    old = _gift(
        fund,
        manager,
        8_000,
        donor_email="o@example.org",
        gift_aid=_details(),
        received_on=today() - 40 * DAY,
    )
    db.session.flush()

    claim = services.make_gift_aid_claim(db.session, fund, today() - 7 * DAY, today())
    claimed = {item.donation_id: item.amount_pence for item in claim.items}
    assert claimed == {future.id: 1_000, covered_later.id: 2_000, part.id: 6_000}
    assert company.id not in claimed
    assert old.id not in claimed
    assert claim.total_pence == 9_000
    for item in claim.items:
        assert item.declaration_id == item.donation.declaration_id

    rows = list(csv.reader(io.StringIO(services.claim_csv(claim))))
    assert rows[0] == list(services.CLAIM_COLUMNS)
    assert rows[1] == [
        "Ms",
        "Gita",
        "Aid",
        "12",
        "E17 4QH",
        "",
        "",
        today().strftime("%d/%m/%y"),
        "60.00",
    ]
    # The gifts of up to £20 share one aggregated line, as HMRC allows.
    assert rows[2] == ["", "", "", "", "", "Aggregated donations", "", rows[1][7], "30.00"]
    assert len(rows) == 3

    # Claimed once, ever: the same days again find nothing new; a wider claim finds the old one.
    again = services.make_gift_aid_claim(db.session, fund, today() - 7 * DAY, today())
    assert again.items == []
    wider = services.make_gift_aid_claim(db.session, fund, today() - 60 * DAY, today())
    assert [i.donation_id for i in wider.items] == [old.id]


def _insert(row: object) -> None:
    with db.session.begin_nested():
        db.session.add(row)
        db.session.flush()


def test_the_database_refuses_to_claim_a_gift_twice_or_under_another_declaration(app, fund):
    manager = _manager(fund)
    gift = _gift(fund, manager, gift_aid=_details())
    other = _gift(fund, manager, donor_email="o@example.org", gift_aid=_details())
    claim = GiftAidClaim(fund_id=fund.id, from_on=today(), to_on=today())
    claim.items.append(
        GiftAidClaimItem(donation_id=gift.id, declaration_id=gift.declaration_id, amount_pence=1)
    )
    db.session.add(claim)
    db.session.flush()
    second = GiftAidClaim(fund_id=fund.id, from_on=today(), to_on=today())
    second.items.append(
        GiftAidClaimItem(donation_id=gift.id, declaration_id=gift.declaration_id, amount_pence=1)
    )
    with pytest.raises(IntegrityError):
        _insert(second)
    wrong = GiftAidClaim(fund_id=fund.id, from_on=today(), to_on=today())
    wrong.items.append(
        GiftAidClaimItem(donation_id=other.id, declaration_id=gift.declaration_id, amount_pence=1)
    )
    with pytest.raises(IntegrityError):
        _insert(wrong)


def test_a_cancelled_declaration_covers_gifts_before_but_not_after(app, fund):
    manager = _manager(fund)
    before = _gift(fund, manager, 1_000, gift_aid=_details(DeclarationScope.THIS_AND_FUTURE))
    declaration = before.declaration
    services.cancel_declaration(db.session, manager, declaration)
    with pytest.raises(DomainError, match="already"):
        services.cancel_declaration(db.session, manager, declaration)
    after = _gift(fund, manager, 2_000)
    assert after.declaration_id is None
    # Even a gift tied to it by hand after the cancellation is not claimed.
    late = _gift(fund, manager, 3_000, donor_email="late@example.org")
    late.declaration_id = declaration.id
    late.created_at = declaration.cancelled_at + DAY
    db.session.flush()
    db.session.expire(late)
    claim = services.make_gift_aid_claim(db.session, fund, today() - DAY, today() + DAY)
    assert [i.donation_id for i in claim.items] == [before.id]


def test_the_claim_command_exports_the_schedule_and_marks_gifts_claimed(app, session, tmp_path):
    with app.test_request_context():
        fund = FundFactory()
        manager = _manager(fund)
        _gift(fund, manager, 2_250, gift_aid=_details())
        db.session.commit()
        fund_id = fund.id
    runner = app.test_cli_runner()
    out = tmp_path / "claim.csv"
    args = ["giftaid", "claim", "--from", (today() - DAY).isoformat(), "--to", today().isoformat()]
    result = runner.invoke(args=[*args, "--fund", str(fund_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[1][1:5] == ["Gita", "Aid", "12", "E17 4QH"]
    assert rows[1][-1] == "22.50"
    again = runner.invoke(args=[*args, "--fund", str(fund_id)])
    assert again.exit_code == 0
    assert len(list(csv.reader(io.StringIO(again.stdout)))) == 1  # the header only
    declaration = session.scalar(
        select(GiftAidDeclaration).where(GiftAidDeclaration.fund_id == fund_id)
    )
    assert declaration.keep_until >= services.add_years(today(), 6)


@pytest.mark.postgres
def test_two_claims_made_at_the_same_moment_never_share_a_gift():
    """A real race on PostgreSQL: two claims for the same days at once. Each gift ends up in
    exactly one of them (the other claim is refused or finds nothing)."""
    import threading

    from funds.models import Fund
    from tests.database_helpers import own_database, run_in_threads

    with own_database("giftaid") as race_app:
        with race_app.test_request_context():
            fund = FundFactory()
            manager = _manager(fund)
            for n in range(5):
                _gift(
                    fund, manager, 1_000 + n, donor_email=f"g{n}@example.org", gift_aid=_details()
                )
            db.session.commit()
            fund_id = fund.id
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def claim() -> None:
            with race_app.test_request_context():
                own = db.session.get(Fund, fund_id)
                barrier.wait()
                try:
                    made = services.make_gift_aid_claim(db.session, own, today() - DAY, today())
                    db.session.commit()
                    outcomes.append(f"claimed {len(made.items)}")
                except DomainError:
                    db.session.rollback()
                    outcomes.append("refused")

        run_in_threads(claim, [(), ()], timeout=60)
        assert sorted(outcomes) in (["claimed 0", "claimed 5"], ["claimed 5", "refused"])
        with race_app.app_context():
            items = list(db.session.scalars(select(GiftAidClaimItem)))
            assert len(items) == 5
            assert len({i.donation_id for i in items}) == 5
            db.session.remove()


def test_declarations_past_keeping_that_cover_no_more_gifts_are_erased(app, fund):
    manager = _manager(fund)

    def for_the_future(pence: int, email: str, first_name: str):
        details = _details(DeclarationScope.THIS_AND_FUTURE, first_name=first_name)
        return _gift(fund, manager, pence, donor_email=email, gift_aid=details).declaration

    one_gift = _gift(fund, manager, 1_000, gift_aid=_details()).declaration
    cancelled = for_the_future(2_000, "c@example.org", "Cato")
    services.cancel_declaration(db.session, manager, cancelled)
    enduring = for_the_future(3_000, "e@example.org", "Esme")
    recent = _gift(fund, manager, 4_000, donor_email="r@example.org", gift_aid=_details())
    claim = services.make_gift_aid_claim(db.session, fund, today() - DAY, today() + DAY)
    assert len(claim.items) == 4
    for declaration in (one_gift, cancelled, enduring):
        declaration.keep_until = today() - DAY
    db.session.flush()

    assert services.erase_expired_declarations(db.session, today(), dry_run=True) == 2
    assert one_gift.erased_at is None
    assert services.erase_expired_declarations(db.session, today()) == 2
    for erased in (one_gift, cancelled):
        assert erased.erased_at is not None
        assert (erased.first_name, erased.house, erased.postcode, erased.email) == (
            "Erased",
            "Erased",
            "Erased",
            "",
        )
    # A declaration for future gifts that was never cancelled stays, as does a recent one.
    assert enduring.first_name == "Esme"
    assert enduring.erased_at is None
    assert recent.declaration.first_name == "Gita"
    # Running it again erases nothing more, and the gifts are still claimed exactly once.
    assert services.erase_expired_declarations(db.session, today()) == 0
    assert services.claimable_donations(db.session, fund, today() - DAY, today() + DAY) == []


def test_the_erase_command_says_how_many(app, session):
    with app.test_request_context():
        fund = FundFactory()
        declaration = _gift(fund, _manager(fund), 1_000, gift_aid=_details()).declaration
        declaration.keep_until = today() - DAY
        db.session.commit()
        declaration_id = declaration.id
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["giftaid", "erase", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 declarations would be erased." in dry.output
    assert session.get(GiftAidDeclaration, declaration_id).erased_at is None
    done = runner.invoke(args=["giftaid", "erase"])
    assert done.exit_code == 0, done.output
    assert "Erased 1 declarations." in done.output
    session.expire_all()
    assert session.get(GiftAidDeclaration, declaration_id).first_name == "Erased"
