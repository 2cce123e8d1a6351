"""The Dojo's pattern miner: session facts from stored analyses, the Wilson bound, planted
patterns found and noise left alone, support, redundancy, citations and the Polish question."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from evals.ai_dojo.synthetic_sessions import noise, planted
from tools.ai_dojo.miner import mine, pattern_id, question, wilson_lower
from tools.ai_dojo.session_facts import (
    Labels,
    SessionFacts,
    bundled_labels,
    family,
    session_facts,
)

LABELS = Labels(
    archetypes={"pragmatyczny_analityk": "Pragmatyczny Analityk"},
    signals={"pyta_o_zasieg_zima": "pyta o zasięg zimą"},
    objections={"objection.zasieg_zima": "„Zimą zasięg spada o połowę”"},
    moves={"M-O-zima-01": "Przyznaj, że zimą zasięg jest niższy"},
)


def table(groups: Iterable[tuple[int, set[str], int]]) -> list[SessionFacts]:
    """Sessions in groups of (count, features, purchases among them)."""
    facts = []
    for count, features, bought in groups:
        for k in range(count):
            sid = f"s{len(facts):03d}"
            facts.append(
                SessionFacts(sid, k < bought, frozenset(features), dict.fromkeys(features, 1))
            )
    return facts


def turn(n: int, **parts: object) -> dict[str, object]:
    return {"turn": n, **parts}


# --- session facts --------------------------------------------------------------------------


def test_session_facts_when_move_follows_a_concern_then_sequence_keeps_the_move_turn():
    analyses = [
        turn(
            1,
            archetype={"primary": "techniczny_sceptyk"},
            signals=[{"id": "pyta_o_zasieg_zima"}],
            objections=[{"id": "objection.zasieg_zima"}],
            modules=[{"module": "zima_zasieg"}],
            next_moves=[{"id": "M-Q-zima-01", "kind": "question"}],
        ),
        turn(
            2,
            archetype={"primary": "pragmatyczny_analityk"},
            session_signals=[
                {"id": "pyta_o_zasieg_zima", "turn": 1},
                {"id": "liczy_tco", "turn": 2},
            ],
            meta_rules=[{"id": "rule.analityk.tco"}],
            next_moves=[{"id": "M-O-zima-01", "kind": "objection_response"}],
        ),
    ]
    facts = session_facts({"id": "s1", "outcome_data": {"outcome": "purchased"}}, analyses)

    assert facts.purchased is True
    assert "archetype:pragmatyczny_analityk" in facts.features  # the final archetype only
    assert "archetype:techniczny_sceptyk" not in facts.features
    assert facts.first_turn["objection:objection.zasieg_zima>strategy:M-O-zima-01"] == 2
    assert facts.first_turn["signal:pyta_o_zasieg_zima>move:question"] == 1
    assert facts.first_turn["rule:rule.analityk.tco"] == 2
    assert facts.first_turn["module:zima_zasieg"] == 1
    # liczy_tco came at turn 2, after the only question: no sequence for it.
    assert "signal:liczy_tco>move:question" not in facts.features
    assert "signal:liczy_tco>strategy:M-O-zima-01" in facts.features


def test_session_facts_when_move_shown_later_then_kind_comes_from_the_library_map():
    analyses = [turn(1, next_moves=[], shown_moves=["M-A-tco-01"])]
    facts = session_facts(
        {"id": "s2", "outcome_data": {"outcome": "not_purchased"}},
        analyses,
        move_kinds={"M-A-tco-01": "argument"},
    )
    assert facts.purchased is False
    assert {"strategy:M-A-tco-01", "move:argument"} <= facts.features


def test_family_when_ordered_pair_then_sequence():
    assert family("signal:a>move:question") == "sequence"
    assert family("objection:objection.cena_za_wysoka") == "objection"


def test_bundled_labels_when_loaded_then_polish_names_from_the_data():
    labels = bundled_labels()
    assert labels.of("archetype:lowca_okazji") == "Łowca Okazji"
    assert labels.of("signal:pyta_o_zasieg_zima") == "pyta o zasięg zimą"
    assert labels.of("objection:objection.zasieg_zima") == "„Zimą zasięg spada o połowę”"
    assert labels.of("module:tco") == "Całkowity koszt posiadania (TCO)"
    assert labels.of("move:objection_response") == "odpowiedź na obiekcję"
    assert labels.of("strategy:M-A-tco-01").startswith("Pokaż harmonogram przeglądów")


# --- statistics -----------------------------------------------------------------------------


def test_wilson_lower_when_8_of_10_at_95_percent_then_matches_the_known_value():
    assert wilson_lower(8, 10, 1.959964) == pytest.approx(0.4901625, abs=1e-6)
    assert wilson_lower(0, 0, 1.96) == 0.0


def test_mine_when_patterns_planted_then_each_found_on_9_of_10_seeds():
    complete = 0
    for seed in range(10):
        facts, truth = planted(seed)
        found = {frozenset(f) for p in mine(facts) for f in (p.features, *p.equivalent)}
        complete += all(pattern in found for pattern in truth)
    assert complete >= 9


def test_mine_when_outcome_is_noise_then_silent_on_19_of_20_seeds():
    silent = sum(not mine(noise(seed)) for seed in range(20))
    assert silent >= 19


def test_mine_when_support_below_k_then_silent():
    facts = table([(4, {"signal:x", "move:question"}, 4), (100, {"move:question"}, 10)])
    assert mine(facts, min_support=5, labels=LABELS) == []
    found = mine(facts, min_support=4, labels=LABELS)
    assert [p.features for p in found] == [("signal:x",)]


def test_mine_when_pair_adds_nothing_to_its_item_then_only_the_item_is_kept():
    facts = table(
        [
            (35, {"signal:a", "strategy:m"}, 31),
            (5, {"signal:a"}, 5),
            (60, {"strategy:m"}, 3),
            (60, set(), 9),
        ]
    )
    found = mine(facts, labels=LABELS)
    assert [p.features for p in found] == [("signal:a",)]


def test_mine_when_pair_beats_both_items_then_pair_kept_with_its_figures():
    facts = table(
        [
            (40, {"archetype:pragmatyczny_analityk", "strategy:M-O-zima-01"}, 36),
            (40, {"archetype:pragmatyczny_analityk"}, 6),
            (40, {"strategy:M-O-zima-01"}, 6),
            (80, set(), 12),
        ]
    )
    pattern, *items = mine(facts, labels=LABELS)
    assert {p.features for p in items} == {
        ("archetype:pragmatyczny_analityk",),
        ("strategy:M-O-zima-01",),
    }  # each beats the baseline too, by less
    assert pattern.features == ("archetype:pragmatyczny_analityk", "strategy:M-O-zima-01")
    assert (pattern.support, pattern.successes) == (40, 36)
    assert pattern.baseline == pytest.approx(60 / 200)
    assert pattern.rate == pytest.approx(0.9)
    assert pattern.lift == pytest.approx(3.0)
    assert pattern.wilson_low > pattern.baseline
    assert pattern.id == pattern_id(list(reversed(pattern.features)))
    assert "gdy klientem był Pragmatyczny Analityk" in pattern.question


def test_mine_cites_real_sessions_with_the_pattern_purchases_first():
    facts, _ = planted(3)
    by_id = {f.session_id: f for f in facts}
    patterns = mine(facts)
    assert patterns
    for pattern in patterns:
        cited = [by_id[sid] for sid in pattern.sessions]
        assert 1 <= len(cited) <= 10
        assert all(f.features >= set(pattern.features) for f in cited)
        bought = [f.purchased for f in cited]
        assert bought == sorted(bought, reverse=True)
        assert pattern.turns == tuple(max(f.first_turn[x] for x in pattern.features) for f in cited)
        assert f"#{pattern.sessions[0][:8]}, tura {pattern.turns[0]}" in pattern.question


def test_mine_when_run_twice_or_reordered_then_same_patterns():
    facts, _ = planted(5)
    first = mine(facts)
    assert first == mine(facts)
    assert [p.id for p in first] == [p.id for p in mine(list(facts))]
    gains = [p.wilson_low - p.baseline for p in first]
    assert gains == sorted(gains, reverse=True)


def test_mine_when_nothing_to_compare_then_nothing():
    assert mine([], labels=LABELS) == []
    assert mine(table([(30, {"signal:x"}, 30)]), labels=LABELS) == []  # every session bought
    with pytest.raises(ValueError, match="max_items"):
        mine(table([(30, {"signal:x"}, 3)]), max_items=3, labels=LABELS)


# --- the question ---------------------------------------------------------------------------


def test_question_when_strategy_after_a_concern_then_seed_001_wording():
    text = question(
        ["objection:objection.zasieg_zima>strategy:M-O-zima-01"],
        23,
        18,
        0.41,
        [("5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90", 3), ("7a2d4e61-1b3c", 2)],
        LABELS,
    )
    assert text == (
        "Przeanalizowałem 18 sesji zakończonych zakupem (np. #5f0b3c52, tura 3; #7a2d4e61, "
        "tura 2). Zauważyłem, że kluczowym momentem było użycie strategii „Przyznaj, że zimą "
        "zasięg jest niższy” po tym, jak klient wyraził obawę „Zimą zasięg spada o połowę” "
        "(skuteczność 78% wobec 41% średnio, n=23). Czy to jest wzorzec, który powinniśmy "
        "stosować częściej?"
    )


@pytest.mark.parametrize(
    ("successes", "words"),
    [
        (1, "1 sesję zakończoną"),
        (3, "3 sesje zakończone"),
        (12, "12 sesji zakończonych"),
        (22, "22 sesje zakończone"),
        (25, "25 sesji zakończonych"),
    ],
)
def test_question_when_counting_sessions_then_polish_plural(successes: int, words: str):
    text = question(["archetype:pragmatyczny_analityk"], 30, successes, 0.2, [], LABELS)
    assert text.startswith(f"Przeanalizowałem {words} zakupem. Zauważyłem, że zakupem częściej")
    assert "klientem był Pragmatyczny Analityk" in text
