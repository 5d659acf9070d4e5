"""Commands: ``flask export 360giving`` writes the open data; ``flask funds remind`` sends
check-in reminders; ``flask donations reconcile`` compares Stripe with the ledger; ``flask
giftaid erase`` and ``flask giftaid claim`` look after Gift Aid declarations and claims."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import click
from flask import Flask, current_app
from sqlalchemy import select

from funds import opendata, opendata_quality, services
from funds.models import Fund
from giving.cli import on_public_site, refusals_shown
from giving.extensions import db
from giving.jobs import commit
from giving.money import format_money
from giving.progress import terminal_bar
from giving.timeutil import to_london, utcnow


def _out_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--out FILE``; ``-`` (the default) is the screen."""
    return click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, writable=True),
        default="-",
        help=help_text,
    )


@contextmanager
def _opened(out: str, newline: str | None) -> Iterator[TextIO]:
    """Where ``--out`` says to write: the file, or the screen for ``-``."""
    if out == "-":
        yield sys.stdout
        return
    with open(out, "w", encoding="utf-8", newline=newline) as target:
        yield target


def register(app: Flask) -> None:
    """Add funds' commands to the app."""
    _export_commands(app)
    _funds_commands(app)
    _donations_commands(app)
    _giftaid_commands(app)
    _ledger_commands(app)
    _bank_commands(app)


def _export_commands(app: Flask) -> None:
    @app.cli.group("export")
    def export() -> None:
        """Open data exports."""

    @export.command("360giving")
    @_out_option("File to write (default: the screen).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "csv"]),
        default="json",
        show_default=True,
        help="A 360Giving JSON data package, or the flattened CSV.",
    )
    @click.option(
        "--check",
        is_flag=True,
        help="Then run the 360Giving data quality checks on it; exit 1 on a warning.",
    )
    def export_360giving(out: str, fmt: str, check: bool) -> None:
        """Write every published grant as 360Giving open data (standard 1.4)."""
        prefix = current_app.config["THREESIXTYGIVING_PREFIX"]
        with (
            _opened(out, newline="" if fmt == "csv" else None) as target,
            terminal_bar("Writing grants") as progress,
        ):
            opendata.write(
                db.session, target, prefix, fmt, progress, current_app.config["PUBLIC_URL"]
            )
        if out != "-":
            click.echo(f"Wrote {out}", err=True)
        if check:
            report = opendata_quality.check(
                opendata.grants(db.session, prefix, current_app.config["PUBLIC_URL"]),
                to_london(utcnow()).date(),
            )
            click.echo("\n".join(opendata_quality.summary(report)), err=True)
            if report.warnings:
                sys.exit(1)


def _funds_commands(app: Flask) -> None:
    @app.cli.group("funds")
    def funds_group() -> None:
        """Funds and grants."""

    @funds_group.command("remind")
    @click.option("--days", default=14, show_default=True, help="Remind this many days ahead.")
    def remind(days: int) -> None:
        """Email groups whose written check-in is due soon (each one once)."""

        with on_public_site():
            sent = services.send_checkin_reminders(db.session, utcnow().date(), days)
            commit()
        click.echo(f"Sent {sent} check-in reminders.")


def _donations_commands(app: Flask) -> None:
    @app.cli.group("donations")
    def donations_group() -> None:
        """Gifts to funds."""

    @donations_group.command("reconcile")
    def reconcile() -> None:
        """Compare Stripe's records of card gifts with the ledger and list any differences."""

        with on_public_site():
            with refusals_shown():
                differences = services.reconcile(db.session)
            db.session.rollback()
        if not differences:
            click.echo("Stripe and the ledger agree.")
            return
        for difference in differences:
            click.echo(str(difference))
        click.echo(f"{len(differences)} differences.", err=True)
        sys.exit(1)


def _giftaid_commands(app: Flask) -> None:
    @app.cli.group("giftaid")
    def giftaid_group() -> None:
        """Gift Aid claims."""

    @giftaid_group.command("erase")
    @click.option("--dry-run", is_flag=True, help="Only say how many would be erased.")
    def giftaid_erase(dry_run: bool) -> None:
        """Erase the donor's details from Gift Aid declarations kept six years past their last
        claimed gift that can cover no more gifts. Run it daily or monthly."""

        today = to_london(utcnow()).date()
        count = services.erase_expired_declarations(db.session, today, dry_run=dry_run)
        if dry_run:
            click.echo(f"{count} declarations would be erased.")
            return
        commit()
        click.echo(f"Erased {count} declarations.")

    @giftaid_group.command("claim")
    @click.option("--from", "from_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--to", "to_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--fund", "fund_id", type=int, help="The fund (needed when several can claim).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "ods"]),
        default="csv",
        show_default=True,
        help="CSV, or the ODS spreadsheet that HMRC's Charities Online takes.",
    )
    @_out_option("File to write the schedule to (default: the screen).")
    def giftaid_claim(
        from_on: dt.datetime, to_on: dt.datetime, fund_id: int | None, fmt: str, out: str
    ) -> None:
        """Export the Gift Aid claim schedule for gifts received between the days, with the
        small donations the Small Donations Scheme allows, and mark those gifts claimed so
        that no gift is ever claimed twice."""

        funds = list(db.session.scalars(select(Fund).where(Fund.holder_can_claim_gift_aid)))
        if fund_id is not None:
            funds = [f for f in funds if f.id == fund_id]
        if not funds:
            raise click.ClickException("No fund whose holder can claim Gift Aid was found.")
        if len(funds) > 1:
            names = ", ".join(f"{f.id} ({f.name})" for f in funds)
            raise click.ClickException(f"Choose a fund with --fund: {names}")
        with on_public_site():
            with refusals_shown(), terminal_bar("Claiming gifts") as progress:
                claim = services.make_gift_aid_claim(
                    db.session, funds[0], from_on.date(), to_on.date(), progress
                )
            with terminal_bar("Writing the schedule") as progress:
                if fmt == "ods":
                    data = services.claim_ods(claim, progress)
                else:
                    data = services.claim_csv(claim, progress).encode("utf-8")
            count, total = len(claim.items), format_money(claim.total_pence)
            small = len(claim.small_donations), format_money(claim.small_donations_pence)
            commit()
        if out == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            with open(out, "wb") as target:
                target.write(data)
        click.echo(f"Claimed {count} gifts, {total}.", err=True)
        click.echo(f"Small donations: {small[0]} gifts, {small[1]}.", err=True)


def _fund_for_books(fund_id: int) -> Fund:
    fund = db.session.get(Fund, fund_id)
    if fund is None:
        raise click.ClickException(f"No fund has the number {fund_id}.")
    return fund


def _ledger_commands(app: Flask) -> None:
    from funds.services import books

    @app.cli.group("ledger")
    def ledger_group() -> None:
        """A fund's books: the journal and the trial balance."""

    @ledger_group.command("journal")
    @click.option("--fund", "fund_id", required=True, type=int, help="The fund's number.")
    @click.option("--from", "from_on", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
    @click.option("--to", "to_on", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
    @_out_option("File to write the journal to, as CSV (default: the screen).")
    def ledger_journal(
        fund_id: int, from_on: dt.datetime | None, to_on: dt.datetime | None, out: str
    ) -> None:
        """Write the fund's journal as CSV: one row per entry, as an accounting package
        imports it (date, account code and name, debit, credit, reference, description)."""
        fund = _fund_for_books(fund_id)
        filters = books.JournalFilters(
            date_from=from_on.date() if from_on else None,
            date_to=to_on.date() if to_on else None,
        )
        written = [0]

        def counted(lines: Iterator[books.JournalLine]) -> Iterator[books.JournalLine]:
            for line in lines:
                written[0] += 1
                yield line

        with on_public_site(), refusals_shown(), _opened(out, newline="") as target:
            lines = books.journal_lines(db.session, None, fund, filters, checked=True)
            for chunk in books.journal_csv_chunks(counted(lines)):
                target.write(chunk)
        db.session.rollback()
        click.echo(f"Wrote {written[0]} entries.", err=True)

    @ledger_group.command("trial-balance")
    @click.option("--fund", "fund_id", required=True, type=int, help="The fund's number.")
    @click.option("--at", "at", type=click.DateTime(["%Y-%m-%d"]), help="The day (default: today).")
    def ledger_trial_balance(fund_id: int, at: dt.datetime | None) -> None:
        """Show each account's balance at the end of the day, as a debit or a credit, and the
        totals (which always agree)."""
        fund = _fund_for_books(fund_id)
        day = at.date() if at else to_london(utcnow()).date()
        with on_public_site(), refusals_shown():
            balance = books.trial_balance(db.session, None, fund, day, checked=True)
        db.session.rollback()
        click.echo(f"Trial balance of {fund.name} at the end of {day.isoformat()}")
        for line in balance.lines:
            click.echo(
                f"{line.code:<40} {line.name:<40} "
                f"{books.decimal_pounds(line.debit_pence):>14} "
                f"{books.decimal_pounds(line.credit_pence):>14}"
            )
        click.echo(
            f"{'':<40} {'Totals':<40} {books.decimal_pounds(balance.debit_pence):>14} "
            f"{books.decimal_pounds(balance.credit_pence):>14}"
        )
        if not balance.balances:
            click.echo("The totals do not agree.", err=True)
            sys.exit(1)


def _bank_commands(app: Flask) -> None:
    from funds.services import rotate_keys

    @app.cli.group("bank")
    def bank_group() -> None:
        """Bank details: keeping them encrypted."""

    @bank_group.command("rotate-key")
    def bank_rotate_key() -> None:
        """Encrypt every kept bank detail again with the first of BANK_DETAILS_KEYS. Put the new
        key first and keep the old ones after it until this has run."""
        count = rotate_keys(db.session)
        db.session.commit()
        click.echo(f"Encrypted {count} rows again with the first key.", err=True)
