"""Starting quickly: ``create_app`` runs for every ``flask`` command, every worker and every
test, so work it can leave until it is needed is left.

- :class:`QuickRule`: Werkzeug compiles two small Python functions for every URL rule as the
  rule is added, to build its addresses. With a few hundred rules that is a good part of
  building the app, and most commands never build an address. This rule compiles each one the
  first time it is used.
- :func:`collector_paused`: building the app makes a great many objects that live as long as
  it does (models, routes, forms) and almost no garbage, so the garbage collector's passes
  over them while it is built are wasted work. It is paused until the app is ready.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import MethodType
from typing import Any

from werkzeug.routing import Rule


class QuickRule(Rule):
    """A URL rule whose address builders are compiled when first called (set as the app's
    ``url_rule_class``). Addresses come out exactly as Werkzeug builds them."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        name = "_build_unknown" if append_unknown else "_build"

        def build_once(rule: Rule, **values: Any) -> tuple[str, str]:
            builder = MethodType(Rule._compile_builder(rule, append_unknown), rule)
            setattr(rule, name, builder)  # later calls go straight to the compiled builder
            return builder(**values)

        return build_once


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the garbage collector inside the block (or the function it decorates); it runs
    again afterwards, also when the block fails, unless it was off already."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
