"""Pages, by area. Views parse input, call one service with the acting user, then render or
redirect."""

from giving.views import reports as _reports  # noqa: F401  (adds its pages to bp)
from giving.views import rounds as _rounds  # noqa: F401  (adds its pages to bp)
from giving.views.core import bp  # noqa: F401
