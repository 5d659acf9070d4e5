"""A small place with a round, decisions, a grant and money moving, for the API tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from funds import services as fund_services
from giving.models import RoundStatus
from giving.workflow import State
from tests.factories import (
    ApplicationFactory,
    FundFactory,
    GroupFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    WardFactory,
    make_grant,
)


def build_api_world(session) -> SimpleNamespace:
    place = PlaceFactory(slug="apiton", name="Apiton")
    east = WardFactory(place=place, name="East")
    WardFactory(place=place, name="West")
    PostcodeAreaFactory(place=place, prefix="AP1", ward=east)
    manager = RoleGrantFactory(place=place).user
    round_ = RoundFactory(place=place, title="Apiton small grants")
    draft = RoundFactory(place=place, title="Not yet", opened=False)
    group = GroupFactory(place=place, name="East Larder", postcode="AP1 1AA")
    awarded = ApplicationFactory(round=round_, group=group, state=State.AWARDED)
    declined = ApplicationFactory(round=round_, state=State.DECLINED)
    for _n in range(3):
        ApplicationFactory(round=round_, state=State.INELIGIBLE)
    round_.closed_at = round_.closes_at
    round_.status = RoundStatus.CLOSED
    fund = FundFactory(place=place, money=5_000_000)
    grant = make_grant(fund, manager=manager, group=group, accepted=True, total_pence=600_000)
    first = grant.instalments[0]
    fund_services.act_on_instalment(session, manager, first, "approve")
    fund_services.act_on_instalment(
        session, manager, first, "pay", paid_on=dt.date(2026, 9, 1), reference="BACS-1"
    )
    session.commit()
    return SimpleNamespace(
        place=place,
        round=round_,
        draft=draft,
        awarded=awarded,
        declined=declined,
        fund=fund,
        grant=grant,
        first=first,
    )
