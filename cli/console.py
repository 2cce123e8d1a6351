"""Where the CLI talks to people (stderr, so stdout stays the command's output) and how it fails.

Exit codes: 0 done, 1 the work itself failed (a model, a backend, an eval under its
threshold), 2 the command cannot run as given (bad input or options, unknown graph or suite,
invalid settings, a knowledge base or database held by another server).
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sight.errors import SightError

console = Console(stderr=True)

# Sight error codes that mean "fix the command or the settings", not "the work failed".
USAGE_CODES = frozenset(
    {"invalid_input", "invalid_settings", "bad_request", "vector_store_busy", "database_in_use"}
)


def fail(exc: SightError, *, usage: bool = False) -> NoReturn:
    """Print a Sight error (with its problem table) and exit 2 for usage errors, else 1."""
    code = escape(f"[{exc.code}]")
    console.print(f"[bold red]error[/] {code} {escape(exc.message)}", soft_wrap=True)
    if isinstance(exc.details, list) and exc.details and isinstance(exc.details[0], dict):
        table = Table("field", "problem")
        for problem in exc.details:
            table.add_row(
                escape(str(problem.get("field", ""))), escape(str(problem.get("message", "")))
            )
        console.print(table)
    raise typer.Exit(code=2 if usage or exc.code in USAGE_CODES else 1)


def refuse(message: str) -> NoReturn:
    """Print why the command cannot run as given and exit 2."""
    console.print(f"[bold red]error[/] {message}", soft_wrap=True)
    raise typer.Exit(code=2)
