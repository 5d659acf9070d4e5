"""Who may see and change what: roles in a place, groups, rounds and applications.

Every check takes the session and the person asking (who may be logged out, or nobody).
The ``require_*`` helpers raise :class:`NotAllowed` for services to use; views ask the
``can_*`` questions. ``voting`` narrows what panel members may read through the app's
``panel_access`` hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giving import hooks
from giving.errors import NotAllowed
from giving.models import Application, Group, GroupMember, Place, Role, RoleGrant, Round, User
from giving.postcodes import is_resident
from giving.workflow import PANEL_STATES, Actor, State

if TYPE_CHECKING:
    from typing_extensions import TypeIs

# The roles that run a place's rounds: its fund managers and admins.
STAFF_ROLES = (Role.FUND_MANAGER, Role.ADMIN)


def signed_in(user: User | None) -> TypeIs[User]:
    return user is not None and bool(getattr(user, "is_authenticated", False))


# --- Roles in a place ------------------------------------------------------------------------


def roles_for(session: Session, user: User | None, place: Place) -> set[Role]:
    """Every role a person holds in a place: granted ones, plus resident and group member,
    which follow from their postcode and their groups."""
    if not signed_in(user):
        return set()
    roles = set(
        session.scalars(
            select(RoleGrant.role).where(
                RoleGrant.user_id == user.id, RoleGrant.place_id == place.id
            )
        )
    )
    if is_resident(session, user, place):
        roles.add(Role.RESIDENT)
    in_group = session.scalar(
        select(func.count(GroupMember.id))
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id, Group.place_id == place.id)
    )
    if in_group:
        roles.add(Role.GROUP_MEMBER)
    return roles


def has_role(session: Session, user: User | None, place: Place, *roles: Role) -> bool:
    """True when the user holds any of ``roles`` in the place (site admins hold them all)."""
    if not signed_in(user):
        return False
    if user.is_site_admin:
        return True
    return bool(roles_for(session, user, place) & set(roles))


def is_staff(session: Session, user: User | None, place: Place) -> bool:
    """Fund managers and admins of the place."""
    return has_role(session, user, place, *STAFF_ROLES)


def require_staff(session: Session, actor: User, place: Place) -> None:
    if not is_staff(session, actor, place):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


def require_self_or_staff(session: Session, actor: User, place: Place, user: User) -> None:
    if not (actor.id == user.id or is_staff(session, actor, place)):
        raise NotAllowed(_("Only fund managers and admins of this place can do this."))


# --- Groups ----------------------------------------------------------------------------------


def is_group_member(user: User | None, group: Group) -> bool:
    return signed_in(user) and any(m.user_id == user.id for m in group.members)


def can_see_group_private(session: Session, user: User | None, group: Group) -> bool:
    """Members of the group and staff of its place."""
    if not signed_in(user):
        return False
    return is_group_member(user, group) or is_staff(session, user, group.place)


def can_edit_group(session: Session, user: User | None, group: Group) -> bool:
    return can_see_group_private(session, user, group)


def can_manage_members(session: Session, user: User | None, group: Group) -> bool:
    """The group's lead members and staff of its place."""
    if not signed_in(user):
        return False
    if any(m.user_id == user.id and m.is_lead for m in group.members):
        return True
    return is_staff(session, user, group.place)


# --- Rounds and applications -----------------------------------------------------------------


def can_see_round(session: Session, user: User | None, round_: Round) -> bool:
    """Open and closed rounds are public; drafts only for staff of the place."""
    return not round_.is_draft or (signed_in(user) and is_staff(session, user, round_.place))


def _default_panel_policy(session: Session, user: User, application: Application) -> bool:
    """Anyone given the panel member role in the round's place may read applications that
    are being read or are on the shortlist (never drafts, and never before they are read)."""
    if application.state not in PANEL_STATES:
        return False
    grant = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.place_id == application.round.place_id,
            RoleGrant.role == Role.PANEL_MEMBER,
        )
    )
    return grant is not None


def can_view_application(session: Session, user: User | None, application: Application) -> bool:
    """The group's members, staff of the round's place and, while it is being decided,
    panel members (the app's ``panel_access`` hook, which voting narrows). No one else."""
    if not signed_in(user):
        return False
    if is_group_member(user, application.group):
        return True
    if is_staff(session, user, application.round.place):
        return True
    policy = hooks.current().panel_access or _default_panel_policy
    return policy(session, user, application)


def can_edit_application(session: Session, user: User | None, application: Application) -> bool:
    """Drafts can be changed by the group's members and by staff helping them."""
    return application.state == State.DRAFT and (
        is_group_member(user, application.group) or is_staff(session, user, application.round.place)
    )


def actors_for(session: Session, user: User | None, application: Application) -> set[Actor]:
    """The workflow roles ``user`` holds for this application. Staff also decide about money
    in a round the fund's team decides; where residents decide, staff may only override them
    (with a published reason)."""
    actors: set[Actor] = set()
    if is_group_member(user, application.group):
        actors.add(Actor.GROUP)
    if signed_in(user) and is_staff(session, user, application.round.place):
        actors.add(Actor.STAFF)
        if application.round.decision_method.residents_decide:
            actors.add(Actor.OVERRIDING_STAFF)
        else:
            actors.add(Actor.DECIDING_STAFF)
    return actors
