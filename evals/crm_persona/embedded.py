"""Personas of rich synthetic contacts on the settings' own deep model (reported, not gated):
how often the model's persona is used, how Polish its claims are, how many claims the checks
drop, and how long a persona takes.

The run context is the API's (``graphs.crm_persona.make_context``) with the model forced on;
the knowledge base and the notes embedder are left out, so the figures are the model's.
"""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from evals.crm_persona.crm import NOW, TENANT, build_crm, store_crm
from graphs.context import RunInfo
from graphs.crm_persona import build_graph, make_context
from runtime.resources import open_resources
from sight.settings import Settings
from tools.crm_persona.draft import SECTIONS
from tools.mentor.language import polish_score

ARCHETYPES = ("szybki_decydent", "analityk", "milczek", "relacyjny")


class RecordingModels:
    """The run's models, keeping every structured answer (the checks may drop it later)."""

    def __init__(self, models: Any) -> None:
        self._models = models
        self.drafts: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._models, name)

    async def ainvoke(self, *args: Any, **kwargs: Any) -> Any:
        answer = await self._models.ainvoke(*args, **kwargs)
        if kwargs.get("schema") is not None:
            self.drafts.append(answer)
        return answer


def model_claims(drafts: list[Any]) -> list[str]:
    """Every claim the model wrote, kept or not."""
    return [claim.text for d in drafts for name in SECTIONS for claim in getattr(d, name)]


async def embedded_metrics(
    settings: Settings, tmp: Path, n: int
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Generate ``n`` rag personas (archetypes in turn) with the deep model and measure them."""
    own = settings.model_copy(
        update={"data_dir": tmp / "embedded", "database_url": None, "crm_persona_model": "on"}
    )
    crm = build_crm()
    by_kind = {k: [c for c in crm.synthetic if crm.archetype[c.id] == k] for k in ARCHETYPES}
    chosen = [by_kind[ARCHETYPES[i % 4]][i // 4] for i in range(n)]
    cases: list[dict[str, Any]] = []
    async with open_resources(own) as resources:
        await store_crm(resources.sessions, crm)
        graph = build_graph().compile()
        for contact in chosen:
            ctx = make_context(resources, RunInfo(str(uuid.uuid4()), "eval", TENANT))
            recorder = RecordingModels(ctx.models)
            ctx.models, ctx.use_model = recorder, True
            ctx.knowledge, ctx.embed, ctx.clock = None, None, lambda: NOW
            started = time.perf_counter()
            out = await graph.ainvoke({"contact_id": contact.id, "mode": "rag"}, context=ctx)
            seconds = time.perf_counter() - started
            persona = out["persona"]
            claims = model_claims(recorder.drafts)
            polish = [polish_score(text).is_polish for text in claims]
            generation = persona["generation"]
            cases.append(
                {
                    "id": f"embedded.{contact.id}",
                    "kind": "embedded",
                    "archetype": crm.archetype[contact.id],
                    "passed": generation["writer"] == "model",
                    "writer": generation["writer"],
                    "model": generation["model"],
                    "model_error": generation.get("model_error"),
                    "claims": len(claims),
                    "polish_claims": sum(polish),
                    "dropped": len(generation["dropped_claims"]),
                    "dropped_reasons": [d["reason"] for d in generation["dropped_claims"]],
                    "sections_by_model": sum(
                        persona["persona"][s]["source"] == "model" for s in SECTIONS
                    ),
                    "seconds": round(seconds, 1),
                    "persona": persona["persona"],
                }
            )
    claims = sum(c["claims"] for c in cases)
    return {
        "embedded_n": len(cases),
        "embedded_validity": _mean(c["passed"] for c in cases),
        "embedded_polish_share": sum(c["polish_claims"] for c in cases) / claims
        if claims
        else -1.0,
        "embedded_sections_by_model": _mean(c["sections_by_model"] / len(SECTIONS) for c in cases),
        "embedded_dropped_per_persona": _mean(c["dropped"] for c in cases),
        "embedded_seconds_per_persona": _mean(c["seconds"] for c in cases),
        "embedded_seconds_median": statistics.median(c["seconds"] for c in cases) if cases else -1,
    }, cases


def _mean(values: Any) -> float:
    values = [float(v) for v in values]
    return statistics.fmean(values) if values else -1.0
