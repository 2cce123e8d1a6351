"""The Dojo's intent router: scoring, confidence, the no-model fallback, and threshold fitting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tools.ai_dojo import router as router_module
from tools.ai_dojo.fitting import METHODS, cut_points, fit_router, loo_scores, ranked
from tools.ai_dojo.router import (
    INTENTS,
    IntentRouter,
    RouterThresholds,
    lexical_cues,
    load_router_thresholds,
    router_for,
)

DIM = len(INTENTS) + 2


def axis(i: int, noise: float = 0.0, extra: int = -1) -> np.ndarray:
    """A unit-ish vector along intent ``i``'s axis, tilted toward the spare axis ``extra``."""
    v = np.zeros(DIM)
    v[i] = 1.0
    v[extra] += noise
    return v


def toy_router(**thresholds) -> IntentRouter:
    vectors = [axis(i, n) for i in range(len(INTENTS)) for n in (0.0, 0.1, 0.2)]
    labels = [intent for intent in INTENTS for _ in range(3)]
    return IntentRouter(vectors, labels, RouterThresholds(**thresholds))


def test_classify_when_vector_near_one_intent_then_it_wins_confidently():
    verdict = toy_router(min_score=0.5, min_margin=0.1).classify(axis(2, 0.05))
    assert verdict.intent == "ask"
    assert verdict.confident
    assert verdict.fallback_intent == "ask"
    assert verdict.method == "embedding"
    assert set(verdict.scores) == set(INTENTS)


def test_classify_when_two_intents_tie_then_not_confident_but_top_intent_returned():
    vector = axis(0) + axis(1)  # halfway between teach and correct
    verdict = toy_router(min_margin=0.05).classify(vector)
    assert verdict.intent in ("teach", "correct")
    assert verdict.margin < 0.05
    assert not verdict.confident
    assert verdict.fallback_intent == verdict.intent


def test_classify_when_score_below_min_score_and_fallback_other_then_falls_back_to_other():
    far = np.zeros(DIM)
    far[-2] = 1.0
    far[0] = 0.3  # leans to teach, weakly
    verdict = toy_router(min_score=0.5, below_min_score="other").classify(far)
    assert verdict.intent == "teach"
    assert not verdict.confident
    assert verdict.fallback_intent == "other"


def test_classify_when_fallback_top_then_low_score_still_follows_top_intent():
    far = np.zeros(DIM)
    far[-2], far[0] = 1.0, 0.3
    verdict = toy_router(min_score=0.5, below_min_score="top").classify(far)
    assert verdict.fallback_intent == "teach"


def test_centroid_and_knn_when_intent_has_outliers_then_knn_follows_nearest_example():
    # teach has one example right on the query; two others pull its centroid away.
    query = axis(0)
    vectors = [axis(0), axis(6), axis(6), axis(1), axis(1), axis(1)]
    labels = ["teach", "teach", "teach", "correct", "correct", "correct"]
    knn = IntentRouter(vectors, labels, RouterThresholds(method="knn", k=1))
    centroid = IntentRouter(vectors, labels, RouterThresholds(method="centroid"))
    assert knn.scores(query)[0] == pytest.approx(1.0)
    assert centroid.scores(query)[0] == pytest.approx(1 / np.sqrt(5), abs=1e-4)


def test_lexical_cues_when_question_or_session_number_then_matching_intents_flagged():
    ask, sessions = INTENTS.index("ask"), INTENTS.index("review_sessions")
    assert lexical_cues("Co wiesz o ładowaniu?")[ask] == 1.0
    assert lexical_cues("Omówmy sesję #123.")[sessions] == 1.0
    assert lexical_cues("U Analityka zacznij od TCO.").sum() == 0.0


def test_classify_when_lexical_weight_set_then_cue_breaks_a_tie():
    vector = axis(INTENTS.index("ask")) + axis(INTENTS.index("teach"))
    plain = toy_router(lexical_weight=0.0).classify(vector, "Zacznij od TCO?")
    cued = toy_router(lexical_weight=0.05).classify(vector, "Zacznij od TCO?")
    assert plain.margin == pytest.approx(0.0, abs=1e-6)
    assert cued.intent == "ask"
    assert cued.margin == pytest.approx(0.05, abs=1e-3)


def test_router_when_example_has_unknown_intent_then_refuses():
    with pytest.raises(ValueError, match="unknown intents"):
        IntentRouter([axis(0)], ["gossip"])


def test_loo_scores_when_example_duplicated_once_then_not_scored_against_itself():
    vectors = np.stack([axis(0), axis(1), axis(1, 0.3)])
    labels = np.array([0, 1, 1])
    knn = loo_scores(vectors, labels, "knn", 1)
    assert knn[0, 0] == -1.0  # its intent has no other example
    assert knn[1, 1] == pytest.approx(float(vectors[2] @ vectors[1] / np.linalg.norm(vectors[2])))
    centroid = loo_scores(vectors, labels, "centroid", 0)
    assert centroid[0, 0] == pytest.approx(0.0)


def test_cut_points_when_values_given_then_midpoints_and_both_ends():
    assert cut_points([0.2, 0.4, 0.4]) == pytest.approx([0.199, 0.3, 0.401])


def test_fit_router_when_low_scores_are_other_then_chooses_other_fallback():
    rng = np.random.default_rng(0)
    labels = np.array([0] * 10 + [5] * 10)
    scores = np.full((20, len(INTENTS)), 0.1)
    scores[:10, 0] = 0.9 + rng.uniform(0, 0.05, 10)  # teach: clear
    scores[10:, 0] = 0.4 + rng.uniform(0, 0.05, 10)  # other: leans to teach, weakly
    scores[10:, 5] = 0.3
    loo = dict.fromkeys(METHODS, scores)
    thresholds, figures = fit_router(loo, np.zeros_like(scores), labels)
    assert thresholds["below_min_score"] == "other"
    assert 0.45 < thresholds["min_score"] < 0.9
    assert figures["loo_no_model_accuracy"] == 1.0
    assert figures["loo_top1"] == 0.5


def test_fit_router_when_cues_do_not_help_then_weight_zero():
    labels = np.array([0, 1, 2])
    scores = np.eye(len(INTENTS))[:3] * 0.9
    cues = np.zeros_like(scores)
    cues[0, 3] = 1.0  # a misleading cue
    thresholds, figures = fit_router(dict.fromkeys(METHODS, scores), cues, labels)
    assert thresholds["lexical_weight"] == 0.0
    assert figures["loo_top1"] == 1.0


def test_fit_router_when_router_often_wrong_on_small_margins_then_asks_there():
    labels = np.array([0] * 10 + [1] * 10)
    scores = np.zeros((20, len(INTENTS)))
    scores[:10, 0], scores[:10, 1] = 0.9, 0.5  # wide margin, right
    scores[10:15, 0], scores[10:15, 1] = 0.82, 0.8  # narrow margin, wrong
    scores[15:, 1], scores[15:, 0] = 0.82, 0.8  # narrow margin, right: a coin toss
    thresholds, figures = fit_router(dict.fromkeys(METHODS, scores), np.zeros_like(scores), labels)
    _, score, margin = ranked(scores)
    confident = (score >= thresholds["min_score"]) & (margin >= thresholds["min_margin"])
    assert confident[:10].all() and not confident[10:].any()
    assert figures["loo_confident_share"] == 0.5
    assert figures["loo_expected_accuracy_with_tie_breaker"] == pytest.approx(0.925)


def test_load_router_thresholds_when_file_written_then_values_read(tmp_path: Path):
    path = tmp_path / "thresholds.json"
    router = {"method": "centroid", "k": 0, "min_score": 0.8, "min_margin": 0.01, "x": 1}
    path.write_text(json.dumps({"router": router, "duplicates": {}}))
    loaded = load_router_thresholds(path)
    assert loaded.method == "centroid" and loaded.min_margin == 0.01
    assert load_router_thresholds(tmp_path / "missing.json") == RouterThresholds()


class CountingEmbedder:
    spec = "test/counting"

    def __init__(self) -> None:
        self.calls = 0

    def embed_queries(self, texts):
        self.calls += 1
        return [axis(len(t) % len(INTENTS)) for t in texts]

    def embed_query(self, text):
        return axis(len(text) % len(INTENTS))


def test_router_for_when_called_twice_then_examples_embedded_once(monkeypatch):
    examples = [{"id": f"e{i}", "text": "x" * i, "intent": INTENTS[i % 6]} for i in range(12)]
    monkeypatch.setattr(router_module, "load_examples", lambda: examples)
    monkeypatch.setattr(router_module, "load_router_thresholds", RouterThresholds)
    monkeypatch.setattr(router_module, "_ROUTERS", {})
    embedder = CountingEmbedder()
    first, second = router_for(embedder), router_for(embedder)
    assert first is second
    assert embedder.calls == 1
    assert router_module.route(embedder, "xx").intent == "ask"
