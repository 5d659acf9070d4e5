"""Tests that share data made once per module (``shared_session`` in tests/conftest.py) stay
independent: each finds the data as it was made, whatever the test before it changed.

The cases in shared_world_cases.py change the shared data in the test's own session and
through a request, and check it at the start. They are run here in a pytest of their own, in
one process and in order, so that they do follow one another (parallel workers could give
each case a process, and so a world, of its own), on the same kind of database."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.database_helpers import postgres_database

ROOT = Path(__file__).resolve().parent.parent

# The cases use the test database, like the tests that share data.
pytestmark = pytest.mark.db


def test_each_test_in_a_module_finds_its_shared_data_as_it_was_made(tmp_path):
    environment = {**os.environ, "PYTEST_ADDOPTS": ""}
    environment.pop("PYTEST_XDIST_WORKER", None)
    environment.pop("PYTEST_XDIST_WORKER_COUNT", None)
    with ExitStack() as stack:
        if environment.get("TEST_DATABASE_URL"):
            # A database of its own, next to this run's, dropped afterwards.
            environment["TEST_DATABASE_URL"] = stack.enter_context(postgres_database("shared"))
        result = _run_cases(environment, tmp_path)
    assert "3 passed" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0


def _run_cases(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-q",
            "--basetemp",
            str(tmp_path / "run"),
            "tests/shared_world_cases.py",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
