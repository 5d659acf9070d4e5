"""Panels, conflicts, reviews and scores, ballots, counting and results.

Imports ``giving``; ``giving`` never imports this package. :func:`init_app` is the one place
voting joins the app: its pages, its commands, and what it adds to giving's pages and jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the counting rules in voting.rules import nothing of Flask
    from flask import Flask


def init_app(app: Flask) -> None:
    from giving import hooks
    from voting import cli, demo, permissions, reports, scale, services
    from voting.views import bp

    app.register_blueprint(bp)
    cli.register(app)
    added = hooks.of(app)
    added.demo_loaders.append(demo.load)
    added.scale_loaders.append(scale.load)
    added.panel_access = permissions.panel_access_policy
    added.round_links.extend([services.round_links, services.vote_round_links])
    added.add_definitions(reports.DEFINITIONS)
    added.participation_sources.append(reports.participation_part)
    added.took_part_checks.append(reports.took_part)
    added.tick_jobs.append(services.close_due_votes)
    added.round_notes.append(services.round_notes)
