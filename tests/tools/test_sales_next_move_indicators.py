"""Indicator rules: the bundled table's coverage, validation of edited tables, how scores move."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.sales_next_move.indicators import (
    INDICATORS_PATH,
    SIGNALS_PATH,
    default_indicator_table,
    load_indicator_table,
    score_indicators,
)

SIGNAL_IDS = {s["id"] for s in json.loads(SIGNALS_PATH.read_text(encoding="utf-8"))["signals"]}
NAMES = ("purchase_readiness", "churn_risk", "test_drive_value")


def _signals(*ids: str, turn: int = 1) -> list[dict]:
    return [{"id": i, "evidence": i.replace("_", " "), "turn": turn} for i in ids]


def _rule(rule_id: str, points: int, **when) -> dict:
    return {"id": rule_id, "indicator": "x", "points": points, "when": when, "because": "Powód."}


def _table(tmp_path: Path, rules: list[dict], *, base: int = 50, bands=None) -> Path:
    table = {
        "version": "test",
        "bands": bands or [[0, 34, "niski"], [35, 64, "średni"], [65, 100, "wysoki"]],
        "indicators": {"x": {"base": base, "label": "X"}},
        "rules": rules,
    }
    path = tmp_path / "indicators.json"
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return path


def _x(path: Path, signals: list[dict], turn: int = 1, primary: str | None = None) -> dict:
    return score_indicators(signals, primary, [], turn, load_indicator_table(path))["x"]


# --- the bundled table ----------------------------------------------------------------------


def test_bundled_table_when_loaded_then_25_to_45_rules_cover_every_indicator() -> None:
    table = default_indicator_table()
    per_indicator = {name: [r for r in table.rules if r.indicator == name] for name in NAMES}

    assert table.version
    assert 25 <= len(table.rules) <= 45
    assert set(table.indicators) == set(NAMES)
    assert all(len(rules) >= 8 for rules in per_indicator.values())
    assert all(any(r.points < 0 for r in rules) for rules in per_indicator.values())
    assert all(r.because.strip() for r in table.rules)


def test_bundled_rules_when_read_raw_then_every_id_they_name_exists() -> None:
    raw = json.loads(INDICATORS_PATH.read_text(encoding="utf-8"))
    modules = {m.slug for m in load_pack().modules}

    for rule in raw["rules"]:
        when = rule["when"]
        named = [*when.get("any_signals", []), *when.get("all_signals", [])]
        named += when.get("none_signals", [])
        assert set(named) <= SIGNAL_IDS, rule["id"]
        assert set(when.get("archetype", [])) <= set(ARCHETYPES), rule["id"]
        assert set(when.get("modules_any", [])) <= modules, rule["id"]


# --- validation -----------------------------------------------------------------------------


def test_load_when_table_has_many_problems_then_every_one_is_reported_at_once(tmp_path) -> None:
    path = _table(
        tmp_path,
        [
            _rule("R-X-01", 5, any_signals=["mowi_po_klingonsku"]),
            _rule("R-X-02", 5, archetype=["kosmonauta"]),
            _rule("R-X-03", 5, modules_any=["teleportacja"]),
            _rule("R-X-04", 5, sometimes=["chce_zamowic"]),
            _rule("R-X-05", 5, any_signals=["chce_zamowic"]),
            _rule("R-X-05", 5, any_signals=["pyta_o_rabat"]),
            _rule("R-X-06", 5),
            {**_rule("R-X-07", 5, any_signals=["chce_zamowic"]), "indicator": "nastroj"},
        ],
    )

    with pytest.raises(InputValidationError) as err:
        load_indicator_table(path)

    messages = " | ".join(f"{p['field']}: {p['message']}" for p in err.value.problems)
    assert "mowi_po_klingonsku" in messages
    assert "kosmonauta" in messages
    assert "teleportacja" in messages
    assert "sometimes" in messages
    assert "R-X-05 repeats" in messages
    assert "rules[6] (R-X-06).when: empty" in messages
    assert "nastroj" in messages
    assert len(err.value.problems) == 7


def test_load_when_bands_leave_a_gap_then_rejected(tmp_path) -> None:
    path = _table(tmp_path, [], bands=[[0, 30, "niski"], [40, 100, "wysoki"]])

    with pytest.raises(InputValidationError) as err:
        load_indicator_table(path)

    assert [p["field"] for p in err.value.problems] == ["bands"]


# --- scoring --------------------------------------------------------------------------------


@pytest.mark.parametrize(("points", "expected"), [([60, 60], 100), ([-70, -20], 0), ([10, -5], 55)])
def test_score_when_points_sum_past_the_ends_then_clamped_to_0_100(
    tmp_path, points, expected
) -> None:
    rules = [_rule(f"R-X-0{i}", p, any_signals=["chce_zamowic"]) for i, p in enumerate(points, 1)]

    result = _x(_table(tmp_path, rules), _signals("chce_zamowic"))

    assert result["score"] == expected
    assert [r["points"] for r in result["rules"]] == points


@pytest.mark.parametrize(
    ("base", "band"),
    [(0, "niski"), (34, "niski"), (35, "średni"), (64, "średni"), (65, "wysoki"), (100, "wysoki")],
)
def test_band_when_score_on_a_boundary_then_band_from_table(tmp_path, base, band) -> None:
    result = _x(_table(tmp_path, [], base=base), [])

    assert (result["score"], result["band"], result["label"]) == (base, band, "X")


def test_score_when_fundrive_then_churn_high_and_readiness_and_test_drive_low() -> None:
    plain = score_indicators(_signals("pyta_o_przyspieszenie"), "entuzjasta_osiagow", [], 1)
    fundrive = score_indicators(
        _signals("pyta_o_przyspieszenie", "tylko_jazda_probna"), "entuzjasta_osiagow", [], 1
    )

    assert fundrive["churn_risk"]["band"] == "wysoki"
    assert fundrive["purchase_readiness"]["band"] == "niski"
    assert fundrive["test_drive_value"]["band"] == "niski"
    assert fundrive["churn_risk"]["score"] > plain["churn_risk"]["score"]
    assert fundrive["test_drive_value"]["score"] < plain["test_drive_value"]["score"]
    assert any("tylko_jazda_probna" in r["evidence"] for r in fundrive["churn_risk"]["rules"])


def test_score_when_fundrive_alone_with_no_archetype_then_churn_still_high() -> None:
    result = score_indicators(_signals("tylko_jazda_probna"), None, [], 1)

    assert result["churn_risk"]["band"] == "wysoki"


@pytest.mark.parametrize(
    ("primary", "signal"),
    [
        ("entuzjasta_osiagow", "pyta_o_przyspieszenie"),
        ("pionier_technologii", "fascynacja_technologia"),
        ("lojalista_premium", "ocenia_jakosc_wykonczenia"),
        ("zdobywca_statusu", "podkresla_prestiz"),
        ("techniczny_sceptyk", "watpi_w_technologie_ev"),
    ],
)
def test_test_drive_value_when_performance_tech_premium_or_sceptic_then_above_neutral(
    primary, signal
) -> None:
    neutral = score_indicators(_signals("podkresla_prestiz"), "lowca_okazji", [], 1)
    result = score_indicators(_signals(signal), primary, [], 1)

    assert result["test_drive_value"]["score"] > neutral["test_drive_value"]["score"]
    assert result["test_drive_value"]["band"] in {"średni", "wysoki"}


def test_score_when_ready_buyer_then_readiness_high_and_churn_below_base() -> None:
    signals = _signals("chce_zamowic", "pyta_o_termin_dostawy", "pyta_o_leasing")

    result = score_indicators(signals, "pragmatyczny_analityk", ["leasing_finansowanie"], 2)

    assert result["purchase_readiness"]["band"] == "wysoki"
    assert result["churn_risk"]["score"] < default_indicator_table().indicators["churn_risk"].base
    evidence = {s for r in result["purchase_readiness"]["rules"] for s in r["evidence"]}
    assert evidence == {"chce_zamowic", "pyta_o_termin_dostawy", "pyta_o_leasing"}


def test_rule_when_none_signal_appears_then_it_stops_firing(tmp_path) -> None:
    path = _table(
        tmp_path,
        [_rule("R-X-01", 10, any_signals=["pyta_o_rabat"], none_signals=["chce_zamowic"])],
    )

    assert _x(path, _signals("pyta_o_rabat"))["score"] == 60
    assert _x(path, _signals("pyta_o_rabat", "chce_zamowic"))["score"] == 50


def test_rule_when_min_turn_and_min_signals_then_fires_only_once_both_reached(tmp_path) -> None:
    path = _table(tmp_path, [_rule("R-X-01", 10, min_turn=3, min_signals=2)])
    two = _signals("pyta_o_rabat", "chce_zamowic")

    assert _x(path, two, turn=2)["score"] == 50
    assert _x(path, _signals("pyta_o_rabat"), turn=3)["score"] == 50
    assert _x(path, two, turn=3)["score"] == 60


def test_rule_when_all_signals_and_archetype_then_evidence_names_only_seen_ids(tmp_path) -> None:
    path = _table(
        tmp_path,
        [
            _rule(
                "R-X-01",
                10,
                all_signals=["wspomina_dzieci"],
                any_signals=["pyta_o_foteliki", "pyta_o_bezpieczenstwo"],
                archetype=["straznik_rodziny"],
            )
        ],
    )
    signals = _signals("wspomina_dzieci", "pyta_o_foteliki")

    assert _x(path, signals, primary="lowca_okazji")["rules"] == []
    (rule,) = _x(path, signals, primary="straznik_rodziny")["rules"]
    assert rule["evidence"] == ["wspomina_dzieci", "pyta_o_foteliki"]


def test_score_when_signal_belongs_to_a_later_turn_then_ignored() -> None:
    later = score_indicators(_signals("chce_zamowic", turn=3), None, [], 2)
    now = score_indicators(_signals("chce_zamowic", turn=2), None, [], 2)

    assert later["purchase_readiness"]["rules"] == []
    assert now["purchase_readiness"]["score"] > later["purchase_readiness"]["score"]


def test_score_when_called_twice_or_with_shuffled_signals_then_identical() -> None:
    signals = _signals(
        "wspomina_dzieci", "pyta_o_leasing", "potrzebuje_czasu", "partner_decyduje", "liczy_tco"
    )
    shuffled = signals[:]
    random.Random(7).shuffle(shuffled)

    first = score_indicators(signals, "straznik_rodziny", ["dzieci_bezpieczenstwo"], 3)

    assert first == score_indicators(signals, "straznik_rodziny", ["dzieci_bezpieczenstwo"], 3)
    assert first == score_indicators(shuffled, "straznik_rodziny", ["dzieci_bezpieczenstwo"], 3)
