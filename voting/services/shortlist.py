"""The panel's discussion of each application, the notes of its meeting, and the shortlist
decision, which moves the application through giving's workflow."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import Application, User
from giving.services import add_audited, audit, find_one, transition
from voting.models import Panel, PanelNote, ShortlistDecision
from voting.permissions import Access, access_to, can_chair, require_reader
from voting.services.members import on_panel
from voting.workflow import PanelStatus


def notes_for(session: Session, panel: Panel, application: Application) -> list[PanelNote]:
    return list(
        session.scalars(
            select(PanelNote)
            .where(PanelNote.panel_id == panel.id, PanelNote.application_id == application.id)
            .order_by(PanelNote.created_at, PanelNote.id)
        )
    )


def add_note(
    session: Session, actor: User, panel: Panel, application: Application, text: str
) -> PanelNote:
    """A point in the panel's discussion of an application."""
    require_reader(session, actor, panel, application)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write something first"), field="text")
    if len(text) > 5000:
        raise DomainError(_("Use 5000 characters or fewer"), field="text")
    if panel.status == PanelStatus.FINISHED:
        raise DomainError(_("This panel has finished its work."))
    note = PanelNote(
        panel_id=panel.id, application_id=application.id, author_id=actor.id, text=text
    )
    return add_audited(
        session,
        actor,
        "panel.note",
        note,
        f"Added to the panel's discussion of {application.group.name}",
        **on_panel(panel),
        application_id=application.id,
    )


def save_meeting_notes(session: Session, actor: User, panel: Panel, text: str) -> Panel:
    """The notes of the panel's meeting, kept by the chair or a fund manager."""
    if not can_chair(session, actor, panel):
        raise NotAllowed(_("Only the panel's chair or a fund manager can keep the meeting notes."))
    text = (text or "").strip()
    if len(text) > 20000:
        raise DomainError(_("Use 20000 characters or fewer"), field="text")
    panel.meeting_notes = text
    session.flush()
    audit(
        session,
        actor,
        "panel.meeting_notes",
        panel,
        f"Changed the meeting notes of the panel for {panel.round.title}",
        place=panel.round.place,
    )
    return panel


def decide_shortlist(
    session: Session,
    actor: User,
    panel: Panel,
    application: Application,
    action: str,
    reason: str,
) -> ShortlistDecision:
    """The panel's decision at the shortlist, with a reason. 'decline' sends the reason to
    the group as feedback. The application moves through giving's transition, as a decision
    reached by the panel."""
    if not can_chair(session, actor, panel):
        raise NotAllowed(_("Only the panel's chair or a fund manager can record the shortlist."))
    if access_to(session, actor, panel, application) in (Access.CONFLICTED, Access.NONE):
        raise NotAllowed(_("You declared a conflict with this application, so you cannot see it."))
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("The panel is not deciding at the moment."))
    if action not in ("shortlist", "decline"):
        raise DomainError(_("Choose whether it goes on the shortlist"), field="action")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _(
                "Write the reason. If it is not on the shortlist, the group will read it, "
                "so use plain words."
            ),
            field="reason",
        )
    existing = find_one(
        session, ShortlistDecision, panel_id=panel.id, application_id=application.id
    )
    if existing is not None:
        raise DomainError(_("The panel has already decided about this application."))
    transition(
        session,
        actor,
        application,
        action,
        feedback=reason if action == "decline" else None,
        as_system=True,
    )
    decision = ShortlistDecision(
        panel_id=panel.id,
        application_id=application.id,
        action=action,
        reason=reason,
        decided_by_id=actor.id,
    )
    return add_audited(
        session,
        actor,
        f"panel.{action}",
        decision,
        f"The panel for {panel.round.title}: {action} {application.group.name}",
        **on_panel(panel),
        application_id=application.id,
    )
