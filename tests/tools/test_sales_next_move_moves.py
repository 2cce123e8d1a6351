"""Next moves: the bundled library's coverage and honesty, validation, ranking and diversity."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.sales_next_move.indicators import SIGNALS_PATH, score_indicators
from tools.sales_next_move.moves import (
    KINDS,
    MOVES_PATH,
    MoveContext,
    compose_moves,
    default_move_library,
    load_move_library,
)

SIGNAL_IDS = {s["id"] for s in json.loads(SIGNALS_PATH.read_text(encoding="utf-8"))["signals"]}
# A figure stands alone ("20–30%", "225 000 zł"); digits inside a name ("G12", "0-100") are not.
FIGURE = re.compile(r"(?<![^\W\d_])(?<![\d.,])\d+(?:[.,]\d+)?(?![^\W\d_])")
OUTPUT_KEYS = {"id", "kind", "text", "rationale", "provenance", "phrased"}
PROVENANCE_KEYS = {"signals", "archetype", "rules", "knowledge", "score"}


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def library():
    return default_move_library()


def _signals(*ids: str, turn: int = 1) -> list[dict]:
    return [{"id": i, "evidence": i.replace("_", " "), "turn": turn} for i in ids]


def _move(move_id: str, kind: str = "argument", knowledge=("objection.zasieg_zima",), **when):
    return {
        "id": move_id,
        "kind": kind,
        "text": "Tekst.",
        "rationale": "Bo tak.",
        "when": when,
        "knowledge": list(knowledge),
    }


def _library_file(tmp_path: Path, moves: list[dict]) -> Path:
    path = tmp_path / "moves.json"
    path.write_text(json.dumps({"version": "test", "moves": moves}, ensure_ascii=False), "utf-8")
    return path


def _assert_diverse(moves: list[dict]) -> None:
    kinds = Counter(m["kind"] for m in moves)
    cited = [k for m in moves for k in m["provenance"]["knowledge"]]
    assert max(kinds.values()) <= 2
    assert len(cited) == len(set(cited))
    assert len({m["id"] for m in moves}) == len(moves)


# --- the bundled library --------------------------------------------------------------------


def test_library_when_loaded_then_90_to_140_moves_of_all_kinds_and_8_generic(library) -> None:
    kinds = Counter(m.kind for m in library.moves)
    generic = [m for m in library.moves if m.when.is_empty()]

    assert library.version
    assert 90 <= len(library.moves) <= 140
    assert set(kinds) == set(KINDS)
    assert all(count >= 15 for count in kinds.values())
    assert len(generic) >= 8
    assert {m.kind for m in generic} >= {"question", "action"}


def test_library_when_covering_then_every_archetype_module_and_main_objection(library, pack):
    archetypes = {a for m in library.moves for a in m.when.archetype}
    cited_modules = {k.split(".")[1] for m in library.moves for k in m.knowledge if "module." in k}
    objections = {o for m in library.moves for o in m.when.objections_any}
    fundrive = [m for m in library.moves if "tylko_jazda_probna" in m.when.any_signals]

    assert archetypes == set(ARCHETYPES)
    assert cited_modules == {m.slug for m in pack.modules}
    assert {s for m in library.moves for s in m.when.modules_any} == cited_modules
    assert len(objections) >= 20
    assert {"question", "action"} <= {m.kind for m in fundrive}


def test_library_when_read_raw_then_every_knowledge_and_signal_id_exists(pack) -> None:
    entries = {e.id for e in pack.entries}
    raw = json.loads(MOVES_PATH.read_text(encoding="utf-8"))

    for move in raw["moves"]:
        when = move["when"]
        named = [*when.get("any_signals", []), *when.get("all_signals", [])]
        named += when.get("none_signals", [])
        assert set(move["knowledge"]) <= entries, move["id"]
        assert set(when.get("objections_any", [])) <= entries, move["id"]
        assert set(named) <= SIGNAL_IDS, move["id"]


def test_library_when_a_move_states_a_figure_from_illustrative_entry_then_says_orientacyjnie(
    library, pack
) -> None:
    illustrative = {e.id for e in pack.entries if e.illustrative}

    for move in library.moves:
        if FIGURE.search(move.text) and illustrative.intersection(move.knowledge):
            assert "orientacyjn" in move.text, move.id


def test_library_when_move_is_a_question_then_it_quotes_what_to_ask(library) -> None:
    for move in library.moves:
        assert move.text.count("„") == move.text.count("”"), move.id
        if move.kind == "question":
            assert re.search(r"„[^”]*\?[^”]*”", move.text), move.id


# --- validation -----------------------------------------------------------------------------


def test_load_when_library_has_many_problems_then_every_one_is_reported_at_once(tmp_path):
    path = _library_file(
        tmp_path,
        [
            _move("M-A-x-01", any_signals=["mowi_po_klingonsku"]),
            _move("M-A-x-02", objections_any=["objection.latajace_auta"]),
            _move("M-A-x-03", knowledge=["module.zima_zasieg.nie_ma_takiego"]),
            _move("M-A-x-04", archetype=["kosmonauta"]),
            _move("M-A-x-04"),
            _move("M-A-x-05", kind="plotka"),
            _move("M-A-x-06", czasem=["pyta_o_rabat"]),
        ],
    )

    with pytest.raises(InputValidationError) as err:
        load_move_library(path)

    messages = " | ".join(f"{p['field']}: {p['message']}" for p in err.value.problems)
    for needle in (
        "mowi_po_klingonsku",
        "objection.latajace_auta",
        "nie_ma_takiego",
        "kosmonauta",
        "M-A-x-04 repeats",
        "moves[5].kind",
        "czasem",
    ):
        assert needle in messages
    assert len(err.value.problems) == 7


# --- composing ------------------------------------------------------------------------------


def test_compose_when_family_note_then_a_child_seat_or_safety_move_is_in_the_four() -> None:
    ctx = MoveContext(
        signals=_signals("wspomina_dzieci", "przyszedl_z_rodzina"),
        primary_archetype="straznik_rodziny",
        modules=["dzieci_bezpieczenstwo"],
    )

    moves = compose_moves(ctx)

    assert len(moves) == 4
    safety = [
        m
        for m in moves
        if any(k.startswith("module.dzieci_bezpieczenstwo.") for k in m["provenance"]["knowledge"])
    ]
    assert safety
    assert any(s["id"] == "wspomina_dzieci" for m in safety for s in m["provenance"]["signals"])


def test_compose_when_fundrive_then_churn_high_and_a_qualifying_action_is_proposed() -> None:
    signals = _signals("tylko_jazda_probna", "pyta_o_przyspieszenie")
    indicators = score_indicators(signals, "entuzjasta_osiagow", [], 1)

    moves = compose_moves(MoveContext(signals=signals, primary_archetype="entuzjasta_osiagow"))

    assert indicators["churn_risk"]["band"] == "wysoki"
    actions = [m for m in moves if m["kind"] == "action"]
    assert any(
        "tylko_jazda_probna" in {s["id"] for s in m["provenance"]["signals"]} for m in actions
    )
    assert not any(m["id"] == "M-D-ogolne-01" for m in moves)  # no plain test-drive invitation


@pytest.mark.parametrize(
    "ctx",
    [
        MoveContext(),
        MoveContext(signals=_signals("wspomina_dzieci"), primary_archetype="straznik_rodziny"),
        MoveContext(
            signals=_signals("zakup_na_firme", "pyta_o_leasing", "liczy_tco"),
            primary_archetype="pragmatyczny_analityk",
            modules=["firma_podatki", "leasing_finansowanie", "tco"],
            objections=["objection.leasing_czy_gotowka"],
        ),
    ],
)
def test_compose_when_shown_moves_excluded_then_four_new_distinct_ids(ctx) -> None:
    first = compose_moves(ctx)
    second = compose_moves(ctx, exclude={m["id"] for m in first})

    assert len(first) == len(second) == 4
    assert not {m["id"] for m in first} & {m["id"] for m in second}
    _assert_diverse(second)


def test_compose_when_no_signals_then_four_generic_moves_with_a_question() -> None:
    moves = compose_moves(MoveContext())

    assert len(moves) == 4
    assert any(m["kind"] == "question" for m in moves)
    assert all(m["provenance"]["signals"] == [] for m in moves)
    _assert_diverse(moves)


def test_compose_when_everything_shown_then_fewer_and_never_a_duplicate(library) -> None:
    generic = {m.id for m in library.moves if m.when.is_empty()}
    shown: list[str] = []
    while batch := compose_moves(MoveContext(turn=1), exclude=set(shown)):
        shown += [m["id"] for m in batch]

    assert len(shown) == len(set(shown))
    assert set(shown) == generic


@pytest.mark.parametrize(
    ("signals", "primary", "modules", "objections"),
    [
        (["pyta_o_zasieg_zima", "obawa_o_baterie"], "techniczny_sceptyk", ["zima_zasieg"], []),
        (["pyta_o_rabat", "kotwiczy_cene_konkurencji"], "lowca_okazji", [], []),
        (
            ["ma_fotowoltaike", "motywacja_ekologiczna"],
            "eko_entuzjasta",
            ["fotowoltaika_ladowanie"],
            [],
        ),
        ([], "zdobywca_statusu", [], ["objection.czas_dostawy", "objection.polityka_flotowa"]),
    ],
)
def test_compose_when_any_context_then_diverse_with_a_question_and_the_design_shape(
    signals, primary, modules, objections
) -> None:
    ctx = MoveContext(
        signals=_signals(*signals),
        primary_archetype=primary,
        modules=modules,
        objections=objections,
    )

    moves = compose_moves(ctx)

    assert len(moves) == 4
    assert any(m["kind"] == "question" for m in moves)
    _assert_diverse(moves)
    scores = [m["provenance"]["score"] for m in moves]
    assert scores == sorted(scores, reverse=True)
    for move in moves:
        assert set(move) == OUTPUT_KEYS and move["phrased"] is False
        assert set(move["provenance"]) == PROVENANCE_KEYS
        assert move["provenance"]["rules"] == [move["id"]]
        for signal in move["provenance"]["signals"]:
            assert signal["id"] in signals and signal["evidence"]


def test_compose_when_signal_is_from_this_turn_then_its_move_outranks_an_older_ones(tmp_path):
    library = load_move_library(
        _library_file(
            tmp_path,
            [
                _move(
                    "M-A-zima",
                    knowledge=["objection.zasieg_zima"],
                    any_signals=["pyta_o_zasieg_zima"],
                ),
                _move(
                    "M-A-dzieci",
                    knowledge=["module.dzieci_bezpieczenstwo.euro_ncap"],
                    any_signals=["wspomina_dzieci"],
                ),
            ],
        )
    )

    def order(zima_turn: int, dzieci_turn: int) -> list[str]:
        signals = _signals("pyta_o_zasieg_zima", turn=zima_turn)
        signals += _signals("wspomina_dzieci", turn=dzieci_turn)
        ctx = MoveContext(signals=signals, turn=2)
        return [m["id"] for m in compose_moves(ctx, library=library)]

    assert order(zima_turn=1, dzieci_turn=2) == ["M-A-dzieci", "M-A-zima"]
    assert order(zima_turn=2, dzieci_turn=1) == ["M-A-zima", "M-A-dzieci"]


def test_compose_when_questions_rank_low_then_the_best_question_still_takes_a_slot(tmp_path):
    knowledge = ["question.ranking_priorytetow", "question.doswiadczenie_z_ev"]
    knowledge += [
        "question.wzorce_podrozy",
        "question.firma_i_flota",
        "question.auto_w_rozliczeniu",
    ]
    moves = [
        {**_move(f"M-{kind[0]}-{i}", kind, [k], any_signals=["pyta_o_rabat"]), "weight": w}
        for i, (kind, k, w) in enumerate(
            zip(
                ["argument", "argument", "action", "action", "question"],
                knowledge,
                [2.0, 2.0, 2.0, 2.0, 0.5],
                strict=True,
            )
        )
    ]
    library = load_move_library(_library_file(tmp_path, moves))

    chosen = compose_moves(MoveContext(signals=_signals("pyta_o_rabat")), library=library)

    assert [m["kind"] for m in chosen].count("question") == 1
    assert len(chosen) == 4


def test_compose_when_diversity_leaves_too_few_then_only_generic_moves_fill(tmp_path) -> None:
    shared = ["question.ranking_priorytetow"]
    library = load_move_library(
        _library_file(
            tmp_path,
            [
                _move("M-A-1", knowledge=["objection.zasieg_zima"], any_signals=["pyta_o_rabat"]),
                _move("M-A-2", knowledge=["objection.zasieg_zima"], any_signals=["pyta_o_rabat"]),
                *[_move(f"M-Q-g{i}", "question", shared) for i in range(1, 4)],
            ],
        )
    )

    chosen = compose_moves(MoveContext(signals=_signals("pyta_o_rabat")), library=library)

    assert {m["id"] for m in chosen} == {"M-A-1", "M-Q-g1", "M-Q-g2", "M-Q-g3"}


def test_compose_when_archetype_is_uncertain_then_its_moves_score_lower(tmp_path) -> None:
    library = load_move_library(
        _library_file(tmp_path, [_move("M-A-rodzina", archetype=["straznik_rodziny"])])
    )

    def score(confidence: float) -> float:
        ctx = MoveContext(
            primary_archetype="straznik_rodziny",
            archetype_scores={"straznik_rodziny": confidence},
        )
        (move,) = compose_moves(ctx, library=library)
        assert move["provenance"]["archetype"] == "straznik_rodziny"
        return move["provenance"]["score"]

    assert score(0.9) > score(0.3)


def test_compose_when_meta_rules_given_then_applicable_ones_rank_high_with_provenance() -> None:
    rules = [
        {
            "id": "rule.rodzina",
            "text": "Zawsze pokaż foteliki.",
            "archetype": "straznik_rodziny",
            "module": None,
        },
        {
            "id": "rule.lowca",
            "text": "Nie dawaj rabatu.",
            "archetype": "lowca_okazji",
            "module": None,
            "kind": "argument",
        },
        {
            "id": "rule.zima",
            "text": "Mów o pompie ciepła.",
            "archetype": None,
            "module": "zima_zasieg",
            "kind": "argument",
        },
    ]
    ctx = MoveContext(
        signals=_signals("wspomina_dzieci"),
        primary_archetype="straznik_rodziny",
        modules=["dzieci_bezpieczenstwo"],
        meta_rules=rules,
    )

    moves = compose_moves(ctx)

    assert moves[0]["id"] == "rule.rodzina"
    assert moves[0]["kind"] == "action"
    assert moves[0]["provenance"]["rules"] == ["rule.rodzina"]
    assert moves[0]["provenance"]["archetype"] == "straznik_rodziny"
    assert "Strażnik Rodziny" in moves[0]["rationale"]
    assert not {"rule.lowca", "rule.zima"} & {m["id"] for m in moves}


def test_compose_when_general_meta_rule_then_it_beats_generic_moves() -> None:
    rule = {"id": "rule.kawa", "text": "Zaproponuj kawę.", "archetype": None, "module": None}

    moves = compose_moves(MoveContext(meta_rules=[rule]))

    assert moves[0]["id"] == "rule.kawa"
    assert len(moves) == 4


def test_compose_when_called_twice_or_with_shuffled_signals_then_identical() -> None:
    signals = _signals("wspomina_dzieci", "pyta_o_zasieg_zima", "pyta_o_rate", "partner_decyduje")
    shuffled = signals[:]
    random.Random(3).shuffle(shuffled)

    def run(sigs: list[dict]) -> list[dict]:
        ctx = MoveContext(
            signals=sigs,
            primary_archetype="straznik_rodziny",
            modules=["zima_zasieg", "dzieci_bezpieczenstwo", "leasing_finansowanie"],
        )
        return compose_moves(ctx)

    assert run(signals) == run(signals) == run(shuffled)
