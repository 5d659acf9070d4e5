"""Panels, conflicts, reviews and scores, ballots, counting and results.

Imports ``giving``; ``giving`` never imports this package. :func:`init_app` is the one place
voting joins the app: its pages, its commands, and what it adds to giving's pages and jobs.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from giving import hooks
    from voting import cli, demo, reports, services
    from voting.views import bp

    app.register_blueprint(bp)
    cli.register(app)
    added = hooks.of(app)
    added.demo_loaders.append(demo.load)
    added.panel_access = services.panel_access_policy
    added.round_links.extend([services.round_links, services.vote_round_links])
    added.add_definitions(reports.DEFINITIONS)
    added.participation_sources.append(reports.participation_part)
    added.took_part_checks.append(reports.took_part)
