"""Long work run in the background (a Gift Aid claim, a file for the bank, counting a large
vote): what it is, who started it, how far it has got, and what it made."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models.columns import LabelledEnum
from giving.models.core import Place, User


class JobState(LabelledEnum):
    QUEUED = "queued", _l("Waiting to start")
    RUNNING = "running", _l("Working")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Could not finish")


# The moves a job makes: it starts, then finishes or fails. Nothing moves it back.
JOB_MOVES: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
}


class Job(Model):
    """One piece of long work for a place. ``done`` of ``total`` is how far it has got;
    when it is done it may have made a file (kept in the row) and a page to go on to."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("done >= 0 AND total >= 0", name="counts_not_negative"),
        CheckConstraint(
            "(result_data IS NULL) = (result_name IS NULL)", name="result_file_has_a_name"
        ),
    )

    id: Mapped[int] = col.pk()
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[int] = col.parent("places")
    started_by_id: Mapped[int | None] = col.actor()
    state: Mapped[JobState] = col.choice(JobState, "job_state", default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The file it made, kept in the row so that any web server can hand it out.
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # Where to go on to when it is done (a path on this site), and what the link says.
    next_url: Mapped[str | None] = mapped_column(String(500))
    next_text: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = col.timestamp()
    started_at: Mapped[dt.datetime | None] = col.moment()
    finished_at: Mapped[dt.datetime | None] = col.moment()

    place: Mapped[Place] = relationship()
    started_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        """How far it has got, as a whole percentage (100 once done)."""
        if self.state == JobState.DONE:
            return 100
        if self.total <= 0:
            return 0
        return min(100, self.done * 100 // self.total)
