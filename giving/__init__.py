"""The base of Placefund: accounts and roles, places, groups, rounds, applications, decisions.

``voting`` and ``funds`` import from here; nothing here imports them. They add to giving's
pages and jobs through the app's hooks (:mod:`giving.hooks`), in their own ``init_app``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Hooks first (the other packages add to them), then pages, requests and commands.
    The guards come before any route: they choose how ids in addresses are read."""
    from giving import (
        assets,
        cli,
        content_language,
        demo,
        guards,
        hooks,
        languages,
        login,
        scale,
        schemas,
        transaction,
    )
    from giving.services import reminders, reports, rounds
    from giving.views import bp, header, site
    from giving.views.api import bp as api_bp

    guards.init_app(app)
    added = hooks.install(app)
    added.add_definitions(reports.DEFINITIONS)
    added.ways.update(reports.WAYS)
    added.add_api_schemas(schemas.NAMED)
    added.demo_loaders.append(demo.load)
    added.scale_loaders.append(scale.load)
    added.tick_jobs.append(rounds.close_due_rounds)
    # Reminders come from voting's and funds' reminder_sources; each is sent once.
    added.tick_jobs.append(reminders.send_due_reminders)
    site.init_app(app)
    header.init_app(app)
    assets.init_app(app)
    languages.init_app(app)
    content_language.init_app(app)
    transaction.init_app(app)
    login.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    cli.register(app)
