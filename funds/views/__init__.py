"""Pages, by area, on one blueprint ``bp`` ("funds"); and what funds publishes, on
``reports_bp`` ("funds_reports") with its JSON API nested in it (``api_bp``, "funds_api").
Views parse input, call one service with the acting user, then render or redirect."""

from funds.views import (  # noqa: F401  (each adds its pages to bp)
    area_codes,
    banking,
    books,
    bulk,
    claims,
    donations,
    giving,
    grants,
    income,
    my_giving,
    payment_runs,
    public,
    receipts,
    setup,
)
from funds.views.access import bp  # noqa: F401
from funds.views.api import api_bp
from funds.views.reports import reports_bp

reports_bp.register_blueprint(api_bp)
