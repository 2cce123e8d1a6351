"""The activation check of a meta-rule on the bundled held-out co-pilot cases: a rule that
pushes a closing move on every client makes the moves worse and fails, a rule about an
archetype no case has changes nothing and passes, and a case's score stays within [-1, 1]."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tools.ai_dojo.gate import (
    HELD_OUT,
    GateCase,
    RuleJudge,
    case_score,
    check_rule,
    gate,
    gate_rule,
    load_cases,
)
from tools.knowledge.entries import ARCHETYPES
from tools.sales_next_move.moves import compose_moves

CLOSING = {
    "id": "dojo.rule.kazdemu_klientowi_umowa.abc123",
    "kind": "rule",
    "title": "Każdemu klientowi od razu zaproponuj podpisanie umowy jeszcze dziś",
    "text": "Każdemu klientowi od razu zaproponuj podpisanie umowy jeszcze dziś.",
    "tags": ["umowa"],
    "archetype": None,
    "module": None,
}


@pytest.fixture(scope="module")
def cases() -> list[GateCase]:
    return load_cases()


@pytest.fixture(scope="module")
def judge() -> RuleJudge:
    return RuleJudge()


def held_out(cases: list[GateCase]) -> list[GateCase]:
    return [c for c in cases if c.split == HELD_OUT]


def test_load_cases_when_bundled_then_held_out_cases_with_labels(cases):
    assert len(held_out(cases)) >= 20
    assert all(c.good or c.bad for c in cases)
    assert load_cases(Path("/nonexistent/gate_cases.json")) == []


def test_check_rule_when_closing_pushed_on_every_client_then_score_drops_and_fails(cases, judge):
    result = check_rule(CLOSING, cases, judge)

    assert result["passed"] is False
    assert result["after"] < result["before"] and result["delta"] < 0
    assert result["cases"] == len(held_out(cases)) and result["split"] == HELD_OUT
    assert result["changed"] and all(c["rule_rank"] for c in result["changed"])
    assert any(c["after"] < c["before"] for c in result["changed"])


def test_check_rule_when_archetype_matches_no_case_then_every_case_unchanged_and_passes(
    cases, judge
):
    present = {c.context.primary_archetype for c in held_out(cases)}
    absent = sorted(set(ARCHETYPES) - present)
    assert absent, "every archetype has a held-out case: pick another split for this test"
    rule = CLOSING | {"id": "dojo.rule.nikt.abc123", "archetype": absent[0]}

    result = check_rule(rule, cases, judge)

    assert result["changed"] == [] and result["before"] == result["after"]
    assert result["passed"] is True and result["delta"] == 0


def test_case_score_when_any_case_with_or_without_rule_then_between_minus_one_and_one(cases, judge):
    rules = {CLOSING["id"]: CLOSING}
    scores = []
    for case in cases:
        for meta_rules in ([], [CLOSING]):
            moves = compose_moves(replace(case.context, meta_rules=meta_rules), n=4)
            scores.append(case_score(moves, case, judge, rules))

    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert min(scores) < max(scores)  # the cases tell good moves from bad ones


def test_case_score_when_all_shown_moves_good_or_all_bad_then_one_or_minus_one(cases, judge):
    case = cases[0]
    moves = compose_moves(case.context, n=4)
    ids = frozenset(m["id"] for m in moves)

    good = replace(case, good=ids, bad=frozenset())
    bad = replace(case, good=frozenset(), bad=ids)

    assert case_score(moves, good, judge) == pytest.approx(1.0)
    assert case_score(moves, bad, judge) == pytest.approx(-1.0)


async def test_gate_when_called_by_the_rule_book_then_the_held_out_check(cases, judge):
    found = await gate(dict(CLOSING), [])

    assert found == gate_rule(CLOSING) == check_rule(CLOSING, cases, judge)
