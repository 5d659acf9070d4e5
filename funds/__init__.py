"""Funds, the ledger, donations and Gift Aid, match pledges, grants, schedules, payments,
check-ins, and the money side of what Placefund publishes.

Imports ``giving``; ``giving`` never imports this package. :func:`init_app` is the one place
funds joins the app: its pages, its commands, and what it adds to giving's pages.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from config import DEFAULT_BANK_DETAILS_KEY
    from funds import banking

    if app.config["ENV_NAME"] == "production":
        problem = banking.keys_problem(app.config, DEFAULT_BANK_DETAILS_KEY)
        if problem:
            raise RuntimeError(problem)

    from funds import cli, demo, reports, scale, schemas, services
    from funds.services import reminders, tasks
    from funds.views import bp, reports_bp
    from giving import hooks

    app.register_blueprint(bp)
    app.register_blueprint(reports_bp)
    cli.register(app)
    added = hooks.of(app)
    added.demo_loaders.append(demo.load)
    added.scale_loaders.append(scale.load)
    added.add_definitions(reports.DEFINITIONS)
    added.scorecard_sources.append(reports.scorecard_figures)
    added.participation_sources.append(reports.participation_part)
    added.place_sections.append(reports.place_sections)
    added.decision_guards.append(services.award_in_a_grant)
    added.add_api_schemas(schemas.NAMED)
    added.task_sources.append(tasks.task_lists)
    added.reminder_sources.append(reminders.due_reminders)
