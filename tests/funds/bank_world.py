"""A fund with its own bank account, a group paid by it with checked bank details, and two
payments ready to pay: the start of the bank details and payment run tests."""

from __future__ import annotations

import datetime as dt

from funds import services
from giving.models import Role
from tests.factories import (
    FundFactory,
    GroupFactory,
    GroupMemberFactory,
    PlaceFactory,
    RoleGrantFactory,
    make_grant,
)

SORT_CODE = "309634"
ACCOUNT = "57391846"


def bank_world(session, allow_one_person=False) -> dict:
    place = PlaceFactory()
    fund = FundFactory(place=place, money=5_000_000)
    preparer = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    approver = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    group = GroupFactory(place=place, name="Oak Lane Allotments")
    lead = GroupMemberFactory(group=group, is_lead=True).user
    member = GroupMemberFactory(group=group, is_lead=False).user
    grant = make_grant(
        fund,
        manager=preparer,
        group=group,
        accepted=True,
        total_pence=1_200_000,
        start_date=dt.date(2026, 4, 1),
    )
    for inst in grant.instalments[:2]:
        services.act_on_instalment(session, preparer, inst, "approve")
    services.set_fund_banking(
        session, preparer, fund, "Oakbridge Fund", "40-11-22", "99887766", allow_one_person
    )
    services.change_bank_details(session, lead, group, "Oak Lane Allotments", SORT_CODE, ACCOUNT)
    services.confirm_bank_details(session, approver, group)
    session.flush()
    return {
        "place": place,
        "fund": fund,
        "preparer": preparer,
        "approver": approver,
        "group": group,
        "lead": lead,
        "member": member,
        "grant": grant,
        "on": dt.date(2026, 12, 31),
    }
