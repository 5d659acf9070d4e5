"""The people on a panel: joining (by offer, appointment or lottery), leaving, and the chair.
Joining a panel makes someone a panel member of the place; leaving their last one there
stops it (giving keeps the roles)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from giving.errors import DomainError
from giving.models import Round, User
from giving.services import audit, find_one, find_user_by_email
from giving.services.rounds import ensure_panel_role, release_panel_role
from giving.timeutil import utcnow
from voting.models import JoinedBy, Panel, PanelDraw, PanelMember, PanelMethod
from voting.permissions import require_staff
from voting.workflow import PanelStatus


def on_panel(panel: Panel) -> dict[str, Any]:
    """Where an audit entry about a panel's work belongs: the round's place, and the panel."""
    return {"place": panel.round.place, "panel_id": panel.id}


def with_people(session: Session, panel: Panel) -> Panel:
    """The panel with its members and their accounts loaded in one go, for a page that lists
    them (unless its members are loaded already)."""
    if "members" in inspect(panel).unloaded:
        members = session.scalars(
            select(PanelMember)
            .where(PanelMember.panel_id == panel.id)
            .options(joinedload(PanelMember.user))
            .order_by(PanelMember.id)
        ).all()
        set_committed_value(panel, "members", list(members))
    return panel


def join(
    session: Session,
    actor: User,
    panel: Panel,
    user: User,
    joined_by: JoinedBy,
    draw: PanelDraw | None = None,
) -> PanelMember:
    member = find_one(session, PanelMember, panel_id=panel.id, user_id=user.id)
    if member is not None and member.left_at is None:
        raise DomainError(_("%(name)s is already on the panel.", name=user.name), field="email")
    if member is None:
        member = PanelMember(panel=panel, user=user, joined_by=joined_by)
        session.add(member)
    member.joined_by = joined_by
    member.draw_id = draw.id if draw is not None else None
    member.left_at = None
    member.joined_at = utcnow()
    session.flush()
    ensure_panel_role(session, actor, panel.round.place, user)
    audit(
        session,
        actor,
        "panel.join",
        member,
        f"{user.name} joined the panel for {panel.round.title} ({joined_by.value})",
        **on_panel(panel),
    )
    return member


def appoint(session: Session, actor: User, panel: Panel, email: str) -> PanelMember:
    """Put someone with an account on the panel."""
    require_staff(session, actor, panel.round.place)
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    if panel.method == PanelMethod.DRAWN:
        raise DomainError(
            _("This panel is chosen by lottery. Draw a replacement instead."), field="email"
        )
    user = find_user_by_email(session, email or "")
    if user is None:
        raise DomainError(
            _("No one has an account with that email. Ask them to register first."),
            field="email",
        )
    return join(session, actor, panel, user, JoinedBy.APPOINTED)


def release_if_off_every_panel(session: Session, actor: User, panel: Panel, user: User) -> None:
    """Someone who has left their last panel in the place stops being a panel member there."""
    place = panel.round.place
    still_on = session.scalar(
        select(PanelMember.id)
        .join(Panel, PanelMember.panel_id == Panel.id)
        .join(Round, Panel.round_id == Round.id)
        .where(
            PanelMember.user_id == user.id,
            PanelMember.left_at.is_(None),
            Round.place_id == place.id,
        )
        .limit(1)
    )
    if still_on is None:
        release_panel_role(session, actor, place, user)


def leave(session: Session, actor: User, member: PanelMember) -> None:
    """The member is off the panel from now (and no longer its chair)."""
    member.left_at = utcnow()
    member.is_chair = False
    session.flush()
    release_if_off_every_panel(session, actor, member.panel, member.user)


def remove_member(session: Session, actor: User, member: PanelMember) -> None:
    """Someone drops out (or is taken off). Their place can be filled by a replacement."""
    panel = member.panel
    require_staff(session, actor, panel.round.place)
    if member.left_at is not None:
        raise DomainError(_("%(name)s has already left the panel.", name=member.user.name))
    leave(session, actor, member)
    audit(
        session,
        actor,
        "panel.leave",
        member,
        f"{member.user.name} left the panel for {panel.round.title}",
        **on_panel(panel),
    )


def make_chair(session: Session, actor: User, member: PanelMember) -> None:
    panel = member.panel
    require_staff(session, actor, panel.round.place)
    if member.left_at is not None:
        raise DomainError(_("%(name)s has left the panel.", name=member.user.name))
    for other in panel.members:
        other.is_chair = other.id == member.id
    session.flush()
    audit(
        session,
        actor,
        "panel.chair",
        member,
        f"{member.user.name} chairs the panel for {panel.round.title}",
        **on_panel(panel),
    )
