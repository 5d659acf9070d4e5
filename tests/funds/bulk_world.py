"""A fund with two agreed grants whose first payments and check-ins fall due soon: the start
of the bulk work tests (marking payments ready to pay, asking for check-ins)."""

from __future__ import annotations

import datetime as dt

from giving.models import Role
from giving.timeutil import utcnow
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    make_grant,
)


def bulk_world(session) -> dict:
    """Two groups with a £12,000 grant each, paid every three months from 30 days ago (so
    the first payments are due), with a written check-in due in 20 days."""
    place = PlaceFactory()
    fund = FundFactory(place=place, money=5_000_000, questions=["What went well?"])
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    today = utcnow().date()
    start = today.replace(year=today.year - 1) + dt.timedelta(days=20)
    grants = []
    for name in ("Oak Lane Allotments", "Riverside Youth Club"):
        group = GroupFactory(place=place, name=name)
        GroupMemberFactory(group=group, is_lead=True)
        grants.append(
            make_grant(
                fund,
                manager=manager,
                group=group,
                accepted=True,
                total_pence=1_200_000,
                start_date=start,
                years=2,
            )
        )
    session.flush()
    return {"place": place, "fund": fund, "manager": manager, "grants": grants}
