"""The application workflow, written as data: its states, and a table of the moves allowed
between them and who may make each one.

Nothing here touches the database. :func:`giving.services.decisions.transition` is the one
function that moves an application: it hands :data:`APPLICATIONS` to the one checked step
(:func:`giving.services.workflow.step`) with what the move needs (reasons, an amount), and
the step writes the audit entry ``"application.<action>"``.

Who may act:

- ``GROUP``: a member of the group that applied;
- ``STAFF``: a fund manager or admin of the round's place (also when helping a group);
- ``SYSTEM``: a decision reached elsewhere on Placefund, such as a count of votes in
  ``voting``, passed in with ``as_system=True``. Voting reaches applications only this way;
- ``DECIDING_STAFF``: the same staff, in a round the fund's team decides
  (``DecisionMethod.STAFF``): they may give money or turn it down;
- ``OVERRIDING_STAFF``: the same staff, in a round where residents decide (a panel, a public
  vote or both). Only residents' decisions move an application on from being read; the
  fund's team may override them in an emergency, with a reason that is published.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from giving.moves import Move, Workflow, move


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
    DECIDING_STAFF = "deciding_staff"
    OVERRIDING_STAFF = "overriding_staff"


class Needs(enum.StrEnum):
    """What a move must carry with it."""

    FEEDBACK = "feedback"  # written reasons the group can read
    AWARD = "award"  # the amount awarded, in pence
    OPEN_ROUND = "open_round"  # the round is taking applications now
    COMPLETE = "complete"  # every question answered within its limit
    OVERRIDE_REASON = "override_reason"  # why the fund's team overrode residents (published)


GROUP, STAFF, SYSTEM = Actor.GROUP, Actor.STAFF, Actor.SYSTEM
DECIDING, OVERRIDING = Actor.DECIDING_STAFF, Actor.OVERRIDING_STAFF
# Who decides about money: residents (SYSTEM), or staff in a round the fund's team decides.
DECIDERS = {DECIDING, SYSTEM}

OVERRIDE_AWARD = {Needs.AWARD, Needs.OVERRIDE_REASON}
OVERRIDE_DECLINE = {Needs.FEEDBACK, Needs.OVERRIDE_REASON}

MOVES: tuple[Move[State], ...] = (
    move(
        State.DRAFT, "submit", State.SUBMITTED, {GROUP, STAFF}, {Needs.OPEN_ROUND, Needs.COMPLETE}
    ),
    move(State.DRAFT, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    move(State.SUBMITTED, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    move(State.IN_REVIEW, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    move(State.SHORTLISTED, "withdraw", State.WITHDRAWN, {GROUP, STAFF}),
    move(State.SUBMITTED, "mark_ineligible", State.INELIGIBLE, {STAFF}, {Needs.FEEDBACK}),
    move(State.INELIGIBLE, "reconsider", State.SUBMITTED, {STAFF}),
    move(State.SUBMITTED, "start_review", State.IN_REVIEW, {STAFF, SYSTEM}),
    move(State.IN_REVIEW, "shortlist", State.SHORTLISTED, DECIDERS),
    move(State.IN_REVIEW, "decline", State.DECLINED, DECIDERS, {Needs.FEEDBACK}),
    move(State.SHORTLISTED, "decline", State.DECLINED, DECIDERS, {Needs.FEEDBACK}),
    move(State.IN_REVIEW, "award", State.AWARDED, DECIDERS, {Needs.AWARD}),
    move(State.SHORTLISTED, "award", State.AWARDED, DECIDERS, {Needs.AWARD}),
    move(State.IN_REVIEW, "override_award", State.AWARDED, {OVERRIDING}, OVERRIDE_AWARD),
    move(State.SHORTLISTED, "override_award", State.AWARDED, {OVERRIDING}, OVERRIDE_AWARD),
    move(State.IN_REVIEW, "override_decline", State.DECLINED, {OVERRIDING}, OVERRIDE_DECLINE),
    move(State.SHORTLISTED, "override_decline", State.DECLINED, {OVERRIDING}, OVERRIDE_DECLINE),
    # After residents decided (a count, the panel's vote): a winner found to be closed, a fraud
    # or a conflict found late, or money given instead to one they did not choose.
    move(State.AWARDED, "override_decline", State.DECLINED, {OVERRIDING}, OVERRIDE_DECLINE),
    move(State.DECLINED, "override_award", State.AWARDED, {OVERRIDING}, OVERRIDE_AWARD),
)

# The decisions about money that only the people deciding may make (see DECIDERS).
DECISION_ACTIONS = frozenset({"shortlist", "decline", "award"})
# The fund's team overriding residents: each needs a reason that is published.
OVERRIDE_ACTIONS = frozenset({"override_award", "override_decline"})

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
    "override_award": _l("Override: give money (say how much, and why you override)"),
    "override_decline": _l("Override: do not give money (give reasons, and why you override)"),
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

# What the group reads when the fund's team overrode the residents' decision.
OVERRIDE_TIMELINE_TEXT = {
    "override_award": _l(
        "The fund's team overrode the residents' decision and gave it money. "
        "The reason is published."
    ),
    "override_decline": _l(
        "The fund's team overrode the residents' decision: it was not given money. "
        "The reason is published."
    ),
}


APPLICATIONS: Workflow[State] = Workflow(
    "application",
    MOVES,
    attribute="state",
    refused=lambda state: _(
        "This cannot be done to an application that is: %(state)s.", state=state.label.lower()
    ),
    not_allowed=lambda: _("You cannot do this to this application."),
)


def find_move(source: State, action: str) -> Move[State] | None:
    """The move ``action`` makes from ``source``, or None when there is no such move."""
    return APPLICATIONS.find(source, action)


def moves_from(source: State, actors: Collection[Actor]) -> list[Move[State]]:
    """The moves any of ``actors`` may make from ``source``, in table order."""
    return APPLICATIONS.moves_from(source, actors)


def is_allowed(source: State, action: str, actors: Collection[Actor]) -> bool:
    return APPLICATIONS.is_allowed(source, action, actors)
