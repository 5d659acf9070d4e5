"""A round's applications as a spreadsheet for its staff: one row per application sent, with
the group, what it asked for, each answer (a column per question), the panel's scores (each
criterion's mean, the weighted score and how many scored), the votes where a vote was
counted, and the decision with its reason.

The rows are read a page at a time in id order, with the same few queries for every page
(never one per row), and given back a page of CSV text at a time. Every cell goes through
:mod:`giving.exports`, so nothing a group typed can become a spreadsheet formula."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from giving.exports import formula_safe_writer
from giving.models import Answer, Application, Criterion, Group, Question, Round, User
from giving.permissions import is_staff, require_staff
from giving.timeutil import format_date
from giving.workflow import State
from voting.models import Declaration, PanelMember, Review, Score, Vote

# Applications read (and rows written) at a time.
PAGE_SIZE = 500
TWO_PLACES = Decimal("0.01")


def _mean(value: Any) -> Decimal | None:
    """A mean score as a number with two decimal places (a number cell, never text)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _pounds(pence: int | None) -> Decimal | None:
    return None if pence is None else (Decimal(pence) / 100).quantize(TWO_PLACES)


def counted_votes(session: Session, round_: Round) -> list[Vote]:
    """The round's votes that have been counted, oldest first."""
    return list(
        session.scalars(
            select(Vote)
            .where(Vote.round_id == round_.id, Vote.counted_at.is_not(None))
            .order_by(Vote.id)
        )
    )


def _header(
    questions: Sequence[Question], criteria: Sequence[Criterion], votes: Sequence[Vote]
) -> list[str]:
    head = [
        _("Application"),
        _("Group"),
        _("Title"),
        _("Amount asked for (GBP)"),
        _("Where it stands"),
        _("Sent on"),
    ]
    head += [
        _("Question %(num)d: %(text)s", num=i, text=q.text) for i, q in enumerate(questions, 1)
    ]
    head += [_("Mean score: %(name)s", name=c.name) for c in criteria]
    head += [_("Weighted score (1 to 5)"), _("How many scored it")]
    for vote in votes:
        kind = _("Panel vote") if vote.kind.value == "panel" else _("Public vote")
        head.append(_("%(kind)s %(num)d: votes", kind=kind, num=vote.id))
        head.append(_("%(kind)s %(num)d: chosen", kind=kind, num=vote.id))
    head += [
        _("Decision"),
        _("Amount given (GBP)"),
        _("Decided by"),
        _("Decided on"),
        _("Reason given to the group"),
        _("Reason for overriding"),
    ]
    return head


def _weighted(means: dict[int, Decimal | None], criteria: Sequence[Criterion]) -> Decimal | None:
    """The criteria's means weighted as the panel weighs them; None until each has a mean."""
    total = sum(c.weight for c in criteria)
    if not criteria or total <= 0 or any(means.get(c.id) is None for c in criteria):
        return None
    weighted = sum((Decimal(str(means[c.id])) * c.weight for c in criteria), Decimal(0)) / total
    return weighted.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _counted_scores(ids: list[int]) -> Any:
    """Scores that count: sent, by someone still on the panel, with no conflict declared."""
    return (
        select(Score)
        .join(
            Review,
            and_(
                Review.member_id == Score.member_id,
                Review.application_id == Score.application_id,
                Review.submitted_at.is_not(None),
            ),
        )
        .join(PanelMember, and_(PanelMember.id == Score.member_id, PanelMember.left_at.is_(None)))
        .outerjoin(
            Declaration,
            and_(
                Declaration.member_id == Score.member_id,
                Declaration.application_id == Score.application_id,
                Declaration.conflicted.is_(True),
            ),
        )
        .where(Score.application_id.in_(ids), Declaration.id.is_(None))
    )


def _scores(session: Session, ids: list[int]) -> tuple[dict, dict[int, int]]:
    """Each application's mean per criterion, and how many people scored it."""
    counted = _counted_scores(ids).subquery()
    means: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for app_id, criterion_id, mean in session.execute(
        select(
            counted.c.application_id, counted.c.criterion_id, func.avg(counted.c.value)
        ).group_by(counted.c.application_id, counted.c.criterion_id)
    ):
        means[app_id][criterion_id] = _mean(mean)
    scorers: dict[int, int] = dict(
        session.execute(
            select(counted.c.application_id, func.count(distinct(counted.c.member_id))).group_by(
                counted.c.application_id
            )
        ).all()
    )
    return means, scorers


def _answers(session: Session, ids: list[int]) -> dict[int, dict[int, str]]:
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for app_id, question_id, text in session.execute(
        select(Answer.application_id, Answer.question_id, Answer.text).where(
            Answer.application_id.in_(ids)
        )
    ):
        found[app_id][question_id] = text
    return found


def _page(session: Session, round_: Round, after: int) -> list[Any]:
    return list(
        session.execute(
            select(
                Application.id,
                Group.name,
                Application.title,
                Application.amount_requested_pence,
                Application.state,
                Application.submitted_at,
                Application.award_pence,
                Application.decided_by,
                Application.decided_at,
                Application.feedback,
                Application.override_reason,
            )
            .join(Group, Group.id == Application.group_id)
            .where(
                Application.round_id == round_.id,
                Application.state != State.DRAFT,
                Application.id > after,
            )
            .order_by(Application.id)
            .limit(PAGE_SIZE)
        )
    )


def _vote_cells(votes: Sequence[Vote], app_id: int) -> list[Any]:
    cells: list[Any] = []
    for vote in votes:
        item = (vote.outcome or {}).get("explanations", {}).get(str(app_id))
        if item is None:
            cells += [None, None]
        else:
            cells += [int(item.get("votes") or 0), _("Yes") if item.get("selected") else _("No")]
    return cells


def _row(
    app: Any,
    answers: dict[int, str],
    means: dict[int, Decimal | None],
    scorers: int,
    questions: Sequence[Question],
    criteria: Sequence[Criterion],
    votes: Sequence[Vote],
) -> list[Any]:
    decided = State(app.state).is_decided
    row: list[Any] = [
        app.id,
        app.name,
        app.title,
        _pounds(app.amount_requested_pence),
        State(app.state).label,
        format_date(app.submitted_at),
    ]
    row += [answers.get(q.id, "") for q in questions]
    row += [means.get(c.id) for c in criteria]
    row += [_weighted(means, criteria), scorers]
    row += _vote_cells(votes, app.id)
    row += [
        State(app.state).label if decided else "",
        _pounds(app.award_pence),
        app.decided_by.label if app.decided_by is not None else "",
        format_date(app.decided_at),
        app.feedback or "",
        app.override_reason or "",
    ]
    return row


def _lines(session: Session, round_id: int) -> Iterator[str]:
    """The CSV text, a page at a time."""
    round_ = session.get_one(Round, round_id)
    questions = list(round_.questions)
    criteria = list(round_.criteria)
    votes = counted_votes(session, round_)
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(_header(questions, criteria, votes))
    after = 0
    while True:
        apps = _page(session, round_, after)
        if not apps:
            break
        ids = [app.id for app in apps]
        answers = _answers(session, ids)
        means, scorers = _scores(session, ids)
        for app in apps:
            writer.writerow(
                _row(
                    app,
                    answers.get(app.id, {}),
                    means.get(app.id, {}),
                    scorers.get(app.id, 0),
                    questions,
                    criteria,
                    votes,
                )
            )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        after = ids[-1]
    if out.getvalue():  # the heading alone, when nothing has been sent yet
        yield out.getvalue()


def export_applications(session: Session, actor: User, round_: Round) -> Iterator[str]:
    """The round's applications as CSV text, a page of rows at a time; for the place's fund
    managers and admins only (checked now, before anything is read)."""
    require_staff(session, actor, round_.place)
    return _lines(session, round_.id)


def export_links(round_: Round, user: User | None, page: str) -> list[tuple[str, str]]:
    """On a round's "manage" page, for its staff: the link to download the spreadsheet."""
    from giving.extensions import db

    if page != "manage" or not is_staff(db.session, user, round_.place):
        return []
    return [
        (
            _("Download every application as a spreadsheet (CSV)"),
            url_for(
                "voting.round_applications_csv", place_slug=round_.place.slug, round_id=round_.id
            ),
        )
    ]
