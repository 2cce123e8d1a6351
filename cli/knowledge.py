"""`sight knowledge load` and `sight knowledge search`."""

from __future__ import annotations

import asyncio
import json
import shlex
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import console, fail, refuse
from cli.progress import progress
from sight.errors import SightError
from sight.settings import get_settings

knowledge_app = typer.Typer(help="Knowledge base: load the pack, search.", no_args_is_help=True)


BUSY = "vector_store_busy"  # store.vectors.VectorStoreBusyError (imported lazily, like Qdrant)


def _fail_busy(exc: SightError, what_to_do: str) -> NoReturn:
    """Say that another process, most likely `sight serve`, holds the embedded store."""
    where = escape(str(getattr(exc, "path", get_settings().qdrant_path)))
    refuse(
        f"the knowledge base at {where} is open in another process (probably `sight serve`): "
        f"embedded Qdrant lets one process use it at a time. {what_to_do}; or set "
        "SIGHT_QDRANT_URL to a Qdrant server both can share."
    )


@knowledge_app.command("load")
def knowledge_load(
    pack: Annotated[
        Path | None,
        typer.Option(help="Pack folder (manifest.json + files). Default: the bundled pack."),
    ] = None,
) -> None:
    """Load a knowledge pack as shared entries (only changed entries are re-embedded; each added
    or changed entry gets an event in its history; ids a tenant owns are skipped)."""
    from runtime.resources import open_resources
    from tools.knowledge.editor import Actor, KnowledgeEditor
    from tools.knowledge.pack import PACK_DIR, load_pack

    async def main() -> dict[str, Any]:
        data = load_pack(pack or PACK_DIR)
        name = escape(data.name)
        console.print(f"pack [bold]{name}[/] {data.version}: {len(data.entries)} entries")
        async with open_resources(get_settings()) as resources:
            with console.status("opening the knowledge base (loads the embedder)"):
                kb = await resources.knowledge_base()
            started = time.perf_counter()
            settings = resources.settings
            editor = KnowledgeEditor(
                kb, resources.sessions, admin_tenant=settings.knowledge_admin_tenant
            )
            operator = Actor(name="cli", tenant=settings.knowledge_admin_tenant, role="admin")
            with progress(console, "embedding", "passages") as advance:
                stats: dict[str, Any] = await editor.load_pack(
                    data.entries, operator, pack=f"{data.name} {data.version}", progress=advance
                )
            stats["seconds"] = round(time.perf_counter() - started, 1)
            stats["total"] = await kb.count()
            return stats

    try:
        stats = asyncio.run(main())
    except SightError as exc:
        if exc.code == BUSY:
            _fail_busy(exc, "Stop it, run the load, then start it again")
        fail(exc)
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
    from runtime.resources import open_resources

    async def main() -> Any:
        async with open_resources(get_settings()) as resources:
            kb = await resources.knowledge_base()
            return await kb.search(
                query,
                limit=limit,
                search_type=search_type,  # type: ignore[arg-type]
            )

    try:
        result = asyncio.run(main())
    except SightError as exc:
        if exc.code == BUSY:
            body = json.dumps(
                {"query": query, "limit": limit, "search_type": search_type}, ensure_ascii=False
            )
            _fail_busy(
                exc,
                "Ask the server instead: curl -s http://127.0.0.1:8000/knowledge/search -H "
                f"'content-type: application/json' -d {escape(shlex.quote(body))} (add -H "
                "'x-api-key: <key>' if it has keys), or stop it",
            )
        fail(exc)
    table = Table("#", "score", "dense", "sparse", "fused")
    table.add_column("id", overflow="fold")
    table.add_column("title", overflow="fold")
    for i, hit in enumerate(result.hits, start=1):
        r = hit.ranks
        table.add_row(
            str(i),
            f"{hit.score:.3f}",
            str(r.dense or "-"),
            str(r.sparse or "-"),
            str(r.fused or "-"),
            hit.id,
            escape(hit.entry.get("title", "")),
        )
    console.print(table)
    console.print(f"terms: {' '.join(result.query_terms)}; timings ms: {result.timings_ms}")
