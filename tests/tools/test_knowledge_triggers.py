"""Keyword-triggered knowledge modules on the real pack: inflected forms fire, neutral text not."""

from __future__ import annotations

import pytest

from tools.knowledge.pack import Module, load_pack
from tools.knowledge.triggers import TriggerDetector


@pytest.fixture(scope="module")
def detector() -> TriggerDetector:
    return TriggerDetector(load_pack().modules)


def _slugs(detector: TriggerDetector, text: str) -> list[str]:
    return [m.slug for m in detector.detect(text)]


def test_detect_when_firm_accountant_and_vat_inflected_then_firma_podatki(detector) -> None:
    (match,) = detector.detect("w mojej firmie księgowa liczy VAT")

    assert match.slug == "firma_podatki"
    assert set(match.triggers) == {"firma", "księgowa", "vat"}
    assert match.hits == 3


def test_detect_when_dative_dzieciom_then_dzieci_bezpieczenstwo(detector) -> None:
    (match,) = detector.detect("Czy dzieciom będzie tam wygodnie?")

    assert match.slug == "dzieci_bezpieczenstwo"
    assert len(match.triggers) == 1 and match.triggers[0] in {"dziecko", "dzieci"}


def test_detect_when_multi_word_trigger_is_inflected_then_it_fires(detector) -> None:
    matches = detector.detect("Czy ładowarkę domową zamontujecie od razu?")

    assert [(m.slug, m.triggers) for m in matches] == [
        ("fotowoltaika_ladowanie", ("ładowarka domowa",))
    ]


def test_detect_when_phrase_words_are_apart_then_multi_word_trigger_does_not_fire() -> None:
    detector = TriggerDetector([Module("dom", "Dom", ("ładowarka domowa",))])

    assert detector.detect("ładowarka stoi w garażu, a domowa sieć jest słaba") == []
    assert detector.detect("domowa ładowarka") == []


@pytest.mark.parametrize(
    "text",
    [
        "Lubię dobrą kawę i spacery po parku.",
        "Dzień dobry, chciałbym obejrzeć ten model.",
        "Jaki kolor lakieru jest najpopularniejszy?",
    ],
)
def test_detect_when_text_is_neutral_then_no_module(detector, text: str) -> None:
    assert detector.detect(text) == []


def test_detect_when_several_modules_fire_then_most_triggers_first(detector) -> None:
    text = "Leasing na firmę, rata i wykup, a do tego zima i mróz."

    assert _slugs(detector, text)[0] == "leasing_finansowanie"
    assert set(_slugs(detector, text)) >= {"leasing_finansowanie", "zima_zasieg", "firma_podatki"}


def test_detect_when_trigger_repeats_then_hits_count_every_occurrence(detector) -> None:
    (match,) = detector.detect("Fotelik, drugi fotelik i trzeci fotelik.")

    assert (match.triggers, match.hits) == (("fotelik",), 3)


def test_detect_when_only_part_of_a_phrase_after_a_stop_word_then_no_module(detector) -> None:
    assert "doplaty" not in _slugs(detector, "Elektryk podłączył mi nowe gniazdko w kuchni.")
