"""The labelled sales co-pilot sessions keep the shape the eval suite relies on.

A typo in a slug or signal id would not crash the suite: it would silently count as a miss and
drag a score down. These checks catch that, plus the coverage the set promises (every archetype
as primary at least four times, fundrive and flip sessions, turns without any module).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = ROOT / "evals" / "sales_next_move" / "sessions.json"
VOCABULARY = ROOT / "tools" / "data" / "sales_next_move" / "signals.json"

# The signal ids agreed in the sales co-pilot design; labels were written against this table,
# not against the detector's vocabulary file (that one is compared separately below).
SIGNAL_IDS = frozenset(
    """
    pyta_o_zasieg_zima pyta_o_zasieg wspomina_dzieci pyta_o_foteliki pyta_o_bezpieczenstwo
    przyszedl_z_rodzina zakup_na_firme pyta_o_podatki pyta_o_leasing pyta_o_rate ma_fotowoltaike
    ladowanie_w_domu brak_ladowania_w_domu dlugie_trasy pyta_o_ladowarki_publiczne
    pyta_o_czas_ladowania liczy_tco porownuje_koszty_paliwa pyta_o_wartosc_rezydualna
    pyta_o_ubezpieczenie pyta_o_doplaty pyta_o_przywileje pyta_o_serwis obawa_o_baterie
    pyta_o_przyspieszenie mowi_o_emocjach_jazdy chce_jazde_probna tylko_jazda_probna
    podkresla_prestiz oczekuje_priorytetu jezdzi_marka_premium ocenia_jakosc_wykonczenia
    motywacja_ekologiczna pyta_o_pochodzenie_baterii fascynacja_technologia pyta_o_autopilota
    watpi_w_technologie_ev pyta_o_awaryjnosc kotwiczy_cene_konkurencji pyta_o_rabat
    cena_za_wysoka pierwszy_kontakt_z_ev potrzebuje_czasu partner_decyduje pyta_o_termin_dostawy
    chce_zamowic auto_w_rozliczeniu porownuje_z_konkurencja pospiech_zniecierpliwienie
    holowanie_przyczepy
    """.split()
)
BANDS = {"niski", "średni", "wysoki"}
INDICATORS = {"purchase_readiness", "churn_risk", "test_drive_value"}
REGULAR_KEYS = {"id", "kind", "archetype", "acceptable", "turns", "bands"}
FLIP_KEYS = {"id", "kind", "pair", "turns"}
KINDS = {"regular", "flip"}
MIN_REGULAR, MIN_PER_ARCHETYPE, MIN_FLIPS = 40, 4, 6
MAX_TURN_CHARS = 300  # one to three sentences typed during a conversation
COPY_WINDOW = 8  # this many consecutive words shared with the pack counts as copied


def _modules() -> set[str]:
    return {m.slug for m in load_pack().modules}


def _turn_problems(where: str, turn: dict[str, Any], modules: set[str]) -> list[str]:
    found = []
    if set(turn) != {"text", "signals", "modules"}:
        found.append(f"{where}: keys {sorted(turn)}")
        return found
    text = turn["text"]
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TURN_CHARS:
        found.append(f"{where}: text empty or longer than {MAX_TURN_CHARS} characters")
    for field, valid in (("signals", SIGNAL_IDS), ("modules", modules)):
        labels = turn[field]
        if len(labels) != len(set(labels)):
            found.append(f"{where}: repeated {field} {labels}")
        found += [f"{where}: unknown {field[:-1]} {x}" for x in labels if x not in valid]
    return found


def _regular_problems(s: dict[str, Any], modules: set[str]) -> list[str]:
    sid = s["id"]
    if set(s) != REGULAR_KEYS:
        return [f"{sid}: keys {sorted(s)}"]
    found = []
    if not re.fullmatch(r"s\d{2,}", sid):
        found.append(f"{sid}: regular ids look like s01")
    if s["archetype"] not in ARCHETYPES:
        found.append(f"{sid}: unknown archetype {s['archetype']}")
    acceptable = s["acceptable"]
    if len(acceptable) > 1 or s["archetype"] in acceptable:
        found.append(f"{sid}: acceptable must be at most one other slug, got {acceptable}")
    found += [f"{sid}: unknown acceptable {a}" for a in acceptable if a not in ARCHETYPES]
    if not 2 <= len(s["turns"]) <= 6:
        found.append(f"{sid}: {len(s['turns'])} turns, expected 2-6")
    for i, turn in enumerate(s["turns"], start=1):
        found += _turn_problems(f"{sid} turn {i}", turn, modules)
    if set(s["bands"]) != INDICATORS or not set(s["bands"].values()) <= BANDS:
        found.append(f"{sid}: bands {s['bands']}")
    return found


def _flip_problems(s: dict[str, Any]) -> list[str]:
    sid = s["id"]
    if set(s) != FLIP_KEYS:
        return [f"{sid}: keys {sorted(s)}"]
    found = []
    if not re.fullmatch(r"f\d{2,}", sid):
        found.append(f"{sid}: flip ids look like f01")
    pair = s["pair"]
    if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(ARCHETYPES):
        found.append(f"{sid}: pair must be two different archetype slugs, got {pair}")
    if not 4 <= len(s["turns"]) <= 6:
        found.append(f"{sid}: {len(s['turns'])} turns, expected 4-6")
    for i, turn in enumerate(s["turns"], start=1):
        if set(turn) != {"text"} or not turn["text"].strip():
            found.append(f"{sid} turn {i}: a flip turn holds only a non-empty text")
    return found


def problems(data: dict[str, Any], modules: set[str]) -> list[str]:
    """Every structural and coverage problem in a sessions file, so one run shows them all."""
    found = []
    if set(data) != {"version", "sessions"} or not re.fullmatch(
        r"\d{4}\.\d+\.\d+", data["version"]
    ):
        found.append(f"top level: keys {sorted(data)} or a version not like 2026.12.1")
    sessions = data["sessions"]
    ids = Counter(s["id"] for s in sessions)
    found += [f"{sid}: id used {n} times" for sid, n in ids.items() if n > 1]
    # The suite's scripted model looks labels up by turn text, so a repeated text is ambiguous.
    texts = Counter(t["text"] for s in sessions for t in s["turns"])
    found += [f"text used {n} times: {text}" for text, n in texts.items() if n > 1]
    regular = [s for s in sessions if s["kind"] == "regular"]
    flips = [s for s in sessions if s["kind"] == "flip"]
    found += [f"{s['id']}: unknown kind {s['kind']}" for s in sessions if s["kind"] not in KINDS]
    for s in regular:
        found += _regular_problems(s, modules)
    for s in flips:
        found += _flip_problems(s)
    if len(regular) < MIN_REGULAR:
        found.append(f"only {len(regular)} regular sessions, expected >= {MIN_REGULAR}")
    if len(flips) < MIN_FLIPS:
        found.append(f"only {len(flips)} flip sessions, expected >= {MIN_FLIPS}")
    primaries = Counter(s.get("archetype") for s in regular)
    found += [
        f"{slug}: primary in {primaries[slug]} sessions, expected >= {MIN_PER_ARCHETYPE}"
        for slug in ARCHETYPES
        if primaries[slug] < MIN_PER_ARCHETYPE
    ]
    return found


def _regular_turns(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for s in data["sessions"] if s["kind"] == "regular" for t in s["turns"]]


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads(SESSIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def modules() -> set[str]:
    return _modules()


def test_sessions_when_validated_then_no_problems(data, modules) -> None:
    assert problems(data, modules) == []


def _drop_flips(d: dict[str, Any]) -> None:
    d["sessions"] = [s for s in d["sessions"] if s["kind"] != "flip"]


def _set_turn(field: str, value: Any) -> Any:
    def mutate(d: dict[str, Any]) -> None:
        d["sessions"][0]["turns"][0][field] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_set_turn("signals", ["pyta_o_zasiegg"]), "unknown signal pyta_o_zasiegg"),
        (_set_turn("modules", ["zima"]), "unknown module zima"),
        (_set_turn("modules", ["tco", "tco"]), "repeated modules"),
        (lambda d: d["sessions"][1].update(id=d["sessions"][0]["id"]), "id used 2 times"),
        (lambda d: d["sessions"][1].update(turns=d["sessions"][0]["turns"]), "text used 2 times"),
        (lambda d: d["sessions"][0].update(archetype="straznik"), "unknown archetype straznik"),
        (lambda d: d["sessions"][0].update(turns=d["sessions"][0]["turns"][:1]), "1 turns"),
        (lambda d: d["sessions"][0]["bands"].update(churn_risk="sredni"), "bands"),
        (_drop_flips, "0 flip sessions"),
    ],
    ids=[
        "typo_signal",
        "unknown_module",
        "repeated_module",
        "duplicate_id",
        "duplicate_text",
        "bad_slug",
        "one_turn",
        "band_without_diacritic",
        "no_flips",
    ],
)
def test_problems_when_a_session_is_broken_then_names_it(data, modules, mutate, expected) -> None:
    broken = copy.deepcopy(data)
    mutate(broken)
    assert any(expected in p for p in problems(broken, modules))


def test_problems_when_an_archetype_has_three_sessions_then_flags_coverage(data, modules) -> None:
    broken = copy.deepcopy(data)
    lowca = [s for s in broken["sessions"] if s.get("archetype") == "lowca_okazji"]
    broken["sessions"] = [s for s in broken["sessions"] if s not in lowca[3:]]
    assert any(p.startswith("lowca_okazji: primary in 3") for p in problems(broken, modules))


def test_sessions_when_counted_then_cover_every_label_and_both_edge_cases(data, modules) -> None:
    turns = _regular_turns(data)
    signals = {x for t in turns for x in t["signals"]}
    labelled_modules = {x for t in turns for x in t["modules"]}
    assert SIGNAL_IDS - signals == set()
    assert modules - labelled_modules == set()
    assert any(not t["modules"] for t in turns)
    fundrive = [
        s
        for s in data["sessions"]
        if s["kind"] == "regular" and any("tylko_jazda_probna" in t["signals"] for t in s["turns"])
    ]
    assert len(fundrive) >= 3


def _windows(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + COPY_WINDOW]) for i in range(len(words) - COPY_WINDOW + 1)}


def copied_turns(data: dict[str, Any], pack_texts: list[str]) -> list[str]:
    """Turns sharing a run of COPY_WINDOW words with the pack: written by copying, not paraphrase."""
    pack_windows = set().union(*(_windows(t) for t in pack_texts))
    return [
        f"{s['id']}: {turn['text']}"
        for s in data["sessions"]
        for turn in s["turns"]
        if _windows(turn["text"]) & pack_windows
    ]


@pytest.fixture(scope="module")
def pack_texts() -> list[str]:
    return [entry.text for entry in load_pack().entries]


def test_sessions_when_compared_with_the_pack_then_no_sentence_is_copied(data, pack_texts) -> None:
    assert copied_turns(data, pack_texts) == []


def test_copied_turns_when_a_turn_quotes_the_pack_then_flags_it(data, pack_texts) -> None:
    broken = copy.deepcopy(data)
    quoted = " ".join(pack_texts[0].split()[5:20])
    broken["sessions"][0]["turns"][0]["text"] = f"Klient mówi: {quoted}"
    assert copied_turns(broken, pack_texts) == [f"s01: Klient mówi: {quoted}"]


def test_sessions_when_vocabulary_exists_then_every_label_is_in_it(data) -> None:
    if not VOCABULARY.exists():
        pytest.skip("the signal vocabulary is not written yet")
    vocabulary = {s["id"] for s in json.loads(VOCABULARY.read_text(encoding="utf-8"))["signals"]}
    labelled = {x for t in _regular_turns(data) for x in t["signals"]}
    assert labelled - vocabulary == set()
