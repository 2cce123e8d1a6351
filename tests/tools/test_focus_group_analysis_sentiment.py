"""The Polish sentiment lexicon and the summary of answers' sentiment fields."""

from __future__ import annotations

import pytest

from tools.focus_group.analysis.lemmas import lemma_of
from tools.focus_group.analysis.sentiment import aggregate_sentiment, lexicon_sentiment
from tools.focus_group.analysis.sentiment_lexicon import LEXICON, adjective_forms


@pytest.fixture(scope="module", autouse=True)
def _polish_dictionary() -> None:
    """Load simplemma's Polish dictionary (seconds, once per process) outside the tests."""
    lemma_of("słownik")


@pytest.mark.parametrize(
    "text",
    [
        "Polecam, świetny samochód.",
        "Jestem zachwycona, jazda jest bardzo wygodna.",
        "Tani w utrzymaniu i bezpieczny dla dzieci.",
        "Dobra jakość za rozsądne pieniądze.",
        "Bez problemu naładuję go w domu.",
        "Nie jest drogi jak na to, co oferuje.",
        "Przez dwa lata zero awarii, brak problemów.",
        "Najlepsze auto, jakie miałem.",
    ],
)
def test_lexicon_when_opinion_positive_then_label_positive(text: str) -> None:
    result = lexicon_sentiment(text)

    assert result["label"] == "positive"
    assert 0 < result["score"] <= 1
    assert result["method"] == "lexicon"


@pytest.mark.parametrize(
    "text",
    [
        "Nie polecam, same problemy.",
        "Rozczarowanie, ciągle się psuje.",
        "Za drogie i niewygodne.",
        "Awaria za awarią, fatalny serwis.",
        "To nie jest dobry pomysł.",
        "Dobry, ale strasznie drogi.",
        "Niestety bateria szybko się rozładowuje i to mnie denerwuje.",
        "Niebezpieczne i przereklamowane.",
    ],
)
def test_lexicon_when_opinion_negative_then_label_negative(text: str) -> None:
    result = lexicon_sentiment(text)

    assert result["label"] == "negative"
    assert -1 <= result["score"] < 0


@pytest.mark.parametrize(
    "text", ["Jeżdżę do pracy tramwajem.", "Mam dwoje dzieci i psa.", "Zasięg to 400 km."]
)
def test_lexicon_when_no_opinion_words_then_neutral_zero(text: str) -> None:
    assert lexicon_sentiment(text) == {"label": "neutral", "score": 0.0, "method": "lexicon"}


def test_negation_flips_and_intensifier_strengthens() -> None:
    plain = lexicon_sentiment("To jest dobre.")["score"]
    negated = lexicon_sentiment("To nie jest dobre.")["score"]
    intensified = lexicon_sentiment("To jest bardzo dobre.")["score"]

    assert negated < 0 < plain < intensified


def test_after_contrast_the_second_clause_decides() -> None:
    assert lexicon_sentiment("Drogi, ale świetny.")["label"] == "positive"
    assert (
        lexicon_sentiment("Świetny, ale drogi.")["score"] < lexicon_sentiment("Świetny.")["score"]
    )


def test_lexicon_covers_consumer_vocabulary() -> None:
    wanted = (
        "dobry świetny drogi tani wygodny awaria problem polecać rozczarowanie zachwycony "
        "bezpieczny niezawodny oszczędny opłacalny fatalny kiepski usterka"
    )
    assert set(wanted.split()) <= set(LEXICON)
    assert len(LEXICON) >= 300


def test_adjective_forms_inflect_hard_soft_and_velar_stems() -> None:
    assert {"dobra", "dobrej", "dobrymi"} <= set(adjective_forms("dobry"))
    assert {"tania", "tanie", "taniego"} <= set(adjective_forms("tani"))
    assert {"droga", "drogie", "drogich"} <= set(adjective_forms("drogi"))


def test_aggregate_counts_labels_methods_and_mean_skipping_missing() -> None:
    sentiments = [
        {"label": "positive", "score": 0.8, "method": "model"},
        {"label": "negative", "score": -0.4, "method": "lexicon"},
        {"label": "positive", "score": 0.2, "method": "lexicon"},
        None,
    ]

    result = aggregate_sentiment(sentiments)

    assert result["counts"] == {"positive": 2, "neutral": 0, "negative": 1}
    assert result["mean"] == pytest.approx(0.2)
    assert result["methods"] == {"model": 1, "lexicon": 2}
    assert result["n"] == 3


def test_aggregate_when_nothing_scored_then_mean_none() -> None:
    result = aggregate_sentiment([None, None])

    assert result["mean"] is None and result["n"] == 0
