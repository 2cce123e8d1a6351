"""Progress of a long count (passages embedded of a total) on stderr.

On a terminal, a rich progress bar with the count, the elapsed time and the time left at the
recent rate. Elsewhere (CI logs, pipes) a bar would print escape codes, so a plain line is
printed at each tenth of the work or every ``PLAIN_EVERY_S`` seconds, whichever comes first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_EVERY_S = 30.0


class Advance(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class PlainProgress:
    """Plain lines for a console that is not a terminal."""

    def __init__(self, console: Console, what: str, unit: str) -> None:
        self.console, self.what, self.unit = console, what, unit
        self.started = self.last_shown = time.monotonic()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        tenth = done * 10 // total if total else 10
        if tenth == self.last_tenth and now - self.last_shown < PLAIN_EVERY_S:
            return
        self.last_tenth, self.last_shown = tenth, now
        elapsed = now - self.started
        share = done * 100 // max(total, 1)
        line = f"{self.what}: {done}/{total} {self.unit} ({share}%), {_clock(elapsed)} elapsed"
        if 0 < done < total:
            line += f", about {_clock(elapsed / done * (total - done))} left"
        self.console.print(line, soft_wrap=True, highlight=False)


@contextmanager
def progress(console: Console, what: str, unit: str) -> Iterator[Advance]:
    """Yield ``advance(done, total)``; shows a bar on a terminal, plain lines elsewhere."""
    if not console.is_terminal:
        yield PlainProgress(console, what, unit)
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
