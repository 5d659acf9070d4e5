"""Long work as background jobs: a row that says what it is and how far it has got, run after
the request's commit (on an RQ worker when there is Redis, inline otherwise).

The work is a function ``work(session, actor, *args, progress=...)`` that can be imported by
name (RQ finds it again by its name) and takes plain arguments such as ids and dates. It
gives back a :class:`JobFile` to offer for download, or None. It runs in one transaction,
committed once when it is done, so a job that fails changes nothing but its own row.

How far it has got is saved while it works, at most about twice a second and every 1%,
each time in a short transaction of its own so that the job's page can show it. SQLite
allows one writer at a time, so there the figures are saved only while the work itself has
written nothing yet (counting and building files write at the end); PostgreSQL always can.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.extensions import db
from giving.jobs import commit, enqueue
from giving.models import JOB_MOVES, Job, JobState, Place, User
from giving.permissions import is_staff, signed_in
from giving.timeutil import utcnow

# Saving progress: no more often than this many seconds apart, and only once it has moved
# on by 1% (or this many seconds have passed without a save).
SAVE_EVERY = 0.5
SAVE_AT_LEAST_EVERY = 5.0


@dataclass(frozen=True)
class JobFile:
    """A file a job made, for the person who started it to download."""

    name: str
    media_type: str
    data: bytes


Work = Callable[..., JobFile | None]


def start_job(
    session: Session,
    actor: User,
    place: Place,
    kind: str,
    func: Work,
    *args: Any,
    title: str,
    next_url: str | None = None,
    next_text: str | None = None,
) -> Job:
    """Keep a queued job for ``place`` and run ``func(session, actor, *args, progress=...)``
    once the request has committed. ``title`` says what it is; ``next_url`` (a path on this
    site) is where its page sends people once it is done. The caller checks that ``actor``
    may do the work; the work checks again when it runs."""
    job = Job(
        kind=kind,
        title=title[:200],
        place=place,
        started_by_id=actor.id,
        next_url=next_url,
        next_text=next_text,
    )
    session.add(job)
    session.flush()
    enqueue(run_job, job.id, func, *args)
    return job


def can_see_job(session: Session, user: User | None, job: Job) -> bool:
    """The person who started a job and the staff of its place may see it."""
    if not signed_in(user):
        return False
    return job.started_by_id == user.id or is_staff(session, user, job.place)


def _move(job: Job, to: JobState) -> None:
    if to not in JOB_MOVES[job.state]:
        raise RuntimeError(f"A job cannot move from {job.state} to {to}")
    job.state = to


def run_job(job_id: int, func: Work, *args: Any) -> None:
    """Run a queued job (the background part): mark it running, do the work while saving
    its progress, then keep what it made and mark it done; or mark it failed, saying why."""
    # This request's (or worker's) own Session, whose events and settings the job changes.
    session: Session = db.session()  # type: ignore[operator]  # db.session is scoped
    job = session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return  # already run (a queue may hand a job over twice) or gone with its place
    _move(job, JobState.RUNNING)
    job.started_at = utcnow()
    session.commit()
    actor = session.get(User, job.started_by_id) if job.started_by_id else None
    tracker = ProgressSaver(session, job)
    try:
        with tracker.watching():
            made = func(session, actor, *args, progress=tracker)
    except Exception as error:  # any failure is kept on the job's page
        _fail(session, job_id, error)
        return
    job = session.get(Job, job_id)
    assert job is not None
    _move(job, JobState.DONE)
    job.total = max(tracker.total, tracker.done)
    job.done = job.total
    job.finished_at = utcnow()
    if made is not None:
        job.result_name, job.result_type, job.result_data = made.name, made.media_type, made.data
    commit()  # and hand over any email the work queued


def _fail(session: Session, job_id: int, error: Exception) -> None:
    """Undo the work and keep, on the job, why it failed in words its page can show."""
    session.rollback()
    if isinstance(error, DomainError):
        message = error.message
    else:
        current_app.logger.exception("Job %s failed", job_id)
        message = _(
            "Something went wrong on our side, so this did not finish. Nothing was changed. "
            "Try again. If it happens again, tell the people who run this site."
        )
    job = session.get(Job, job_id)
    if job is None:
        return
    _move(job, JobState.FAILED)
    job.error = message
    job.finished_at = utcnow()
    session.commit()


class ProgressSaver:
    """The ``progress(done, total)`` a job's work is given: it saves the figures on the job's
    row, not too often, where the job's page can read them."""

    def __init__(self, session: Session, job: Job) -> None:
        self.session = session
        self.job = job
        self.job_id = job.id
        self.done = 0
        self.total = 0
        self._saved: tuple[int, int] = (0, 0)
        self._saved_at = float("-inf")
        self._separately = db.engine.dialect.name != "sqlite"
        self._work_wrote = False
        self._saving = False

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Notice, while the work runs, whether it has written anything."""

        def wrote(session: Session, flush_context: Any) -> None:
            if not self._saving:
                self._work_wrote = True

        event.listen(self.session, "after_flush", wrote)
        try:
            yield
        finally:
            event.remove(self.session, "after_flush", wrote)

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = max(done, 0), max(total, done, 0)
        now = time.monotonic()
        since = now - self._saved_at
        if (self.done, self.total) == self._saved or since < SAVE_EVERY:
            return
        step = max(1, self.total // 100)
        moved = abs(self.done - self._saved[0]) >= step or self.total != self._saved[1]
        if not moved and since < SAVE_AT_LEAST_EVERY:
            return
        if self._save(self.done, self.total):
            self._saved, self._saved_at = (self.done, self.total), now

    def _save(self, done: int, total: int) -> bool:
        if self._separately:
            # Its own connection and transaction: the work's transaction stays open.
            try:
                with db.engine.begin() as connection:
                    connection.execute(
                        update(Job).where(Job.id == self.job_id).values(done=done, total=total)
                    )
            except SQLAlchemyError as error:
                current_app.logger.warning("Could not save job %s progress: %s", self.job_id, error)
                return False
            return True
        session = self.session
        if self._work_wrote or session.new or session.dirty or session.deleted:
            return False  # committing now would commit half the work
        self.job.done, self.job.total = done, total
        keep = session.expire_on_commit
        self._saving, session.expire_on_commit = True, False
        try:
            session.commit()
        finally:
            self._saving, session.expire_on_commit = False, keep
        return True
