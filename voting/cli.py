"""Commands for voting.

- ``flask panel draw``: a panel lottery for people gathered outside Placefund (a postal
  invitation lottery, say). Reads a pool and quotas from CSV files and prints the chosen ids;
  ``--algorithm maximin`` (the fair lottery, the default) or ``legacy``.
- ``flask panel verify BUNDLE``: runs a published panel lottery again from its downloaded
  bundle and says whether it gives the same panel (exit code 0) or what differs (exit 1).
- ``flask count FILE.pb --rule RULE``: counts a Pabulib election with one of the counting
  rules and prints the selected project ids, in the order chosen, and their total cost.
  Ranked (``vote_type;ordinal``) files count by rank points with ``greedy_rank_points`` or
  ``mes_rank_points``.
- ``flask count --round ROUND_ID``: the same, for the ballots of a round's vote in the
  database, with the vote's own rule and tie-break seed (or ``--rule`` and ``--seed``). A
  large vote shows a progress bar while its ballots are read. A counted vote whose ballot
  file was never kept gets it kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import click
from flask import Flask

from giving.extensions import db
from giving.models import Round
from giving.progress import Progress, terminal_bar
from voting import draw_bundle, services, sortition
from voting.models import VoteKind
from voting.rules import RULES, Lottery, PabulibError, amount_for_json, count_file


def register(app: Flask) -> None:
    _register_panel(app)
    _register_count(app)


def _csv_option(
    name: str, dest: str, help_text: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A CSV file the command must be given."""
    return click.option(
        name,
        dest,
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=help_text,
    )


def _register_panel(app: Flask) -> None:
    @app.cli.group()
    def panel() -> None:
        """Panel lotteries."""

    @panel.command("draw")
    @_csv_option("--pool", "pool_path", "CSV: an id column, then one column per category.")
    @_csv_option("--quotas", "quotas_path", "CSV with the columns category,value,min,max.")
    @click.option("--size", required=True, type=click.IntRange(min=1), help="Seats to fill.")
    @click.option(
        "--seed",
        required=True,
        type=click.IntRange(min=1),
        help="Whole number that starts the draw.",
    )
    @click.option(
        "--algorithm",
        default=sortition.DEFAULT_ALGORITHM,
        show_default=True,
        type=click.Choice(sortition.ALGORITHMS),
        help="maximin: the fair lottery (everyone gets the best chance the quotas allow); "
        "legacy: the older one.",
    )
    def draw(pool_path: Path, quotas_path: Path, size: int, seed: int, algorithm: str) -> None:
        """Print the chosen ids as a JSON list, or say which quota cannot be met.

        The same files, size, seed and algorithm always choose the same people.
        """
        try:
            pool = sortition.read_pool(pool_path.read_text(encoding="utf-8-sig"))
            quotas = sortition.read_quotas(quotas_path.read_text(encoding="utf-8-sig"))
            result = sortition.draw(pool, quotas, size, seed, algorithm)
        except sortition.QuotaProblem as problem:
            raise click.ClickException("\n".join(problem.lines)) from None
        click.echo(json.dumps(result.selected))

    @panel.command("verify")
    @click.argument(
        "bundle_path",
        metavar="BUNDLE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
    )
    def verify(bundle_path: Path) -> None:
        """Run a published panel lottery again from its downloaded bundle (JSON) and say
        whether it gives the same panel (exit code 0) or what differs (exit code 1)."""
        try:
            bundle = json.loads(bundle_path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise click.ClickException(f"{bundle_path} is not a JSON file: {error}") from None
        if not isinstance(bundle, dict):
            raise click.ClickException(f"{bundle_path} is not a panel lottery bundle.")
        differences = draw_bundle.verify(bundle)
        if differences:
            click.echo("The lottery does NOT give the same result:")
            for line in differences:
                click.echo(f"- {line}")
            raise SystemExit(1)
        click.echo(
            f"Checked: the same {len(bundle['selected'])} people are chosen, "
            "and the alternates are in the same order."
            if bundle.get("alternates") is not None
            else f"Checked: the same {len(bundle['selected'])} people are chosen."
        )


def _register_count(app: Flask) -> None:
    @app.cli.command("count")
    @click.argument(
        "election_file",
        required=False,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
    )
    @click.option(
        "--rule",
        default=None,
        type=click.Choice(RULES),
        help="The counting rule (needed for a file; a round's vote has its own).",
    )
    @click.option(
        "--seed",
        default=None,
        help="Break ties by a published lottery with this seed (default: by project id, or "
        "the vote's published seed).",
    )
    @click.option(
        "--round",
        "round_id",
        default=None,
        type=click.IntRange(min=1),
        help="Count the ballots of this round's vote in the database instead of a file.",
    )
    @click.option(
        "--kind",
        default=None,
        type=click.Choice(["panel", "public"]),
        help="Which of the round's votes, when it has both (default: public).",
    )
    def count(
        election_file: Path | None,
        rule: str | None,
        seed: str | None,
        round_id: int | None,
        kind: str | None,
    ) -> None:
        """Count a Pabulib .pb file, or a round's ballots, and print the outcome as JSON."""
        if round_id is not None:
            if election_file is not None:
                raise click.UsageError("Give a file or --round, not both.")
            click.echo(json.dumps(_count_round(round_id, kind, rule, seed)))
            return
        if election_file is None:
            raise click.UsageError("Give a .pb file to count, or --round ROUND_ID.")
        if rule is None:
            raise click.UsageError("Missing option '--rule'.")
        tie_break: Lottery | Literal["id"] = Lottery(seed) if seed is not None else "id"
        try:
            result = count_file(str(election_file), rule, tie_break=tie_break)
        except PabulibError as error:
            raise click.ClickException(
                f"{election_file} is not a Pabulib file we can read: {error}"
            ) from None
        except ValueError as error:
            # Say, a rule for ranked ballots on a file of ticks, or the other way round.
            raise click.ClickException(f"{election_file} cannot be counted so: {error}") from None
        click.echo(json.dumps(result))


# Votes with at least this many ballots show a progress bar while they are read.
LARGE_VOTE = 10_000


def _when_large(bar: Progress) -> Progress:
    """Progress drawn on ``bar`` only for a large vote (a small one counts at once)."""

    def progress(done: int, total: int) -> None:
        if total >= LARGE_VOTE:
            bar(done, total)

    return progress


def _count_round(round_id: int, kind: str | None, rule: str | None, seed: str | None) -> dict:
    """The outcome of a round's vote, counted from the ballots in the database."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"There is no round {round_id}.")
    votes = services.votes_for_round(db.session, round_)
    if kind is not None:
        votes = [v for v in votes if v.kind == VoteKind(kind)]
    elif len(votes) > 1:
        votes = [v for v in votes if v.kind == VoteKind.PUBLIC]
    if not votes:
        raise click.ClickException(f"Round {round_id} has no vote to count.")
    vote = votes[0]
    with terminal_bar("Reading the ballots") as bar:
        outcome = services.count_and_keep_file(db.session, vote, rule, seed, _when_large(bar))
    db.session.commit()
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "total_cost": amount_for_json(outcome.total_cost),
    }
