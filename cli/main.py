"""`sight` command line: run a graph, run an evaluation suite, migrate the database, serve the API."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sight.errors import SightError
from sight.settings import get_settings

app = typer.Typer(help="Sight: AI workflows as LangGraph state machines.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
knowledge_app = typer.Typer(help="Knowledge base: load the pack, search.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")
console = Console(stderr=True)


def _read_input(value: str) -> Any:
    """Parse --input: inline JSON, @path, or a path to a JSON file."""
    text = value
    path = Path(value[1:] if value.startswith("@") else value)
    if value.startswith("@") or (not value.lstrip().startswith(("{", "[")) and path.is_file()):
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"--input is not valid JSON ({exc.msg} at {exc.pos})") from exc


def _fail(exc: SightError) -> None:
    console.print(f"[bold red]error[/] {escape(f'[{exc.code}]')} {escape(exc.message)}")
    if isinstance(exc.details, list) and exc.details and isinstance(exc.details[0], dict):
        table = Table("field", "problem")
        for problem in exc.details:
            table.add_row(
                escape(str(problem.get("field", ""))), escape(str(problem.get("message", "")))
            )
        console.print(table)
    raise typer.Exit(code=2 if exc.code in {"invalid_input", "invalid_settings"} else 1)


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
) -> None:
    """Run a registered graph on the configured backends and print its output as JSON."""
    from runtime.registry import get_graph_spec
    from runtime.resources import open_resources
    from runtime.runner import run_graph

    payload = _read_input(input)

    async def main() -> dict[str, Any]:
        spec = get_graph_spec(graph)
        async with open_resources(get_settings()) as resources:
            return await run_graph(
                spec, payload, resources, thread_id=thread_id, on_progress=_progress_printer()
            )

    try:
        output = asyncio.run(main())
    except SightError as exc:
        _fail(exc)
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
    """Run an evaluation suite; exit non-zero when a metric is under its threshold."""
    from evals.runner import run_suite

    options = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(SightError(f"--option {item!r} must be KEY=VALUE"))
        options[key] = value
    try:
        report = asyncio.run(run_suite(suite, get_settings(), report_dir, options))
    except SightError as exc:
        _fail(exc)
    console.print(report.markdown())
    console.print(f"reports: {report_dir / (suite + '.md')}, {report_dir / (suite + '.json')}")
    if not report.passed:
        raise typer.Exit(code=1)


@knowledge_app.command("load")
def knowledge_load(
    pack: Annotated[
        Path | None, typer.Option(help="Pack folder (manifest.json + files). Default: the bundled pack.")
    ] = None,
) -> None:
    """Load a knowledge pack into the knowledge base (only changed entries are re-embedded)."""
    from tools.knowledge.pack import PACK_DIR, load_pack

    async def main() -> dict[str, int]:
        from runtime.resources import open_resources

        data = load_pack(pack or PACK_DIR)
        console.print(f"pack [bold]{data.name}[/] {data.version}: {len(data.entries)} entries")
        async with open_resources(get_settings()) as resources:
            kb = await resources.knowledge_base()
            started = time.perf_counter()
            stats = await kb.load(data.entries)
            stats["seconds"] = round(time.perf_counter() - started, 1)
            stats["total"] = await kb.count()
            return stats

    try:
        stats = asyncio.run(main())
    except SightError as exc:
        _fail(exc)
    console.print(", ".join(f"{k}: {v}" for k, v in stats.items()))


@knowledge_app.command("search")
def knowledge_search(
    query: Annotated[str, typer.Argument(help="What to look for (Polish or English).")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="Hits to show.")] = 5,
    search_type: Annotated[
        str, typer.Option("--type", help="dense, sparse, hybrid or hybrid_rerank.")
    ] = "hybrid_rerank",
) -> None:
    """Search the knowledge base and show where each hit came from."""

    async def main() -> Any:
        from runtime.resources import open_resources

        async with open_resources(get_settings()) as resources:
            kb = await resources.knowledge_base()
            return await kb.search(query, limit=limit, search_type=search_type)  # type: ignore[arg-type]

    try:
        result = asyncio.run(main())
    except SightError as exc:
        _fail(exc)
    table = Table("#", "score", "dense", "sparse", "fused")
    table.add_column("id", overflow="fold")
    table.add_column("title", overflow="fold")
    for i, hit in enumerate(result.hits, start=1):
        r = hit.ranks
        table.add_row(str(i), f"{hit.score:.3f}", str(r.dense or "-"), str(r.sparse or "-"),
                      str(r.fused or "-"), hit.id, escape(hit.entry.get("title", "")))
    console.print(table)
    console.print(f"terms: {' '.join(result.query_terms)}; timings ms: {result.timings_ms}")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to a public address


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the LangGraph Agent Server API (one process: runs are queued in it)."""
    import uvicorn

    from api.app import create_app

    try:
        settings = get_settings()
    except SightError as exc:
        _fail(exc)
    if not settings.api_keys and not is_loopback(host):
        console.print(
            f"[bold red]error[/] refusing to listen on {escape(host)} without API keys: anyone "
            "who can reach it could read and run every workflow. Set SIGHT_API_KEYS (a JSON "
            'list like [{"key": "<16+ random chars>", "role": "admin"}]) or listen on '
            "127.0.0.1."
        )
        raise typer.Exit(code=2)
    level = settings.log_level.lower()
    level = level if level in uvicorn.config.LOG_LEVELS else "info"
    logging.basicConfig(
        level="DEBUG" if level == "trace" else level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    auth = f"{len(settings.api_keys)} API key(s)" if settings.api_keys else "no auth (loopback)"
    shown = f"[{host}]" if ":" in host else host
    console.print(f"serving on http://{escape(shown)}:{port} with {auth}")
    uvicorn.run(create_app(settings, freeze_gc=True), host=host, port=port, log_level=level)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations."""
    from store.migrate import upgrade

    try:
        settings = get_settings()
        upgrade(settings, revision)
    except SightError as exc:
        _fail(exc)
    console.print(f"database at {revision}: {settings.database_url_resolved.split('@')[-1]}")


def main() -> None:
    app()
