"""Background work: on Redis + RQ when REDIS_URL is set, inline otherwise; one code path.

Services call :func:`enqueue` while they work; the job is handed over only when the request's
single commit (:func:`commit`) succeeds, so a job never sees half-done work and a rolled-back
request sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from giving.extensions import db

if TYPE_CHECKING:
    from rq import Queue

_PENDING = "placefund_pending_jobs"


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run ``func(*args)`` after the current transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((func, args))


def commit() -> None:
    """The one commit of a request or command, then hand over the jobs it queued."""
    db.session.commit()
    pending = db.session.info.pop(_PENDING, [])
    for func, args in pending:
        dispatch(func, *args)


def dispatch(func: Callable[..., Any], *args: Any) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        queue().enqueue(func, *args)
    else:
        func(*args)


def queue() -> Queue:
    """The RQ queue for this app."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(current_app.config["RQ_QUEUE"], connection=connection)


def run_worker(burst: bool = False) -> None:
    """Work through the queue inside this app context (``flask worker``)."""
    from rq import SimpleWorker

    q = queue()
    SimpleWorker([q], connection=q.connection).work(burst=burst)


@event.listens_for(Session, "after_soft_rollback")
def _forget_jobs_on_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
