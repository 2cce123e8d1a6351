"""Focus group graph: validation, estimate, answering in both modes, budget, resume, report."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from evals.focus_group.fakes import respondent_model
from evals.focus_group.setup import QUESTIONS, TENANT, persona_records, respondent_for
from evals.persona_generation.fakes import write_narrative
from graphs.context import RunInfo
from graphs.focus_group import build_graph, check_input_payload, make_context
from runtime.resources import open_resources
from sight.errors import BudgetTooSmallError, InputValidationError, ModelError
from sight.settings import load_settings
from store.personas import PersonaRepository
from tools.focus_group.estimate import filler
from tools.models import ModelRouter

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(tmp_path):
    """Resources on SQLite with 12 stored personas of tenant acme."""
    settings = load_settings(
        data_dir=tmp_path / "data", provider="fake", _env_file=None, max_concurrency={"fake": 4}
    )
    async with open_resources(settings) as resources:
        records = persona_records(12)
        await PersonaRepository(resources.sessions).add_many(
            records, report=None, run_id="fg-seed", tenant=TENANT, now=T0
        )
        yield resources, records


def _with_model(resources: Any, model: Any) -> None:
    resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})


async def _run(resources: Any, payload: dict[str, Any], *, run_id: str | None = None):
    run = RunInfo(run_id or str(uuid.uuid4()), "t1", TENANT)
    ctx = make_context(resources, run)
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    path, events = [], []
    async for mode, chunk in graph.astream(
        payload, config, context=ctx, stream_mode=["updates", "custom"]
    ):
        (path.extend(chunk) if mode == "updates" else events.append(chunk))
    state = await graph.aget_state(config)
    return state.values, path, events, ctx


async def test_survey_when_planted_answers_then_report_counts_them_and_stores_every_cell(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS)
    model = respondent_model(respondent)
    _with_model(resources, model)
    ids = [r["id"] for r in records]

    values, path, events, ctx = await _run(resources, {"personas": ids, "questions": QUESTIONS})

    assert path == [
        "validate_input",
        "estimate_cost",
        "answer_cells",
        "analyse_answers",
        "save_report",
    ]
    assert values["status"] == "completed"
    report = values["report"]
    assert report["cells"] == {"total": 48, "answered": 48, "failed": 0, "skipped_budget": 0}
    likert = next(q for q in report["questions"] if q["id"] == "zakup")
    # Planted points 1 + i % 5 for 12 personas: 1,2,3,4,5,1,2,3,4,5,1,2.
    assert likert["distribution"]["counts"] == {"1": 3, "2": 3, "3": 2, "4": 2, "5": 2}
    stored, total = await ctx.store.answers(values["focus_group_id"], TENANT)
    assert total == 48 and all(r["status"] == "answered" for r in stored)
    assert sum(r["tokens_in"] for r in stored) > 0
    # Every persona answered the questions in order, remembering its earlier answers.
    later = [c for c in model.calls if "Ile najwyżej" in c[-1].text]
    assert later and all("Twoje wcześniejsze odpowiedzi" in c[-1].text for c in later)
    assert any(e.get("event") == "estimate" for e in events)
    assert events[-1]["event"] == "saved"
    spend = values["spend"]
    assert spend["tokens"] == sum(r["tokens_in"] + r["tokens_out"] for r in stored)


async def test_validate_when_ids_unknown_or_foreign_then_422_names_them_and_stores_nothing(
    world,
):
    resources, records = world
    _with_model(resources, respondent_model(respondent_for(records, QUESTIONS)))
    foreign = persona_records(1, run_id="other")[0]
    await PersonaRepository(resources.sessions).add_many(
        [foreign], report=None, run_id="other", tenant="globex", now=T0
    )
    payload = {"personas": [records[0]["id"], foreign["id"], "nope"], "questions": QUESTIONS}

    with pytest.raises(InputValidationError) as caught:
        await check_input_payload(payload, resources, TENANT)

    message = caught.value.problems[0]["message"]
    assert foreign["id"] in message and "nope" in message and records[0]["id"] not in message
    with pytest.raises(InputValidationError):
        await _run(resources, payload)
    listed, total = await make_context(resources).store.list(TENANT, limit=10, offset=0)
    assert total == 0


async def test_estimate_only_then_no_model_call_and_estimate_grows_with_memory(world):
    resources, records = world
    model = respondent_model(respondent_for(records, QUESTIONS))
    _with_model(resources, model)
    ids = [r["id"] for r in records]
    base = {"personas": ids, "questions": QUESTIONS, "estimate_only": True}

    none, path, _, _ = await _run(resources, {**base, "memory": "none"})
    full, _, _, _ = await _run(resources, {**base, "memory": "full"})

    assert model.calls == [] and path == ["validate_input", "estimate_cost"]
    assert none["status"] == "estimated" and none["report"] is None
    assert full["estimate"]["tokens"] > none["estimate"]["tokens"] > 0
    assert none["estimate"]["cells"] == 48


async def test_budget_when_estimate_over_it_then_refused_before_any_call(world):
    resources, records = world
    model = respondent_model(respondent_for(records, QUESTIONS))
    _with_model(resources, model)
    payload = {
        "personas": [r["id"] for r in records],
        "questions": QUESTIONS,
        "budget": {"max_tokens": 500},
    }

    with pytest.raises(BudgetTooSmallError) as caught:
        await check_input_payload(payload, resources, TENANT)
    assert caught.value.details["budget"] == {"max_tokens": 500}
    with pytest.raises(BudgetTooSmallError):
        await _run(resources, payload)
    assert model.calls == []


async def test_budget_when_answers_run_long_then_cells_skipped_and_spend_within(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS)
    _with_model(resources, respondent_model(respondent))
    ids = [r["id"] for r in records]
    priced, *_ = await _run(
        resources, {"personas": ids, "questions": QUESTIONS, "estimate_only": True}
    )

    def wordy(messages):
        answer = respondent(messages)
        data = json.loads(answer.text)
        for key, chars in (("text", 590), ("reason", 295)):
            if key in data:
                data[key] = filler(chars)  # answers at the longest their schema allows
        return type(answer)(content=json.dumps(data, ensure_ascii=False))

    # Answers far longer than typical: the estimate fits the budget, the real spend would not.
    _with_model(resources, respondent_model(wordy))  # type: ignore[arg-type]
    budget = int(priced["estimate"]["tokens"] * 1.02)
    values, _, events, _ = await _run(
        resources, {"personas": ids, "questions": QUESTIONS, "budget": {"max_tokens": budget}}
    )

    assert values["status"] == "partial"
    skipped = values["report"]["cells"]["skipped_budget"]
    skip_events = [e for e in events if e.get("event") == "skipped"]
    assert skipped > 0 and skip_events[0]["skipped_budget"] == 1
    assert 1 <= len(skip_events) <= skipped
    assert values["spend"]["tokens"] <= budget


async def test_failing_model_then_cells_failed_with_typed_error_and_run_partial(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS)
    calls = {"n": 0}

    def flaky(messages):
        calls["n"] += 1
        if "Jaki napęd" in messages[-1].text:
            raise ModelError("provider down")
        return respondent(messages)

    _with_model(resources, respondent_model(flaky))  # type: ignore[arg-type]
    values, *_ = await _run(
        resources, {"personas": [r["id"] for r in records[:4]], "questions": QUESTIONS}
    )
    assert values["status"] == "partial"
    assert values["report"]["cells"]["failed"] == 4
    stored, _ = await make_context(resources).store.answers(
        values["focus_group_id"], TENANT, question_id="naped"
    )
    assert {r["error"]["code"] for r in stored} == {"model_error"}


async def test_discussion_when_two_rounds_then_each_persona_reacts_to_a_digest(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS[:2])
    model = respondent_model(respondent)
    _with_model(resources, model)
    ids = [r["id"] for r in records[:5]]

    values, _, events, ctx = await _run(
        resources,
        {"personas": ids, "questions": QUESTIONS[:2], "mode": "discussion", "rounds": 2},
    )

    assert values["report"]["cells"]["total"] == 5 * 2 * 3
    assert values["status"] == "completed"
    digests = [c for c in model.calls if "Inni uczestnicy odpowiedzieli" in c[-1].text]
    assert len(digests) == 5 * 2 * 2
    assert [e["round"] for e in events if e.get("event") == "round"] == [1, 2, 1, 2]
    stored, _ = await ctx.store.answers(values["focus_group_id"], TENANT, question_id="zakup")
    reactions = [r for r in stored if r["round"] > 0]
    assert all(r["answer"]["changed"] is False and "point" in r["answer"] for r in reactions)


async def test_resume_when_killed_after_k_answers_then_only_the_rest_are_asked(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS)
    answered = {"n": 0}
    enough = asyncio.Event()

    def counting(messages):
        answered["n"] += 1
        if answered["n"] >= 10:
            enough.set()
        return respondent(messages)

    _with_model(resources, respondent_model(counting, delay_s=0.02))  # type: ignore[arg-type]
    ids = [r["id"] for r in records[:6]]
    run_id = str(uuid.uuid4())
    first = asyncio.create_task(
        _run(resources, {"personas": ids, "questions": QUESTIONS}, run_id=run_id)
    )
    await enough.wait()
    first.cancel()  # the process dies: calls in flight and uncommitted rows are lost
    with pytest.raises(asyncio.CancelledError):
        await first
    ctx = make_context(resources, RunInfo(run_id, "t1", TENANT))
    fg_id = (await ctx.store.list(TENANT, limit=5, offset=0))[0][0].id
    kept = len(await ctx.store.cells(fg_id))
    assert 0 < kept < 24

    again = respondent_model(respondent_for(records, QUESTIONS))
    _with_model(resources, again)
    values, *_ = await _run(resources, {"personas": ids, "questions": QUESTIONS}, run_id=run_id)

    answer_calls = [c for c in again.calls if "Pytanie:" in c[-1].text]
    assert len(answer_calls) == 6 * 4 - kept
    assert values["report"]["cells"]["answered"] == 24


async def test_rerun_failed_then_only_failed_cells_asked_into_the_same_focus_group(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS)

    def down_for_naped(messages):
        if "Jaki napęd" in messages[-1].text:
            raise ModelError("provider down")
        return respondent(messages)

    _with_model(resources, respondent_model(down_for_naped))  # type: ignore[arg-type]
    ids = [r["id"] for r in records[:4]]
    first, *_ = await _run(resources, {"personas": ids, "questions": QUESTIONS})
    assert first["status"] == "partial" and first["report"]["cells"]["failed"] == 4

    healed = respondent_model(respondent_for(records, QUESTIONS))
    _with_model(resources, healed)
    again, path, _, ctx = await _run(resources, {"rerun_failed": first["focus_group_id"]})

    asked = [c for c in healed.calls if "Pytanie:" in c[-1].text]
    assert len(asked) == 4 and all("Jaki napęd" in c[-1].text for c in asked)
    assert again["focus_group_id"] == first["focus_group_id"]
    assert again["status"] == "completed" and again["report"]["cells"]["answered"] == 16
    assert again["spend"]["tokens"] > first["spend"]["tokens"]
    stored = await ctx.store.get(first["focus_group_id"], TENANT)
    assert stored.status == "completed" and stored.report["cells"]["failed"] == 0


async def test_analysis_when_capable_models_then_model_sentiment_and_theme_names(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS[:2])
    model = respondent_model(respondent)
    _with_model(resources, model)
    run = RunInfo(str(uuid.uuid4()), "t1", TENANT)
    ctx = make_context(resources, run)
    ctx.sentiment_by_model, ctx.theme_labels_by = True, "fake/scripted"
    graph = build_graph().compile(checkpointer=InMemorySaver())
    payload = {"personas": [r["id"] for r in records], "questions": QUESTIONS[:2]}

    values = await graph.ainvoke(payload, {"configurable": {"thread_id": "s"}}, context=ctx)

    blocks = {q["id"]: q for q in values["report"]["questions"]}
    # The respondent labels every statement negative; the lexicon would not.
    assert blocks["bariery"]["sentiment"]["counts"]["negative"] == 12
    assert blocks["zakup"]["sentiment"]["methods"] == {"model": 12, "lexicon": 0}
    assert all(t["label_method"] == "model" for t in blocks["bariery"]["themes"])
    assert all(t["label"].startswith("Temat ") for t in blocks["bariery"]["themes"])
    stored, _ = await ctx.store.answers(values["focus_group_id"], TENANT, question_id="zakup")
    assert all(r["sentiment"]["method"] == "model" for r in stored)


async def test_answer_when_prose_echoes_the_question_then_asked_once_more_and_better_kept(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS[:1])
    question = QUESTIONS[0]["text"]

    def echo_first(messages):
        if "odrzucona" in messages[-1].text:
            return respondent(messages)  # the retry answers properly
        echo = f"{question} {question}"
        return type(respondent(messages))(content=json.dumps({"text": echo}, ensure_ascii=False))

    model = respondent_model(echo_first)  # type: ignore[arg-type]
    _with_model(resources, model)
    values, _, _, ctx = await _run(
        resources, {"personas": [r["id"] for r in records[:3]], "questions": QUESTIONS[:1]}
    )

    stored, _ = await ctx.store.answers(values["focus_group_id"], TENANT)
    assert len(model.calls) == 6
    assert all(r["attempts"] == 2 and r["checks"] == [] for r in stored)
    assert all(question not in r["text"] for r in stored)
    assert values["report"]["quality"]["asked_again"] == 3


async def test_generate_then_personas_written_first_and_their_spend_counts(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS[:2])

    def both(messages):
        if "badaczem rynku" in messages[0].text:  # persona generation's writer
            return write_narrative(messages)
        return respondent(messages)

    _with_model(resources, respondent_model(both))  # type: ignore[arg-type]
    segment = {"segment_id": "mlodzi", "age_min": 25, "age_max": 34, "count": 3}
    values, path, events, ctx = await _run(
        resources, {"generate": {"segments": [segment], "seed": 3}, "questions": QUESTIONS[:2]}
    )

    assert path[:3] == ["validate_input", "generate_personas", "estimate_cost"]
    generated = next(e for e in events if e.get("event") == "generated_personas")
    assert generated["count"] == 3 and generated["tokens"] > 0
    assert values["estimate"]["generate"]["tokens"] == generated["tokens"]
    stored = await ctx.store.get(values["focus_group_id"], TENANT)
    assert len(stored.persona_ids) == 3 and values["report"]["cells"]["answered"] == 6
    rows, _ = await ctx.store.answers(values["focus_group_id"], TENANT)
    answered = sum(r["tokens_in"] + r["tokens_out"] for r in rows)
    assert values["spend"]["tokens"] == answered + generated["tokens"]


async def test_rerun_when_only_estimated_then_focus_group_untouched_and_rerunnable(world):
    resources, records = world

    def down(messages):
        raise ModelError("provider down")

    _with_model(resources, respondent_model(down))  # type: ignore[arg-type]
    ids = [r["id"] for r in records[:2]]
    first, *_ = await _run(resources, {"personas": ids, "questions": QUESTIONS[:1]})
    fg_id = first["focus_group_id"]

    priced, *_ = await _run(resources, {"rerun_failed": fg_id, "estimate_only": True})
    stored = await make_context(resources).store.get(fg_id, TENANT)
    assert priced["status"] == "estimated" and priced["estimate"]["open_cells"] == 2
    assert stored.status == "partial"

    _with_model(resources, respondent_model(respondent_for(records, QUESTIONS[:1])))
    again, *_ = await _run(resources, {"rerun_failed": fg_id})
    assert again["status"] == "completed"


async def test_resume_when_run_dies_before_analysis_then_spend_still_counts_every_answer(world):
    resources, records = world
    _with_model(resources, respondent_model(respondent_for(records, QUESTIONS[:2])))
    ids = [r["id"] for r in records[:3]]
    graph = build_graph().compile(
        checkpointer=InMemorySaver(), interrupt_before=["analyse_answers"]
    )
    config = {"configurable": {"thread_id": "dies"}}
    run = RunInfo(str(uuid.uuid4()), "t1", TENANT)
    await graph.ainvoke(
        {"personas": ids, "questions": QUESTIONS[:2]}, config, context=make_context(resources, run)
    )

    # A new process: a new context, its ledger empty until the stored answers rebuild it.
    values = await graph.ainvoke(None, config, context=make_context(resources, run))

    rows, _ = await make_context(resources).store.answers(values["focus_group_id"], TENANT)
    assert values["spend"]["tokens"] == sum(r["tokens_in"] + r["tokens_out"] for r in rows) > 0


async def test_estimate_only_when_generate_then_no_persona_written_and_no_model_called(world):
    resources, records = world
    model = respondent_model(respondent_for(records, QUESTIONS))
    _with_model(resources, model)
    segment = {"segment_id": "mlodzi", "age_min": 25, "age_max": 34, "count": 5}

    values, path, *_ = await _run(
        resources,
        {"generate": {"segments": [segment]}, "questions": QUESTIONS, "estimate_only": True},
    )

    assert path == ["validate_input", "estimate_cost"] and model.calls == []
    assert values["estimate"]["cells"] == 20 and values["estimate"]["generate"]["tokens"] > 0


async def test_discussion_when_a_persona_has_no_answer_then_its_reactions_count_as_failed(world):
    resources, records = world
    respondent = respondent_for(records, QUESTIONS[:1])
    first_name = records[0]["first_name"] + " " + records[0]["last_name"]

    def one_down(messages):
        if first_name in messages[0].text:
            raise ModelError("provider down")
        return respondent(messages)

    _with_model(resources, respondent_model(one_down))  # type: ignore[arg-type]
    ids = [r["id"] for r in records[:5]]
    values, *_ = await _run(
        resources, {"personas": ids, "questions": QUESTIONS[:1], "mode": "discussion"}
    )

    cells = values["report"]["cells"]
    assert cells == {"total": 10, "answered": 8, "failed": 2, "skipped_budget": 0}
    themes = values["report"]["questions"][0]["themes"]
    # Themes read what the personas said, not their reactions to each other.
    assert all("Zgadzam się" not in t["quote"]["text"] for t in themes)
