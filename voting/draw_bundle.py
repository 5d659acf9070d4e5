"""The published bundle of a panel lottery, and checking it.

The bundle is plain JSON: the anonymised pool (volunteer references and answers, no names),
the quotas, the seats, the method, the public source and its result, the seed made from the
result, the software versions, the fair lottery's possible panels with their chances, and
the outcome (who was chosen and the alternates in order). :func:`verify` runs the draw again
from the bundle alone and lists every difference; ``flask panel verify BUNDLE`` prints them.
Nothing here touches the database or Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voting import sortition

FORMAT = "placefund-panel-lottery/1"


def fixed_part(
    categories: Sequence[str],
    pool: Sequence[Sequence[str]],
    quotas: Sequence[Sequence[Any]],
    seats: int,
    method: str,
    source: str,
) -> dict[str, Any]:
    """What is fixed before the public result is known: its SHA-256 is published then."""
    return {
        "categories": list(categories),
        "pool": [list(row) for row in pool],
        "quotas": [list(q) for q in quotas],
        "seats": seats,
        "method": method,
        "public_source": source,
    }


def _people(bundle: dict[str, Any]) -> list[dict[str, str]]:
    categories = bundle["categories"]
    return [
        {sortition.ID_COLUMN: str(row[0]), **dict(zip(categories, row[1:], strict=True))}
        for row in bundle["pool"]
    ]


def _quotas(bundle: dict[str, Any]) -> list[sortition.Quota]:
    return [sortition.Quota(str(c), str(v), int(lo), int(hi)) for c, v, lo, hi in bundle["quotas"]]


def verify(bundle: dict[str, Any]) -> list[str]:
    """Every way the bundle's recorded outcome differs from running its draw again (an empty
    list when it is the same panel, in the same order of alternates)."""
    try:
        fixed = fixed_part(
            bundle["categories"],
            bundle["pool"],
            bundle["quotas"],
            int(bundle["seats"]),
            bundle["method"],
            bundle.get("public_source") or "",
        )
        seed = int(bundle["seed"])
    except (KeyError, TypeError, ValueError) as error:
        return [f"The bundle is missing something it needs: {error}."]
    differences = []
    if bundle.get("fingerprint") and sortition.fingerprint(fixed) != bundle["fingerprint"]:
        differences.append(
            "The fingerprint of the pool, quotas, seats, method and source is not the one "
            "published when offers closed."
        )
    result = bundle.get("public_result")
    if result is not None and sortition.seed_from_result(result) != seed:
        differences.append(
            f"The seed should be {sortition.seed_from_result(result)} (made from the public "
            f"result), not {seed}."
        )
    try:
        again = sortition.draw(
            _people(bundle), _quotas(bundle), fixed["seats"], seed, fixed["method"]
        )
    except (sortition.QuotaProblem, ValueError) as error:
        return [*differences, f"The draw cannot be run again: {error}"]
    if bundle.get("distribution") is not None and again.distribution != bundle["distribution"]:
        differences.append("The fair lottery's possible panels or their chances differ.")
    if sorted(again.selected) != sorted(bundle.get("selected", [])):
        gone = sorted(set(bundle.get("selected", [])) - set(again.selected))
        new = sorted(set(again.selected) - set(bundle.get("selected", [])))
        differences.append(
            f"The panel differs: recorded but not chosen again: {', '.join(gone) or 'none'}; "
            f"chosen again but not recorded: {', '.join(new) or 'none'}."
        )
    if bundle.get("alternates") is not None and again.alternates != bundle["alternates"]:
        differences.append("The alternates are not in the same order.")
    return differences
