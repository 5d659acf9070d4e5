"""A panel's stages and a vote's, written as data: the moves allowed between them and who may
make each (the shape every workflow takes, :mod:`giving.moves`).

Panels:

- ``forming``: people offer to serve; the fund manager appoints or draws the panel.
- ``reviewing``: members declare conflicts, score the applications they are given, discuss
  them, and record the shortlist.
- ``finished``: the panel's work on the round is done; nothing more can change.

Votes:

- ``draft``: the fund manager sets the vote up (who votes, how, the counting rule, dates);
- ``open``: people vote between its opening and closing times; the settings freeze once
  the first ballot is in;
- ``closed``: no more ballots; counting follows at once;
- ``counted``: the count is the decision: the chosen applications are given money and the
  others are told why, at once, and the result and the anonymised ballots are public;
- ``awarded``: the fund's team confirmed the grants the count decided. Confirming changes
  no decision: only an override with a published reason can.

Who may act: ``STAFF``, a fund manager or admin of the round's place; ``SYSTEM``, the
scheduled job that closes and counts a vote when its closing time has passed (``flask
tick``), and the count that follows any close. :func:`voting.services.move_panel` and
:func:`voting.services.move_vote` make every move, through giving's one checked step.
"""

from __future__ import annotations

import enum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from giving.moves import Workflow, move

STAFF = "staff"
SYSTEM = "system"


class PanelStatus(enum.StrEnum):
    FORMING = "forming"
    REVIEWING = "reviewing"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    PanelStatus.FORMING: _l("Being formed"),
    PanelStatus.REVIEWING: _l("Reading and scoring"),
    PanelStatus.FINISHED: _l("Finished"),
}

PANEL: Workflow[PanelStatus] = Workflow(
    "panel",
    (
        move(PanelStatus.FORMING, "start_review", PanelStatus.REVIEWING, {STAFF}),
        move(PanelStatus.REVIEWING, "finish", PanelStatus.FINISHED, {STAFF}),
        move(PanelStatus.REVIEWING, "back_to_forming", PanelStatus.FORMING, {STAFF}),
    ),
    attribute="status",
    refused=lambda state: _("The panel cannot do that now."),
    not_allowed=lambda: _("Only fund managers and admins of this place can do this."),
)

ACTION_LABELS = {
    "start_review": _l("Start reading and scoring"),
    "back_to_forming": _l("Go back to forming the panel"),
    "finish": _l("Finish the panel's work"),
}


class VoteStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COUNTED = "counted"
    AWARDED = "awarded"

    @property
    def label(self) -> str:
        return str(VOTE_STATUS_LABELS[self])


VOTE_STATUS_LABELS = {
    VoteStatus.DRAFT: _l("Being set up"),
    VoteStatus.OPEN: _l("Open for voting"),
    VoteStatus.CLOSED: _l("Closed"),
    VoteStatus.COUNTED: _l("Counted"),
    VoteStatus.AWARDED: _l("Grants confirmed"),
}

VOTE: Workflow[VoteStatus] = Workflow(
    "vote",
    (
        move(VoteStatus.DRAFT, "open", VoteStatus.OPEN, {STAFF}),
        move(VoteStatus.OPEN, "close", VoteStatus.CLOSED, {STAFF, SYSTEM}),
        move(VoteStatus.CLOSED, "count", VoteStatus.COUNTED, {SYSTEM}),
        move(VoteStatus.COUNTED, "confirm", VoteStatus.AWARDED, {STAFF}),
    ),
    attribute="status",
    refused=lambda state: _(
        "This cannot be done to a vote that is: %(status)s.", status=state.label
    ),
    not_allowed=lambda: _("Only fund managers and admins of this place can do this."),
)

VOTE_ACTION_LABELS = {
    "open": _l("Open the vote"),
    "close": _l("Close the vote and count it"),
    "count": _l("Count the vote"),
    "confirm": _l("Confirm the grants"),
}

# The vote moves a person can ask for on the web (counting follows closing by itself).
STAFF_VOTE_ACTIONS = frozenset(m.action for m in VOTE.moves if STAFF in m.who)
