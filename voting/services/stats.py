"""The panel's view of its scores: for each application the weighted mean and median, each
reviewer's score normalised against their own scoring, and where reviewers disagree."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import Application
from voting.models import Panel, PanelMember, Review, Score, ShortlistDecision
from voting.services.members import with_people
from voting.services.stages import conflicted_pairs, panel_applications

# Weighted scores further apart than this (on the 1 to 5 scale) are flagged for discussion.
DISAGREEMENT_SPREAD = Fraction(2)


@dataclass
class ReviewerScore:
    member: PanelMember
    weighted: Fraction
    normalised: float
    comment: str
    by_criterion: dict[int, int]


@dataclass
class ApplicationStats:
    application: Application
    reviews: list[ReviewerScore] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    normalised: float | None = None
    spread: float | None = None
    disagree: bool = False
    decision: ShortlistDecision | None = None


def weighted_score(values: dict[int, int], criteria: list) -> Fraction | None:
    """Each criterion's score times its weight, added up, divided by the weights' total:
    still on the 1 to 5 scale. None until every criterion has a score."""
    if not criteria or any(c.id not in values for c in criteria):
        return None
    total = sum(c.weight for c in criteria)
    return Fraction(sum(values[c.id] * c.weight for c in criteria), total)


def panel_stats(session: Session, panel: Panel) -> list[ApplicationStats]:
    """For each application: weighted mean and median, the score normalised per reviewer,
    and whether reviewers disagree strongly.

    Counted: sent scores from people on the panel now, with no conflict on the application
    (scores made before someone declared a conflict stop counting).

    Normalised: for each reviewer, each of their weighted scores minus their own average,
    divided by how spread out their own scores are (a z-score; 0 when they gave only one
    score or all the same). An application's normalised score is the average of these.
    """
    criteria = panel.round.criteria
    applications = panel_applications(session, panel)
    members = {m.id: m for m in with_people(session, panel).active_members}
    conflicts = conflicted_pairs(session, panel)
    reviews = (
        session.scalars(
            select(Review).where(Review.member_id.in_(members), Review.submitted_at.is_not(None))
        ).all()
        if members
        else []
    )
    scores: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    if members:
        for s in session.scalars(select(Score).where(Score.member_id.in_(members))):
            scores[(s.member_id, s.application_id)][s.criterion_id] = s.value
    counted: list[tuple[Review, Fraction]] = []
    for review in reviews:
        if (review.member_id, review.application_id) in conflicts:
            continue
        weighted = weighted_score(scores[(review.member_id, review.application_id)], criteria)
        if weighted is not None:
            counted.append((review, weighted))
    by_member: dict[int, list[Fraction]] = defaultdict(list)
    for review, weighted in counted:
        by_member[review.member_id].append(weighted)
    centre = {m: statistics.fmean(float(v) for v in vals) for m, vals in by_member.items()}
    spread = {
        m: statistics.pstdev([float(v) for v in vals]) if len(vals) > 1 else 0.0
        for m, vals in by_member.items()
    }
    decisions = {
        d.application_id: d
        for d in session.scalars(
            select(ShortlistDecision).where(ShortlistDecision.panel_id == panel.id)
        )
    }
    rows = []
    for application in applications:
        row = ApplicationStats(application=application, decision=decisions.get(application.id))
        for review, weighted in counted:
            if review.application_id != application.id:
                continue
            m = review.member_id
            z = (float(weighted) - centre[m]) / spread[m] if spread[m] > 0 else 0.0
            row.reviews.append(
                ReviewerScore(
                    member=members[m],
                    weighted=weighted,
                    normalised=z,
                    comment=review.comment,
                    by_criterion=scores[(m, application.id)],
                )
            )
        if row.reviews:
            values = [r.weighted for r in row.reviews]
            row.mean = float(sum(values) / len(values))
            row.median = float(statistics.median(values))
            row.normalised = statistics.fmean(r.normalised for r in row.reviews)
            row.spread = float(max(values) - min(values))
            row.disagree = len(values) > 1 and max(values) - min(values) >= DISAGREEMENT_SPREAD
        rows.append(row)
    return rows


def stats_for(session: Session, panel: Panel, application: Application) -> ApplicationStats:
    return next(r for r in panel_stats(session, panel) if r.application.id == application.id)
