"""Closing and counting a vote from the web as a background job: a large vote takes a while
to count, so staff are sent to the job's page, which shows how far it has got and then links
to the results."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import Job, User
from giving.progress import Progress
from giving.services.jobs import start_job
from voting.models import Vote, VoteKind
from voting.permissions import require_staff
from voting.services.ballots import ballot_count
from voting.services.votes import move_vote
from voting.workflow import STAFF, VOTE


def start_close_and_count(
    session: Session, actor: User, vote: Vote, next_url: str | None = None
) -> Job:
    """Queue closing the vote and counting it; the job's page then links to ``next_url``."""
    require_staff(session, actor, vote.round.place)
    if not VOTE.is_allowed(vote.status, "close", {STAFF}):
        raise DomainError(_("This vote cannot be closed now."))
    if vote.kind == VoteKind.PUBLIC:
        title = _("Closing and counting the public vote for %(round)s", round=vote.round.title)
    else:
        title = _("Closing and counting the panel vote for %(round)s", round=vote.round.title)
    return start_job(
        session,
        actor,
        vote.round.place,
        "count_vote",
        close_and_count_work,
        vote.id,
        title=title,
        next_url=next_url,
        next_text=_("Counted: see the results"),
    )


def close_and_count_work(
    session: Session, actor: User | None, vote_id: int, *, progress: Progress
) -> None:
    """The job: close the vote and count it, as the staff's own button did before."""
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise DomainError(_("The vote is gone."))
    ballots = ballot_count(session, vote)
    progress(0, ballots)
    move_vote(session, actor, vote, "close", progress=progress)
    progress(ballots, ballots)
