"""Conflicts of interest: each member says, before reading anything, whether they have a
conflict with each application; fund managers see the register of them all."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Application, User
from giving.services import audit, is_staff, row_exists
from giving.timeutil import utcnow
from voting.models import Declaration, Panel, PanelMember, Review
from voting.permissions import (
    Access,
    declaration_for,
    member_for,
    require_member,
    require_staff,
)
from voting.services.members import on_panel, with_people
from voting.services.stages import panel_applications
from voting.workflow import PanelStatus


def has_submitted(session: Session, member: PanelMember, application: Application) -> bool:
    """Whether the member has sent their scores for the application."""
    return row_exists(
        session,
        Review,
        Review.submitted_at.is_not(None),
        member_id=member.id,
        application_id=application.id,
    )


def _checked_reason(application: Application, conflicted: bool | None, reason: str) -> str:
    """The reason given, once the answer is complete; refuses an answer that is not."""
    group = application.group.name
    if conflicted is None:
        raise DomainError(
            _("Say whether you have a conflict with %(group)s", group=group),
            field=f"conflict_{application.id}",
        )
    if conflicted and not reason:
        raise DomainError(
            _("Say in a few words why you have a conflict with %(group)s", group=group),
            field=f"reason_{application.id}",
        )
    if len(reason) > 500:
        raise DomainError(_("Use 500 characters or fewer"), field=f"reason_{application.id}")
    return reason


def _stays(
    session: Session,
    member: PanelMember,
    application: Application,
    declaration: Declaration | None,
    conflicted: bool,
    reason: str,
) -> bool:
    """True when the declaration stays as it is: nothing changed, or it says there is no
    conflict and the member has sent their scores. A conflict cannot be taken back then."""
    if declaration is None:
        return False
    if declaration.conflicted == conflicted and declaration.reason == reason:
        return True
    if conflicted or not has_submitted(session, member, application):
        return False
    if declaration.conflicted:
        raise DomainError(
            _(
                "You cannot take back a conflict with %(group)s now.",
                group=application.group.name,
            ),
            field=f"conflict_{application.id}",
        )
    return True


def declare(
    session: Session,
    actor: User,
    panel: Panel,
    answers: dict[int, tuple[bool | None, str]],
) -> list[Declaration]:
    """Record the member's conflicts (or none) for the applications given, by id. A conflict
    can be declared at any time; 'no conflict' can be changed until they send their scores."""
    member = require_member(session, actor, panel)
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    applications = {a.id: a for a in panel_applications(session, panel)}
    saved = []
    for application_id, (conflicted, given) in answers.items():
        application = applications.get(application_id)
        if application is None:
            continue
        given = (given or "").strip()
        if conflicted is None and not given:
            continue  # not answered yet: they can come back to it
        reason = _checked_reason(application, conflicted, given)
        declaration = declaration_for(session, member, application)
        stays = _stays(session, member, application, declaration, bool(conflicted), reason)
        if declaration is None or not stays:
            declaration = _record(
                session, actor, member, application, declaration, bool(conflicted), reason
            )
        saved.append(declaration)
    return saved


def _record(
    session: Session,
    actor: User,
    member: PanelMember,
    application: Application,
    declaration: Declaration | None,
    conflicted: bool,
    reason: str,
) -> Declaration:
    panel = member.panel
    if declaration is None:
        declaration = Declaration(
            member_id=member.id, application_id=application.id, conflicted=conflicted
        )
        session.add(declaration)
    declaration.conflicted = conflicted
    declaration.reason = reason
    declaration.declared_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "panel.declare",
        declaration,
        f"{member.user.name}: {'a conflict' if conflicted else 'no conflict'} "
        f"with {application.group.name}",
        **on_panel(panel),
        application_id=application.id,
        conflicted=conflicted,
    )
    return declaration


@dataclass
class RegisterRow:
    member: PanelMember
    application: Application
    declaration: Declaration | None


def conflicts_register(session: Session, actor: User, panel: Panel) -> list[RegisterRow]:
    """Every member against every application: declared conflicts, none, or not yet."""
    require_staff(session, actor, panel.round.place)
    declarations = {
        (d.member_id, d.application_id): d
        for d in session.scalars(
            select(Declaration)
            .join(PanelMember, PanelMember.id == Declaration.member_id)
            .where(PanelMember.panel_id == panel.id)
        )
    }
    applications = panel_applications(session, panel)
    return [
        RegisterRow(member, application, declarations.get((member.id, application.id)))
        for member in with_people(session, panel).active_members
        for application in applications
    ]


def declarations_of(session: Session, member: PanelMember) -> dict[int, Declaration]:
    """What the member has said about each application so far, by application id."""
    return {
        d.application_id: d
        for d in session.scalars(select(Declaration).where(Declaration.member_id == member.id))
    }


def access_by_application(
    session: Session, user: User | None, panel: Panel, applications: list[Application]
) -> dict[int, Access]:
    """What the person may do with each application on the panel, by application id: the
    same answers as :func:`access_to` gives one at a time, asked of the database once."""
    member = member_for(session, user, panel)
    said = declarations_of(session, member) if member is not None else {}
    staff = member is None and user is not None and is_staff(session, user, panel.round.place)
    found = {}
    for application in applications:
        if application.round_id != panel.round_id:
            found[application.id] = Access.NONE
        elif member is None:
            found[application.id] = Access.STAFF if staff else Access.NONE
        elif application.id not in said:
            found[application.id] = Access.UNDECLARED
        else:
            conflicted = said[application.id].conflicted
            found[application.id] = Access.CONFLICTED if conflicted else Access.READ
    return found
