"""The one checked step that performs any workflow move (see :mod:`giving.moves`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import Place, User
from giving.moves import Move, Workflow
from giving.services.core import audit, in_english


def step(
    session: Session,
    actor: User | None,
    obj: Any,
    workflow: Workflow,
    action: str,
    actors: Collection[str],
    *,
    place: Place | None,
    summary: Callable[[Move], str],
    check: Callable[[Move], None] | None = None,
    apply: Callable[[Move], dict[str, Any] | None] | None = None,
    details: dict[str, Any] | None = None,
) -> Move:
    """Move ``obj`` by ``action``: the only way a workflow's state changes.

    Looks the move up in ``workflow`` for the row's state, checks that one of ``actors`` (the
    kinds of actor the person counts as here) may make it, runs ``check(move)`` for what the
    move needs (it raises :class:`DomainError`), runs ``apply(move)`` for what the move does
    besides changing the state (it may return more audit details), sets the new state,
    flushes, and writes the audit entry ``"<workflow>.<action>"`` with where it came from and
    went to.
    """
    source = workflow.state_of(obj)
    found = workflow.find(source, action)
    if found is None:
        raise DomainError(workflow.refused(source), field="action")
    if not found.who & set(actors):
        raise NotAllowed(workflow.not_allowed())
    if check is not None:
        check(found)
    extra = apply(found) if apply is not None else None
    setattr(obj, workflow.attribute, found.target)
    session.flush()
    with in_english():
        audit(
            session,
            actor,
            f"{workflow.name}.{action}",
            obj,
            summary(found),
            place=place,
            **{"from": source.value, "to": found.target.value, **(details or {}), **(extra or {})},
        )
    return found
