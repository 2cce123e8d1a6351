"""The FastAPI application: LangGraph Agent Server API over Sight's graphs (see PROTOCOL.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sight.registry import GraphSpec, graph_specs
from sight.resources import open_resources
from sight.settings import Settings


def create_app(settings: Settings, *, graphs: Mapping[str, GraphSpec] | None = None) -> FastAPI:
    """Build the app. `graphs` replaces the registered graphs (tests add test-only ones)."""
    specs = dict(graphs) if graphs is not None else graph_specs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    app = FastAPI(
        title="Sight",
        version="0.1.0",
        description="LangGraph Agent Server API for Sight's workflows.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.graphs = specs
    return app
