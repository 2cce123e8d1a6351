"""Sales co-pilot slow path ({"deep": true}) and strategic advisor ({"messages": [...]}) on a
session's thread: routing between the three inputs, memory, psychometrics, the strategy panel,
what is stored, the advisor's answer with and without a model, and the input checks.

Contexts are built as tests/graphs/test_sales_next_move.py builds them (neutral embeddings, no
knowledge base unless a test gives one); the deep model is a ScriptedChatModel behind a
ModelRouter with the ``fake`` provider.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver

from graphs.sales_next_move import build_graph, validate_input_payload
from nodes.sales_next_move.state import SalesContext
from prompts.sales_next_move import CLIENT_SUMMARY_SYSTEM, MEMORY_SYSTEM, READING_SYSTEM
from sight.errors import InputValidationError, UnavailableError
from tests.graphs.test_sales_next_move import T0, _context
from tools.models import ModelRouter, ScriptedChatModel
from tools.sales_next_move.psychometrics import FRAMEWORKS, MODEL_POINTS, RULES_CAP

# About 30 tokens at any usual rate (2-4 characters a token): under a threshold of 100.
SHORT_NOTE = (
    "Przyszedł z żoną i dwójką dzieci, pyta o zasięg zimą i czy zmieszczą się dwa foteliki."
)
# About 500 characters: past 100 tokens at any rate up to 5 characters a token.
LONG_NOTE = (
    "Wrócił po tygodniu sam. Mówi, że co miesiąc jeżdżą do teściów nad morze, około czterystu "
    "kilometrów w jedną stronę, i żona boi się, że zimą zabraknie prądu w trasie. Pyta, gdzie "
    "jest najbliższy serwis i ile kosztuje przegląd. Dzieci nie lubią długich postojów, więc "
    "chce wiedzieć, ile trwa ładowanie na szybkiej ładowarce przy autostradzie. Ma fotowoltaikę "
    "na dachu domu i zastanawia się nad ładowarką w garażu. Na koniec zapytał, czy można umówić "
    "jazdę próbną w sobotę rano, bo wtedy przyjdzie cała rodzina."
)
THIRD_NOTE = (
    "Zadzwonił w poniedziałek i pyta o termin dostawy wersji z pompą ciepła. Mówi, że żona "
    "jest już przekonana po jeździe próbnej, ale chcą jeszcze porównać raty leasingu "
    "konsumenckiego z kredytem w banku, bo starego auta nie sprzedali i nie wiedzą, ile "
    "dostaną w rozliczeniu. Prosi o ofertę mailem do środy, bo w czwartek jadą do drugiego "
    "salonu obejrzeć konkurencyjny model z większym bagażnikiem."
)
TAB_IDS = ["podsumowanie", "jezyk_klienta", "scenariusz", "obiekcje", "pytania"]
SUMMARY = "Rodzina z dwójką dzieci, jeździ zimą nad morze, ma fotowoltaikę."
PORTRAIT = "To ostrożny ojciec, który chce mieć pewność, że rodzina dojedzie zimą nad morze."
KEPT_QUOTE = "przyjdzie cała rodzina"  # in LONG_NOTE
INVENTED_QUOTE = "chce być pierwszym w mieście z nowym modelem"  # in no note
SECRET = "upstream said: key=sk-live-0000 at node-7"
QUESTION = "Jak mam odpowiedzieć, gdy żona znów zapyta o zasięg zimą?"
ANSWER = "Pokaż jej zasięg na trasie nad morze przy mrozie i zaplanuj jeden postój z dziećmi."


def _graph():
    return build_graph().compile(checkpointer=InMemorySaver())


def _config(thread: str | None = None) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread or str(uuid.uuid4())}}


def _with_deep_model(settings: Any, model: ScriptedChatModel, **overrides: Any) -> SalesContext:
    """A context whose deep model writes Polish (the fast model is not asked)."""
    fake = settings.model_copy(update={"provider": "fake", "model_fast": [], "model_deep": []})
    router = ModelRouter(fake, models={"fake/scripted": model})
    given = {"models": router.for_run(f"run-{uuid.uuid4()}"), "writer_model": True}
    return _context(**{**given, **overrides})


async def _session(graph, config, *notes: str) -> None:
    """Observations through the fast path, without a model."""
    for note in notes:
        await graph.ainvoke({"text": note}, config, context=_context())


async def _values(graph, config) -> dict[str, Any]:
    return (await graph.aget_state(config)).values


def _by_part(degraded: list[dict[str, Any]]) -> dict[str, str]:
    return {d["part"]: d["reason"] for d in degraded}


def _dump(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, default=str)


class DeepModel:
    """The fake deep model: answers the memory, reading and portrait calls by their system
    prompt, and remembers which call came when and what it was shown."""

    def __init__(self, key_facts: list[str] | None = None) -> None:
        self.kinds: list[str] = []
        self.prompts: dict[str, list[str]] = {}
        self.key_facts = key_facts if key_facts is not None else ["2 dzieci", " 2 dzieci ", "zima"]

    def __call__(self, messages: list[BaseMessage]) -> AIMessage:
        system, human = messages[0].text, messages[1].text
        if system.startswith(MEMORY_SYSTEM):
            kind, answer = "memory", {"summary": f" {SUMMARY} ", "key_facts": self.key_facts}
        elif system.startswith(READING_SYSTEM):
            nudge = {"framework": "schwartz", "dimension": "benevolence", "direction": "higher"}
            invented = {"framework": "big_five", "dimension": "openness", "direction": "higher"}
            nudges = [{**nudge, "quote": KEPT_QUOTE}, {**invented, "quote": INVENTED_QUOTE}]
            kind, answer = "reading", {"nudges": nudges}
        elif system.startswith(CLIENT_SUMMARY_SYSTEM):
            kind, answer = "portrait", PORTRAIT
        else:
            raise AssertionError(f"unexpected call: {system[:60]!r}")
        self.kinds.append(kind)
        self.prompts.setdefault(kind, []).append(human)
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        return AIMessage(content=text)


# --- the slow path without a model -------------------------------------------------------


async def test_deep_after_two_observations_then_rule_profile_and_strategy_of_turn_two():
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE, "Pyta, gdzie jest najbliższy serwis.")

    out = await graph.ainvoke({"deep": True}, config, context=_context())

    deep = out["deep_analysis"]
    assert deep["turn"] == 2 and deep["computed_at"] == T0.isoformat()
    assert "stored" not in deep  # no sessions repository: nothing stored
    psychometrics = deep["psychometrics"]
    assert psychometrics["by"] == "rules" and psychometrics["dropped"] == []
    assert {f: set(dims) for f, dims in psychometrics["frameworks"].items()} == {
        f: set(dims) for f, dims in FRAMEWORKS.items()
    }
    assert sum(len(d) for d in psychometrics["frameworks"].values()) == 5 + 10 + 4
    for dims in psychometrics["frameworks"].values():
        for value in dims.values():
            assert isinstance(value["score"], int) and 0 <= value["score"] <= 100
            assert 0 < value["confidence"] <= RULES_CAP  # two turns: some, never certainty
    strategy = deep["strategy"]
    assert [t["id"] for t in strategy["tabs"]] == TAB_IDS
    assert all(t["title"] and t["items"] for t in strategy["tabs"])
    assert strategy["written_by"] == "rules"
    assert all(i["source"] != "model" for t in strategy["tabs"] for i in t["items"])
    assert deep["degraded"] == [
        {
            "part": "psychometrics",
            "reason": "no_writer_model",
            "message": "Bez modelu: profil i strategia z reguł.",
        }
    ]
    assert out["memory"] == {}  # two short notes: nothing to summarise yet
    state = await _values(graph, config)
    assert state["deep"] is False and state["text"] is None


async def test_after_deep_then_messages_go_to_the_advisor_and_text_is_turn_three():
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE, "Pyta, gdzie jest najbliższy serwis.")
    deep = (await graph.ainvoke({"deep": True}, config, context=_context()))["deep_analysis"]

    asked = await graph.ainvoke(
        {"messages": [{"role": "user", "content": QUESTION}]}, config, context=_context()
    )

    assert [type(m) for m in asked["messages"]] == [HumanMessage, AIMessage]
    assert asked["turn"] == 2 and asked["deep_analysis"] == deep  # neither path ran again
    assert len((await _values(graph, config))["history"]) == 2

    third = await graph.ainvoke({"text": "Pyta o termin dostawy."}, config, context=_context())

    assert third["turn"] == 3 and third["analysis"]["turn"] == 3
    assert third["deep_analysis"] == deep  # the slow path did not run with the observation
    state = await _values(graph, config)
    assert [h["turn"] for h in state["history"]] == [1, 2, 3]
    assert len(state["messages"]) == 2  # the advisor's exchange stays on the thread


async def test_deep_on_a_thread_without_observations_then_an_empty_rule_profile_of_turn_zero():
    out = await _graph().ainvoke({"deep": True}, _config(), context=_context())

    deep = out["deep_analysis"]
    assert deep["turn"] == 0 and deep["degraded"] == []
    assert deep["psychometrics"]["confidence"] == 0.0  # no turn, no evidence
    assert [t["id"] for t in deep["strategy"]["tabs"]] == TAB_IDS


# --- the slow path with the deep model ---------------------------------------------------


async def test_deep_model_then_memory_only_past_the_threshold_quoted_nudges_and_portrait(settings):
    graph, config = _graph(), _config()
    writer = DeepModel()
    model = ScriptedChatModel(script=[writer] * 5)

    def ctx() -> SalesContext:
        return _with_deep_model(settings, model, memory_tokens=100, memory_turns=1)

    await _session(graph, config, SHORT_NOTE)
    first = await graph.ainvoke({"deep": True}, config, context=ctx())

    assert writer.kinds == ["reading", "portrait"]  # one short note: no memory call
    assert first["memory"] == {}

    await _session(graph, config, LONG_NOTE)
    out = await graph.ainvoke({"deep": True}, config, context=ctx())

    assert writer.kinds[2:] == ["memory", "reading", "portrait"]
    assert len(model.calls) == 5
    # Only the note older than the last one (memory_turns=1) is summarised.
    [memory_prompt] = writer.prompts["memory"]
    assert f"[1] {SHORT_NOTE}" in memory_prompt and LONG_NOTE not in memory_prompt
    assert out["memory"] == {
        "summary": SUMMARY,
        "key_facts": ["2 dzieci", "zima"],
        "memory_turn": 1,
        "written_by": "model",
    }
    # The summary stands for the folded note in the later prompts.
    reading_prompt = writer.prompts["reading"][-1]
    assert f"Streszczenie wcześniejszej rozmowy: {SUMMARY}" in reading_prompt
    assert "Kluczowe fakty: 2 dzieci; zima" in reading_prompt
    assert LONG_NOTE in reading_prompt and SHORT_NOTE not in reading_prompt

    deep = out["deep_analysis"]
    assert deep["turn"] == 2 and deep["degraded"] == []
    psychometrics = deep["psychometrics"]
    assert psychometrics["by"] == "rules+model"
    assert [(d["quote"], d["reason"]) for d in psychometrics["dropped"]] == [
        (INVENTED_QUOTE, "quote_not_in_notes")
    ]
    # The same notes without a model: only the quoted dimension moves, by MODEL_POINTS.
    rules_config = _config()
    await _session(graph, rules_config, SHORT_NOTE, LONG_NOTE)
    rules = (await graph.ainvoke({"deep": True}, rules_config, context=_context()))[
        "deep_analysis"
    ]["psychometrics"]["frameworks"]
    for framework, dims in psychometrics["frameworks"].items():
        for dim, value in dims.items():
            before = rules[framework][dim]
            if (framework, dim) == ("schwartz", "benevolence"):
                assert value["score"] == min(100, before["score"] + MODEL_POINTS)
                assert value["sources"][-1] == "model"
                assert KEPT_QUOTE in value["evidence"]
                assert value["confidence"] > before["confidence"]
            else:
                assert value["score"] == before["score"], (framework, dim)
                assert "model" not in value["sources"]
    assert INVENTED_QUOTE not in _dump(psychometrics["frameworks"])

    strategy = deep["strategy"]
    summary_tab = strategy["tabs"][0]
    assert summary_tab["id"] == "podsumowanie"
    assert summary_tab["items"][0] == {"text": PORTRAIT, "source": "model"}
    assert all(i["source"] != "model" for i in summary_tab["items"][1:])
    assert strategy["written_by"] == "rules+model"
    # The memory's key facts reach the panel too.
    facts = [i["text"] for i in summary_tab["items"] if i["source"] == "key_fact"]
    assert facts == ["2 dzieci", "zima"]


async def test_deep_model_when_memory_folds_again_then_earlier_key_facts_are_in_its_prompt(
    settings,
):
    graph, config = _graph(), _config()
    writer = DeepModel(key_facts=["2 dzieci", "dwa foteliki"])  # turn 1 only
    model = ScriptedChatModel(script=[writer] * 6)

    def ctx() -> SalesContext:
        return _with_deep_model(settings, model, memory_tokens=100, memory_turns=1)

    await _session(graph, config, SHORT_NOTE, LONG_NOTE)
    first = await graph.ainvoke({"deep": True}, config, context=ctx())
    assert first["memory"]["memory_turn"] == 1
    await _session(graph, config, THIRD_NOTE)
    second = await graph.ainvoke({"deep": True}, config, context=ctx())

    assert second["memory"]["memory_turn"] == 2
    later_prompt = writer.prompts["memory"][-1]
    assert "dwa foteliki" not in SUMMARY + LONG_NOTE  # known only from the key facts
    assert "dwa foteliki" in later_prompt


async def test_failing_deep_model_then_reason_codes_rule_memory_and_no_raw_error(settings):
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE, LONG_NOTE)
    model = ScriptedChatModel(script=[RuntimeError(SECRET)] * 5)
    ctx = _with_deep_model(settings, model, memory_tokens=100, memory_turns=1)

    out = await graph.ainvoke({"deep": True}, config, context=ctx)

    assert len(model.calls) == 3  # memory, reading, portrait: each tried once
    deep = out["deep_analysis"]
    assert _by_part(deep["degraded"]) == {
        "memory": "model_error",
        "psychometrics": "model_error",
        "strategy": "model_error",
    }
    assert deep["psychometrics"]["by"] == "rules" and deep["psychometrics"]["dropped"] == []
    assert deep["strategy"]["written_by"] == "rules"
    memory = out["memory"]
    assert memory["written_by"] == "rules" and memory["memory_turn"] == 1
    assert memory["summary"] is None  # no summary is pretended
    # Key facts: one per signal of the folded turn, in the client's words from that turn.
    state = await _values(graph, config)
    first_turn = {s["id"] for s in state["signals_seen"] if s["turn"] == 1}
    assert len(memory["key_facts"]) == len(first_turn) > 0
    for fact in memory["key_facts"]:
        [quoted] = re.findall(r"„(.+)”$", fact)
        assert quoted in SHORT_NOTE
    assert "sk-live" not in _dump(out) and "sk-live" not in _dump(state)
    assert "RuntimeError" not in _dump(state)
    assert state["deep"] is False


# --- what the slow path stores -----------------------------------------------------------


@dataclass
class RecordingSessions:
    """The two writes of save_deep; set_deep answers ``stored`` (False: a later turn won)."""

    stored: bool = True
    deep_calls: list[tuple[Any, ...]] = field(default_factory=list)
    memory_calls: list[tuple[Any, ...]] = field(default_factory=list)

    async def set_deep(self, session_id: str, tenant: str, turn: int, deep: dict) -> bool:
        self.deep_calls.append((session_id, tenant, turn, dict(deep)))
        return self.stored

    async def set_memory(
        self, session_id: str, tenant: str, summary: str, key_facts: list[str], memory_turn: int
    ) -> bool:
        self.memory_calls.append((session_id, tenant, summary, list(key_facts), memory_turn))
        return True


async def test_save_deep_when_no_memory_yet_then_only_the_analysis_is_stored():
    graph, config = _graph(), _config("s-1")
    await _session(graph, config, SHORT_NOTE, "Pyta o serwis.")
    sessions = RecordingSessions(stored=False)
    ctx = _context(sessions=sessions, thread_id="s-1", tenant="acme")

    out = await graph.ainvoke({"deep": True}, config, context=ctx)

    [(session_id, tenant, turn, deep)] = sessions.deep_calls
    assert (session_id, tenant, turn) == ("s-1", "acme", 2)
    assert deep["turn"] == 2 and set(deep["psychometrics"]["frameworks"]) == set(FRAMEWORKS)
    assert deep["computed_at"] == T0.isoformat()
    assert out["deep_analysis"]["stored"] is False  # what the repository answered
    assert sessions.memory_calls == []


async def test_save_deep_when_memory_folded_then_memory_stored_with_its_turn():
    graph, config = _graph(), _config("s-2")
    await _session(graph, config, SHORT_NOTE, LONG_NOTE)
    sessions = RecordingSessions()
    ctx = _context(
        sessions=sessions, thread_id="s-2", tenant="acme", memory_tokens=100, memory_turns=1
    )

    out = await graph.ainvoke({"deep": True}, config, context=ctx)

    assert [c[:3] for c in sessions.deep_calls] == [("s-2", "acme", 2)]
    assert out["deep_analysis"]["stored"] is True
    memory = out["memory"]
    assert memory["memory_turn"] == 1 and memory["written_by"] == "rules"
    assert sessions.memory_calls == [("s-2", "acme", "", memory["key_facts"], 1)]
    assert _by_part(out["deep_analysis"]["degraded"])["memory"] == "no_writer_model"


# --- the advisor -------------------------------------------------------------------------


@dataclass
class Hit:
    id: str
    entry: dict[str, Any]


HEAT_PUMP = Hit(
    "module.zima_zasieg.pompa_ciepla",
    {
        "title": "Pompa ciepła",
        "text": "Pompa ciepła zmniejsza zużycie energii na ogrzewanie kabiny przy mrozie.",
    },
)


@dataclass
class FakeKnowledge:
    """A knowledge base whose search returns fixed hits and records the queries."""

    hits: list[Hit] = field(default_factory=lambda: [HEAT_PUMP])
    fail: bool = False
    queries: list[str] = field(default_factory=list)

    async def __call__(self) -> FakeKnowledge:  # the context's knowledge() getter
        return self

    async def search(self, query: str, *, limit: int = 10, **_: Any) -> Any:
        self.queries.append(query)
        if self.fail:
            raise UnavailableError("knowledge base is down")
        return type("Result", (), {"hits": self.hits[:limit]})()


def _ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def test_advisor_with_writer_model_then_its_answer_from_notes_and_knowledge(settings):
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE)
    knowledge = FakeKnowledge()
    model = ScriptedChatModel(script=[f"  {ANSWER}\n", "Druga odpowiedź."])

    out = await graph.ainvoke(
        _ask(QUESTION), config, context=_with_deep_model(settings, model, knowledge=knowledge)
    )

    question, answer = out["messages"]
    assert isinstance(question, HumanMessage) and question.text == QUESTION
    assert isinstance(answer, AIMessage) and answer.text == ANSWER
    assert knowledge.queries == [QUESTION]
    [prompt] = model.calls
    assert isinstance(prompt[0], SystemMessage)
    assert SHORT_NOTE in prompt[0].text and HEAT_PUMP.entry["text"] in prompt[0].text
    assert HEAT_PUMP.id in prompt[0].text
    assert prompt[-1].text == QUESTION

    follow_up = "A co z fotelikami?"
    out = await graph.ainvoke(
        _ask(follow_up), config, context=_with_deep_model(settings, model, knowledge=knowledge)
    )

    assert [m.text for m in model.calls[1][1:]] == [QUESTION, ANSWER, follow_up]
    assert [type(m) for m in out["messages"]] == [HumanMessage, AIMessage] * 2
    assert out["messages"][-1].text == "Druga odpowiedź."
    assert out["turn"] == 1  # questions are not observations


async def test_advisor_without_writer_model_then_polish_fallback_with_the_hits(settings):
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE)
    knowledge = FakeKnowledge()
    moves = (await _values(graph, config))["next_moves"]
    model = ScriptedChatModel(default="Nie po polsku.")
    ctx = _with_deep_model(settings, model, knowledge=knowledge, writer_model=False)

    out = await graph.ainvoke(_ask(QUESTION), config, context=ctx)

    answer = out["messages"][-1]
    assert isinstance(answer, AIMessage)
    assert answer.text.startswith(
        "Nie mogę teraz napisać odpowiedzi (nie ma skonfigurowanego modelu, który pisze po polsku)."
    )
    assert f"[{HEAT_PUMP.id}]" in answer.text and HEAT_PUMP.entry["text"] in answer.text
    assert moves[0]["text"] in answer.text
    assert model.calls == []  # a model that does not write Polish is not asked
    assert len(out["messages"]) == 2


async def test_advisor_when_knowledge_base_fails_then_fallback_from_the_moves():
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE)
    knowledge = FakeKnowledge(fail=True)

    out = await graph.ainvoke(_ask(QUESTION), config, context=_context(knowledge=knowledge))

    text = out["messages"][-1].text
    assert knowledge.queries == [QUESTION]
    assert "Proponowany ruch:" in text and HEAT_PUMP.id not in text


async def test_advisor_when_model_fails_then_fallback_names_the_reason_without_raw_error(settings):
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE)
    model = ScriptedChatModel(script=[RuntimeError(SECRET)])
    ctx = _with_deep_model(settings, model, knowledge=FakeKnowledge())

    out = await graph.ainvoke(_ask(QUESTION), config, context=ctx)

    assert len(model.calls) == 1
    text = out["messages"][-1].text
    assert text.startswith("Nie mogę teraz napisać odpowiedzi (model jest niedostępny).")
    assert f"[{HEAT_PUMP.id}]" in text
    assert "sk-live" not in _dump(await _values(graph, config))
    assert [type(m) for m in out["messages"]] == [HumanMessage, AIMessage]


async def test_advisor_when_model_answers_empty_then_fallback_does_not_deny_the_model(settings):
    graph, config = _graph(), _config()
    await _session(graph, config, SHORT_NOTE)
    model = ScriptedChatModel(script=["   "])

    out = await graph.ainvoke(_ask(QUESTION), config, context=_with_deep_model(settings, model))

    assert len(model.calls) == 1
    assert "nie ma skonfigurowanego modelu" not in out["messages"][-1].text


# --- input checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [{"deep": True}, _ask(QUESTION), {"messages": [HumanMessage(QUESTION)]}],
    ids=["deep", "messages_as_dicts", "messages_as_objects"],
)
def test_validate_input_when_deep_or_messages_then_accepted_clearing_other_triggers(payload):
    checked = validate_input_payload(payload)

    # the input a run starts from sets every trigger, so none left by a failed run routes it
    assert {k: checked[k] for k in payload} == payload
    assert checked["text"] is None
    assert checked["deep"] is ("deep" in payload)


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"deep": False}, ["input.deep"]),
        ({"deep": "true"}, ["input.deep"]),
        ({"deep": True, "messages": []}, ["input", "input.messages"]),
        ({"messages": "x"}, ["input.messages"]),
        ({"deep": True, "foo": 1}, ["input.foo"]),
    ],
    ids=["deep_false", "deep_string", "both", "messages_not_a_list", "unknown_key"],
)
def test_validate_input_when_deep_or_messages_wrong_then_names_the_fields(payload, fields):
    with pytest.raises(InputValidationError) as caught:
        validate_input_payload(payload)
    assert [p["field"] for p in caught.value.problems] == fields


@pytest.mark.parametrize("messages", [[], [42]], ids=["empty", "not_a_message"])
def test_validate_input_when_messages_hold_no_question_then_refused(messages):
    with pytest.raises(InputValidationError) as caught:
        validate_input_payload({"messages": messages})
    assert [p["field"] for p in caught.value.problems] == ["input.messages"]
