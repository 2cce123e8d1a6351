"""Signals in salespeople's notes: inflected Polish fires, negation and neutral talk do not."""

from __future__ import annotations

import time

import pytest

from tools.polish_text import fold
from tools.sales_next_move.detector import DetectedSignal, SignalDetector, bundled_detector
from tools.sales_next_move.vocabulary import Signal, Vocabulary


@pytest.fixture(scope="module")
def detector() -> SignalDetector:
    return bundled_detector()


def _ids(detector: SignalDetector, text: str) -> set[str]:
    return {s.id for s in detector.detect(text)}


def _tiny(*signals: tuple[str, list[str]], negatable: bool = True, **kw) -> SignalDetector:
    vocab = Vocabulary(
        version="t",
        signals=tuple(
            Signal(id=sid, label=sid, phrases=tuple(phrases), negatable=negatable)
            for sid, phrases in signals
        ),
    )
    return SignalDetector(vocab, **kw)


# Notes as salespeople type them: third person, inflected, colloquial.
NOTES = [
    (
        "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki.",
        {
            "przyszedl_z_rodzina",
            "wspomina_dzieci",
            "pyta_o_zasieg_zima",
            "pyta_o_zasieg",
            "pyta_o_foteliki",
        },
    ),
    (
        "Kupuje przez spółkę, pyta o odliczenie VAT i amortyzację.",
        {"zakup_na_firme", "pyta_o_podatki"},
    ),
    (
        "Auto ma być na firmę, w leasingu operacyjnym na 4 lata z wykupem.",
        {"zakup_na_firme", "pyta_o_leasing"},
    ),
    ("Pytała o mocowanie fotelików ISOFIX na tylnej kanapie.", {"pyta_o_foteliki"}),
    (
        "Martwi się o zasięg na mrozie, słyszał, że zimowy zasięg spada o połowę.",
        {"pyta_o_zasieg_zima", "pyta_o_zasieg"},
    ),
    (
        "Ma panele na dachu i chce ładować auto w domu z wallboxa.",
        {"ma_fotowoltaike", "ladowanie_w_domu"},
    ),
    (
        "Mieszka w bloku, nie ma garażu, pyta o stacje ładowania na osiedlu.",
        {"brak_ladowania_w_domu", "pyta_o_ladowarki_publiczne"},
    ),
    (
        "Co roku jeździ z rodziną nad morze, pyta, ile trwa ładowanie na autostradzie.",
        {"dlugie_trasy", "pyta_o_czas_ladowania"},
    ),
    (
        "Ile robi 0-100 i ile ma koni w wersji Performance? Kolega ma AMG.",
        {"pyta_o_przyspieszenie", "mowi_o_emocjach_jazdy"},
    ),
    ("Chce umówić jazdę próbną na sobotę.", {"chce_jazde_probna"}),
    (
        "Przyjechał z kumplami, chce się tylko przejechać, zakupu nie planuje.",
        {"tylko_jazda_probna"},
    ),
    (
        "W innym salonie dostał ofertę o 10 tys. taniej, pyta o rabat.",
        {"kotwiczy_cene_konkurencji", "pyta_o_rabat"},
    ),
    ("Mówi, że za drogo i że za tę cenę kupi dwa auta spalinowe.", {"cena_za_wysoka"}),
    ("Pyta o dopłatę z NaszEauto i czy z Kartą Dużej Rodziny dostanie więcej.", {"pyta_o_doplaty"}),
    ("Interesują go buspasy i darmowe parkowanie w strefie.", {"pyta_o_przywileje"}),
    (
        "Boi się degradacji baterii i pyta, ile kosztuje wymiana akumulatora po gwarancji.",
        {"obawa_o_baterie", "pyta_o_serwis"},
    ),
    (
        "Od lat jeździ BMW, zwraca uwagę na spasowanie i wyciszenie kabiny.",
        {"jezdzi_marka_premium", "ocenia_jakosc_wykonczenia"},
    ),
    (
        "Chce coś prestiżowego, żeby wyróżnić się pod biurem, prosi o rozmowę z kierownikiem.",
        {"podkresla_prestiz", "oczekuje_priorytetu"},
    ),
    (
        "Dla niej liczy się ekologia i zero emisji, pyta o recykling baterii i kobalt.",
        {"motywacja_ekologiczna", "pyta_o_pochodzenie_baterii"},
    ),
    (
        "Programista, zachwycony oprogramowaniem i aktualizacjami OTA, pyta o autopilota.",
        {"fascynacja_technologia", "pyta_o_autopilota"},
    ),
    ("Uważa, że przyszłość to wodór, a elektryki się palą.", {"watpi_w_technologie_ev"}),
    ("To jego pierwszy elektryk, nie zna się, pyta, jak to działa.", {"pierwszy_kontakt_z_ev"}),
    (
        "Musi się zastanowić, odezwie się po rozmowie z żoną.",
        {"potrzebuje_czasu", "partner_decyduje"},
    ),
    (
        "Pyta, czy auto jest od ręki, chce zamówić w tym miesiącu i wpłacić zaliczkę.",
        {"pyta_o_termin_dostawy", "chce_zamowic"},
    ),
    ("Chce oddać obecne auto w rozliczeniu.", {"auto_w_rozliczeniu"}),
    (
        "Porównuje z Ioniqiem 5 i Enyaqiem, liczy TCO na pięć lat.",
        {"porownuje_z_konkurencja", "liczy_tco"},
    ),
    ("Spieszy się, co chwilę zerka na zegarek.", {"pospiech_zniecierpliwienie"}),
    ("Jeździ z przyczepą kempingową, pyta o hak.", {"holowanie_przyczepy"}),
    (
        "Kończy mu się leasing na Audi w marcu.",
        {"konczy_sie_leasing", "pyta_o_leasing", "jezdzi_marka_premium"},
    ),
    (
        "Porównuje koszt prądu z benzyną, pyta o utratę wartości i ubezpieczenie.",
        {"porownuje_koszty_paliwa", "pyta_o_wartosc_rezydualna", "pyta_o_ubezpieczenie"},
    ),
    ("Pyta o ratę przy niskim wkładzie własnym.", {"pyta_o_rate"}),
    (
        "Mówi, że bezpieczeństwo jest najważniejsze, pyta o wyniki Euro NCAP.",
        {"pyta_o_bezpieczenstwo"},
    ),
    ("Wszystko wie z YouTube'a i z recenzji na forach.", {"zna_model_z_internetu"}),
    (
        "Pani pyta, czy może ładować ze zwykłego gniazdka i ile trwa ładowanie.",
        {"ladowanie_w_domu", "pyta_o_czas_ladowania"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), NOTES, ids=[n[0][:40] for n in NOTES])
def test_detect_when_note_is_realistic_then_exactly_the_expected_signals(
    detector, text: str, expected: set[str]
) -> None:
    found = detector.detect(text)

    assert {s.id for s in found} == expected
    assert len(found) == len(expected)  # one per signal id
    for s in found:
        assert s.evidence == text[s.start : s.end]
        assert s.evidence.strip() == s.evidence and s.evidence


@pytest.mark.parametrize(
    ("text", "signal", "evidence"),
    [
        ("Pyta o zasięg zimą.", "pyta_o_zasieg_zima", "zasięg zimą"),
        ("Martwi się o zasięg na mrozie.", "pyta_o_zasieg_zima", "zasięg na mrozie"),
        ("Pyta, jaki jest realny zimowy zasięg.", "pyta_o_zasieg_zima", "zimowy zasięg"),
        ("Pytała o mocowanie fotelików ISOFIX.", "pyta_o_foteliki", "mocowanie fotelików"),
        ("Auto kupi na firmę.", "zakup_na_firme", "na firmę"),
        ("Kupuje przez spółkę.", "zakup_na_firme", "przez spółkę"),
        ("Chce auto w leasingu.", "pyta_o_leasing", "leasingu"),
        ("Ile robi 0-100?", "pyta_o_przyspieszenie", "0-100"),
        ("Ile robi 0–100 km/h?", "pyta_o_przyspieszenie", "0–100"),
        ("Słyszał o NaszEauto.", "pyta_o_doplaty", "NaszEauto"),
        ("Ładował na superchargerach.", "pyta_o_ladowarki_publiczne", "superchargerach"),
        ("Porównywał z Ioniqiem.", "porownuje_z_konkurencja", "Ioniqiem"),
        ("Mówi, że nie ma garażu.", "brak_ladowania_w_domu", "nie ma garażu"),
        ("Żona musi zobaczyć auto.", "partner_decyduje", "Żona musi zobaczyć"),
    ],
)
def test_detect_when_phrase_is_inflected_then_evidence_quotes_the_note(
    detector, text: str, signal: str, evidence: str
) -> None:
    found = {s.id: s for s in detector.detect(text)}

    assert found[signal].evidence == evidence
    assert text[found[signal].start : found[signal].end] == evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nie ma dzieci.", set()),
        ("Nie pyta o leasing, płaci gotówką.", set()),
        ("Żadnych rabatów nie oczekuje.", set()),
        ("Kupuje bez kredytu.", set()),
        ("Bez fotelików, dzieci już dorosłe.", {"wspomina_dzieci"}),
        ("Nie ma dzieci. Leasing go interesuje.", {"pyta_o_leasing"}),
        ("Interesuje go nie tylko zasięg.", {"pyta_o_zasieg"}),
        ("Pyta, czy nie spada zasięg zimą.", {"pyta_o_zasieg_zima", "pyta_o_zasieg"}),
        ("Pyta o awaryjność, czy ta elektronika się nie psuje.", {"pyta_o_awaryjnosc"}),
    ],
)
def test_detect_when_negated_then_only_unnegated_signals(detector, text, expected) -> None:
    assert _ids(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Dzień dobry, rozgląda się po salonie.",
        "Ogląda auto, pyta o kolory lakieru i felgi.",
        "Klient w średnim wieku, siada za kierownicą i ogląda wnętrze.",
        "Pyta o ładowanie AC i złącze CCS.",
        "",
    ],
)
def test_detect_when_text_is_neutral_then_no_signal(detector, text: str) -> None:
    assert detector.detect(text) == []


def test_detect_when_signals_found_then_ordered_by_position_with_turn(detector) -> None:
    text = "Pyta o rabat. Ma dwójkę dzieci. Jeździ Mercedesem."

    found = detector.detect(text, turn=3)

    assert [s.id for s in found] == ["pyta_o_rabat", "wspomina_dzieci", "jezdzi_marka_premium"]
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert {(s.source, s.turn) for s in found} == {("rules", 3)}
    assert found[0].to_dict() == {
        "id": "pyta_o_rabat",
        "evidence": "rabat",
        "source": "rules",
        "turn": 3,
    }


def test_detect_when_signal_repeats_then_first_occurrence_only(detector) -> None:
    text = "Fotelik, drugi fotelik i trzeci fotelik."

    (found,) = detector.detect(text)

    assert (found.id, found.start, found.evidence) == ("pyta_o_foteliki", 0, "Fotelik")


def test_detected_signal_is_immutable() -> None:
    signal = DetectedSignal("x", "y", 0, 1)

    with pytest.raises(AttributeError):
        signal.id = "z"  # type: ignore[misc]


# --- matching rules on a tiny vocabulary -----------------------------------------------------


def test_gap_when_up_to_two_words_between_then_phrase_fires() -> None:
    det = _tiny(("zima", ["zasięg zima"]))

    assert _ids(det, "zasięg bardzo mocno zimą") == {"zima"}
    assert _ids(det, "zasięg w tym roku bardzo spadł zimą") == set()
    assert _ids(det, "zimą zasięg") == set()  # words keep their order


def test_gap_when_max_gap_is_zero_then_words_must_be_adjacent() -> None:
    det = _tiny(("zima", ["zasięg zima"]), max_gap=0)

    assert _ids(det, "zasięgu zimą") == {"zima"}
    assert _ids(det, "zasięg mocno zimą") == set()


def test_gap_when_a_clause_ends_between_words_then_phrase_does_not_fire() -> None:
    det = _tiny(("firma", ["na spółkę"]))

    assert _ids(det, "na firmę, przez spółkę") == set()
    assert _ids(det, "na tę spółkę") == {"firma"}


def test_match_when_several_phrases_start_together_then_longest_evidence() -> None:
    det = _tiny(("zima", ["zasięg", "zasięg zima"]))

    (found,) = det.detect("Pyta o zasięg zimą.")

    assert found.evidence == "zasięg zimą"


def test_prefix_when_brand_is_inflected_then_fires_but_known_words_do_not() -> None:
    det = _tiny(("konkurencja", ["ioniq", "polestar"]), ("premium", ["audi"]))

    assert _ids(det, "Jeździ Ioniqiem, wcześniej Polestarem.") == {"konkurencja"}
    assert _ids(det, "Chwali system audio.") == set()
    assert _ids(det, "Jeździ Audi.") == {"premium"}


def test_negation_when_signal_is_not_negatable_then_nie_is_ignored() -> None:
    negatable = _tiny(("awaria", ["się psuje"]))
    steady = _tiny(("awaria", ["się psuje"]), negatable=False)
    text = "Pyta, czy to się nie psuje."

    assert _ids(negatable, text) == set()
    assert _ids(steady, text) == {"awaria"}


def test_negation_when_negator_is_three_words_before_then_phrase_still_fires() -> None:
    det = _tiny(("leasing", ["leasing"]))

    assert _ids(det, "nie pyta o leasing") == set()  # "o" is not a word to the tokeniser
    assert _ids(det, "nie interesuje go leasing") == {"leasing"}


@pytest.mark.parametrize("text", ["foteliki", "Fotelików", "FOTELIKAMI", "fotelikow"])
def test_fold_when_case_or_diacritics_differ_then_same_signal(text: str) -> None:
    det = _tiny(("fotelik", ["fotelik"]))

    (found,) = det.detect(text)

    assert fold(found.evidence) == fold(text)


def test_bundled_detector_is_built_once_and_is_fast_enough_to_run_per_note(detector) -> None:
    note = (
        "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki. "
        "Kupuje przez spółkę w leasingu, pyta o VAT i ratę. Mieszka w bloku, nie ma garażu, więc "
        "pyta o ładowarki publiczne i ile trwa ładowanie. W innym salonie dostał rabat."
    )
    assert bundled_detector() is detector
    detector.detect(note)  # warm the lemma cache
    runs = 200
    began = time.perf_counter()
    for _ in range(runs):
        detector.detect(note)
    per_note_ms = (time.perf_counter() - began) / runs * 1000
    print(f"\nsignal detection: {per_note_ms:.3f} ms per {len(note)}-character note")
    assert len(detector.detect(note)) >= 10
