"""Run an evaluation suite: dataset of cases -> metrics -> Markdown + JSON report.

A suite is a package ``evals/<name>/`` whose ``suite.py`` defines:
- ``THRESHOLDS: dict[str, tuple[str, float]]`` — metric -> (">=" or "<=", bound);
- ``async def evaluate(settings, resources) -> tuple[dict[str, float], list[dict]]`` — metrics
  and one record per case (each with at least ``id`` and ``passed``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.resources import open_resources
from sight.clock import utc_now
from sight.errors import BadRequestError, NotFoundError
from sight.settings import Settings

EVALS_DIR = Path(__file__).resolve().parent
COMPARE = {">=": operator.ge, "<=": operator.le}


@dataclass
class SuiteReport:
    suite: str
    metrics: dict[str, float]
    thresholds: dict[str, tuple[str, float]]
    cases: list[dict[str, Any]]
    created_at: str = field(default_factory=lambda: utc_now().isoformat())

    def gate(self) -> dict[str, bool]:
        """Metric -> whether it meets its threshold (a missing metric fails)."""
        return {
            name: name in self.metrics and COMPARE[op](self.metrics[name], bound)
            for name, (op, bound) in self.thresholds.items()
        }

    @property
    def passed(self) -> bool:
        return all(self.gate().values())

    def markdown(self) -> str:
        gate = self.gate()
        lines = [
            f"# Eval `{self.suite}`: {'PASS' if self.passed else 'FAIL'}",
            "",
            f"{len(self.cases)} cases, {sum(bool(c.get('passed')) for c in self.cases)} passed. "
            f"Run at {self.created_at}.",
            "",
            "| metric | value | threshold | |",
            "|---|---|---|---|",
        ]
        for name, value in self.metrics.items():
            op, bound = self.thresholds.get(name, ("", float("nan")))
            mark = ("ok" if gate[name] else "**FAIL**") if name in gate else ""
            limit = f"{op} {bound:g}" if op else "report only"
            lines.append(f"| {name} | {value:.4g} | {limit} | {mark} |")
        failed = [c for c in self.cases if not c.get("passed")]
        if failed:
            lines += ["", "## Failed cases", ""]
            lines += [f"- `{c['id']}`: {'; '.join(c.get('failures', []))}" for c in failed]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "passed": self.passed,
            "created_at": self.created_at,
            "metrics": self.metrics,
            "thresholds": {k: list(v) for k, v in self.thresholds.items()},
            "gate": self.gate(),
            "cases": self.cases,
        }


async def run_suite(
    name: str, settings: Settings, report_dir: Path, options: dict[str, str] | None = None
) -> SuiteReport:
    """Run suite `name` on the given settings and write `<name>.md` and `<name>.json`.

    ``options`` (from ``--option KEY=VALUE``) go to the suite's ``evaluate`` as keyword
    arguments; a suite whose ``evaluate`` does not name an option refuses it.
    """
    if not (EVALS_DIR / name / "suite.py").is_file():
        known = sorted(p.parent.name for p in EVALS_DIR.glob("*/suite.py"))
        raise NotFoundError(f"unknown eval suite {name!r}; known: {', '.join(known)}")
    module = importlib.import_module(f"evals.{name}.suite")
    accepted = set(inspect.signature(module.evaluate).parameters) - {"settings", "resources"}
    unknown = sorted(set(options or {}) - accepted)
    if unknown:
        raise BadRequestError(
            f"suite {name!r} has no option {', '.join(unknown)}; "
            f"its options: {', '.join(sorted(accepted)) or 'none'}"
        )
    async with open_resources(settings) as resources:
        metrics, cases = await module.evaluate(settings, resources, **(options or {}))
    report = SuiteReport(name, metrics, dict(module.THRESHOLDS), cases)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / f"{name}.md").write_text(report.markdown(), encoding="utf-8")
    (report_dir / f"{name}.json").write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return report
