"""Themes of open answers with hand-made vectors: clustering, labels, quotes, tiny inputs."""

from __future__ import annotations

import numpy as np
import pytest

from tools.focus_group.analysis.clustering import cluster, silhouette
from tools.focus_group.analysis.embeddings import unit_rows
from tools.focus_group.analysis.lemmas import lemma_of
from tools.focus_group.analysis.themes import ctfidf, find_themes, top_lemmas


@pytest.fixture(scope="module", autouse=True)
def _polish_dictionary() -> None:
    """Load simplemma's Polish dictionary (seconds, once per process) outside the tests."""
    lemma_of("słownik")


PRICE = [
    "Cena jest za wysoka, auto jest za drogie.",
    "Za drogie, cena mnie odstrasza.",
    "Cena zabija, wszystko za drogie.",
    "Wysoka cena to główny problem.",
    "Drogie auto, cena poza zasięgiem portfela.",
    "Cena powinna spaść o połowę.",
]
CHARGING = [
    "Brakuje ładowarek na osiedlu.",
    "Ładowarki są wiecznie zajęte.",
    "Nie mam gdzie podłączyć ładowarki.",
    "Publicznych ładowarek jest za mało.",
]


def _families(sizes: list[int], dim: int = 24, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """Vectors around ``len(sizes)`` orthogonal directions, ``sizes[i]`` of each."""
    rng = np.random.default_rng(seed)
    rows = []
    for family, size in enumerate(sizes):
        centre = np.zeros(dim)
        centre[family] = 1.0
        rows += [centre + noise * rng.normal(size=dim) for _ in range(size)]
    return unit_rows(rows)


def _answers(texts: list[str], start: int = 0) -> list[dict]:
    return [
        {"id": f"a{start + i:02d}", "persona_id": f"p{start + i:02d}", "text": t}
        for i, t in enumerate(texts)
    ]


def test_cluster_recovers_separated_families_and_picks_their_number() -> None:
    vectors = _families([6, 5, 4])

    labels, score = cluster(vectors)

    assert len(set(labels)) == 3
    assert [len(set(labels[a:b])) for a, b in ((0, 6), (6, 11), (11, 15))] == [1, 1, 1]
    assert score is not None and score > 0.5


def test_cluster_is_deterministic() -> None:
    vectors = _families([5, 5, 5], noise=0.4)

    first, _ = cluster(vectors)
    second, _ = cluster(vectors.copy())

    assert first.tolist() == second.tolist()


def test_cluster_when_no_structure_then_one_cluster() -> None:
    vectors = unit_rows(np.random.default_rng(3).normal(size=(40, 384)))

    labels, score = cluster(vectors)

    assert set(labels.tolist()) == {0}
    assert score is not None and score < 0.05


def test_cluster_when_outlier_then_it_joins_a_theme_instead_of_standing_alone() -> None:
    vectors = np.vstack([_families([5, 5]), unit_rows([np.ones(24)])])

    labels, _ = cluster(vectors)

    assert len(set(labels)) == 2
    assert np.bincount(labels).min() >= 5


def test_silhouette_of_perfect_split_is_high_and_of_mixed_split_low() -> None:
    vectors = _families([4, 4], noise=0.01)

    good = silhouette(vectors, np.array([0] * 4 + [1] * 4))
    mixed = silhouette(vectors, np.array([0, 1] * 4))

    assert good > 0.9
    assert mixed < 0


def test_ctfidf_favours_lemmas_used_by_many_answers_of_one_group_only() -> None:
    groups = [
        [{"cena", "drogi"}, {"cena", "auto"}, {"cena", "drogi"}],
        [{"ładowarka", "auto"}, {"ładowarka", "osiedle"}],
    ]

    scores = ctfidf(groups)

    assert top_lemmas(scores[0], 2) == ["cena", "drogi"]
    assert top_lemmas(scores[1], 1) == ["ładowarka"]
    assert scores[0]["cena"] > scores[0]["auto"]


def test_find_themes_labels_quotes_and_sorts_by_size() -> None:
    answers = _answers(PRICE) + _answers(CHARGING, start=len(PRICE))
    vectors = _families([len(PRICE), len(CHARGING)])
    by_id = {a["id"]: v for a, v in zip(answers, vectors, strict=True)}

    themes = find_themes(answers, by_id)

    assert [t["id"] for t in themes] == ["t1", "t2"]
    assert [t["size"] for t in themes] == [6, 4]
    assert themes[0]["share"] == pytest.approx(0.6)
    assert themes[0]["lemmas"][:2] == ["cena", "drogi"]
    assert themes[0]["label"].startswith("cena, drogi")
    assert "ładowarka" in themes[1]["label"]
    assert set(themes[1]["answer_ids"]) == {a["id"] for a in answers[6:]}
    quote = themes[1]["quote"]
    assert quote["answer_id"] in themes[1]["answer_ids"]
    assert quote["persona_id"] == quote["answer_id"].replace("a", "p")


def test_find_themes_quote_is_the_answer_closest_to_the_centre() -> None:
    answers = _answers(["Cena za wysoka.", "Drogo.", "Bardzo drogo i cena wysoka."])
    vectors = {"a00": [1.0, 0.0], "a01": [0.0, 1.0], "a02": [1.0, 1.0]}

    (theme,) = find_themes(answers, vectors)

    assert theme["quote"]["answer_id"] == "a02"


@pytest.mark.parametrize("n", [1, 2, 3])
def test_find_themes_when_tiny_n_then_one_theme_with_all_answers(n: int) -> None:
    answers = _answers(PRICE[:n])
    vectors = {a["id"]: v for a, v in zip(answers, np.eye(3), strict=False)}

    themes = find_themes(answers, vectors)

    assert len(themes) == 1
    assert themes[0]["size"] == n and themes[0]["share"] == 1.0
    assert themes[0]["label"]


def test_find_themes_skips_answers_without_text_or_vector() -> None:
    answers = _answers(["Cena za wysoka.", "", "Ładowarek brak."])
    vectors = {"a00": [1.0, 0.0], "a01": [0.0, 1.0]}

    themes = find_themes(answers, vectors)

    assert [t["answer_ids"] for t in themes] == [["a00"]]
    assert find_themes([], {}) == []


def test_find_themes_when_every_answer_is_the_same_then_one_theme_not_a_crash():
    answers = [{"id": f"a{i}", "persona_id": f"p{i}", "text": "Za drogie."} for i in range(6)]
    vectors = {a["id"]: [0.3, 0.4, 0.5, 0.6] for a in answers}

    themes = find_themes(answers, vectors)

    assert len(themes) == 1 and themes[0]["size"] == 6
