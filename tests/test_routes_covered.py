"""Every route the app serves has a test of who may and who may not use it."""

from __future__ import annotations

import importlib
from pathlib import Path


def test_every_route_has_an_access_test(app):
    covered: set[str] = set()
    root = Path(__file__).parent
    for path in sorted(root.rglob("test_*access*.py")):
        module_name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        covered |= set(getattr(importlib.import_module(module_name), "ROUTES_COVERED", ()))
    served = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(served - covered)
    assert not missing, f"routes without an access test: {missing}"
