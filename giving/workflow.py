"""The application workflow, written as data: its states, and a table of the moves allowed
between them and who may make each one.

Nothing here touches the database. :func:`giving.services.rounds.transition` is the one
function that moves an application: it looks the move up here, checks who is asking, applies
what the move needs (reasons, an amount) and writes the audit entry.

Who may act:

- ``GROUP``: a member of the group that applied;
- ``STAFF``: a fund manager or admin of the round's place (also when helping a group);
- ``SYSTEM``: a decision reached elsewhere on Placefund, such as a count of votes in
  ``voting``, passed in with ``as_system=True``. Voting reaches applications only this way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def is_decided(self) -> bool:
        return self in FINAL_STATES


class Actor(enum.StrEnum):
    GROUP = "group"
    STAFF = "staff"
    SYSTEM = "system"


class Needs(enum.StrEnum):
    """What a move must carry with it."""

    FEEDBACK = "feedback"  # written reasons the group can read
    AWARD = "award"  # the amount awarded, in pence
    OPEN_ROUND = "open_round"  # the round is taking applications now
    COMPLETE = "complete"  # every question answered within its limit


@dataclass(frozen=True)
class Move:
    source: State
    action: str
    target: State
    who: frozenset[Actor]
    needs: frozenset[Needs] = frozenset()


def _move(
    source: State, action: str, target: State, who: set[Actor], needs: set[Needs] | None = None
) -> Move:
    return Move(source, action, target, frozenset(who), frozenset(needs or ()))


GROUP, STAFF, SYSTEM = Actor.GROUP, Actor.STAFF, Actor.SYSTEM

MOVES: tuple[Move, ...] = (
    _move(
        State.DRAFT, "submit", State.SUBMITTED, {GROUP, STAFF}, {Needs.OPEN_ROUND, Needs.COMPLETE}
    ),
    _move(State.DRAFT, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    _move(State.SUBMITTED, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    _move(State.IN_REVIEW, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    _move(State.SHORTLISTED, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    _move(State.SUBMITTED, "mark_ineligible", State.INELIGIBLE, {STAFF}, {Needs.FEEDBACK}),
    _move(State.INELIGIBLE, "reconsider", State.SUBMITTED, {STAFF}),
    _move(State.SUBMITTED, "start_review", State.IN_REVIEW, {STAFF, SYSTEM}),
    _move(State.IN_REVIEW, "shortlist", State.SHORTLISTED, {STAFF, SYSTEM}),
    _move(State.IN_REVIEW, "decline", State.DECLINED, {STAFF, SYSTEM}, {Needs.FEEDBACK}),
    _move(State.SHORTLISTED, "decline", State.DECLINED, {STAFF, SYSTEM}, {Needs.FEEDBACK}),
    _move(State.IN_REVIEW, "award", State.AWARDED, {STAFF, SYSTEM}, {Needs.AWARD}),
    _move(State.SHORTLISTED, "award", State.AWARDED, {STAFF, SYSTEM}, {Needs.AWARD}),
)

# States an application stays in once the round has finished with it.
FINAL_STATES = frozenset({State.INELIGIBLE, State.AWARDED, State.DECLINED, State.WITHDRAWN})
# Sent, and waiting for a decision: a round cannot close while any are left.
WAITING_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.SHORTLISTED})
# What a panel member of the place may read (voting narrows this to assigned members).
PANEL_STATES = frozenset({State.IN_REVIEW, State.SHORTLISTED})

STATE_LABELS = {
    State.DRAFT: _l("Not sent yet"),
    State.SUBMITTED: _l("Sent"),
    State.INELIGIBLE: _l("Cannot be funded by this round"),
    State.IN_REVIEW: _l("Being read"),
    State.SHORTLISTED: _l("On the shortlist"),
    State.AWARDED: _l("Given money"),
    State.DECLINED: _l("Not given money this time"),
    State.WITHDRAWN: _l("Withdrawn"),
}

ACTION_LABELS = {
    "submit": _l("Send the application"),
    "withdraw": _l("Withdraw the application"),
    "mark_ineligible": _l("It cannot be funded by this round (give reasons)"),
    "reconsider": _l("Look at it again (it was marked as not able to be funded)"),
    "start_review": _l("Start reading it"),
    "shortlist": _l("Put it on the shortlist"),
    "decline": _l("Do not give money (give reasons)"),
    "award": _l("Give money (say how much)"),
}

# What the group reads on its timeline when a move happened.
TIMELINE_TEXT = {
    State.DRAFT: _l("You started the application."),
    State.SUBMITTED: _l("The application was sent."),
    State.INELIGIBLE: _l("We found this round cannot fund it. The reasons are below."),
    State.IN_REVIEW: _l("The people deciding started reading it."),
    State.SHORTLISTED: _l("It was put on the shortlist."),
    State.AWARDED: _l("It was given money."),
    State.DECLINED: _l("It was not given money this time. The reasons are below."),
    State.WITHDRAWN: _l("It was withdrawn."),
}


def find_move(source: State, action: str) -> Move | None:
    """The move ``action`` makes from ``source``, or None when there is no such move."""
    return next((m for m in MOVES if m.source == source and m.action == action), None)


def moves_from(source: State, actors: set[Actor] | frozenset[Actor]) -> list[Move]:
    """The moves any of ``actors`` may make from ``source``, in table order."""
    return [m for m in MOVES if m.source == source and m.who & set(actors)]


def is_allowed(source: State, action: str, actors: set[Actor] | frozenset[Actor]) -> bool:
    move = find_move(source, action)
    return move is not None and bool(move.who & set(actors))
