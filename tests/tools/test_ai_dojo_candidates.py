"""Enrichment candidates: suggestions rated up by several users and never down, and the
knowledge entry each would become once the mentor confirms it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tools.ai_dojo.candidates import SOURCE, Candidate, candidates, draft_entry, library_moves
from tools.knowledge.entries import KnowledgeEntry

TEXT = "Pokaż kalkulację TCO na 5 lat obok obecnego auta klienta."


def rating(suggestion: str, user: str, value: int = 1, **move: Any) -> dict[str, Any]:
    row = {
        "suggestion_id": suggestion,
        "user_id": user,
        "rating": value,
        "interaction_id": f"i-{suggestion}-{user}",
        "text": TEXT,
        "kind": "argument",
        "module": "tco",
        "archetype": "pragmatyczny_analityk",
    }
    return {**row, **move}


def test_candidates_when_three_users_rate_up_and_none_down_then_offered():
    rows = [rating("M-A-tco-02", user) for user in ("ola", "ewa", "jan")]
    rows.append(rating("M-A-tco-02", "ola", interaction_id="i-later"))  # ola again, elsewhere

    [found] = candidates(rows, moves={})

    assert found == Candidate(
        suggestion_id="M-A-tco-02",
        title="Pokaż kalkulację TCO na 5 lat obok obecnego auta klienta",
        text=TEXT,
        kind="argument",
        module="tco",
        archetype="pragmatyczny_analityk",
        ups=4,
        users=("ewa", "jan", "ola"),
        interactions=("i-M-A-tco-02-ola", "i-M-A-tco-02-ewa", "i-M-A-tco-02-jan", "i-later"),
    )


def test_candidates_when_one_rating_is_down_then_never_offered():
    rows = [rating("M-A-tco-02", user) for user in ("ola", "ewa", "jan", "ala")]
    rows.append(rating("M-A-tco-02", "piotr", -1))
    assert candidates(rows, moves={}) == []


def test_candidates_when_too_few_distinct_users_then_not_offered():
    rows = [rating("M-A-tco-02", "ola", interaction_id=f"i{n}") for n in range(5)]
    rows.append(rating("M-A-tco-02", "ewa"))
    assert candidates(rows, moves={}) == []
    assert [c.suggestion_id for c in candidates(rows, min_users=2, moves={})] == ["M-A-tco-02"]


def test_candidates_sorted_by_ups_then_users():
    rows = [rating("a", u) for u in ("u1", "u2", "u3")]
    rows += [rating("b", u) for u in ("u1", "u2", "u3", "u4", "u5")]
    rows += [rating("c", u) for u in ("u1", "u2", "u3", "u4")]
    assert [c.suggestion_id for c in candidates(rows, moves={})] == ["b", "c", "a"]


def test_candidates_when_move_was_shown_later_then_library_fills_its_text():
    rows = [
        rating("M-Q-x", u, text=None, kind=None, module=None, archetype=u)
        for u in ("u1", "u2", "u3")
    ]
    library = {"M-Q-x": {"text": "Zapytaj o trasę do pracy.", "kind": "question", "module": None}}

    [found] = candidates(rows, moves=library)

    assert (found.text, found.kind, found.module) == ("Zapytaj o trasę do pracy.", "question", None)
    assert found.archetype is None  # rated for three archetypes: not specific to one
    assert candidates(rows, moves={}) == []  # no text anywhere: nothing to offer


def test_library_moves_when_bundled_then_module_from_the_pack_entry():
    moves = library_moves()
    assert moves["M-A-tco-01"]["kind"] == "argument"
    assert moves["M-A-tco-01"]["module"] == "tco"
    assert moves["M-A-tco-01"]["text"].startswith("Pokaż harmonogram przeglądów")


def test_draft_entry_when_kinds_map_then_valid_knowledge_entry():
    base = candidates([rating("M-A-tco-02", u) for u in ("a", "b", "c")], moves={})[0]
    kinds = {"argument": "note", "action": "note", "question": "question"}
    kinds["objection_response"] = "objection"
    for move_kind, entry_kind in kinds.items():
        draft = draft_entry(replace(base, kind=move_kind))
        entry = KnowledgeEntry.model_validate(draft)
        assert entry.kind == entry_kind
        assert entry.id == f"{entry_kind}.wzbogacenie.m_a_tco_02"
        assert entry.source == SOURCE == "wzbogacenie z ocen handlowców"
        assert (entry.module, entry.archetype) == ("tco", "pragmatyczny_analityk")
        assert entry.tags == ["wzbogacenie", "tco"]
        assert entry.text == TEXT
