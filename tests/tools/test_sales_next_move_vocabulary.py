"""The sales co-pilot's signal vocabulary: the bundled file's coverage, and load-time validation."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.polish_text import terms
from tools.sales_next_move.vocabulary import (
    SIGNALS_PATH,
    Vocabulary,
    load_vocabulary,
    signal_ids,
)


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


def _write(tmp_path: Path, signals: list[dict], **top) -> Path:
    path = tmp_path / "signals.json"
    body = {"version": "test.1", "description": "test", "signals": signals} | top
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def _signal(**overrides) -> dict:
    base = {
        "id": "pyta_o_test",
        "label": "pyta o test",
        "phrases": ["zasięg zima"],
        "archetypes": {"techniczny_sceptyk": 0.5},
        "modules": ["zima_zasieg"],
        "objections": ["objection.zasieg_zima"],
    }
    return base | overrides


def _problems(path: Path) -> list[dict[str, str]]:
    with pytest.raises(InputValidationError) as err:
        load_vocabulary(path, pack=load_pack())
    return err.value.problems


# --- the bundled vocabulary ------------------------------------------------------------------


def test_bundled_when_loaded_then_versioned_and_has_at_least_40_unique_signals(vocabulary) -> None:
    ids = vocabulary.ids()

    assert vocabulary.version == "2026.12.1"
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)
    assert signal_ids() == ids


def test_bundled_when_loaded_twice_then_the_same_object_is_returned() -> None:
    assert load_vocabulary() is load_vocabulary()
    assert load_vocabulary(SIGNALS_PATH) is load_vocabulary()


def test_bundled_keeps_the_ids_the_rule_tables_are_written_against(vocabulary) -> None:
    # ids the shared design names in its examples of indicator rules and signals
    named = {"pyta_o_zasieg_zima", "chce_zamowic", "pyta_o_termin_dostawy", "tylko_jazda_probna"}

    assert named <= set(vocabulary.ids())


def test_bundled_every_archetype_is_the_strongest_pull_of_at_least_two_signals(vocabulary) -> None:
    tops: Counter[str] = Counter()
    for s in vocabulary.signals:
        if s.archetypes:
            weights = sorted(s.archetypes.values(), reverse=True)
            assert len(weights) == 1 or weights[0] > weights[1], f"{s.id}: tied top weight"
            tops[max(s.archetypes, key=s.archetypes.__getitem__)] += 1

    assert {slug: tops[slug] for slug in ARCHETYPES if tops[slug] < 2} == {}


def test_bundled_every_module_is_implied_by_at_least_two_signals(vocabulary) -> None:
    implied = Counter(m for s in vocabulary.signals for m in s.modules)

    assert {m.slug: implied[m.slug] for m in load_pack().modules if implied[m.slug] < 2} == {}


def test_bundled_signals_point_to_one_to_three_archetypes_and_4_to_15_phrases(vocabulary) -> None:
    for s in vocabulary.signals:
        assert len(s.archetypes) <= 3, s.id
        assert 4 <= len(s.phrases) <= 15, s.id
    assert sum(1 for s in vocabulary.signals if s.archetypes) >= 0.9 * len(vocabulary.signals)


@pytest.mark.parametrize("word", ["auto", "samochód", "cena", "elektryk", "klient", "pyta"])
def test_bundled_no_phrase_is_a_word_every_note_uses(vocabulary, word: str) -> None:
    generic = tuple(terms(word, drop_stopwords=False))
    too_generic = [
        (s.id, p)
        for s in vocabulary.signals
        for p in s.phrases
        if tuple(terms(p, drop_stopwords=False)) == generic
    ]

    assert too_generic == []


# --- validation ------------------------------------------------------------------------------


def test_load_when_file_is_valid_then_signals_keep_file_order_and_defaults(tmp_path) -> None:
    path = _write(tmp_path, [_signal(), _signal(id="drugi", archetypes={}, modules=[])])

    vocab = load_vocabulary(path, pack=load_pack())

    assert vocab.ids() == ("pyta_o_test", "drugi")
    assert vocab.get("drugi").negatable is True
    assert vocab.get("brak") is None


def test_load_when_archetype_module_and_id_are_wrong_then_every_problem_is_listed(tmp_path) -> None:
    path = _write(
        tmp_path,
        [
            _signal(archetypes={"kosmonauta": 0.5}),
            _signal(modules=["astronomia"]),
            _signal(id="inny", objections=["objection.nie_istnieje"]),
        ],
    )

    messages = [p["message"] for p in _problems(path)]

    assert "unknown archetype kosmonauta" in messages
    assert "unknown module astronomia" in messages
    assert "pyta_o_test repeats" in messages
    assert "unknown objection objection.nie_istnieje" in messages
    assert len(messages) == 4


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"archetypes": {"lowca_okazji": 1.5}}, "signals[0].archetypes.lowca_okazji"),
        ({"archetypes": {"lowca_okazji": -0.1}}, "signals[0].archetypes.lowca_okazji"),
        ({"phrases": []}, "signals[0].phrases"),
        ({"phrases": [""]}, "signals[0].phrases.0"),
        ({"id": "Pyta O Test"}, "signals[0].id"),
        ({"kolor": "zielony"}, "signals[0].kolor"),
    ],
)
def test_load_when_a_field_is_invalid_then_its_path_is_named(tmp_path, overrides, field) -> None:
    fields = [p["field"] for p in _problems(_write(tmp_path, [_signal(**overrides)]))]

    assert field in fields
    assert all(f.startswith("signals[0].") for f in fields)


def test_load_when_a_phrase_has_no_word_to_match_then_it_is_reported(tmp_path) -> None:
    (problem,) = _problems(_write(tmp_path, [_signal(phrases=["zasięg", "w, o"])]))

    assert problem["field"] == "pyta_o_test.phrases"
    assert "'w, o'" in problem["message"]


def test_load_when_version_is_missing_then_reported_with_signal_problems(tmp_path) -> None:
    path = tmp_path / "signals.json"
    path.write_text(json.dumps({"signals": [_signal(modules=["x"])]}), encoding="utf-8")

    fields = {p["field"] for p in _problems(path)}

    assert fields == {"vocabulary.version", "pyta_o_test.modules"}


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": "1"}'])
def test_load_when_file_is_not_a_vocabulary_then_one_readable_problem(tmp_path, content) -> None:
    path = tmp_path / "signals.json"
    path.write_text(content, encoding="utf-8")

    (problem,) = _problems(path)

    assert problem["field"] == str(path)


def test_load_when_file_is_missing_then_input_validation_error(tmp_path) -> None:
    (problem,) = _problems(tmp_path / "brak.json")

    assert "not a readable JSON file" in problem["message"]
