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
