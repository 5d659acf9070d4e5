"""Voting's reminders, sent once each by ``flask tick`` (see :mod:`giving.services.reminders`):
a vote closing soon, to each person who may vote in it and has not, and a panel's decision
date coming near, to each member with applications still to score."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from giving.models import ResidentVerification, Round, User
from giving.services.reminders import (
    Reminder,
    Windows,
    in_language_of,
    still_to_remind,
    windows,
)
from giving.timeutil import format_date, format_datetime
from voting.models import (
    Assignment,
    Declaration,
    Panel,
    PanelMember,
    Review,
    Vote,
    VoteKind,
    VoterRecord,
    VoteStatus,
    WhoMayVote,
)
from voting.workflow import PanelStatus

VOTE = "vote"
SCORING = "scoring"


def _closing_soon(now: dt.datetime, w: Windows) -> ColumnElement[bool]:
    """An open vote closing within the window, and a person (joined as :class:`User`) who
    has not voted in it and is still to be reminded."""
    return and_(
        Vote.status == VoteStatus.OPEN,
        Vote.opens_at <= now,
        Vote.closes_at > now,
        Vote.closes_at <= now + dt.timedelta(hours=w.vote_hours),
        ~exists().where(VoterRecord.vote_id == Vote.id, VoterRecord.user_id == User.id),
        still_to_remind(VOTE, "closing", Vote.id),
    )


def _vote_reminder(vote: Vote, user: User, why: str) -> Reminder:
    title = vote.round.title
    return Reminder(
        kind=VOTE,
        subject_id=vote.id,
        occasion="closing",
        user=user,
        subject=_("Voting on %(round)s closes soon", round=title),
        lines=(
            _(
                "Voting on %(round)s closes at %(when)s. You have not voted yet.",
                round=title,
                when=format_datetime(vote.closes_at),
            ),
            _("Vote here:"),
        ),
        link=url_for("voting.vote_page", vote_id=vote.id, _external=True),
        why=why,
    )


def _votes(session: Session, now: dt.datetime, w: Windows) -> list[Reminder]:
    """Public votes: verified residents of the place (when residents may vote); panel votes:
    the panel's members."""
    residents = (
        select(Vote, User)
        .join(Round, Round.id == Vote.round_id)
        .join(ResidentVerification, ResidentVerification.place_id == Round.place_id)
        .join(User, User.id == ResidentVerification.user_id)
        .where(
            _closing_soon(now, w),
            ResidentVerification.expires_at > now,
            Vote.kind == VoteKind.PUBLIC,
            Vote.who_may_vote.in_((WhoMayVote.VERIFIED, WhoMayVote.BOTH)),
        )
        .order_by(Vote.closes_at, Vote.id, User.id)
        .limit(w.batch)
    )
    panel = (
        select(Vote, User)
        .join(Panel, Panel.round_id == Vote.round_id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .join(User, User.id == PanelMember.user_id)
        .where(_closing_soon(now, w), PanelMember.left_at.is_(None), Vote.kind == VoteKind.PANEL)
        .order_by(Vote.closes_at, Vote.id, User.id)
        .limit(w.batch)
    )
    found = []
    for vote, user in session.execute(residents):
        with in_language_of(user):
            why = _(
                "You get this email because you are a verified resident of %(place)s.",
                place=vote.round.place.name,
            )
            found.append(_vote_reminder(vote, user, why))
    for vote, user in session.execute(panel):
        with in_language_of(user):
            why = _(
                "You get this email because you sit on the panel for %(round)s.",
                round=vote.round.title,
            )
            found.append(_vote_reminder(vote, user, why))
    return found


def _scoring(session: Session, now: dt.datetime, w: Windows) -> list[Reminder]:
    """Panels still reading whose round's decision date is within the window: each member
    with an assigned application not yet scored (leaving out ones they declared a conflict
    on)."""
    today = w.today(now)
    to_score = exists().where(
        Assignment.member_id == PanelMember.id,
        ~exists().where(
            Review.member_id == Assignment.member_id,
            Review.application_id == Assignment.application_id,
            Review.submitted_at.is_not(None),
        ),
        ~exists().where(
            Declaration.member_id == Assignment.member_id,
            Declaration.application_id == Assignment.application_id,
            Declaration.conflicted.is_(True),
        ),
    )
    stmt = (
        select(Panel, User)
        .join(Round, Round.id == Panel.round_id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .join(User, User.id == PanelMember.user_id)
        .where(
            Panel.status == PanelStatus.REVIEWING,
            Round.decision_date >= today,
            Round.decision_date <= today + dt.timedelta(days=w.days_before),
            PanelMember.left_at.is_(None),
            to_score,
            still_to_remind(SCORING, "due", Panel.id),
        )
        .order_by(Round.decision_date, Panel.id, User.id)
        .limit(w.batch)
    )
    found = []
    for panel, user in session.execute(stmt):
        with in_language_of(user):
            title = panel.round.title
            found.append(
                Reminder(
                    kind=SCORING,
                    subject_id=panel.id,
                    occasion="due",
                    user=user,
                    subject=_("Please finish scoring for %(round)s", round=title),
                    lines=(
                        _(
                            "The panel for %(round)s makes its decisions by %(day)s. You still "
                            "have applications to score.",
                            round=title,
                            day=format_date(panel.round.decision_date),
                        ),
                        _("Score them here:"),
                    ),
                    link=url_for("voting.panel_view", panel_id=panel.id, _external=True),
                    why=_(
                        "You get this email because you sit on the panel for %(round)s.",
                        round=title,
                    ),
                )
            )
    return found


def due_reminders(session: Session, now: dt.datetime) -> list[Reminder]:
    """Voting's reminders due now (registered as a reminder source in :func:`voting.init_app`)."""
    w = windows()
    return _votes(session, now, w) + _scoring(session, now, w)
