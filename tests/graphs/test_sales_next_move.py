"""Sales co-pilot fast path: rules only, turns of a session, the fast model's signals and
phrasing, its deadline and failures, the archetype-change event, input checks, closed sessions.

The context is built as evals/sales_next_move/suite.py builds it, without a knowledge base and
with ten one-hot archetype profiles and a query embedder that is equally close to all of them,
so the embeddings stay neutral and the rules decide (and no real model loads).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver

from graphs.sales_next_move import build_graph, validate_input_payload
from nodes.sales_next_move.state import SalesContext
from sight.errors import ConflictError, InputValidationError
from tools.models import ModelRouter, ScriptedChatModel
from tools.sales_next_move.archetypes import ARCHETYPES, ArchetypeProfiles
from tools.sales_next_move.detector import bundled_detector
from tools.sales_next_move.vocabulary import load_vocabulary

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FAMILY_NOTE = (
    "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki."
)
# The detector finds the family and winter range here, not the husband's impatience.
MODEL_NOTE = (
    "Przyszła z mężem i dwójką dzieci. Pyta o zasięg zimą, a mąż uważa, że szkoda mu czasu "
    "na salon."
)
INVENTED = "chce podpisać umowę jeszcze dziś"
REPHRASED = [
    "Zapytaj rodziców, jak daleko jeżdżą zimą z dziećmi, i policz z nimi zapas zasięgu.",
    "Pokaż mężowi w dwie minuty to, co dla niego najważniejsze, bez zbędnych formalności.",
]


@dataclass
class FakeEmbedding:
    """Profiles on ten axes and a query vector equally close to each: neutral embeddings."""

    queries: list[str] = field(default_factory=list)

    async def profiles(self) -> ArchetypeProfiles:
        axes = {
            s: [float(i == j) for j in range(len(ARCHETYPES))] for i, s in enumerate(ARCHETYPES)
        }
        return ArchetypeProfiles(axes)

    async def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return [1.0] * len(ARCHETYPES)


def _context(embedding: FakeEmbedding | None = None, **overrides: Any) -> SalesContext:
    """As evals/sales_next_move/suite.py's ``_context``, with no knowledge base."""
    embedding = embedding or FakeEmbedding()
    ctx = SalesContext(
        knowledge=None,
        profiles=embedding.profiles,
        embed_query=embedding.embed_query,
        model_signals=False,
        deadline_s=3.5,
        clock=lambda: T0,
    )
    return replace(ctx, **overrides)


def _with_model(settings: Any, model: ScriptedChatModel, **overrides: Any) -> SalesContext:
    fake = settings.model_copy(update={"provider": "fake", "model_fast": [], "model_deep": []})
    router = ModelRouter(fake, models={"fake/scripted": model})
    return _context(models=router.for_run(f"run-{uuid.uuid4()}"), model_signals=True, **overrides)


def _graph():
    return build_graph().compile(checkpointer=InMemorySaver())


def _config(thread: str | None = None) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread or str(uuid.uuid4())}}


async def _observe(graph, ctx: SalesContext, text: str, config=None) -> dict[str, Any]:
    out = await graph.ainvoke({"text": text}, config or _config(), context=ctx)
    return out["analysis"]


def _assert_evidence_quotes(analysis: dict[str, Any], note: str) -> None:
    for signal in analysis["signals"]:
        assert signal["evidence"] and signal["evidence"] in note, signal


def _by_part(analysis: dict[str, Any]) -> dict[str, str]:
    return {d["part"]: d["reason"] for d in analysis["degraded"]}


# --- rules only --------------------------------------------------------------------------


async def test_no_model_then_four_composed_moves_quoted_signals_and_missing_kb_listed():
    embedding = FakeEmbedding()
    out = await _graph().ainvoke({"text": FAMILY_NOTE}, _config(), context=_context(embedding))
    analysis = out["analysis"]

    assert out["turn"] == 1 and out["interaction_id"] is None  # nothing stored without a store
    moves = analysis["next_moves"]
    assert len(moves) == 4 and len({m["id"] for m in moves}) == 4
    assert all(m["phrased"] is False and "composed" not in m for m in moves)
    ids = {s["id"] for s in analysis["signals"]}
    assert {"wspomina_dzieci", "pyta_o_zasieg_zima", "pyta_o_foteliki"} <= ids
    assert {s["source"] for s in analysis["signals"]} == {"rules"}
    _assert_evidence_quotes(analysis, FAMILY_NOTE)
    assert _by_part(analysis) == {"knowledge": "not_configured"}
    assert analysis["archetype"]["primary"] == "straznik_rodziny"
    assert analysis["archetype"]["changed"] is True and analysis["archetype"]["previous"] is None
    assert set(analysis["indicators"]) == {"purchase_readiness", "churn_risk", "test_drive_value"}
    assert embedding.queries == [FAMILY_NOTE]


async def test_two_turns_on_a_thread_then_history_signals_and_archetype_state_carry_over():
    graph, embedding = _graph(), FakeEmbedding()
    ctx, config = _context(embedding), _config()
    second_note = "Pyta, gdzie jest najbliższy serwis."

    first = await _observe(graph, ctx, FAMILY_NOTE, config)
    state_after_first = (await graph.aget_state(config)).values
    second = await _observe(graph, ctx, second_note, config)
    state = (await graph.aget_state(config)).values

    assert second["turn"] == 2
    assert state["history"] == [
        {"turn": 1, "text": FAMILY_NOTE},
        {"turn": 2, "text": second_note},
    ]
    # This turn's signals are this turn's only; the session's keep the first turn's too.
    assert {s["id"] for s in second["signals"]} == {"pyta_o_serwis"}
    _assert_evidence_quotes(second, second_note)
    earlier = [s for s in second["session_signals"] if s["turn"] == 1]
    assert [(s["id"], s["evidence"]) for s in earlier] == [
        (s["id"], s["evidence"]) for s in first["signals"]
    ]
    assert [s["id"] for s in second["session_signals"] if s["turn"] == 2] == ["pyta_o_serwis"]
    # The primary of turn 1 is the one turn 2 smooths from (a fresh state would say "changed").
    archetype = second["archetype"]
    assert archetype["previous"] == first["archetype"]["primary"] == archetype["primary"]
    assert archetype["changed"] is False
    assert state_after_first["archetype_state"]["primary"] == "straznik_rodziny"
    assert state["archetype_state"]["smoothed"] != state_after_first["archetype_state"]["smoothed"]
    # each note is embedded once, when it arrives; the conversation is the last notes' vectors
    assert embedding.queries[-1] == second_note
    assert [v["turn"] for v in state["note_vectors"]] == [1, 2]
    # Another thread is another session: it starts at turn 1.
    other = await _observe(graph, ctx, second_note)
    assert other["turn"] == 1 and other["archetype"]["changed"] is True


# --- the fast model ----------------------------------------------------------------------


class Reader:
    """The fake fast model: three quoted signals for the signal call; for the phrasing call it
    rephrases the first two moves it is shown (and remembers what it was shown)."""

    def __init__(self) -> None:
        self.shown: dict[str, str] = {}

    def __call__(self, messages: list[BaseMessage]) -> AIMessage:
        human = messages[-1].text
        if "Propozycje do przeredagowania" in human:
            self.shown = dict(re.findall(r"^- (\S+) \([a-z_]+\): (.+)$", human, re.MULTILINE))
            first, second = list(self.shown)[:2]
            moves = [{"id": first, "text": REPHRASED[0]}, {"id": second, "text": REPHRASED[1]}]
            return AIMessage(content=json.dumps({"moves": moves}, ensure_ascii=False))
        signals = [
            {"id": "pospiech_zniecierpliwienie", "quote": "Szkoda mu  czasu na salon."},
            {"id": "pyta_o_zasieg_zima", "quote": "„zasięg zimą”"},
            {"id": "chce_zamowic", "quote": INVENTED},
        ]
        return AIMessage(content=json.dumps({"signals": signals}, ensure_ascii=False))


async def test_fast_model_then_quoted_signals_merged_invented_dropped_and_moves_phrased(settings):
    detected = {s.id: s.evidence for s in bundled_detector().detect(MODEL_NOTE)}
    assert "pospiech_zniecierpliwienie" not in detected and "pyta_o_zasieg_zima" in detected
    reader = Reader()
    model = ScriptedChatModel(script=[reader, reader])

    analysis = await _observe(_graph(), _with_model(settings, model), MODEL_NOTE)

    assert len(model.calls) == 2  # one signal call, one phrasing call
    signals = {s["id"]: s for s in analysis["signals"]}
    assert signals["pospiech_zniecierpliwienie"]["source"] == "model"
    # The evidence is the note's own characters, not the model's spelling of them.
    assert signals["pospiech_zniecierpliwienie"]["evidence"] == "szkoda mu czasu na salon"
    assert signals["pyta_o_zasieg_zima"]["source"] == "both"
    assert signals["pyta_o_zasieg_zima"]["evidence"] == detected["pyta_o_zasieg_zima"]
    others = set(signals) - {"pospiech_zniecierpliwienie", "pyta_o_zasieg_zima"}
    assert others == set(detected) - {"pyta_o_zasieg_zima"}
    assert all(signals[i]["source"] == "rules" for i in others)
    _assert_evidence_quotes(analysis, MODEL_NOTE)
    assert "chce_zamowic" not in signals
    assert analysis["signals_dropped"] == [
        {"id": "chce_zamowic", "quote": INVENTED, "reason": "quote_not_in_text"}
    ]
    # The model's signal counts like any other: it gives the status seeker rule weight.
    assert analysis["archetype"]["sources"]["rules"]["zdobywca_statusu"] > 0
    moves = analysis["next_moves"]
    assert [m["id"] for m in moves] == list(reader.shown)
    assert [m["phrased"] for m in moves] == [True, True, False, False]
    for move, text in zip(moves[:2], REPHRASED, strict=True):
        assert move["text"] == text and move["composed"] == reader.shown[move["id"]]
    for move in moves[2:]:
        assert move["text"] == reader.shown[move["id"]] and "composed" not in move
    assert set(_by_part(analysis)) == {"knowledge"}


@pytest.mark.parametrize(
    ("deadline_s", "signal_timeout_s"),
    [(0.6, 2.0), (1.2, 2.0), (2.5, 0.4)],
    ids=["too_short_to_ask", "signals_cut", "both_calls_cut"],
)
async def test_slow_model_then_rule_moves_within_the_deadline(
    settings, deadline_s, signal_timeout_s
):
    graph = _graph()
    await _observe(graph, _context(), FAMILY_NOTE)  # warm: lemmas and rule tables loaded
    model = ScriptedChatModel(default='{"signals": []}', delay_s=30)
    ctx = _with_model(settings, model, deadline_s=deadline_s, signal_timeout_s=signal_timeout_s)

    started = time.perf_counter()
    analysis = await _observe(graph, ctx, FAMILY_NOTE)
    elapsed = time.perf_counter() - started

    assert elapsed < deadline_s + 1.0
    moves = analysis["next_moves"]
    assert len(moves) == 4 and all(m["phrased"] is False for m in moves)
    reasons = _by_part(analysis)
    assert reasons["model_signals"] in {"timeout", "deadline"}
    assert reasons["phrasing"] in {"timeout", "deadline"}
    assert {s["source"] for s in analysis["signals"]} == {"rules"}
    if deadline_s > 2.0:  # time enough to ask both times: both calls were made and cut
        assert len(model.calls) == 2
        assert reasons["model_signals"] == reasons["phrasing"] == "timeout"


SECRET = "upstream said: key=sk-live-0000 at node-7"


@pytest.mark.parametrize(
    ("script", "default", "code", "calls"),
    [
        ([RuntimeError(SECRET), RuntimeError(SECRET)], None, "model_error", 2),
        # Invalid JSON twice per call (the answer and its repair round).
        ([], f"Nie wiem. {SECRET}", "structured_output_invalid", 4),
    ],
    ids=["error", "invalid_output"],
)
async def test_failing_model_then_degraded_with_a_code_and_no_raw_error(
    settings, script, default, code, calls
):
    model = ScriptedChatModel(script=list(script), default=default)

    analysis = await _observe(_graph(), _with_model(settings, model), FAMILY_NOTE)

    assert len(model.calls) == calls
    reasons = _by_part(analysis)
    assert reasons["model_signals"] == reasons["phrasing"] == code
    assert all(re.fullmatch(r"[a-z_]+", r) for r in reasons.values())
    assert "sk-live" not in json.dumps(analysis, ensure_ascii=False)
    assert len(analysis["next_moves"]) == 4
    assert all(m["phrased"] is False for m in analysis["next_moves"])
    assert {s["source"] for s in analysis["signals"]} == {"rules"}
    assert analysis["signals_dropped"] == []


# --- the archetype-change event ----------------------------------------------------------

SPEED_SESSION = [
    "Przyszła z córką, pyta, czy zmieści się fotelik.",
    "Pyta o przyspieszenie 0-100 i ile koni ma wersja Performance.",
    "Mówi, że liczy się frajda z jazdy, pyta, ile do setki i jak się prowadzi.",
    "Chce poczuć przyspieszenie na jeździe próbnej, pyta o tor i ile koni.",
]


async def test_primary_changes_then_archetype_changed_event_with_its_evidence():
    graph, ctx, config = _graph(), _context(), _config()
    events: dict[int, list[dict[str, Any]]] = {}
    primaries = []

    for turn, note in enumerate(SPEED_SESSION, start=1):
        async for mode, chunk in graph.astream(
            {"text": note}, config, context=ctx, stream_mode=["custom", "updates"]
        ):
            if mode == "custom" and chunk.get("type") == "archetype_changed":
                events.setdefault(turn, []).append(chunk)
        primaries.append((await graph.aget_state(config)).values["analysis"]["archetype"])

    assert primaries[0]["primary"] == "straznik_rodziny"
    assert primaries[-1]["primary"] == "entuzjasta_osiagow"
    assert 1 not in events  # the first verdict is not a change
    [(turn, [event])] = events.items()  # one change, announced once
    assert event["turn"] == turn
    assert (event["from"], event["to"]) == ("straznik_rodziny", "entuzjasta_osiagow")
    assert event["why"]
    assert primaries[turn - 1]["changed"] is True
    assert primaries[turn - 1]["previous"] == "straznik_rodziny"
    assert all(not p["changed"] for i, p in enumerate(primaries[1:], start=2) if i != turn)
    weights = {s.id: s.archetypes for s in load_vocabulary().signals}
    assert event["evidence"]
    for item in event["evidence"]:
        assert item["evidence"] in SPEED_SESSION[item["turn"] - 1]
        assert weights[item["id"]].get("entuzjasta_osiagow", 0) > 0


# --- input and sessions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, ["input.text"]),
        ({"text": ""}, ["input.text"]),
        ({"text": " \n\t "}, ["input.text"]),
        ({"text": None}, ["input.text"]),
        ({"text": "x" * 4001}, ["input.text"]),
        ({"text": "Pyta o zasięg.", "kolor": "czerwony"}, ["input.kolor"]),
        ({"tekst": "Pyta o zasięg."}, ["input.tekst", "input.text"]),
    ],
    ids=["missing", "empty", "blank", "null", "too_long", "unknown_key", "misspelt_key"],
)
def test_validate_input_when_text_bad_or_keys_unknown_then_names_the_fields(payload, fields):
    with pytest.raises(InputValidationError) as caught:
        validate_input_payload(payload)
    assert [p["field"] for p in caught.value.problems] == fields


def test_validate_input_when_note_fits_then_trimmed_text():
    assert validate_input_payload({"text": "  Pyta o zasięg zimą. "}) == {
        "text": "Pyta o zasięg zimą.",
        "deep": False,
    }
    assert validate_input_payload({"text": "x" * 4000}) == {"text": "x" * 4000, "deep": False}


async def test_graph_when_note_blank_then_refuses_it_too():
    with pytest.raises(InputValidationError):
        await _observe(_graph(), _context(), "   ")


class FakeSessions:
    def __init__(self, status: str) -> None:
        self.status, self.calls = status, []

    async def ensure(self, tenant: str, session_id: str, now: datetime, **_: Any):
        self.calls.append((tenant, session_id, now))
        return SimpleNamespace(id=session_id, status=self.status, turns=0)


class FakeInteractions:
    def __init__(self) -> None:
        self.added: list[tuple[Any, ...]] = []

    async def add(self, tenant, session_id, text, analysis, rules_version, shown, now):
        self.added.append((tenant, session_id, text, analysis, rules_version, shown, now))
        return SimpleNamespace(id=f"int-{len(self.added)}", turn=len(self.added))


async def test_closed_session_then_conflict_and_nothing_stored():
    sessions, interactions = FakeSessions("closed"), FakeInteractions()
    ctx = _context(sessions=sessions, interactions=interactions, thread_id="s-1", tenant="acme")

    with pytest.raises(ConflictError) as caught:
        await _observe(_graph(), ctx, FAMILY_NOTE, _config("s-1"))

    assert caught.value.details == {"status": "closed"}
    assert sessions.calls == [("acme", "s-1", T0)]
    assert interactions.added == []


async def test_open_session_then_interaction_stored_with_shown_moves():
    sessions, interactions = FakeSessions("open"), FakeInteractions()
    ctx = _context(sessions=sessions, interactions=interactions, thread_id="s-2", tenant="acme")

    out = await _graph().ainvoke({"text": FAMILY_NOTE}, _config("s-2"), context=ctx)

    assert (out["interaction_id"], out["session_id"], out["turn"]) == ("int-1", "s-2", 1)
    [(tenant, session_id, text, analysis, version, shown, now)] = interactions.added
    assert (tenant, session_id, text, now) == ("acme", "s-2", FAMILY_NOTE, T0)
    assert analysis == out["analysis"] and version == analysis["rules_version"]
    assert shown == [m["id"] for m in analysis["next_moves"]]


class FailingInteractions(FakeInteractions):
    async def add(self, *args: Any) -> Any:
        raise RuntimeError("the database went away")


class DeepSessions(FakeSessions):
    async def set_deep(self, *args: Any) -> bool:
        return True

    async def set_memory(self, *args: Any) -> bool:
        return True


async def test_failed_observation_then_a_deep_run_takes_the_slow_path_not_the_old_note():
    """A failed run's checkpoint keeps its input; the next run's checked input clears it."""
    graph, config = _graph(), _config("s-2")
    ctx = _context(
        sessions=DeepSessions("active"),
        interactions=FailingInteractions(),
        thread_id="s-2",
        tenant="acme",
    )
    with pytest.raises(RuntimeError):
        await graph.ainvoke(validate_input_payload({"text": FAMILY_NOTE}), config, context=ctx)
    left = (await graph.aget_state(config)).values
    assert left.get("text") == FAMILY_NOTE  # what a failed run leaves behind

    out = await graph.ainvoke(validate_input_payload({"deep": True}), config, context=ctx)

    assert "deep_analysis" in out and out.get("interaction_id") is None
    values = (await graph.aget_state(config)).values
    assert values["text"] is None and values["deep"] is False
