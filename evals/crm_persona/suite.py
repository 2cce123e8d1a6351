"""CRM-history persona eval: deterministic gates on the seeded synthetic CRM in a throwaway
SQLite database of the suite's own, then, with ``--option embedded=N``, N personas on the
embedded model (reported, not gated). See evals/crm_persona/README.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from evals.crm_persona.crm import NOW, TENANT, build_crm, store_crm
from evals.crm_persona.embedded import embedded_metrics
from evals.crm_persona.graph_checks import graph_checks
from evals.crm_persona.import_checks import import_checks
from evals.crm_persona.metric_checks import lookalike_purity, metric_checks
from runtime.resources import Resources, open_resources
from sight.settings import Settings
from store.crm import CrmContactRepository

THRESHOLDS = {
    "metrics_match": (">=", 1.0),
    "machine_open_not_engaged": (">=", 1.0),
    "replying_engaged": (">=", 0.95),
    "quality_exact": (">=", 1.0),
    "fallbacks": (">=", 1.0),
    "lookalike_purity": (">=", 0.8),
    "import_roundtrip": (">=", 1.0),
    "evidence_valid": (">=", 1.0),
}


def own_settings(settings: Settings, data_dir: Path) -> Settings:
    """The eval's settings: SQLite in ``data_dir``, no model (the gates run offline)."""
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": None,
            "provider": "fake",
            "model_fast": ["fake/fast"],
            "model_deep": ["fake/deep"],
            "crm_persona_model": "off",
        }
    )


async def evaluate(
    settings: Settings, resources: Resources, embedded: str = "0"
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """The offline gates; then ``embedded`` personas on the settings' deep model (0: none)."""
    crm = build_crm()
    metrics: dict[str, float] = {"contacts": float(len(crm.contacts))}
    cases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sight-crm-persona-eval-") as tmp:
        async with open_resources(own_settings(settings, Path(tmp))) as own:
            await store_crm(own.sessions, crm)
            raw = await CrmContactRepository(own.sessions).load_many(TENANT, limit=10_000)
            for more, more_cases in (
                metric_checks(raw, crm.archetype),
                lookalike_purity(crm.synthetic, crm.archetype),
                await import_checks(own.sessions, crm.contacts, TENANT, now=NOW),
                await graph_checks(own.sessions, crm),
            ):
                metrics.update(more)
                cases += more_cases
        if int(embedded) > 0:
            more, more_cases = await embedded_metrics(settings, Path(tmp), int(embedded))
            metrics.update(more)
            cases += more_cases
    return {k: round(v, 4) for k, v in metrics.items()}, cases
