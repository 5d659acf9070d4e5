"""Pages, by area. Views parse input, call one service with the acting user, then render or
redirect. Every module adds its pages to the one ``giving`` blueprint (:mod:`.home`)."""

from giving.views import (  # noqa: F401  (each adds its pages to bp)
    accounts,
    applications,
    attachments,
    audit,
    groups,
    jobs,
    languages,
    places,
    reports,
    residents,
    round_setup,
    rounds,
)
from giving.views.home import bp  # noqa: F401
