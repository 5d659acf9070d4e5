"""Progress of long work (counting a large vote, exports, Gift Aid claims, the scale loader).

Long work takes a :data:`Progress` callback and calls it with how much is done out of how
much in all. In the terminal :func:`terminal_bar` draws a bar; in the web a background job
saves the figures where its page can show them; elsewhere :func:`quietly` ignores them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` may grow as the work finds more to do."""


def quietly(done: int, total: int) -> None:
    """Progress that nobody watches."""


@contextmanager
def terminal_bar(label: str) -> Iterator[Progress]:
    """A progress bar on standard error for the work done inside the block."""
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
        bar.length = max(total, 1)
        if done > shown:
            bar.update(done - shown)
            shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
