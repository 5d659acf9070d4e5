"""The app factory: ``flask`` finds ``create_app`` here, and ``gunicorn 'wsgi:create_app()'``
serves it. This is the only module that sees giving, voting and funds together."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, DEFAULT_SECRET_KEY, INSTANCE_DIR, config_for
from giving.extensions import babel, csrf, db, limiter, migrate
from giving.startup import PageEnvironment, QuickRule, collector_paused, exit_without_collecting


@collector_paused()
def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Build the app for PLACEFUND_ENV (or ``config_name``), with settings overridden."""
    exit_without_collecting()
    config = config_for(config_name)
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), static_folder="static")
    app.url_rule_class = QuickRule
    app.jinja_environment = PageEnvironment
    app.config.from_object(config)
    app.config.update(overrides)
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (
        DEFAULT_SECRET_KEY,
        "",
        None,
    ):
        raise RuntimeError(
            "Set SECRET_KEY to a long random value before running Placefund in production."
        )
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    _serve_behind_proxies(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)

    import funds
    import giving
    import voting

    giving.init_app(app)
    voting.init_app(app)
    funds.init_app(app)
    return app


def _serve_behind_proxies(app: Flask) -> None:
    """Limits on tries count per client, so the client's address must be the real one:
    behind ``TRUSTED_PROXIES`` proxies it comes from their headers; with none, no header is
    believed. The counts are shared through Redis when there is one."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    if app.config["ENV_NAME"] == "production" and app.config["RATELIMIT_STORAGE_URI"] == (
        "memory://"
    ):
        app.logger.warning(
            "REDIS_URL is not set: limits on log-in tries are counted by each worker alone "
            "and forgotten on restart. Production needs Redis."
        )
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )


def _tune_sqlite(engine: Engine) -> None:
    """Foreign keys on, and real transactions (savepoints work) with the stdlib driver."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def load_demo(session: Session) -> bool:
    """Every package's demo data, base first; True when anything was added."""
    from giving.cli import load_demo as load_all

    return load_all(session)
