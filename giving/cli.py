"""Commands for the base: demo data, the scheduled tick, background workers, the first admin.

- ``flask demo load``: every package's demo data, base first (safe to run twice).
- ``flask demo scale``: a large dataset in a place of its own, Scaleford, for measuring speed.
- ``flask tick``: what time moves on (closing and counting votes, closing rounds, reminders),
  run every minute from cron; each package adds its jobs in its ``init_app``.
- ``flask worker``: run background jobs from Redis.
- ``flask create-admin``: a site admin account, already confirmed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.ctx import RequestContext
from sqlalchemy.orm import Session

from giving import hooks, services
from giving.errors import DomainError
from giving.extensions import db
from giving.jobs import commit, run_worker
from giving.timeutil import utcnow


def on_public_site() -> RequestContext:
    """A request to the site's public address, so that links in emails point there."""
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


@contextmanager
def refusals_shown() -> Iterator[None]:
    """A service's refusal (:class:`DomainError`) ends the command with its message."""
    try:
        yield
    except DomainError as error:
        raise click.ClickException(error.message) from None


def load_demo(session: Session) -> bool:
    """Every package's demo data, in the order the packages joined; True when anything was
    added."""
    created = False
    for load in hooks.current().demo_loaders:
        created = load(session) or created
    return created


def tick(session: Session) -> list[str]:
    """Run every scheduled job once, each in its own commit; what they did, in lines."""
    lines: list[str] = []
    for job in hooks.current().tick_jobs:
        lines.extend(job(session, utcnow()))
        commit()
    return lines


def register(app: Flask) -> None:
    @app.cli.group()
    def demo() -> None:
        """Demo data for trying Placefund out."""

    @demo.command("load")
    def demo_load() -> None:
        """Create the demo place, people, groups, round, fund and grants (safe to run twice)."""
        with on_public_site():
            created = load_demo(db.session)
            commit()
        click.echo(
            "Demo data loaded." if created else "Demo data was already there; nothing changed."
        )

    @demo.command("scale")
    @click.option("--grants", default=100_000, show_default=True, type=click.IntRange(min=1))
    @click.option("--applications", default=10_000, show_default=True, type=click.IntRange(min=5))
    @click.option("--ballots", default=100_000, show_default=True, type=click.IntRange(min=1))
    @click.option("--gifts", default=50_000, show_default=True, type=click.IntRange(min=1))
    def demo_scale(grants: int, applications: int, ballots: int, gifts: int) -> None:
        """Build Scaleford, a place with many groups, applications, grants, gifts and a counted
        vote, to see how fast the pages are at a large funder's size (once only)."""
        from giving.progress import terminal_bar
        from giving.scale import SCALE_MANAGER_EMAIL, ScaleSizes, build

        sizes = ScaleSizes(grants=grants, applications=applications, ballots=ballots, gifts=gifts)
        stages: list[str] = []
        started = time.perf_counter()
        with on_public_site(), terminal_bar("Building Scaleford") as progress:
            loaders = hooks.current().scale_loaders
            created = build(db.session, sizes, loaders, progress, stages.append)
            saving = time.perf_counter()
            commit()
        if not created:
            click.echo("Scaleford was already there; nothing changed.")
            return
        finished = time.perf_counter()
        stages.append(f"Saving: {finished - saving:.1f} s")
        click.echo("\n".join(stages))
        click.echo(
            f"Scaleford built in {finished - started:.0f} s. "
            f"Its fund manager logs in as {SCALE_MANAGER_EMAIL}."
        )

    @app.cli.command("tick")
    def tick_command() -> None:
        """Do what is due now: close and count votes, close rounds, send reminders. Run it
        every minute (cron: ``* * * * * cd /srv/placefund && flask tick``)."""
        with on_public_site():
            lines = tick(db.session)
        click.echo("\n".join(lines) if lines else "Nothing was due.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run background jobs from Redis (needs REDIS_URL)."""
        if not app.config.get("REDIS_URL"):
            raise click.ClickException("Set REDIS_URL first: without it, jobs run inline.")
        run_worker(burst=burst)

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a site admin account, already confirmed."""
        with refusals_shown(), on_public_site():
            user = services.register(db.session, email=email, name=name, password=password)
        if user is None:
            raise click.ClickException(f"There is already an account with {email}.")
        user.is_site_admin = True
        user.email_confirmed_at = utcnow()
        commit()
        click.echo(f"Site admin {user.email} created.")
