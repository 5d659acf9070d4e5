"""Roles given by hand in a place (panel member, fund manager, admin), and the panel member
role that ``voting`` gives and takes back as people join and leave panels.

Roles that follow from who someone is (resident, group member) are not given: see
:func:`giving.permissions.roles_for`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import GRANTED_ROLES, Place, Role, RoleGrant, User
from giving.permissions import has_role, require_self_or_staff
from giving.services.accounts import find_user_by_email
from giving.services.core import add_audited, audit, find_one, in_english


def staff_places(session: Session, user: User) -> list[Place]:
    """The places where the user is a fund manager or admin."""
    if user.is_site_admin:
        return list(session.scalars(select(Place).order_by(Place.name)))
    stmt = (
        select(Place)
        .join(RoleGrant, RoleGrant.place_id == Place.id)
        .where(
            RoleGrant.user_id == user.id,
            RoleGrant.role.in_((Role.FUND_MANAGER, Role.ADMIN)),
        )
        .distinct()
        .order_by(Place.name)
    )
    return list(session.scalars(stmt))


def grant_role(session: Session, actor: User, place: Place, email: str, role: Role) -> RoleGrant:
    if not has_role(session, actor, place, Role.ADMIN):
        raise NotAllowed(_("Only an admin of this place can give people roles."))
    if role not in GRANTED_ROLES:
        raise DomainError(_("That role cannot be given by hand."), field="role")
    user = find_user_by_email(session, email)
    if user is None:
        raise DomainError(
            _("No one has an account with that email. Ask them to register first."),
            field="email",
        )
    if _grant_of(session, place, user, role) is not None:
        raise DomainError(
            _(
                "%(name)s is already a %(role)s here.",
                name=user.name,
                role=role.label.lower(),
            ),
            field="email",
        )
    grant = RoleGrant(user=user, place=place, role=role, granted_by_id=actor.id)
    with in_english():
        return add_audited(
            session, actor, "role.grant", grant, f"Made {user.name} {role.label}", place=place
        )


def revoke_role(session: Session, actor: User, grant: RoleGrant) -> None:
    place = grant.place
    if not has_role(session, actor, place, Role.ADMIN):
        raise NotAllowed(_("Only an admin of this place can take roles away."))
    if grant.user_id == actor.id and grant.role == Role.ADMIN:
        raise DomainError(_("You cannot remove your own admin role."))
    with in_english():
        _take_back(session, actor, grant, f"Took {grant.role.label} away from {grant.user.name}")


def _take_back(session: Session, actor: User, grant: RoleGrant, summary: str) -> None:
    audit(session, actor, "role.revoke", grant, summary, place=grant.place)
    session.delete(grant)
    session.flush()


def _grant_of(session: Session, place: Place, user: User, role: Role) -> RoleGrant | None:
    return find_one(session, RoleGrant, user_id=user.id, place_id=place.id, role=role)


def ensure_panel_role(session: Session, actor: User, place: Place, user: User) -> RoleGrant:
    """Give ``user`` the panel member role in ``place`` when they join one of its panels
    (``voting`` calls this). Staff of the place may give it; a resident joining an open panel
    gives it to themselves. What they may read is still narrowed by the panel access policy."""
    require_self_or_staff(session, actor, place, user)
    grant = _grant_of(session, place, user, Role.PANEL_MEMBER)
    if grant is None:
        grant = RoleGrant(user=user, place=place, role=Role.PANEL_MEMBER, granted_by_id=actor.id)
        summary = f"Made {user.name} Panel member"
        add_audited(session, actor, "role.grant", grant, summary, place=place)
    return grant


def release_panel_role(session: Session, actor: User, place: Place, user: User) -> bool:
    """Take the panel member role in ``place`` back from ``user`` once they sit on none of
    its panels (``voting`` calls this when someone leaves their last one). Returns whether
    there was a role to take back."""
    require_self_or_staff(session, actor, place, user)
    grant = _grant_of(session, place, user, Role.PANEL_MEMBER)
    if grant is None:
        return False
    _take_back(session, actor, grant, f"{user.name} is no longer a Panel member")
    return True
