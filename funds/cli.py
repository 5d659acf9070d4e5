"""Commands: ``flask export 360giving`` writes the open data; ``flask funds remind`` sends
check-in reminders."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from giving.extensions import db


def register(app: Flask) -> None:
    @app.cli.group("export")
    def export() -> None:
        """Open data exports."""

    @export.command("360giving")
    @click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, writable=True),
        default="-",
        help="File to write (default: the screen).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "csv"]),
        default="json",
        show_default=True,
        help="A 360Giving JSON data package, or the flattened CSV.",
    )
    def export_360giving(out: str, fmt: str) -> None:
        """Write every published grant as 360Giving open data (standard 1.4)."""
        from funds import opendata

        prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
        if out == "-":
            opendata.write(db.session, sys.stdout, prefix, fmt)
            return
        newline = "" if fmt == "csv" else None
        with open(out, "w", encoding="utf-8", newline=newline) as target:
            opendata.write(db.session, target, prefix, fmt)
        click.echo(f"Wrote {out}", err=True)

    @app.cli.group("funds")
    def funds_group() -> None:
        """Funds and grants."""

    @funds_group.command("remind")
    @click.option("--days", default=14, show_default=True, help="Remind this many days ahead.")
    def remind(days: int) -> None:
        """Email groups whose written check-in is due soon (each one once)."""
        from funds import services
        from giving.jobs import commit
        from giving.timeutil import utcnow

        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            sent = services.send_checkin_reminders(db.session, utcnow().date(), days)
            commit()
        click.echo(f"Sent {sent} check-in reminders.")
