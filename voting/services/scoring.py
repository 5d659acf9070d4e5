"""Scoring: a member scores each application they were given against the round's criteria,
with a comment, and can change them until they send them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import Application, Criterion, User
from giving.services import audit, find_one, row_exists
from giving.timeutil import utcnow
from giving.workflow import State
from voting.models import SCORE_MAX, SCORE_MIN, Assignment, Panel, PanelMember, Review, Score
from voting.permissions import Access, require_member, require_reader
from voting.services.members import on_panel
from voting.workflow import PanelStatus


def is_assigned(session: Session, member: PanelMember, application: Application) -> bool:
    return row_exists(session, Assignment, member_id=member.id, application_id=application.id)


def review_for(session: Session, member: PanelMember, application: Application) -> Review | None:
    return find_one(session, Review, member_id=member.id, application_id=application.id)


def _score_rows(session: Session, member: PanelMember, application: Application) -> list[Score]:
    return list(
        session.scalars(
            select(Score).where(
                Score.member_id == member.id, Score.application_id == application.id
            )
        )
    )


def my_scores(session: Session, member: PanelMember, application: Application) -> dict[int, int]:
    return {s.criterion_id: s.value for s in _score_rows(session, member, application)}


def _check_scores(criteria: list[Criterion], scores: dict[int, int | None], submit: bool) -> None:
    for criterion in criteria:
        value = scores.get(criterion.id)
        if value is not None and not SCORE_MIN <= value <= SCORE_MAX:
            raise DomainError(
                _("Choose a score from %(low)d to %(high)d", low=SCORE_MIN, high=SCORE_MAX),
                field=f"criterion_{criterion.id}",
            )
        if submit and value is None:
            raise DomainError(
                _("Give a score for %(name)s", name=criterion.name),
                field=f"criterion_{criterion.id}",
            )


def _write_scores(
    session: Session,
    member: PanelMember,
    application: Application,
    scores: dict[int, int | None],
) -> None:
    existing = {s.criterion_id: s for s in _score_rows(session, member, application)}
    for criterion in application.round.criteria:
        value = scores.get(criterion.id)
        score = existing.get(criterion.id)
        if value is None:
            if score is not None:
                session.delete(score)
        elif score is None:
            session.add(
                Score(
                    member_id=member.id,
                    application_id=application.id,
                    criterion_id=criterion.id,
                    value=value,
                )
            )
        else:
            score.value = value


def _require_scorer(
    session: Session, actor: User, panel: Panel, application: Application
) -> PanelMember:
    """The actor's place on the panel, when they may score this application now."""
    if require_reader(session, actor, panel, application) != Access.READ:
        raise NotAllowed(_("Only the panel's members can score."))
    member = require_member(session, actor, panel)
    if panel.status != PanelStatus.REVIEWING:
        raise DomainError(_("The panel is not scoring at the moment."))
    if application.state != State.IN_REVIEW:
        raise DomainError(_("The panel has already decided about this application."))
    if not is_assigned(session, member, application):
        raise NotAllowed(_("This application was not given to you to score."))
    return member


def save_review(
    session: Session,
    actor: User,
    panel: Panel,
    application: Application,
    *,
    scores: dict[int, int | None],
    comment: str,
    submit: bool,
) -> Review:
    """Save a member's scores and comment; they can change them until they send them."""
    member = _require_scorer(session, actor, panel, application)
    review = review_for(session, member, application)
    if review is not None and review.submitted_at is not None:
        raise DomainError(
            _("You have sent your scores for this application, so they cannot change.")
        )
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise DomainError(_("Use 5000 characters or fewer"), field="comment")
    _check_scores(application.round.criteria, scores, submit)
    if review is None:
        review = Review(member_id=member.id, application_id=application.id)
        session.add(review)
    review.comment = comment
    review.updated_at = utcnow()
    if submit:
        review.submitted_at = utcnow()
    _write_scores(session, member, application, scores)
    session.flush()
    audit(
        session,
        actor,
        "review.submit" if submit else "review.save",
        review,
        f"{member.user.name} {'sent' if submit else 'saved'} scores for {application.group.name}",
        **on_panel(panel),
        application_id=application.id,
    )
    return review
