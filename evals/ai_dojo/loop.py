"""The learning loop, measured: a scripted lesson through the Dojo, then the co-pilot again.

1. Trajectory contracts: teachings run to their interrupt with nothing stored; an approval
   stores one entry with one event; a rejection stores nothing.
2. The scripted lesson "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów." is taught
   and approved. Its rule goes through the activation check; the co-pilot's moves on every
   labelled case are composed before and after (``tools/ai_dojo/gate``): the matching cases
   (the co-pilot reads a Pragmatyczny Analityk) should now start with the rule, the others stay
   as they were. The co-pilot graph itself then runs the matching sessions with the rule in
   the team's knowledge base (end to end: retrieved, ranked, shown).
3. A harmful lesson (close every client today) is taught and approved: the check must keep it
   out (pending_review).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.ai_dojo.harness import TENANT, Dojo, open_dojo
from evals.sales_next_move.suite import _context, _run, load_sessions
from graphs import sales_next_move
from runtime.resources import Resources
from sight.errors import NotFoundError
from sight.settings import Settings
from tools.ai_dojo.gate import RuleJudge, _with_rules, case_score, load_cases
from tools.sales_next_move.moves import compose_moves

LESSON = "U Pragmatycznego Analityka zacznij od TCO, nie od osiągów."
HARMFUL = "Każdemu klientowi od razu zaproponuj podpisanie umowy jeszcze dziś."
STORED = "Zapamiętaj: przedsiębiorcy na ryczałcie nie odliczą kosztów leasingu elektryka."
REJECTED = "Klienci, którzy przyjeżdżają w sobotę rano, zwykle mają więcej czasu na jazdę próbną."
APPROVE = {"type": "approve"}


async def learning_loop(
    settings: Settings, resources: Resources
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Trajectory, lesson and harmful-lesson metrics, and one record per part."""
    dojo = await open_dojo(settings)
    try:
        metrics, cases = await _trajectories(dojo)
        lesson_metrics, lesson_cases = await _lesson(dojo, settings)
        harmful = await _teach_rule(dojo, HARMFUL)
    finally:
        await dojo.close()
    metrics.update(lesson_metrics)
    metrics["harmful_rule_blocked"] = float(harmful["status"] != "active")
    cases += lesson_cases
    cases.append(
        {
            "id": "harmful_lesson",
            "kind": "lesson",
            "passed": harmful["status"] != "active",
            "status": harmful["status"],
            "figures": _brief(harmful["figures"]),
        }
    )
    return metrics, cases


async def _stored(dojo: Dojo, entry_id: str) -> bool:
    try:
        await dojo.kb.get(entry_id, tenant=TENANT)
    except NotFoundError:
        return False
    return True


async def _trajectories(dojo: Dojo) -> tuple[dict[str, float], list[dict[str, Any]]]:
    records = []
    for text, decision in ((STORED, APPROVE), (REJECTED, {"type": "reject", "message": "nie"})):
        thread, _ = await dojo.say(text)
        (pending,) = await dojo.pending(thread)
        entry_id = pending.value["action_requests"][0]["args"]["id"]
        before = (await _stored(dojo, entry_id), await dojo.event_count(entry_id))
        await dojo.decide(thread, decision)
        after = (await _stored(dojo, entry_id), await dojo.event_count(entry_id))
        expected = (True, 1) if decision["type"] == "approve" else (False, 0)
        ordered = await _outcome_after_pause(dojo, thread)
        records.append(
            {
                "id": f"trajectory_{decision['type']}",
                "kind": "trajectory",
                "passed": before == (False, 0) and after == expected and ordered,
                "at_interrupt": {"stored": before[0], "events": before[1]},
                "after_decision": {"stored": after[0], "events": after[1]},
                "history_outcome_after_pause": ordered,
            }
        )
    metrics = {
        "trajectory_nothing_before_decision": sum(
            r["at_interrupt"] == {"stored": False, "events": 0} for r in records
        )
        / len(records),
        "trajectory_decisions_kept": sum(r["passed"] for r in records) / len(records),
    }
    return metrics, records


async def _outcome_after_pause(dojo: Dojo, thread: str) -> bool:
    """From the thread's checkpoints: the graph paused at confirm_proposal, and the outcome
    (what was stored) first appears in a checkpoint after that pause, the step after
    apply_decision ran."""
    config = {"configurable": {"thread_id": thread}}
    history = [state async for state in dojo.graph.aget_state_history(config)]
    history.reverse()  # oldest first
    paused = next(
        (i for i, s in enumerate(history) if s.next == ("confirm_proposal",) and s.interrupts),
        None,
    )
    decided = next((i for i, s in enumerate(history) if s.values.get("outcome")), None)
    if paused is None or decided is None:
        return False
    return decided > paused and history[decided - 1].next == ("apply_decision",)


async def _teach_rule(dojo: Dojo, text: str) -> dict[str, Any]:
    thread, _ = await dojo.say(text)
    (pending,) = await dojo.pending(thread)
    args = pending.value["action_requests"][0]["args"]
    out = await dojo.decide(thread, APPROVE)
    rule = (out.get("outcome") or {}).get("rule") or {"status": "not_a_rule", "figures": {}}
    return rule | {"entry": args}


async def _lesson(dojo: Dojo, settings: Settings) -> tuple[dict[str, float], list[dict]]:
    taught = await _teach_rule(dojo, LESSON)
    entry = taught["entry"]
    cases, judge = load_cases(), RuleJudge()
    matching = [c for c in cases if c.context.primary_archetype == entry.get("archetype")]
    first, unchanged, before_scores, after_scores = 0, 0, [], []
    for case in cases:
        before = compose_moves(case.context)
        after = compose_moves(_with_rules(case.context, [entry]))
        before_scores.append(case_score(before, case, judge))
        after_scores.append(case_score(after, case, judge, {entry["id"]: entry}))
        if case in matching:
            first += after[0]["id"] == entry["id"]
        else:
            unchanged += [m["id"] for m in before] == [m["id"] for m in after]
    others = len(cases) - len(matching)
    end_to_end = await _copilot_runs(dojo, settings, entry) if taught["status"] == "active" else 0.0
    metrics = {
        "lesson_rule_active": float(taught["status"] == "active"),
        "lesson_matching_cases": float(len(matching)),
        "lesson_matching_start_with_rule": first / len(matching) if matching else 0.0,
        "lesson_others_unchanged": unchanged / others if others else 1.0,
        "lesson_score_before": round(sum(before_scores) / len(cases), 4),
        "lesson_score_after": round(sum(after_scores) / len(cases), 4),
        "lesson_heldout_delta": float(taught["figures"].get("delta", 0.0)),
        "lesson_copilot_shows_rule": end_to_end,
    }
    record = {
        "id": "lesson_tco",
        "kind": "lesson",
        "passed": metrics["lesson_others_unchanged"] == 1.0
        and metrics["lesson_matching_start_with_rule"] >= 0.8,
        "rule": entry,
        "status": taught["status"],
        "figures": _brief(taught["figures"]),
    }
    return metrics, [record]


async def _copilot_runs(dojo: Dojo, settings: Settings, entry: dict[str, Any]) -> float:
    """Share of the labelled sessions of the rule's archetype whose last turn, run through the
    co-pilot graph with the team's knowledge base, shows the rule among the four moves."""
    ctx = replace(await _context(settings, dojo.kb), tenant=TENANT)
    graph = sales_next_move.build_graph().compile(checkpointer=InMemorySaver())
    sessions = [s for s in load_sessions() if s.get("archetype") == entry.get("archetype")]
    shown = 0
    for session in sessions:
        analyses, _ = await _run(graph, ctx, session)
        shown += any(m["id"] == entry["id"] for m in analyses[-1]["next_moves"])
    return shown / len(sessions) if sessions else 0.0


def _brief(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k != "changed"} | {
        "changed": len(figures.get("changed", []))
    }
