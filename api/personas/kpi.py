"""A persona's KPIs: the stored snapshot while fresh, else one recompute through the KPI workflow.

Recomputing once under concurrent requests takes two guards: an in-process lock per persona
(one request of this process runs the workflow, the others wait and re-read the fresh
snapshot it stored), and the workflow's own lease on the segment key (across processes, one
run computes and the others reuse its snapshot). Storing on the persona is a compare-and-set
on the snapshot's time, so a slow recompute never overwrites a newer snapshot
(docs/requirements.md §1.7, known defect #1).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from graphs.kpi_estimation import build_graph, make_context
from runtime.resources import Resources
from sight.clock import utc_now
from sight.errors import InputValidationError
from store.persona_records import PersonaRecord
from store.personas import PersonaRepository
from tools import industry as industries
from tools import population
from tools.persona.places import segment_location

LOOKALIKE_YEARS_BELOW, LOOKALIKE_YEARS_ABOVE = 5, 4  # a ten-year band around the persona's age
KPI_FIELDS = ("segment_size", "conversion_rate", "retention_rate", "nps_score", "ltv", "cac")


def check_industry(value: str) -> str:
    """Return the canonical industry key, or raise a 422 naming the known ones."""
    name = industries.normalise_industry(value)
    if name is None:
        known = ", ".join(industries.known_industries())
        raise InputValidationError(
            [{"field": "industry", "message": f"unknown industry {value!r}; known: {known}"}]
        )
    return name


def lookalike_segment(persona: PersonaRecord, industry: str) -> dict[str, Any]:
    """The KPI workflow's input for people like the persona."""
    segment: dict[str, Any] = {
        "age_min": max(population.AGE_MIN_ALLOWED, persona.age - LOOKALIKE_YEARS_BELOW),
        "age_max": min(population.AGE_MAX_ALLOWED, persona.age + LOOKALIKE_YEARS_ABOVE),
        "gender": persona.gender,
        "education_levels": [persona.education],
        "income_brackets": [persona.income_bracket],
        "industry": industry,
    }
    # A city stays itself; a listed town or village becomes its settlement class and
    # voivodeship; a place Sight does not know leaves the segment all of Poland.
    location = segment_location(persona.location)
    if location is not None and location != population.NATIONAL:
        segment["location"] = location
    return segment


def kpi_view(snapshot: dict[str, Any], *, now: datetime, cached: bool) -> dict[str, Any]:
    """The KPI part of the details response, from a stored or fresh snapshot."""
    computed_at = datetime.fromisoformat(snapshot["computed_at"])
    ltv, cac = snapshot["ltv"], snapshot["cac"]
    ratio = snapshot.get("cac_ltv_ratio")
    if ratio is None and ltv:  # a snapshot stored before the ratio was added
        ratio = round(cac / ltv, 4)
    request = snapshot.get("request", {})
    return {
        **{name: snapshot[name] for name in KPI_FIELDS},
        "cac_ltv_ratio": ratio,
        "confidence_score": snapshot["confidence_score"],
        "currency": snapshot.get("currency", "PLN"),
        "industry": request.get("industry"),
        "segment": request.get("segment", {}),
        "benchmarks": snapshot.get("benchmarks", {}),
        "data_sources": snapshot.get("data_sources", []),
        "computed_at": computed_at,
        "age_s": round(max((now - computed_at).total_seconds(), 0.0), 3),
        "cached": cached,
    }


class PersonaKpi:
    """Serves personas' KPIs; one per process (it holds the per-persona locks)."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}
        self._graph: Any = None

    @asynccontextmanager
    async def _locked(self, persona_id: str) -> AsyncIterator[None]:
        # Locks live while someone holds or waits for them, so the map does not grow forever.
        lock = self._locks.setdefault(persona_id, asyncio.Lock())
        self._holders[persona_id] = self._holders.get(persona_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[persona_id] -= 1
            if not self._holders[persona_id]:
                del self._holders[persona_id], self._locks[persona_id]

    def _fresh(self, persona: PersonaRecord, industry: str, ttl_s: float) -> dict[str, Any] | None:
        snapshot, at = persona.kpi_snapshot, persona.kpi_snapshot_at
        if snapshot is None or at is None:
            return None
        if snapshot.get("request", {}).get("industry") != industry:
            return None
        return snapshot if (self._clock() - at).total_seconds() < ttl_s else None

    async def snapshot(
        self,
        persona: PersonaRecord,
        *,
        personas: PersonaRepository,
        resources: Resources,
        industry: str,
    ) -> dict[str, Any]:
        """Return the KPI view for the persona (stored snapshot if fresh, else recomputed)."""
        settings = resources.settings
        ttl_s = settings.kpi_snapshot_ttl_s
        fresh = self._fresh(persona, industry, ttl_s)
        if fresh is not None:
            return kpi_view(fresh, now=self._clock(), cached=True)
        async with self._locked(persona.id):
            # Another request of this process may have stored one while this one waited.
            current = await personas.get(persona.id, persona.tenant, include_deleted=True)
            fresh = self._fresh(current or persona, industry, ttl_s)
            if fresh is not None:
                return kpi_view(fresh, now=self._clock(), cached=True)
            snapshot = await self._compute(persona, industry, resources)
            # Only the default industry's snapshot is the persona's; others are cached by the
            # workflow under their segment key.
            if industry == check_industry(settings.persona_kpi_industry):
                computed_at = datetime.fromisoformat(snapshot["computed_at"])
                await personas.set_kpi_snapshot(persona.id, snapshot, computed_at)
        return kpi_view(snapshot, now=self._clock(), cached=False)

    async def _compute(
        self, persona: PersonaRecord, industry: str, resources: Resources
    ) -> dict[str, Any]:
        if self._graph is None:
            # No checkpointer: a KPI estimate is one short, stateless run.
            self._graph = build_graph().compile()
        output = await self._graph.ainvoke(
            lookalike_segment(persona, industry), context=make_context(resources)
        )
        snapshot = dict(output["snapshot"])
        for transient in ("reused", "stored", "age_s"):
            snapshot.pop(transient, None)
        return snapshot
