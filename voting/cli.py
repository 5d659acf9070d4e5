"""Commands for voting.

- ``flask panel draw``: a panel lottery for people gathered outside Placefund (a postal
  invitation lottery, say). Reads a pool and quotas from CSV files and prints the chosen ids.
- ``flask count FILE.pb --rule RULE``: counts a Pabulib election with one of the counting
  rules and prints the selected project ids, in the order chosen, and their total cost.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from voting import sortition
from voting.rules import RULES, Lottery, PabulibError, count_file


def register(app: Flask) -> None:
    @app.cli.group()
    def panel() -> None:
        """Panel lotteries."""

    @panel.command("draw")
    @click.option(
        "--pool",
        "pool_path",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CSV: an id column, then one column per category.",
    )
    @click.option(
        "--quotas",
        "quotas_path",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CSV with the columns category,value,min,max.",
    )
    @click.option("--size", required=True, type=click.IntRange(min=1), help="Seats to fill.")
    @click.option(
        "--seed",
        required=True,
        type=click.IntRange(min=1),
        help="Whole number that starts the draw.",
    )
    def draw(pool_path: Path, quotas_path: Path, size: int, seed: int) -> None:
        """Print the chosen ids as a JSON list, or say which quota cannot be met.

        The same files, size and seed always choose the same people.
        """
        try:
            pool = sortition.read_pool(pool_path.read_text(encoding="utf-8-sig"))
            quotas = sortition.read_quotas(quotas_path.read_text(encoding="utf-8-sig"))
            result = sortition.draw(pool, quotas, size, seed)
        except sortition.QuotaProblem as problem:
            raise click.ClickException("\n".join(problem.lines)) from None
        click.echo(json.dumps(result.selected))

    @app.cli.command("count")
    @click.argument("election_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--rule",
        required=True,
        type=click.Choice(RULES),
        help="The counting rule.",
    )
    @click.option(
        "--seed",
        default=None,
        help="Break ties by a published lottery with this seed (default: by project id).",
    )
    def count(election_file: Path, rule: str, seed: str | None) -> None:
        """Count a Pabulib .pb file and print the outcome as JSON."""
        tie_break = Lottery(seed) if seed is not None else "id"
        try:
            result = count_file(str(election_file), rule, tie_break=tie_break)
        except PabulibError as error:
            raise click.ClickException(
                f"{election_file} is not a Pabulib file we can read: {error}"
            ) from None
        click.echo(json.dumps(result))
