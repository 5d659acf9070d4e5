"""A panel's stages, written as data: the moves allowed between them and who may make each.

- ``forming``: people offer to serve; the fund manager appoints or draws the panel.
- ``reviewing``: members declare conflicts, score the applications they are given, discuss
  them, and record the shortlist.
- ``finished``: the panel's work on the round is done; nothing more can change.

Only fund managers and admins of the round's place (``STAFF``) move a panel on.
:func:`voting.services.move_panel` is the one function that does it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


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


@dataclass(frozen=True)
class PanelMove:
    source: PanelStatus
    action: str
    target: PanelStatus


PANEL_MOVES: tuple[PanelMove, ...] = (
    PanelMove(PanelStatus.FORMING, "start_review", PanelStatus.REVIEWING),
    PanelMove(PanelStatus.REVIEWING, "back_to_forming", PanelStatus.FORMING),
    PanelMove(PanelStatus.REVIEWING, "finish", PanelStatus.FINISHED),
)

ACTION_LABELS = {
    "start_review": _l("Start reading and scoring"),
    "back_to_forming": _l("Go back to forming the panel"),
    "finish": _l("Finish the panel's work"),
}


def find_panel_move(source: PanelStatus, action: str) -> PanelMove | None:
    return next((m for m in PANEL_MOVES if m.source == source and m.action == action), None)


# --- Votes -----------------------------------------------------------------------------------
#
# - ``draft``: the fund manager sets the vote up (who votes, how, the counting rule, dates);
# - ``open``: people vote between its opening and closing times; the settings freeze once
#   the first ballot is in;
# - ``closed``: no more ballots; counting follows at once;
# - ``counted``: the result and the anonymised ballots are public;
# - ``awarded``: staff confirmed the result and the awards went back to the applications.
#
# :func:`voting.services.move_vote` is the one function that moves a vote on.


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
    VoteStatus.AWARDED: _l("Money given"),
}


@dataclass(frozen=True)
class VoteMove:
    source: VoteStatus
    action: str
    target: VoteStatus


VOTE_MOVES: tuple[VoteMove, ...] = (
    VoteMove(VoteStatus.DRAFT, "open", VoteStatus.OPEN),
    VoteMove(VoteStatus.OPEN, "close", VoteStatus.CLOSED),
    VoteMove(VoteStatus.CLOSED, "count", VoteStatus.COUNTED),
    VoteMove(VoteStatus.COUNTED, "award", VoteStatus.AWARDED),
)

VOTE_ACTION_LABELS = {
    "open": _l("Open the vote"),
    "close": _l("Close the vote and count it"),
    "count": _l("Count the vote"),
    "award": _l("Confirm the result and give the money"),
}


def find_vote_move(source: VoteStatus, action: str) -> VoteMove | None:
    return next((m for m in VOTE_MOVES if m.source == source and m.action == action), None)
