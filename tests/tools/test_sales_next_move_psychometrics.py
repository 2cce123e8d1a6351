"""Psychometric profile: the bundled table, validation of edited tables, scores and confidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.sales_next_move.indicators import SIGNALS_PATH
from tools.sales_next_move.psychometrics import (
    FRAMEWORKS,
    MODEL_CAP,
    MODEL_POINTS,
    PSYCHOMETRICS_PATH,
    RULES_CAP,
    DimensionNudge,
    PsychometricReading,
    default_psychometric_table,
    load_psychometric_table,
    profile,
)

SIGNAL_IDS = sorted(
    s["id"] for s in json.loads(SIGNALS_PATH.read_text(encoding="utf-8"))["signals"]
)
DIMENSIONS = [(f, d) for f, dims in FRAMEWORKS.items() for d in dims]
FAMILY = {"straznik_rodziny": 0.7, "niezdecydowany_odkrywca": 0.2, "techniczny_sceptyk": 0.1}
STATUS = {"zdobywca_statusu": 0.8, "lojalista_premium": 0.2}
NOTES = "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki."
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def _signals(*ids: str, turn: int = 1) -> list[dict]:
    return [{"id": i, "evidence": i.replace("_", " "), "turn": turn} for i in ids]


def _dim(result: dict, framework: str, dimension: str) -> dict:
    return result["frameworks"][framework][dimension]


def _confidences(result: dict) -> dict[tuple[str, str], float]:
    return {(f, d): _dim(result, f, d)["confidence"] for f, d in DIMENSIONS}


def _reading(*nudges: tuple[str, str, str, str]) -> PsychometricReading:
    return PsychometricReading(
        nudges=[
            DimensionNudge(framework=f, dimension=d, direction=way, quote=q)
            for f, d, way, q in nudges
        ]
    )


def _raw() -> dict:
    return json.loads(PSYCHOMETRICS_PATH.read_text(encoding="utf-8"))


def _nudge(nudge_id: str, signal: str, framework: str, dimension: str, points: int) -> dict:
    return {
        "id": nudge_id,
        "signal": signal,
        "framework": framework,
        "dimension": dimension,
        "points": points,
        "because": "Powód.",
    }


def _write(tmp_path: Path, table: dict) -> Path:
    path = tmp_path / "psychometrics.json"
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    return path


# --- the bundled table ----------------------------------------------------------------------


def test_bundled_table_when_loaded_then_every_archetype_has_every_dimension_in_0_100() -> None:
    table = default_psychometric_table()

    assert table.version == "2026.12.1"
    assert set(table.priors) == set(ARCHETYPES)
    for slug, prior in table.priors.items():
        assert prior.because.strip(), slug
        for framework, dims in FRAMEWORKS.items():
            levels = getattr(prior, framework)
            assert set(levels) == set(dims), (slug, framework)
            assert all(0 <= v <= 100 for v in levels.values()), (slug, framework)


def test_bundled_nudges_when_loaded_then_20_to_40_over_all_frameworks_both_ways() -> None:
    nudges = default_psychometric_table().nudges

    assert 20 <= len(nudges) <= 40
    assert {n.framework for n in nudges} == set(FRAMEWORKS)
    assert any(n.points < 0 for n in nudges) and any(n.points > 0 for n in nudges)
    assert set(n.signal for n in nudges) <= set(SIGNAL_IDS)
    assert all(n.because.strip() and -15 <= n.points <= 15 for n in nudges)


def _top(levels: dict[str, int], n: int) -> set[str]:
    return set(sorted(levels, key=lambda d: -levels[d])[:n])


def test_bundled_priors_when_read_then_follow_the_archetype_descriptions() -> None:
    priors = default_psychometric_table().priors
    status, family = priors["zdobywca_statusu"], priors["straznik_rodziny"]

    # "symbol osiągniętego sukcesu", "potwierdzenie własnej pozycji", "wchodzi pewnie"
    assert _top(status.schwartz, 2) == {"power", "achievement"}
    assert _top(status.disc, 2) == {"D", "I"}
    assert status.big_five["extraversion"] >= 70
    # "bezpieczna przestrzeń dla bliskich", "spokojnie i po kilku rozmowach"
    assert _top(family.schwartz, 2) == {"security", "benevolence"}
    assert _top(family.disc, 2) == {"S", "C"}
    assert family.big_five["conscientiousness"] >= 70
    # each archetype's hallmark is highest where its description puts it
    for slug, framework, dim in [
        ("eko_entuzjasta", "schwartz", "universalism"),
        ("pionier_technologii", "big_five", "openness"),
        ("entuzjasta_osiagow", "schwartz", "stimulation"),
        ("pragmatyczny_analityk", "disc", "C"),
        ("lojalista_premium", "schwartz", "tradition"),
    ]:
        best = max(priors, key=lambda a, f=framework, d=dim: getattr(priors[a], f)[d])
        assert best == slug, (framework, dim)


# --- validation -----------------------------------------------------------------------------


def test_load_when_table_has_many_problems_then_every_one_is_reported_at_once(tmp_path) -> None:
    table = _raw()
    table["priors"]["kosmonauta"] = table["priors"].pop("lowca_okazji")
    table["priors"]["straznik_rodziny"]["big_five"].pop("openness")
    table["priors"]["straznik_rodziny"]["disc"]["X"] = 50
    table["priors"]["pionier_technologii"]["schwartz"]["power"] = 140
    first = table["nudges"][0]
    table["nudges"] += [
        {**first},
        {**first, "id": "P-90", "signal": "mowi_po_klingonsku"},
        {**first, "id": "P-91", "framework": "disc", "dimension": "openness"},
        {**first, "id": "P-92", "points": 30},
        {**first, "id": "P-93", "points": 0},
    ]

    with pytest.raises(InputValidationError) as err:
        load_psychometric_table(_write(tmp_path, table))

    messages = " | ".join(f"{p['field']}: {p['message']}" for p in err.value.problems)
    assert "no prior for archetype 'lowca_okazji'" in messages
    assert "unknown archetype 'kosmonauta'" in messages
    assert "priors.straznik_rodziny.big_five: missing dimension 'openness'" in messages
    assert "priors.straznik_rodziny.disc: unknown dimension 'X'" in messages
    assert "priors.pionier_technologii.schwartz.power" in messages
    assert f"{first['id']} repeats" in messages
    assert "unknown signal 'mowi_po_klingonsku'" in messages
    assert "disc has no dimension 'openness'" in messages
    assert "nudges[43].points" in messages
    assert "0 points change nothing" in messages
    assert len(err.value.problems) == 10


@pytest.mark.parametrize("text", ["{not json", '{"version": "x", "priors": {}}'])
def test_load_when_file_is_broken_then_rejected_with_a_problem(tmp_path, text) -> None:
    path = tmp_path / "psychometrics.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InputValidationError) as err:
        load_psychometric_table(path)

    assert err.value.problems


def test_load_when_table_edited_then_profile_uses_the_edit(tmp_path) -> None:
    table = _raw()
    table["version"] = "test"
    table["priors"]["straznik_rodziny"]["schwartz"]["power"] = 99

    edited = load_psychometric_table(_write(tmp_path, table))
    result = profile({"straznik_rodziny": 1.0}, [], 1, table=edited)

    assert result["version"] == "test"
    assert _dim(result, "schwartz", "power")["score"] == 99


# --- scores ---------------------------------------------------------------------------------


def test_profile_when_family_guardian_then_security_and_steadiness_lead() -> None:
    signals = _signals("wspomina_dzieci", "przyszedl_z_rodzina", "pyta_o_foteliki")

    result = profile(FAMILY, signals, 3)

    security, power = _dim(result, "schwartz", "security"), _dim(result, "schwartz", "power")
    assert security["score"] > power["score"] + 30
    assert _dim(result, "disc", "S")["score"] > _dim(result, "disc", "D")["score"]
    assert "P-03" in security["sources"] and "pyta o foteliki" in security["evidence"]
    assert power["sources"] == ["prior"] and power["evidence"] == []


def test_profile_when_status_seeker_then_power_above_security() -> None:
    result = profile(STATUS, _signals("podkresla_prestiz"), 2)

    assert (
        _dim(result, "schwartz", "power")["score"] > _dim(result, "schwartz", "security")["score"]
    )
    assert _dim(result, "disc", "D")["score"] > _dim(result, "disc", "S")["score"]


def test_profile_when_mix_of_two_archetypes_then_score_is_the_weighted_prior() -> None:
    priors = default_psychometric_table().priors
    mix = {"straznik_rodziny": 0.3, "zdobywca_statusu": 0.1}  # normalised to 3:1
    expected = (
        0.75 * priors["straznik_rodziny"].disc["D"] + 0.25 * priors["zdobywca_statusu"].disc["D"]
    )

    result = profile(mix, [], 1)

    assert abs(_dim(result, "disc", "D")["score"] - expected) <= 0.5


def test_profile_when_signal_repeats_over_turns_then_its_nudge_counts_once() -> None:
    once = profile(FAMILY, _signals("pyta_o_foteliki"), 3)
    signals = [
        {"id": "pyta_o_foteliki", "evidence": "dwa foteliki", "turn": 1},
        {"id": "pyta_o_foteliki", "evidence": "ISOFIX", "turn": 2},
        {"id": "pyta_o_foteliki", "evidence": "dwa foteliki", "turn": 3},
    ]

    thrice = profile(FAMILY, signals, 3)

    security = _dim(thrice, "schwartz", "security")
    assert security["score"] == _dim(once, "schwartz", "security")["score"]
    assert security["sources"].count("P-03") == 1
    assert security["evidence"] == ["dwa foteliki", "ISOFIX"]


def test_profile_when_signal_is_from_a_later_turn_then_ignored() -> None:
    early = profile(STATUS, _signals("podkresla_prestiz", turn=3), 2)

    assert _dim(early, "schwartz", "power")["sources"] == ["prior"]
    assert early == profile(STATUS, [], 2)


def test_profile_when_nudges_pass_the_ends_then_scores_clamped_to_0_100(tmp_path) -> None:
    table = _raw()
    for prior in table["priors"].values():
        prior["schwartz"]["security"], prior["disc"]["D"] = 95, 5
    table["nudges"] = [
        _nudge("P-01", "pyta_o_foteliki", "schwartz", "security", 15),
        _nudge("P-02", "pyta_o_foteliki", "disc", "D", -15),
    ]
    edited = load_psychometric_table(_write(tmp_path, table))

    result = profile(FAMILY, _signals("pyta_o_foteliki"), 2, table=edited)

    assert _dim(result, "schwartz", "security")["score"] == 100
    assert _dim(result, "disc", "D")["score"] == 0


def test_profile_when_called_twice_or_keys_reordered_then_identical() -> None:
    signals = _signals("pyta_o_foteliki", "liczy_tco", "obawa_o_baterie", turn=2)
    reading = _reading(("big_five", "neuroticism", "higher", "zasięg zimą"))
    reordered = dict(reversed(list(FAMILY.items())))

    first = profile(FAMILY, signals, 4, reading, NOTES)

    assert first == profile(FAMILY, signals, 4, reading, NOTES)
    assert first == profile(reordered, list(reversed(signals)), 4, reading, NOTES)


def test_profile_when_no_archetype_evidence_then_uniform_mix_of_priors() -> None:
    priors = default_psychometric_table().priors
    mean = sum(p.big_five["openness"] for p in priors.values()) / len(priors)

    for scores in ({}, dict.fromkeys(ARCHETYPES, 0.0)):
        result = profile(scores, [], 1)
        assert abs(_dim(result, "big_five", "openness")["score"] - mean) <= 0.5


@pytest.mark.parametrize(
    ("scores", "turns", "field"),
    [
        ({"kosmonauta": 0.5}, 1, "archetype_scores"),
        ({"straznik_rodziny": 1.5}, 1, "archetype_scores.straznik_rodziny"),
        ({"straznik_rodziny": -0.1}, 1, "archetype_scores.straznik_rodziny"),
        (FAMILY, -1, "turns"),
    ],
)
def test_profile_when_inputs_out_of_range_then_rejected(scores, turns, field) -> None:
    with pytest.raises(InputValidationError) as err:
        profile(scores, [], turns)

    assert [p["field"] for p in err.value.problems] == [field]


# --- model nudges ---------------------------------------------------------------------------


def test_model_nudge_when_quote_in_notes_then_moves_8_points_with_the_notes_own_words() -> None:
    plain = profile(FAMILY, [], 2)
    reading = _reading(
        ("big_five", "neuroticism", "higher", "„PYTA O ZASIĘG   zimą”"),
        ("disc", "D", "lower", "przyszedł z żoną"),
    )

    result = profile(FAMILY, [], 2, reading, NOTES)

    worry, drive = _dim(result, "big_five", "neuroticism"), _dim(result, "disc", "D")
    assert worry["score"] == _dim(plain, "big_five", "neuroticism")["score"] + MODEL_POINTS
    assert drive["score"] == _dim(plain, "disc", "D")["score"] - MODEL_POINTS
    assert worry["sources"] == ["prior", "model"]
    assert worry["evidence"] == ["pyta o zasięg zimą"]
    assert drive["evidence"] == ["Przyszedł z żoną"]
    assert result["by"] == "rules+model" and result["dropped"] == []


def test_model_nudge_when_quote_invented_then_dropped_listed_and_nothing_moves() -> None:
    invented = ("schwartz", "power", "higher", "chce najdroższą wersję, żeby sąsiad zazdrościł")

    result = profile(FAMILY, [], 2, _reading(invented), NOTES)

    assert result["dropped"] == [
        {
            "framework": "schwartz",
            "dimension": "power",
            "direction": "higher",
            "quote": invented[3],
            "reason": "quote_not_in_notes",
        }
    ]
    assert result["by"] == "rules"
    assert result == {**profile(FAMILY, [], 2), "dropped": result["dropped"]}


def test_model_nudges_when_same_dimension_twice_or_wrong_framework_then_only_first_kept() -> None:
    reading = _reading(
        ("schwartz", "security", "higher", "dwójką dzieci"),
        ("schwartz", "security", "higher", "dwa foteliki"),
        ("disc", "openness", "higher", "zasięg zimą"),
    )

    result = profile(FAMILY, [], 2, reading, NOTES)

    security = _dim(result, "schwartz", "security")
    assert security["score"] == _dim(profile(FAMILY, [], 2), "schwartz", "security")["score"] + 8
    assert security["evidence"] == ["dwójką dzieci"]
    assert [d["reason"] for d in result["dropped"]] == [
        "dimension_already_nudged",
        "dimension_not_in_framework",
    ]


def test_reading_schema_when_more_than_12_nudges_then_invalid() -> None:
    item = {"framework": "disc", "dimension": "S", "direction": "higher", "quote": "spokojnie"}

    assert len(PsychometricReading.model_validate({"nudges": [item] * 12}).nudges) == 12
    with pytest.raises(ValueError):
        PsychometricReading.model_validate({"nudges": [item] * 13})


# --- confidence -----------------------------------------------------------------------------


def test_confidence_when_one_turn_then_low_and_after_six_turns_with_signals_higher() -> None:
    first = profile(FAMILY, [], 1)
    signals = [
        *_signals("wspomina_dzieci", "przyszedl_z_rodzina", turn=1),
        *_signals("pyta_o_foteliki", "pyta_o_bezpieczenstwo", turn=3),
        *_signals("partner_decyduje", "potrzebuje_czasu", turn=6),
    ]

    later = profile(FAMILY, signals, 6)

    assert max(_confidences(first).values()) < 0.35
    assert later["confidence"] > first["confidence"] + 0.2
    assert all(later_c > _confidences(first)[k] for k, later_c in _confidences(later).items())
    # a dimension backed by three nudges is surer than one resting on the prior alone
    assert (
        _dim(later, "schwartz", "security")["confidence"]
        > _dim(later, "schwartz", "power")["confidence"]
    )


def test_confidence_when_archetype_clear_then_higher_than_when_unclear() -> None:
    clear = profile({"straznik_rodziny": 1.0}, [], 4)
    unclear = profile(dict.fromkeys(ARCHETYPES, 0.5), [], 4)

    assert clear["confidence"] > unclear["confidence"] > 0


def test_confidence_when_evidence_piles_up_then_capped_below_certainty() -> None:
    ids = [n.signal for n in default_psychometric_table().nudges]
    quotes = [("schwartz", d, "higher", "dwa foteliki") for d in FRAMEWORKS["schwartz"]]

    rules = profile({"straznik_rodziny": 1.0}, _signals(*ids), 500)
    both = profile({"straznik_rodziny": 1.0}, _signals(*ids), 500, _reading(*quotes), NOTES)

    assert max(_confidences(rules).values()) == RULES_CAP
    assert max(_confidences(both).values()) == MODEL_CAP


# --- properties -----------------------------------------------------------------------------

archetype_scores = st.dictionaries(st.sampled_from(list(ARCHETYPES)), st.floats(0.0, 1.0))
seen_signals = st.lists(
    st.tuples(st.sampled_from(SIGNAL_IDS), st.integers(1, 10)), max_size=12
).map(lambda pairs: [{"id": i, "evidence": i, "turn": t} for i, t in pairs])
note_quotes = st.sampled_from(["dwójką dzieci", "zasięg zimą", "dwa foteliki", "zmyślone słowa"])
readings = st.lists(
    st.tuples(st.sampled_from(DIMENSIONS), st.sampled_from(["higher", "lower"]), note_quotes),
    max_size=12,
).map(lambda items: _reading(*((f, d, way, q) for (f, d), way, q in items)))


@PROPERTY
@given(archetype_scores, seen_signals, st.integers(0, 12), st.integers(0, 12))
def test_property_confidence_never_falls_as_turns_pass(scores, signals, a, b) -> None:
    early, late = sorted((a, b))

    before, after = _confidences(profile(scores, signals, early)), profile(scores, signals, late)

    assert all(after_c >= before[k] for k, after_c in _confidences(after).items())


@PROPERTY
@given(archetype_scores, seen_signals, seen_signals, st.integers(1, 12))
def test_property_confidence_never_falls_as_signals_are_added(scores, base, more, turns) -> None:
    before = _confidences(profile(scores, base, turns))

    after = _confidences(profile(scores, base + more, turns))

    assert all(after[k] >= c for k, c in before.items())


@PROPERTY
@given(archetype_scores, seen_signals, st.integers(1, 12), readings)
def test_property_quoted_reading_never_lowers_confidence(scores, signals, turns, reading) -> None:
    before = _confidences(profile(scores, signals, turns))

    result = profile(scores, signals, turns, reading, NOTES)

    assert all(c >= before[k] for k, c in _confidences(result).items())
    assert all(
        "zmyślone" in d["quote"] or d["reason"] != "quote_not_in_notes" for d in result["dropped"]
    )


@PROPERTY
@given(archetype_scores, seen_signals, st.integers(0, 30), st.one_of(st.none(), readings))
def test_property_scores_are_integers_in_range_and_confidence_within_caps(
    scores, signals, turns, reading
) -> None:
    result = profile(scores, signals, turns, reading, NOTES)

    cap = MODEL_CAP if result["by"] == "rules+model" else RULES_CAP
    for framework, dim in DIMENSIONS:
        entry = _dim(result, framework, dim)
        assert isinstance(entry["score"], int) and 0 <= entry["score"] <= 100
        assert 0.0 <= entry["confidence"] <= cap
        assert entry["sources"][0] == "prior"
    assert 0.0 <= result["confidence"] <= cap


@PROPERTY
@given(archetype_scores)
def test_property_one_turn_without_nudges_is_always_below_035(scores) -> None:
    result = profile(scores, [], 1)

    assert max(_confidences(result).values()) < 0.35
