"""Fixtures the panel and review tests share. A module may define its own ``world``."""

from __future__ import annotations

import pytest

from tests.voting.panel_helpers import build_panel_world


@pytest.fixture
def world(session):
    """A round read by an appointed panel of four, two applications, and people around it."""
    return build_panel_world()
