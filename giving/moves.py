"""The one shape every workflow takes: states, and a table of moves written as data.

A move is (from, action, to, who may, what the move needs). Each package writes its tables in
its own ``workflow.py`` (applications in :mod:`giving.workflow`; panels and votes in
``voting.workflow``; grants and instalments in ``funds.workflow``) and moves things only
through :func:`giving.services.workflow.step`, which checks the move and writes the audit
entry. Nothing here touches the database.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

S = TypeVar("S", bound=enum.Enum)


@dataclass(frozen=True)
class Move(Generic[S]):
    source: S
    action: str
    target: S
    who: frozenset[str]
    needs: frozenset[str] = frozenset()


def move(
    source: S, action: str, target: S, who: Collection[str], needs: Collection[str] = ()
) -> Move[S]:
    return Move(source, action, target, frozenset(who), frozenset(needs))


class Workflow(Generic[S]):
    """A named table of moves over the states in ``attribute`` of a kind of row.

    ``name`` starts each audit action (``"application.submit"``); ``refused(state)`` is the
    message when the action cannot be done from ``state``; ``not_allowed`` when the actor may
    not make the move.
    """

    def __init__(
        self,
        name: str,
        moves: Iterable[Move[S]],
        *,
        attribute: str = "state",
        refused: Callable[[S], str],
        not_allowed: Callable[[], str],
    ) -> None:
        self.name = name
        self.moves: tuple[Move[S], ...] = tuple(moves)
        self.attribute = attribute
        self.refused = refused
        self.not_allowed = not_allowed

    def state_of(self, obj: Any) -> S:
        return getattr(obj, self.attribute)

    def find(self, source: S, action: str) -> Move[S] | None:
        """The move ``action`` makes from ``source``, or None when there is no such move."""
        return next((m for m in self.moves if m.source == source and m.action == action), None)

    def moves_from(self, source: S, actors: Collection[str]) -> list[Move[S]]:
        """The moves any of ``actors`` may make from ``source``, in table order."""
        return [m for m in self.moves if m.source == source and m.who & set(actors)]

    def is_allowed(self, source: S, action: str, actors: Collection[str]) -> bool:
        found = self.find(source, action)
        return found is not None and bool(found.who & set(actors))
