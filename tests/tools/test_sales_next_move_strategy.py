"""The full-strategy panel: five tabs from the pack and the analysis, each item with its source."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.polish_text import fold
from tools.sales_next_move.moves import MOVES_PATH
from tools.sales_next_move.strategy import (
    CLOSE,
    COUNTER,
    MOTIVES,
    TABS,
    USE_WORDS,
    WATCH_OUT,
    strategy_panel,
)

WORD = re.compile(r"[^\W_]+")
# Words a pack item may add to its chunk's: the labels put before a cut sentence, the names.
LABEL_WORDS = {
    w.lower()
    for text in (CLOSE, COUNTER, MOTIVES, USE_WORDS, WATCH_OUT, *ARCHETYPES.values())
    for w in WORD.findall(text)
}
HISTORY = [
    {
        "turn": 1,
        "text": "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się "
        "dwa foteliki.",
    },
    {"turn": 2, "text": "Co roku jeżdżą autem nad morze, pytał o ładowarki przy autostradzie."},
    {"turn": 3, "text": "Żona pyta, czy te baterie się nie palą, bo auto ma stać w garażu."},
]


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _moves(*ids: str) -> list[dict]:
    """Next moves as the analysis holds them, from the real move library."""
    library = {m["id"]: m for m in json.loads(MOVES_PATH.read_text("utf-8"))["moves"]}
    return [
        {
            "id": i,
            "kind": library[i]["kind"],
            "text": library[i]["text"],
            "rationale": library[i]["rationale"],
            "provenance": {
                "signals": [],
                "archetype": None,
                "rules": [i],
                "knowledge": library[i]["knowledge"],
                "score": 1.0,
            },
            "phrased": False,
        }
        for i in ids
    ]


def _signal(signal_id: str, evidence: str, turn: int) -> dict:
    text = HISTORY[turn - 1]["text"]
    assert evidence in text, "evidence is always a verbatim piece of its turn's note"
    return {"id": signal_id, "evidence": evidence, "turn": turn}


def _family_analysis() -> dict:
    """Turn 3 of a family's visit: children, winter range, a trip to the sea, battery fires."""
    earlier = [
        _signal("przyszedl_z_rodzina", "Przyszedł z żoną", 1),
        _signal("wspomina_dzieci", "dwójką dzieci", 1),
        _signal("pyta_o_zasieg_zima", "pyta o zasięg zimą", 1),
        _signal("pyta_o_foteliki", "dwa foteliki", 1),
        _signal("dlugie_trasy", "nad morze", 2),
        _signal("pyta_o_ladowarki_publiczne", "ładowarki przy autostradzie", 2),
    ]
    now = _signal("watpi_w_technologie_ev", "czy te baterie się nie palą", 3)
    scores = dict.fromkeys(ARCHETYPES, 0.03) | {"straznik_rodziny": 0.55, "techniczny_sceptyk": 0.2}
    return {
        "turn": 3,
        "signals": [{"id": now["id"], "evidence": now["evidence"], "source": "rules"}],
        "signals_dropped": [],
        "session_signals": [*earlier, now],
        "archetype": {"primary": "straznik_rodziny", "scores": scores, "changed": False},
        "modules": [],
        "objections": [{"id": "objection.pozar_baterii", "matched_by": "signal"}],
        "meta_rules": [],
        "indicators": {
            "purchase_readiness": {"score": 51, "band": "średni", "label": "Gotowość do zakupu"},
            "churn_risk": {"score": 30, "band": "niski", "label": "Ryzyko utraty klienta"},
            "test_drive_value": {"score": 70, "band": "wysoki", "label": "Wartość jazdy próbnej"},
        },
        "next_moves": _moves("M-O-pozar-01", "M-D-rodzina-01", "M-Q-rodzina-01", "M-A-rodzina-02"),
        "degraded": [],
    }


def _tab(panel: dict, tab_id: str) -> list[dict]:
    return next(t["items"] for t in panel["tabs"] if t["id"] == tab_id)


def _items(panel: dict) -> list[dict]:
    return [item for tab in panel["tabs"] for item in tab["items"]]


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def test_panel_when_session_is_read_then_five_tabs_each_with_items():
    panel = strategy_panel(
        _family_analysis(), history=HISTORY, key_facts=["Dwoje dzieci: 2 i 5 lat"]
    )

    assert panel["written_by"] == "rules"
    assert panel["archetype"] == "straznik_rodziny"
    assert [t["id"] for t in panel["tabs"]] == list(TABS)
    assert all(t["title"] == TABS[t["id"]] and t["items"] for t in panel["tabs"])
    assert 4 <= len(_tab(panel, "pytania")) <= 6
    assert all(set(item) == {"text", "source"} and item["text"] for item in _items(panel))


def test_sources_when_panel_built_then_each_resolves(pack):
    analysis = _family_analysis()
    panel = strategy_panel(analysis, history=HISTORY, key_facts=["Dwoje dzieci: 2 i 5 lat"])
    ids = {e.id for e in pack.entries}
    signals = {s["id"] for s in analysis["signals"] + analysis["session_signals"]}
    moves = {m["id"] for m in analysis["next_moves"]}

    for item in _items(panel):
        kind, _, ref = item["source"].partition(":")
        if kind == "signal":
            assert ref in signals
        elif kind == "move":
            assert ref in moves
        elif kind == "indicator":
            assert ref in analysis["indicators"]
        elif item["source"] != "key_fact":
            assert item["source"] in ids, item


def test_pack_items_when_cut_then_every_word_is_a_whole_word_of_the_chunk(pack):
    entries = {e.id: e for e in pack.entries}
    panel = strategy_panel(_family_analysis(), history=HISTORY)

    pack_items = [i for i in _items(panel) if i["source"] in entries]
    assert len(pack_items) >= 10
    for item in pack_items:
        entry = entries[item["source"]]
        chunk = set(_words(f"{entry.title} {entry.text}")) | LABEL_WORDS
        assert set(_words(item["text"])) <= chunk, item


@pytest.mark.parametrize("n, slug", list(enumerate(ARCHETYPES)))
def test_pack_items_when_any_archetype_then_no_word_is_cut(pack, n, slug):
    # Each archetype's chunks, and three or four objections each: all thirty over the ten.
    objections = [e.id for e in pack.entries if e.kind == "objection"][n * 3 : n * 3 + 4]
    analysis = {
        "archetype": {"primary": slug, "scores": {slug: 0.5}},
        "objections": [{"id": o} for o in objections],
    }
    entries = {e.id: e for e in pack.entries}

    panel = strategy_panel(analysis, history=[])

    assert set(objections) <= {i["source"] for i in _items(panel)}
    for item in (i for i in _items(panel) if i["source"] in entries):
        entry = entries[item["source"]]
        chunk = set(_words(f"{entry.title} {entry.text}")) | LABEL_WORDS
        assert set(_words(item["text"])) <= chunk, item
        assert item["text"].count("„") == item["text"].count("”"), item


def test_clip_when_sentence_too_long_then_cut_at_a_word_outside_quotes(pack):
    # One strategy sentence of ~900 characters, quotes included: it must be shortened.
    long = "zaproponuj " + ", ".join(f"„krok numer {n} dla rodziny”" for n in range(1, 40)) + "."
    plan = next(e for e in pack.entries if e.id == "archetype.straznik_rodziny.strategie")
    edited = plan.model_copy(update={"text": f"Archetyp Strażnik Rodziny – strategia: {long}"})
    custom = replace(pack, entries=tuple(edited if e.id == plan.id else e for e in pack.entries))

    panel = strategy_panel(_family_analysis(), history=HISTORY, pack=custom)

    step = next(i for i in _tab(panel, "scenariusz") if i["source"] == plan.id)["text"]
    assert step.endswith("…") and len(step) < len(long)
    kept = step[:-1]
    source = long[:1].upper() + long[1:]
    assert source.startswith(kept)
    assert not source[len(kept)].isalnum(), "the cut falls between words"
    assert kept.count("„") == kept.count("”"), "no quotation is left open"


def test_objections_when_one_matched_then_its_answer_from_the_chunk(pack):
    panel = strategy_panel(_family_analysis(), history=HISTORY)
    tab = _tab(panel, "obiekcje")

    fire = [i["text"] for i in tab if i["source"] == "objection.pozar_baterii"]
    # The chunk's "Jak odpowiedzieć" part and its counter-question; not where the fear comes from.
    assert any("potraktuj obawę poważnie, bez „to mit”" in t for t in fire)
    assert any("Co konkretnie Pana niepokoi – postój w garażu" in t for t in fire)
    assert not any("medialnych obrazów pożarów" in t for t in fire)
    # The trip to the sea (turn 2) still stands; the red flags close the tab.
    assert any(i["source"] == "objection.trasa_nad_morze" for i in tab)
    assert tab[0]["source"] == "objection.pozar_baterii", "this turn's objection comes first"
    flags = [i for i in tab if i["source"] == "archetype.straznik_rodziny.czerwone_flagi"]
    assert flags and all(i["text"].startswith(WATCH_OUT) for i in flags)


def test_objections_when_signals_imply_many_then_those_the_notes_voice_first():
    # "Wątpi w elektromobilność" implies fire, hydrogen and ecology; the notes speak of winter
    # range and the sea, never of hydrogen, and the tab has room for four objections.
    tab = _tab(strategy_panel(_family_analysis(), history=HISTORY), "obiekcje")
    sources = {i["source"] for i in tab}

    assert {"objection.zasieg_zima", "objection.trasa_nad_morze"} <= sources
    assert "objection.wodor_przyszlosc" not in sources


def test_panel_when_built_then_no_item_repeats():
    panel = strategy_panel(_family_analysis(), history=HISTORY)
    texts = [" ".join(_words(fold(i["text"]))) for i in _items(panel)]

    assert len(texts) == len(set(texts))


def test_summary_when_indicators_and_facts_given_then_one_line_each():
    panel = strategy_panel(
        _family_analysis(), history=HISTORY, key_facts=["Dwoje dzieci: 2 i 5 lat"]
    )
    summary = _tab(panel, "podsumowanie")

    assert summary[0]["source"] == "archetype.straznik_rodziny.opis"
    assert summary[0]["text"].startswith("Strażnik Rodziny to rodzic")
    assert {
        "text": "Gotowość do zakupu: 51/100 (średni)",
        "source": "indicator:purchase_readiness",
    } in summary
    assert {"text": "Dwoje dzieci: 2 i 5 lat", "source": "key_fact"} in summary
    assert not any(i["text"].startswith(CLOSE) for i in summary), "0.2 is far from 0.55"


def test_summary_when_runner_up_close_then_named():
    analysis = _family_analysis()
    analysis["archetype"]["scores"]["techniczny_sceptyk"] = 0.5

    summary = _tab(strategy_panel(analysis, history=HISTORY), "podsumowanie")

    close = [i for i in summary if i["text"].startswith(CLOSE)]
    assert close and close[0]["source"] == "archetype.techniczny_sceptyk.opis"
    assert "Techniczny Sceptyk (50% wobec 55%)" in close[0]["text"]


def test_client_words_when_signals_seen_then_quoted_latest_first_once():
    # Two signals read from the same words: the client said them once, so one quote.
    seen = [
        _signal("pyta_o_foteliki", "dwa foteliki", 1),
        _signal("pyta_o_bezpieczenstwo", "dwa foteliki", 1),
        _signal("dlugie_trasy", "nad morze", 2),
        _signal("watpi_w_technologie_ev", "czy te baterie się nie palą", 3),
    ]
    analysis = {"turn": 3, "session_signals": seen}

    tab = _tab(strategy_panel(analysis, history=HISTORY), "jezyk_klienta")

    quotes = [(i["text"], i["source"]) for i in tab if i["source"].startswith("signal:")]
    assert [source for _, source in quotes[:2]] == [
        "signal:watpi_w_technologie_ev",
        "signal:dlugie_trasy",
    ]
    assert quotes[0][0].startswith("Obserwacja 3: „czy te baterie się nie palą”")
    assert len(quotes) == 3 and sum("„dwa foteliki”" in text for text, _ in quotes) == 1


def test_client_words_when_archetype_known_then_its_way_of_speaking():
    tab = _tab(strategy_panel(_family_analysis(), history=HISTORY), "jezyk_klienta")

    speech = [i["text"] for i in tab if i["source"] == "archetype.straznik_rodziny.jak_mowi"]
    assert 2 <= len(speech) <= 3
    assert any(t.startswith(USE_WORDS) and "„fotelik”" in t for t in speech)


def test_script_when_archetype_known_then_strategy_steps_then_action_and_question_moves():
    analysis = _family_analysis()
    script = _tab(strategy_panel(analysis, history=HISTORY), "scenariusz")

    steps = [i for i in script if i["source"] == "archetype.straznik_rodziny.strategie"]
    assert 3 <= len(steps) <= 5
    assert any(i["text"].startswith("Zamknięcie") for i in steps), "the script ends in a close"
    moves = [i["source"] for i in script[len(steps) :]]
    assert moves == ["move:M-D-rodzina-01", "move:M-Q-rodzina-01"], "no argument, no reply"


def test_questions_when_family_session_then_family_set_and_sources_are_sets(pack):
    questions = _tab(strategy_panel(_family_analysis(), history=HISTORY), "pytania")
    sets = {e.id: e.text for e in pack.entries if e.kind == "question"}

    assert "question.rodzina_i_uzytkowanie" in {i["source"] for i in questions}
    assert all(f"„{i['text']}”" in sets[i["source"]] for i in questions)


def test_questions_when_price_session_then_budget_set():
    analysis = {
        "turn": 1,
        "signals": [{"id": "cena_za_wysoka", "evidence": "za drogo", "source": "rules"}],
        "archetype": {"primary": "lowca_okazji", "scores": {"lowca_okazji": 0.6}},
        "objections": [{"id": "objection.cena_za_wysoka", "matched_by": "signal"}],
    }
    history = [{"turn": 1, "text": "Mówi, że za drogo i pyta o rabat."}]

    questions = _tab(strategy_panel(analysis, history=history), "pytania")

    assert "question.budzet_i_finansowanie" in {i["source"] for i in questions}


def test_questions_when_a_move_asks_one_then_it_is_left_out():
    asked = "Gdyby miał Pan wybrać trzy najważniejsze cechy nowego auta, co by to było?"
    before = [i["text"] for i in _tab(strategy_panel({}, history=[]), "pytania")]
    after = strategy_panel({"next_moves": _moves("M-Q-ogolne-02")}, history=[])

    assert asked in before, "the generic start when nothing is known"
    assert asked not in [i["text"] for i in _tab(after, "pytania")]
    assert 4 <= len(_tab(after, "pytania")) <= 6


def test_panel_when_analysis_empty_then_generic_items_in_every_tab(pack):
    panel = strategy_panel({}, history=[])
    ids = {e.id for e in pack.entries}

    assert panel["archetype"] is None
    assert all(t["items"] for t in panel["tabs"])
    assert all(i["source"] in ids for i in _items(panel))


def test_panel_when_archetype_unknown_then_generic_summary_and_session_items():
    analysis = _family_analysis()
    analysis["archetype"] = {"primary": None, "scores": {}}

    panel = strategy_panel(analysis, history=HISTORY)

    assert panel["archetype"] is None
    assert all(t["items"] for t in panel["tabs"])
    assert not any(i["source"].startswith("archetype.") for i in _items(panel))
    assert any(i["source"] == "objection.pozar_baterii" for i in _tab(panel, "obiekcje"))
    assert any(i["source"].startswith("signal:") for i in _tab(panel, "jezyk_klienta"))


def test_panel_when_called_twice_then_identical():
    analysis = _family_analysis()

    assert strategy_panel(analysis, history=HISTORY) == strategy_panel(analysis, history=HISTORY)
