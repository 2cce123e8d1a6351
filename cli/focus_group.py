"""Print a focus group's outcome on the command line: the report's headline numbers."""

from __future__ import annotations

import json
from typing import Any

import typer

from cli.console import console


def print_focus_group(output: dict[str, Any]) -> None:
    """Print the headline of the report and its warnings (or only the estimate), then a short
    JSON summary."""
    from tools.focus_group.render import headline

    report = output.get("report")
    if report:
        for line in headline(report):
            typer.echo(line)
        # The caveats (an embedded model answered, a spent budget) belong beside the numbers.
        for warning in report.get("warnings") or []:
            typer.echo(f"Uwaga: {warning}")
    summary = {
        "focus_group_id": output.get("focus_group_id"),
        "status": output.get("status"),
        "estimate": {k: (output.get("estimate") or {}).get(k) for k in ("tokens", "usd")},
        "spend": output.get("spend"),
    }
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    if report:
        fg = summary["focus_group_id"]
        console.print(
            f"[dim]full report: GET /focus-groups/{fg}/report.md (sight serve), or --full[/]"
        )
