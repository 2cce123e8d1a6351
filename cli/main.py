"""`sight` command line: run a graph, run an evaluation suite, migrate the database, serve the API."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.console import console, fail
from cli.crm import crm_app
from cli.focus_group import print_focus_group
from cli.inputs import read_input
from cli.knowledge import knowledge_app
from cli.models import prepare_models
from cli.serve import is_loopback, prepare_serve
from sight.errors import NotFoundError, SightError
from sight.settings import get_settings

__all__ = ["app", "is_loopback", "main"]

app = typer.Typer(help="Sight: AI workflows as LangGraph state machines.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(crm_app, name="crm")


def _progress_printer() -> Any:
    started = time.perf_counter()

    def show(mode: str, chunk: Any) -> None:
        ms = (time.perf_counter() - started) * 1000
        if mode == "updates":
            for node in chunk:
                console.print(f"[green]✓[/] {node} [dim]{ms:.1f} ms[/]")
        elif mode == "custom":
            console.print(
                f"  [cyan]·[/] {escape(json.dumps(chunk, ensure_ascii=False, default=str))}"
            )

    return show


@app.command()
def run(
    graph: Annotated[str, typer.Argument(help="Graph name from langgraph.json.")],
    input: Annotated[str, typer.Option("--input", "-i", help="JSON, @file or a file path.")],
    thread_id: Annotated[str | None, typer.Option(help="Checkpoint thread id.")] = None,
    full: Annotated[
        bool, typer.Option(help="focus_group: print the whole output, not its headline.")
    ] = False,
) -> None:
    """Run a registered graph on the configured backends and print its output as JSON
    (a focus group: its report's headline numbers and where the full report is)."""
    from runtime.registry import get_graph_spec
    from runtime.resources import open_resources
    from runtime.runner import run_graph

    payload = read_input(input)
    try:
        spec = get_graph_spec(graph)
    except NotFoundError as exc:
        fail(exc, usage=True)

    async def main() -> dict[str, Any]:
        async with open_resources(get_settings()) as resources:
            return await run_graph(
                spec, payload, resources, thread_id=thread_id, on_progress=_progress_printer()
            )

    try:
        prepare_models(get_settings())
        output = asyncio.run(main())
    except SightError as exc:
        fail(exc)
    if graph == "focus_group" and not full:
        print_focus_group(output)
        return
    typer.echo(json.dumps(output, ensure_ascii=False, indent=2, default=str))


@app.command("eval")
def eval_(
    suite: Annotated[str, typer.Argument(help="Suite name: a folder under evals/.")],
    report_dir: Annotated[
        Path, typer.Option(help="Where the Markdown and JSON reports go.")
    ] = Path("reports"),
    option: Annotated[
        list[str] | None,
        typer.Option(help="A suite option as KEY=VALUE (repeatable), e.g. generate_n=2."),
    ] = None,
) -> None:
    """Run an evaluation suite; exit 1 when a metric is under its threshold."""
    from evals.runner import run_suite

    options = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(SightError(f"--option {item!r} must be KEY=VALUE"), usage=True)
        options[key] = value
    try:
        prepare_models(get_settings())
        report = asyncio.run(run_suite(suite, get_settings(), report_dir, options))
    except NotFoundError as exc:  # the suite itself: a usage error, like an unknown graph
        fail(exc, usage=True)
    except SightError as exc:
        fail(exc)
    console.print(report.markdown())
    console.print(f"reports: {report_dir / (suite + '.md')}, {report_dir / (suite + '.json')}")
    if not report.passed:
        raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the LangGraph Agent Server API (one process: runs are queued in it).

    Off loopback it needs API keys (SIGHT_API_KEYS), or SIGHT_GENERATE_ADMIN_KEY=1 to make one.
    """
    import uvicorn

    from api.app import create_app
    from store.run_lock import check_run_lock

    try:
        settings = prepare_serve(get_settings(), host)
        # Said in one line here; the app's run manager takes the lock for real at startup.
        asyncio.run(check_run_lock(settings))
    except SightError as exc:
        fail(exc)
    prepare_models(settings)
    level = settings.log_level.lower()
    level = level if level in uvicorn.config.LOG_LEVELS else "info"
    logging.basicConfig(
        level="DEBUG" if level == "trace" else level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    auth = f"{len(settings.api_keys)} API key(s)" if settings.api_keys else "no auth (loopback)"
    shown = f"[{host}]" if ":" in host else host
    console.print(f"serving on http://{escape(shown)}:{port} with {auth}")
    uvicorn.run(
        create_app(settings, freeze_gc=True, warm_up=True), host=host, port=port, log_level=level
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations."""
    from store.migrate import upgrade

    try:
        settings = get_settings()
        upgrade(settings, revision)
    except SightError as exc:
        fail(exc)
    console.print(f"database at {revision}: {settings.database_url_resolved.split('@')[-1]}")


def main() -> None:
    app()
