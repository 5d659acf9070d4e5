"""Pages for panels, review and votes, on one blueprint (:mod:`.common`), by area. Views parse
input, call one service with the acting user, then render or redirect; the request's end
commits (see :mod:`giving.transaction`).

A round's panel is set up under the round (``/places/<slug>/rounds/<id>/panel/...``); the
panel's own work happens at ``/panels/<id>/...``, where every page about an application
checks that the person is on the panel, has declared, and has no conflict with it. Votes are
set up under the round (``.../votes``); voting and results are at ``/votes/<id>/...``.
"""

from voting.views import ballots as _ballots  # noqa: F401  (adds its pages to bp)
from voting.views import exports as _exports  # noqa: F401  (adds its pages to bp)
from voting.views import how as _how  # noqa: F401  (adds its pages to bp)
from voting.views import offers as _offers  # noqa: F401  (adds its pages to bp)
from voting.views import panel_setup as _panel_setup  # noqa: F401  (adds its pages to bp)
from voting.views import panel_work as _panel_work  # noqa: F401  (adds its pages to bp)
from voting.views import receipts as _receipts  # noqa: F401  (adds its pages to bp)
from voting.views import results as _results  # noqa: F401  (adds its pages to bp)
from voting.views import votes_setup as _votes_setup  # noqa: F401  (adds its pages to bp)
from voting.views.common import bp  # noqa: F401
