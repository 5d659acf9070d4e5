"""Fixtures the round and application tests share. A module may define its own ``world``."""

from __future__ import annotations

import pytest

from tests.giving.round_helpers import build_world


@pytest.fixture
def world(session):
    """A place with wards, a fund manager, an open and a draft round, groups and people."""
    return build_world()
