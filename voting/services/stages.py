"""Moving a panel on (forming, reading and scoring, finished) through giving's one checked
step, and sharing the applications out among its members."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from giving.errors import DomainError
from giving.models import Application, User
from giving.moves import Move
from giving.services import audit, transition
from giving.services.workflow import step
from giving.workflow import State
from voting.models import Assignment, Declaration, Panel, PanelMember
from voting.permissions import PANEL_APPLICATION_STATES, require_staff
from voting.workflow import PANEL, PanelStatus


def panel_applications(session: Session, panel: Panel) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id == panel.round_id,
                Application.state.in_(PANEL_APPLICATION_STATES),
            )
            .options(joinedload(Application.group))
            .order_by(Application.submitted_at, Application.id)
        )
    )


def move_panel(session: Session, actor: User, panel: Panel, action: str) -> Panel:
    """Move the panel on. Starting to read moves every sent application to 'being read'
    (through giving's transition) and shares them out."""
    actors = require_staff(session, actor, panel.round.place)

    def check(move: Move) -> None:
        if action == "start_review":
            if not panel.active_members:
                raise DomainError(_("There is no one on the panel yet."))
            if not panel.round.criteria:
                raise DomainError(_("The round has nothing for the panel to score against."))
        if action == "finish":
            waiting = [a for a in panel_applications(session, panel) if a.state == State.IN_REVIEW]
            if waiting:
                raise DomainError(
                    _(
                        "Record the shortlist decision for every application first (%(n)d left).",
                        n=len(waiting),
                    )
                )

    def apply(move: Move) -> None:
        if action == "start_review":
            sent = session.scalars(
                select(Application).where(
                    Application.round_id == panel.round_id, Application.state == State.SUBMITTED
                )
            ).all()
            for application in sent:
                transition(session, actor, application, "start_review")

    step(
        session,
        actor,
        panel,
        PANEL,
        action,
        actors,
        place=panel.round.place,
        summary=lambda move: (
            f"Panel for {panel.round.title}: {move.source.label} → {move.target.label}"
        ),
        check=check,
        apply=apply,
    )
    if action == "start_review":
        share_out(session, actor, panel)
    return panel


def conflicted_pairs(session: Session, panel: Panel) -> set[tuple[int, int]]:
    """(member id, application id) for every conflict declared on the panel."""
    rows = session.execute(
        select(Declaration.member_id, Declaration.application_id)
        .join(PanelMember, PanelMember.id == Declaration.member_id)
        .where(PanelMember.panel_id == panel.id, Declaration.conflicted.is_(True))
    ).all()
    return {(m, a) for m, a in rows}


def share_out(session: Session, actor: User, panel: Panel) -> int:
    """Give applications to members: everyone gets every one, or each application gets the
    panel's number of reviewers, spread so that no one has many more than anyone else.
    Running it again only tops up (after someone joins, leaves or declares a conflict)."""
    require_staff(session, actor, panel.round.place)
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("Start reading and scoring first."))
    members = sorted(panel.active_members, key=lambda m: m.id)
    applications = [a for a in panel_applications(session, panel) if a.state == State.IN_REVIEW]
    conflicts = conflicted_pairs(session, panel)
    existing = {
        (m, a)
        for m, a in session.execute(
            select(Assignment.member_id, Assignment.application_id)
            .join(PanelMember, PanelMember.id == Assignment.member_id)
            .where(PanelMember.panel_id == panel.id)
        )
    }
    active_ids = {m.id for m in members}
    load = {m.id: sum(1 for mid, _a in existing if mid == m.id) for m in members}
    added = 0
    for application in applications:
        free = [m for m in members if (m.id, application.id) not in conflicts]
        have = [m for m in free if (m.id, application.id) in existing]
        wanted = (
            len(free)
            if panel.reviewers_per_application is None
            else min(panel.reviewers_per_application, len(free))
        )
        candidates = sorted(
            (m for m in free if (m.id, application.id) not in existing),
            key=lambda m: (load[m.id], m.id),
        )
        for member in candidates[: max(0, wanted - len(have))]:
            session.add(Assignment(member_id=member.id, application_id=application.id))
            load[member.id] += 1
            added += 1
    session.flush()
    audit(
        session,
        actor,
        "panel.share_out",
        panel,
        f"Shared out applications to the panel for {panel.round.title}",
        place=panel.round.place,
        added=added,
        members=len(active_ids),
    )
    return added
