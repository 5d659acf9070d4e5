"""Starting quickly: ``create_app`` runs for every ``flask`` command, every worker and every
test, so work it can leave until it is needed is left; and pages made without waste.

- :class:`QuickRule`: Werkzeug compiles two small Python functions for every URL rule as the
  rule is added, to build its addresses. With a few hundred rules that is a good part of
  building the app, and most commands never build an address. This rule compiles each one the
  first time it is used.
- :func:`collector_paused`: building the app makes a great many objects that live as long as
  it does (models, routes, forms) and almost no garbage, so the garbage collector's passes
  over them while it is built are wasted work. It is paused until the app is ready.
- :func:`exit_without_collecting`: when the process ends, Python tears down every object it
  made, and its garbage collector goes over all of them (hundreds of thousands, for the
  app's models, routes and templates) more than once as it does: a quarter of the time a
  short command takes. Frozen out of the collector's reach at exit, they are freed without
  those passes. The exit work registered by the command and its libraries (writing out logs,
  closing files) runs as before.
- :class:`PageEnvironment`: every page imports a dozen templates of macros, and at each
  import Jinja compares the names of the page's globals with the imported template's. Each
  template's globals are the app's, in a ``ChainMap`` of which Python compares every name
  with a loop of its own; here the comparison is one set operation, made in C.
"""

from __future__ import annotations

import atexit
import gc
from collections import ChainMap
from collections.abc import Callable, Iterator, KeysView, MutableMapping
from contextlib import contextmanager
from functools import cache
from types import MethodType
from typing import Any

from flask.templating import Environment
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


@cache
def exit_without_collecting() -> None:
    """At exit, put every object out of the garbage collector's reach (``gc.freeze``) before
    the teardown. Registered once for each process, however many apps it builds; it runs
    before the exit work registered earlier, which still runs after it."""
    atexit.register(gc.freeze)


class _Globals(ChainMap[str, Any]):
    """A template's globals: its own (most often none) over the app's, as Jinja makes them,
    read without the ``ChainMap`` loops while the template has none of its own."""

    def keys(self) -> KeysView[str]:
        if len(self.maps) == 2 and not self.maps[0]:
            return self.maps[1].keys()
        return super().keys()

    def __getitem__(self, key: str) -> Any:
        if len(self.maps) == 2 and not self.maps[0]:
            return self.maps[1][key]
        return super().__getitem__(key)


class PageEnvironment(Environment):
    """The app's Jinja environment (set as its ``jinja_environment`` before first use): Flask's,
    with each template's globals in a :class:`_Globals`. They work exactly as Jinja's."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _Globals({} if d is None else d, self.globals)
