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
    from voting import cli, demo, permissions, plain_words, reports, scale, services
    from voting.services import reminders, round_export, tasks
    from voting.services.links import application_links
    from voting.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(plain_words.rule_name, "rule_name")
    app.add_template_filter(plain_words.draw_method_name, "draw_method_name")
    app.add_template_global(plain_words.rule, "plain_rule")
    cli.register(app)
    added = hooks.of(app)
    added.demo_loaders.append(demo.load)
    added.scale_loaders.append(scale.load)
    added.panel_access = permissions.panel_access_policy
    added.round_links.extend([services.round_links, services.vote_round_links])
    added.round_links.append(round_export.export_links)
    added.add_definitions(reports.DEFINITIONS)
    added.participation_sources.append(reports.participation_part)
    added.took_part_checks.append(reports.took_part)
    added.tick_jobs.append(services.close_due_votes)
    # After closing and counting, so a counted vote's ballot box is left shuffled too.
    added.tick_jobs.append(services.mix_ballot_boxes)
    added.round_notes.append(services.round_notes)
    added.task_sources.append(tasks.task_lists)
    added.application_links.append(application_links)
    added.reminder_sources.append(reminders.due_reminders)
