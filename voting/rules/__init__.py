"""Pure vote-counting rules for participatory budgeting.

Plain data in (projects, a budget, ballots), an :class:`Outcome` out: the selected projects in
order, their total cost, and for every project the reason it was or was not selected, in words
and in numbers. The words are kept in plain English and as sentences to translate (message
ids and their values: :mod:`voting.rules.reasons`), so that pages can show them in the
reader's language. Nothing here touches the web app or the database.

Typical use::

    from voting.rules import Ballot, Election, Lottery, Project, count, pounds_from_pence

    election = Election(
        projects=[Project("1", 60_000), Project("2", 50_000)],
        budget=100_000,
        ballots=[Ballot.approval(["1"]), Ballot.approval(["1", "2"])],
    )
    outcome = count(election, "mes_cost", tie_break=Lottery(2025), money=pounds_from_pence)

The rules give the same outcomes as the reference implementation, pabutools 1.2.3, with
exact arithmetic. Each rule also has its own function with more options:
:func:`voting.rules.greedy.greedy`, :func:`voting.rules.equal_shares.equal_shares` (for
example another budget increment) and :func:`voting.rules.phragmen.phragmen`.
"""

from voting.rules.model import (
    VOTE_TYPES,
    Ballot,
    Election,
    Explanation,
    Lottery,
    MoneyFormat,
    Number,
    Outcome,
    Project,
    TieBreak,
    as_number,
    plain_amount,
    pounds_from_pence,
    tie_order,
)
from voting.rules.pabulib import (
    PabulibError,
    format_number,
    parse_pabulib_string,
    read_pabulib,
    write_pabulib,
)
from voting.rules.registry import (
    POINTS_RULES,
    RANKED_RULES,
    RULES,
    amount_for_json,
    count,
    count_file,
    describe_rule,
)

__all__ = [
    "POINTS_RULES",
    "RANKED_RULES",
    "RULES",
    "VOTE_TYPES",
    "Ballot",
    "Election",
    "Explanation",
    "Lottery",
    "MoneyFormat",
    "Number",
    "Outcome",
    "PabulibError",
    "Project",
    "TieBreak",
    "amount_for_json",
    "as_number",
    "count",
    "count_file",
    "describe_rule",
    "format_number",
    "parse_pabulib_string",
    "plain_amount",
    "pounds_from_pence",
    "read_pabulib",
    "tie_order",
    "write_pabulib",
]
