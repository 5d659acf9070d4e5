"""The Pabulib elections and the reference's outcomes for them, kept in the shared data beside
the repository (or wherever PABULIB_DIR points). Tests that read them carry the ``pabulib``
marker: where the data is missing they are skipped with the reason, and under CI (CI=true)
they fail instead, so that a CI run without the data cannot pass by skipping them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PABULIB_DIR", ROOT.parent / "shared" / "data" / "pabulib"))
MISSING = (
    f"The Pabulib elections are not at {DATA}: put the shared data beside the repository, "
    "or set PABULIB_DIR to where they are."
)


def available() -> bool:
    return (DATA / "expected").is_dir()


def cases(found: list, arguments: int) -> list:
    """``found``, or when the data is missing one stand-in case, so that the test is reported
    (skipped, or failed under CI) instead of collecting nothing."""
    if found:
        return found
    return [pytest.param(*([None] * arguments), id="no-pabulib-data")]


def check(item: pytest.Item) -> None:
    """Before a test marked ``pabulib`` runs: skip it, or under CI fail it, if the data is
    missing."""
    if item.get_closest_marker("pabulib") is None or available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING)
