"""`sight crm import`, `sight crm synthetic` and `sight crm persona`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.console import console, fail
from sight.errors import InputValidationError, SightError
from sight.settings import get_settings

crm_app = typer.Typer(help="CRM contacts and their personas.", no_args_is_help=True)

TENANT = typer.Option(help="Whose contacts (the API key's tenant).")
SHOWN_PROBLEMS = 20


def _refused(exc: InputValidationError) -> None:
    console.print(f"[red]refused[/]: {len(exc.problems)} problem(s); nothing was imported")
    for problem in exc.problems[:SHOWN_PROBLEMS]:
        row = f"row {problem['row']}, " if problem.get("row") is not None else ""
        console.print(f"  {escape(row + problem['field'])}: {escape(problem['message'])}")
    if len(exc.problems) > SHOWN_PROBLEMS:
        console.print(f"  ... and {len(exc.problems) - SHOWN_PROBLEMS} more")
    raise typer.Exit(code=2)


@crm_app.command("import")
def crm_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSON, Sight CSV or a HubSpot export (CSV, or a ZIP of them).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    format: Annotated[
        str | None, typer.Option(help="json, csv or hubspot (default: read it).")
    ] = None,
    tenant: Annotated[str, TENANT] = "default",
) -> None:
    """Import contacts and their history: all records or, if any is bad, none (exit 2 listing
    every problem's row and field). Prints the created, updated and unchanged ids as JSON."""
    from runtime.resources import open_resources
    from store.crm import CrmContactRepository
    from tools.crm_persona.importing import detect_format, parse_import

    data = file.read_bytes()
    settings = get_settings()

    async def main() -> dict[str, Any]:
        kind = format or detect_format(data, file.name)
        contacts = parse_import(data, format=kind, max_bytes=settings.crm_import_max_bytes)  # type: ignore[arg-type]
        async with open_resources(settings) as resources:
            outcome = await CrmContactRepository(resources.sessions).import_contacts(
                tenant, [c.model_dump() for c in contacts], now=datetime.now(UTC), source=kind
            )
        return {"format": kind, "contacts": len(contacts), **vars(outcome)}

    try:
        result = asyncio.run(main())
    except InputValidationError as exc:
        _refused(exc)
    except SightError as exc:
        fail(exc)
    console.print(
        f"{result['format']}: {result['contacts']} contacts; created {len(result['created'])}, "
        f"updated {len(result['updated'])}, unchanged {len(result['unchanged'])}"
    )
    typer.echo(json.dumps(result, ensure_ascii=False))


@crm_app.command("synthetic")
def crm_synthetic(
    out: Annotated[Path, typer.Argument(help="Where to write the JSON file.")],
    contacts: Annotated[int, typer.Option(min=1, max=10000, help="How many contacts.")] = 50,
    seed: Annotated[int, typer.Option(help="Same seed, same file.")] = 7,
) -> None:
    """Write a synthetic CRM (Polish companies and names, realistic rhythms) in the JSON form."""
    from tools.crm_persona.importing import to_json_form
    from tools.crm_persona.synthetic import generate

    made = generate(contacts, seed=seed, now=datetime.now(UTC).replace(microsecond=0))
    out.write_text(
        json.dumps(to_json_form([m.contact for m in made]), ensure_ascii=False, indent=1)
    )
    console.print(f"{contacts} contacts written to {escape(str(out))}")


@crm_app.command("persona")
def crm_persona(
    contact_id: Annotated[str, typer.Argument(help="The contact's id.")],
    mode: Annotated[str, typer.Option(help="basic or rag.")] = "rag",
    tenant: Annotated[str, TENANT] = "default",
) -> None:
    """Generate and store a persona of one contact; print it as JSON."""
    from runtime.registry import get_graph_spec
    from runtime.resources import open_resources
    from runtime.runner import run_graph

    async def main() -> dict[str, Any]:
        async with open_resources(get_settings()) as resources:
            return await run_graph(
                get_graph_spec("crm_persona"),
                {"contact_id": contact_id, "mode": mode},
                resources,
                tenant=tenant,
                actor="cli",
                checkpoint=False,
            )

    try:
        output = asyncio.run(main())
    except SightError as exc:
        fail(exc)
    typer.echo(json.dumps(output["persona"], ensure_ascii=False, indent=1, default=str))
