"""Pages, by area. Views parse input, call one service with the acting user, then render or
redirect."""

from giving.views.core import bp  # noqa: F401
