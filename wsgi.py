"""The app factory: ``flask`` finds ``create_app`` here, and ``gunicorn 'wsgi:create_app()'``
serves it. This is the only module that sees giving, voting and funds together."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from config import BASE_DIR, DEFAULT_SECRET_KEY, INSTANCE_DIR, config_for
from giving.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Build the app for PLACEFUND_ENV (or ``config_name``), with settings overridden."""
    config = config_for(config_name)
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), static_folder="static")
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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)

    from giving.web import init_web

    init_web(app)
    _init_login(app)

    from giving.views import bp as giving_bp

    app.register_blueprint(giving_bp)

    from giving.views.api import bp as api_bp

    app.register_blueprint(api_bp)

    from funds import cli as funds_cli
    from funds.views import bp as funds_bp

    app.register_blueprint(funds_bp)
    funds_cli.register(app)

    from voting import cli as voting_cli
    from voting import services as voting_services
    from voting.views import bp as voting_bp

    app.register_blueprint(voting_bp)
    voting_services.install()
    voting_cli.register(app)

    from funds import reports as funds_reports
    from voting import reports as voting_reports  # noqa: F401  (adds voting's figures)

    app.register_blueprint(funds_reports.reports_bp)
    _register_cli(app)
    return app


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


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from giving.models import User

    login_manager.login_view = "giving.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        user_id, _sep, token = session_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_token != token:
            return None
        return user


def load_demo(session: Session) -> bool:
    """Every package's demo data, base first; True when anything was added."""
    from funds import demo as funds_demo
    from giving import demo as giving_demo
    from voting import demo as voting_demo

    created = giving_demo.load(session)
    created = voting_demo.load(session) or created
    created = funds_demo.load(session) or created
    return created


def _register_cli(app: Flask) -> None:
    @app.cli.group()
    def demo() -> None:
        """Demo data for trying Placefund out."""

    @demo.command("load")
    def demo_load() -> None:
        """Create the demo place, people, groups, round, fund and grants (safe to run twice)."""
        from giving.jobs import commit

        with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
            created = load_demo(db.session)
            commit()
        click.echo(
            "Demo data loaded." if created else "Demo data was already there; nothing changed."
        )

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run background jobs from Redis (needs REDIS_URL)."""
        from giving.jobs import run_worker

        if not app.config.get("REDIS_URL"):
            raise click.ClickException("Set REDIS_URL first: without it, jobs run inline.")
        run_worker(burst=burst)

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a site admin account, already confirmed."""
        from giving import services
        from giving.jobs import commit
        from giving.timeutil import utcnow

        try:
            with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
                user = services.register(db.session, email=email, name=name, password=password)
        except services.DomainError as error:
            raise click.ClickException(error.message) from None
        user.is_site_admin = True
        user.email_confirmed_at = utcnow()
        commit()
        click.echo(f"Site admin {user.email} created.")
