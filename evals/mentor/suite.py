"""Mentor eval: deterministic gates with a scripted model over stored results (two tenants),
then, with ``--option embedded=N``, N questions on the embedded model (reported, not gated).

The results are stored in a throwaway database of the suite's own (evals/mentor/fixtures.py),
so the suite never meets another suite's rows; see evals/mentor/README.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from evals.mentor.embedded import embedded_metrics
from evals.mentor.fixtures import store_fixtures
from evals.mentor.harness import Harness, fake_settings, load_questions
from evals.mentor.scripted import (
    choice_checks,
    error_checks,
    grounding_checks,
    isolation_checks,
    language_checks,
)
from runtime.resources import Resources, open_resources
from sight.clock import utc_now
from sight.settings import Settings

THRESHOLDS = {
    "choice_recall": (">=", 0.9),
    "grounded_kept": (">=", 0.95),
    "invented_caught": (">=", 0.95),
    "language_guard": (">=", 1.0),
    "error_path": (">=", 1.0),
    "retry_single_answer": (">=", 1.0),
    "isolation": (">=", 1.0),
}


async def evaluate(
    settings: Settings, resources: Resources, embedded: str = "0"
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """The scripted gates; then ``embedded`` questions on the embedded model (0: none)."""
    questions = load_questions()
    metrics: dict[str, float] = {}
    cases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sight-mentor-eval-") as tmp:
        async with open_resources(fake_settings(settings, Path(tmp))) as own:
            fixtures = await store_fixtures(own.sessions, now=utc_now())
            harness = Harness(own, fixtures)
            for check in (choice_checks, grounding_checks, language_checks, isolation_checks):
                more, more_cases = await check(harness, questions)
                metrics.update(more)
                cases += more_cases
            more, more_cases = await error_checks(harness, questions[0]["question"])
            metrics.update(more)
            cases += more_cases
        if int(embedded) > 0:
            more, more_cases = await embedded_metrics(settings, Path(tmp), questions, int(embedded))
            metrics.update(more)
            cases += more_cases
    return {k: round(v, 4) for k, v in metrics.items()}, cases
