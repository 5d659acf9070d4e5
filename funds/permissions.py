"""Who may do what in funds: a fund's managers, a grant's group, a gift's donor.

The fund's managers are the fund managers and admins of its place (giving's staff roles); a
grant's group is the members of the group it is for.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import Donation, Fund, GiftAidDeclaration, Grant, RegularGift
from funds.workflow import Actor
from giving.errors import NotAllowed
from giving.models import RoleGrant, User
from giving.permissions import STAFF_ROLES
from giving.services import is_staff

if TYPE_CHECKING:
    from typing_extensions import TypeIs


def signed_in(user: User | None) -> TypeIs[User]:
    return user is not None and getattr(user, "is_authenticated", False)


def can_manage_fund(session: Session, user: User | None, fund: Fund) -> bool:
    """Fund managers and admins of the fund's place."""
    return is_staff(session, user, fund.place)


def require_manager(session: Session, actor: User | None, fund: Fund) -> None:
    if not can_manage_fund(session, actor, fund):
        raise NotAllowed(_("Only the fund's managers can do this."))


def is_grant_member(user: User | None, grant: Grant) -> bool:
    return signed_in(user) and any(m.user_id == user.id for m in grant.group.members)


def actors_for(session: Session, user: User | None, grant: Grant) -> set[Actor]:
    actors: set[Actor] = set()
    if is_grant_member(user, grant):
        actors.add(Actor.GROUP)
    if can_manage_fund(session, user, grant.fund):
        actors.add(Actor.STAFF)
    return actors


def can_see_grant(session: Session, user: User | None, grant: Grant) -> bool:
    """The group's members and the fund's managers see everything about a grant."""
    return bool(actors_for(session, user, grant))


def can_see_declaration(
    session: Session, user: User | None, declaration: GiftAidDeclaration
) -> bool:
    if not signed_in(user):
        return False
    if declaration.user_id == user.id or declaration.email == user.email:
        return True
    return can_manage_fund(session, user, declaration.fund)


def can_see_regular_gift(session: Session, user: User | None, gift: RegularGift) -> bool:
    if not signed_in(user):
        return False
    return gift.user_id == user.id or can_manage_fund(session, user, gift.fund)


def is_gift_donor(
    user: User | None, gift: Donation | RegularGift, started_here: Collection[str]
) -> bool:
    """Is this the person who gave? The browser that started the gift (``started_here``: the
    gift references its session remembers), or the signed-in account it was given from. Only
    they see the name, email and address on a gift's page; anyone else with the link sees the
    amount, the fund and how the gift stands."""
    if gift.reference in started_here:
        return True
    return signed_in(user) and gift.user_id is not None and gift.user_id == user.id


def can_see_receipt(session: Session, user: User | None, donation: Donation) -> bool:
    """A gift's receipt: the signed-in account it was given from, and the fund's managers (who
    see every gift to their fund). Donors without an account use the link in their email."""
    if not signed_in(user):
        return False
    if donation.user_id is not None and donation.user_id == user.id:
        return True
    return can_manage_fund(session, user, donation.fund)


def can_check_open_data(session: Session, user: User | None) -> bool:
    """The open data checks: site admins, and the fund managers and admins of any place (the
    file holds every place's grants, and any of them can put a warning right)."""
    if not signed_in(user):
        return False
    if user.is_site_admin:
        return True
    staff = select(RoleGrant.id).where(
        RoleGrant.user_id == user.id, RoleGrant.role.in_(STAFF_ROLES)
    )
    return session.scalar(staff.limit(1)) is not None
