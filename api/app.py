"""The FastAPI application: LangGraph Agent Server API over Sight's graphs (see docs/protocol.md)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.agent_server import assistants, runs, threads
from api.ai_dojo import routes as ai_dojo
from api.auth import EXEMPT_PATHS
from api.crm import contacts as crm_contacts
from api.crm import personas as crm_personas
from api.errors import install_error_handlers
from api.event_stream import StreamHandoff
from api.focus_groups import routes as focus_groups
from api.knowledge import history as knowledge_history
from api.knowledge import routes as knowledge
from api.limits import install_body_limit
from api.openapi import install_openapi
from api.personas import actions as persona_actions
from api.personas import routes as personas
from api.personas.kpi import PersonaKpi
from api.sales_next_move import clients as sales_clients
from api.sales_next_move import feedback as sales_feedback
from api.sales_next_move import interactions as sales_interactions
from api.sales_next_move import sessions as sales_sessions
from api.system import routes as system
from runtime.audit_retention import start_retention
from runtime.audit_tasks import AuditTasks
from runtime.registry import GraphSpec, graph_specs
from runtime.resources import open_resources
from runtime.run_manager import RunManager
from sight.settings import Settings
from store.persona_audit import PersonaAuditRepository

# Browser clients read the run id from Content-Location and page through search results.
CORS_EXPOSE_HEADERS = ["content-location", "location", "x-pagination-total", "x-pagination-next"]

# Sections of the OpenAPI docs, in this order.
OPENAPI_TAGS = [
    {"name": "system", "description": "Liveness, server info and component health."},
    {"name": "assistants", "description": "One assistant per graph of langgraph.json."},
    {"name": "threads", "description": "Threads and their checkpointed state (per tenant)."},
    {"name": "runs", "description": "Runs: background, streamed, waited on, cancelled."},
    {
        "name": "knowledge",
        "description": "The knowledge base: hybrid search, entry writes (shared entries and each "
        "tenant's own) and every entry's history.",
    },
    {
        "name": "personas",
        "description": "Generated personas (per tenant): details with KPIs, audit trail, export, "
        "compare, edits and soft deletes.",
    },
    {
        "name": "focus_groups",
        "description": "Focus groups (per tenant) the focus_group assistant ran: setup, answers, "
        "the report as Markdown with PNG charts, CSV export.",
    },
    {
        "name": "sales",
        "description": "The sales co-pilot (per tenant): clients, sessions with every analysed "
        "turn, outcomes, and feedback on the suggested moves.",
    },
    {
        "name": "crm",
        "description": "CRM contacts (per tenant) imported with their history, their "
        "behavioural metrics, data quality and benchmarks, look-alikes, and personas built "
        "from that history (versions, ratings, export).",
    },
    {
        "name": "ai_dojo",
        "description": "The AI Dojo (per tenant): meta-rules with their counters, evidence and "
        "activation figures, and the patterns and well-rated suggestions it asks the mentor "
        "about. The dialog is the ai_dojo assistant.",
    },
]


def create_app(
    settings: Settings,
    *,
    graphs: Mapping[str, GraphSpec] | None = None,
    freeze_gc: bool = False,
    warm_up: bool = False,
) -> FastAPI:
    """Build the app. `graphs` replaces the registered graphs (tests add test-only ones);
    `freeze_gc` (for a long-lived server process) exempts startup objects from collection;
    `warm_up` starts each graph's warm-up in the background (`sight serve`)."""
    specs = dict(graphs) if graphs is not None else graph_specs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            app.state.runs = RunManager(resources, specs)
            await app.state.runs.start()
            if warm_up:
                for spec in specs.values():
                    if spec.warm_up is not None:
                        app.state.runs.spawn(spec.warm_up(resources))
            retention = start_retention(
                PersonaAuditRepository(resources.sessions),
                retention_days=settings.audit_client_info_retention_days,
            )
            if freeze_gc:
                # Everything loaded so far lives as long as the process: keep it out of the
                # collector's scans (full collections stalled thousands of open streams).
                gc.collect()
                gc.freeze()
            try:
                yield
            finally:
                retention.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retention
                await app.state.audit_tasks.drain()
                await app.state.runs.stop()

    app = FastAPI(
        title="Sight",
        version="0.1.0",
        description="LangGraph Agent Server API for Sight's workflows.",
        lifespan=lifespan,
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.settings = settings
    app.state.graphs = specs
    app.state.persona_kpi = PersonaKpi()
    app.state.audit_tasks = AuditTasks()
    install_error_handlers(app)
    install_body_limit(
        app,
        settings.max_request_body_bytes,
        larger={"/crm/import": (settings.crm_import_max_bytes, "SIGHT_CRM_IMPORT_MAX_BYTES")},
    )
    install_openapi(app, exempt=EXEMPT_PATHS)
    if settings.cors_allow_origins:
        # Added after the error middleware so it wraps it: error responses keep CORS headers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_private_network=True,  # Studio on https calling a server on localhost
            expose_headers=CORS_EXPOSE_HEADERS,
        )
    # Outermost: streams SSE bodies once the route and the middleware above have returned.
    app.add_middleware(StreamHandoff)
    app.include_router(system.router)
    app.include_router(assistants.router)
    app.include_router(threads.router)
    app.include_router(runs.router)
    app.include_router(knowledge.router)
    app.include_router(knowledge_history.router)
    app.include_router(ai_dojo.router)
    app.include_router(personas.router)
    app.include_router(persona_actions.router)
    app.include_router(focus_groups.router)
    app.include_router(crm_contacts.router)
    app.include_router(crm_personas.router)
    app.include_router(sales_clients.router)
    app.include_router(sales_sessions.router)
    app.include_router(sales_interactions.router)
    app.include_router(sales_feedback.router)
    return app
