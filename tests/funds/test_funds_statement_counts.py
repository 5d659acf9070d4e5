"""Pages whose cost does not grow with the tables: every page, API path and part of giving's
pages that funds serves asks the database the same number of times with 10 rows (grants,
gifts, money in, payments) as with 200. A page that loaded a row's group, fund or payment one
at a time, or loaded every grant to filter it, would ask more often with more rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from funds import reports, services
from funds.models import Donation, DonationMethod, Fund, Grant, IncomeSource, Payment
from funds.schedule import Frequency
from giving.extensions import db
from giving.models import Application, Group, GroupKind, GroupMember, Place, Role, Round, User
from giving.timeutil import utcnow
from giving.workflow import State
from tests.conftest import in_request, log_in
from tests.factories import (
    FundFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
    place_with_wards,
)
from tests.funds import bulk_copies
from tests.statements import statements_for, statements_sent

FEW, MANY = 10, 200
_MADE = (Grant, Donation, Payment, Application)
PAID_ON = dt.date(2026, 9, 1)


class World:
    """A place with a fund, a round drawing on it, a manager, a person who leads every group,
    and a donor; :meth:`grow` adds grants (each to a group of its own), money in and gifts
    through the services, and :meth:`multiply` copies what they made in bulk."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session
        self.engine = db.engine
        place, _north, south = place_with_wards("pf-counts", "Countbury", "CB")
        # A sector of the north district that is in another ward: the most specific area wins.
        PostcodeAreaFactory(place=place, prefix="CB1 9", ward=south)
        self.place: Place = place
        self.fund: Fund = FundFactory(
            place=place, money=1_000_000_000, questions=["What went well?", "What was hard?"]
        )
        self.manager: User = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
        self.lead: User = UserFactory()
        self.donor: User = UserFactory()
        self.round: Round = RoundFactory(place=place)
        services.link_round(session, self.manager, self.fund, self.round)
        self.grants: list[Grant] = []
        self.other_funds: list[Fund] = []
        self.made = 0
        self.start = bulk_copies.mark(session)

    def _group(self) -> Group:
        n = self.made
        postcode = f"CB{1 + n % 2} {n % 10}AB"
        group = Group(
            place=self.place, postcode=postcode, name=f"Club {n}", kind=GroupKind.UNINCORPORATED
        )
        group.members.append(GroupMember(user=self.lead, is_lead=True))
        self.session.add(group)
        return group

    def _grant(self) -> Grant:
        """An agreed grant, from an award for every other one, its first payment made."""
        n = self.made
        group = self._group()
        application = None
        total = 150_000 + 1_000 * n if n % 3 else 1_500_000
        if n % 2:
            application = _award(self.round, group, total)
            self.session.add(application)
        grant = services.make_grant(
            self.session,
            self.manager,
            self.fund,
            application=application,
            group=group,
            title=f"Running club {n}",
            description="Tea and a chat for older neighbours.",
            total_pence=total,
            start_date=dt.date(2025 + n % 3, 1 + n % 12, 10),
            years=1 + n % 3,
            frequency=Frequency.ANNUAL if n % 4 else Frequency.QUARTERLY,
            restricted=n % 5 == 0,
            purpose="Rent" if n % 5 == 0 else "",
        )
        services.accept_agreement(self.session, self.lead, grant, agreed=True)
        first = grant.instalments[0]
        services.act_on_instalment(self.session, self.manager, first, "approve")
        if n % 2:
            services.act_on_instalment(
                self.session, self.manager, first, "pay", paid_on=PAID_ON, reference=f"R{n}"
            )
        return grant

    def _gift(self) -> None:
        n = self.made
        if n % 5 == 0:  # one fund for every five gifts: the donor's page names each gift's fund
            self.other_funds.append(FundFactory(place=self.place))
        fund = self.other_funds[-1] if n % 2 else self.fund
        gift = services.record_offline_gift(
            self.session,
            self.manager if fund is self.fund else _manager_of(fund),
            fund,
            method=DonationMethod.CHEQUE,
            amount_pence=2_000 + n,
            donor_name=f"Donor {n}",
            donor_email=self.donor.email,
            received_on=dt.date(2025 + n % 2, 1 + n % 12, 3),
        )
        gift.user_id = self.donor.id  # as a gift made online while signed in is kept

    def _income(self) -> None:
        n = self.made
        pledged = n % 4 == 0
        services.record_income(
            self.session,
            self.manager,
            self.fund,
            source=IncomeSource.OTHER if n % 2 else IncomeSource.COUNCIL,
            amount_pence=100_000 + n,
            from_name=f"Funder {n}",
            pledged=pledged,
            expected_on=dt.date(2027, 1 + n % 12, 1) if pledged else None,
            received_on=None if pledged else dt.date(2025 + n % 2, 1 + n % 12, 5),
        )

    def grow(self, to: int) -> None:
        with in_request(self.app, self.session):
            self._grow(to)

    def _grow(self, to: int) -> None:
        while self.made < to:
            self.grants.append(self._grant())
            self._gift()
            self._income()
            self.made += 1
        # Awards still waiting to become grants, listed on the fund's manager pages.
        waiting = to // 10
        for _ in range(waiting - getattr(self, "_waiting", 0)):
            self.session.add(_award(self.round, self._group(), 90_000))
        self._waiting = waiting
        self.session.commit()

    def multiply(self, to: int) -> None:
        """As many as :meth:`grow` would make for ``to``: each row it made (grants with their
        groups, awards, payments and ledger transactions; gifts and their funds; money in;
        awards waiting) copied in bulk, so the tables grow in the same proportions."""
        assert self.made % 10 == 0  # whole sets, each with its award still waiting
        assert to % self.made == 0
        bulk_copies.copy(self.session, self.start, to // self.made - 1)
        self.session.commit()
        self.made, self._waiting = to, to // 10
        made = {m: self.session.scalar(select(func.count()).select_from(m)) for m in _MADE}
        assert made == {Grant: to, Donation: to, Payment: to // 2, Application: to // 2 + to // 10}


def _award(round_: Round, group: Group, pence: int) -> Application:
    now = utcnow()
    return Application(
        round=round_,
        group=group,
        state=State.AWARDED,
        title=f"For {group.name}",
        amount_requested_pence=pence,
        award_pence=pence,
        submitted_at=now,
        decided_at=now,
    )


def _manager_of(fund: Fund) -> User:
    return RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user


def _counts(world: World, client: FlaskClient, urls: list[str]) -> dict[str, int]:
    return {url: statements_for(client, world.engine, url) for url in urls}


@pytest.fixture
def world(app: Flask, session: Session) -> World:
    with in_request(app, session):
        return World(app, session)


def _public_urls(w: World) -> list[str]:
    slug, fund_id = w.place.slug, w.fund.id
    return [
        f"/places/{slug}/grants",
        f"/places/{slug}/grants?q=club+tea&ward=North&size=1000-4999",
        f"/places/{slug}/grants?year=2026",
        f"/api/places/{slug}/grants",
        f"/api/places/{slug}/grants?ward=South&per_page=100",
        f"/places/{slug}/money",
        f"/api/places/{slug}/money",
        f"/funds/{fund_id}/scorecard",
        f"/api/funds/{fund_id}/scorecard",
        f"/places/{slug}/funds",
        f"/funds/{fund_id}",
        "/open-data",
    ]


def _manager_urls(w: World) -> list[str]:
    fund_id, grant_id = w.fund.id, w.grants[0].id
    return [
        f"/funds/{fund_id}/manage",
        f"/funds/{fund_id}/grants",
        f"/funds/{fund_id}/income",
        f"/funds/{fund_id}/donations",
        f"/funds/{fund_id}/payment-run?on=2031-01-01",
        f"/grants/{grant_id}",
        f"/funds/{fund_id}/books",
        f"/funds/{fund_id}/books?page=2",
        f"/funds/{fund_id}/books?date_from=1&date_from=1&date_from=2025&account=1",
        f"/funds/{fund_id}/books/trial-balance",
        f"/funds/{fund_id}/books/trial-balance?at=15&at=6&at=2026",
    ]


def _giving_urls(w: World) -> list[str]:
    """Giving's pages with parts from funds: the place's scorecard and results."""
    slug = w.place.slug
    return [f"/places/{slug}/scorecard", f"/api/places/{slug}/scorecard", f"/places/{slug}/results"]


VIEWERS: dict[str, tuple[str | None, Callable[[World], list[str]]]] = {
    "the public": (None, lambda w: _public_urls(w) + _giving_urls(w)),
    "the fund's manager": ("manager", _manager_urls),
    "a group's lead": ("lead", lambda w: ["/grants"]),
    "a donor": ("donor", lambda w: ["/giving"]),
}


def _all_counts(app: Flask, world: World) -> dict[str, dict[str, int]]:
    counts = {}
    for viewer, (who, urls) in VIEWERS.items():
        client = app.test_client()
        if who is not None:
            log_in(client, getattr(world, who))
        counts[viewer] = _counts(world, client, urls(world))
    return counts


def _grew(few: dict[str, dict[str, Any]], many: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        viewer: {
            key: (few[viewer][key], many[viewer][key])
            for key in few[viewer]
            if few[viewer][key] != many[viewer][key]
        }
        for viewer in few
        if few[viewer] != many[viewer]
    }


def test_funds_pages_ask_the_same_with_10_rows_as_with_200(app, world):
    """Each page, for whoever sees it; and funds' parts of giving's pages."""
    world.grow(FEW)
    few = _all_counts(app, world)
    few["funds' parts of giving's pages"] = _hook_counts(app, world)
    world.multiply(MANY)
    many = _all_counts(app, world)
    many["funds' parts of giving's pages"] = _hook_counts(app, world)
    assert not _grew(few, many), f"statements with {FEW} rows, and with {MANY}"


def test_a_grant_with_many_payments_asks_the_same_as_one_with_few(world, client, session):
    """A grant's page lists its payments (each perhaps paid) and its check-ins."""
    world.grow(1)
    log_in(client, world.manager)

    def grant_page(months: int) -> int:
        with in_request(world.app, session):
            grant_id = _monthly_grant(world, session, months)
        return statements_for(client, world.engine, f"/grants/{grant_id}")

    assert grant_page(12) == grant_page(204)


def _monthly_grant(world: World, session: Session, months: int) -> int:
    """A grant paid every month for ``months``, half of them paid."""
    grant = services.make_grant(
        session,
        world.manager,
        world.fund,
        group=world.grants[0].group,
        title="Paid every month",
        total_pence=10_000_000,
        start_date=dt.date(2025, 4, 1),
        years=months // 12,
        frequency=Frequency.MONTHLY,
    )
    services.accept_agreement(session, world.lead, grant, agreed=True)
    for instalment in grant.instalments[: months // 2]:
        services.act_on_instalment(session, world.manager, instalment, "approve")
        services.act_on_instalment(
            session, world.manager, instalment, "pay", paid_on=PAID_ON, reference="R"
        )
    session.commit()
    return grant.id


# --- What funds adds to giving's pages -------------------------------------------------------


def _hook_counts(app: Flask, world: World) -> dict[str, int]:
    """Statements each of funds' parts of giving's pages sends, for the place and a round."""
    parts: dict[str, Callable[[Place, Round], Any]] = {
        "scorecard": lambda place, round_: reports.scorecard_figures(db.session, place, None),
        "round scorecard": lambda place, round_: reports.scorecard_figures(
            db.session, place, round_
        ),
        "participation": lambda place, round_: reports.participation_part(db.session, place, None),
        "place sections": lambda place, round_: reports.place_sections(db.session, place),
    }
    counts = {}
    for name, part in parts.items():
        with app.test_request_context():
            place = db.session.get(Place, world.place.id)
            round_ = db.session.get(Round, world.round.id)
            assert place is not None
            assert round_ is not None
            with statements_sent(world.engine) as seen:
                part(place, round_)
            counts[name] = len(seen)
    return counts


def test_the_journal_file_asks_the_same_with_10_rows_as_with_200(app, world):
    """The file is written as it is read: one question for its rows, however many."""
    client = app.test_client()
    log_in(client, world.manager)
    url = f"/funds/{world.fund.id}/books/journal.csv"

    def asked() -> tuple[int, int]:
        with statements_sent(world.engine) as seen:
            rows = client.get(url).get_data(as_text=True).count("\r\n")
        return len(seen), rows

    world.grow(FEW)
    few, few_rows = asked()
    world.multiply(MANY)
    many, many_rows = asked()
    assert many_rows > few_rows * 10
    assert few == many
