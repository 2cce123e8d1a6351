"""Persona generation graph: path, constraints, regeneration, duplicates, limits, errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from evals.persona_generation.fakes import embed, write_narrative
from graphs.persona_generation import build_graph, persona_writer
from nodes.persona_generation.state import PersonaContext
from sight.errors import InputValidationError
from tests.tools.model_fakes import policy_settings
from tools.models import ModelRouter, ScriptedChatModel

SEED_SEGMENT = {
    "segment_id": "seg_young_precariat",
    "segment_name": "Młodzi Prekariusze",
    "demographics": {
        "age_min": 18,
        "age_max": 24,
        "gender": "kobieta",
        "education_levels": ["wyższe"],
        "income_brackets": ["<3000 PLN"],
    },
    "count": 6,
}
SENIORS = {
    "segment_id": "seniorzy",
    "age_min": 65,
    "age_max": 80,
    "location": "Polska",
    "count": 6,
}


def _router(tmp_path, script: list[Any] | None = None, *, default=write_narrative, **limits):
    settings = policy_settings(tmp_path, model_fast=["fake/writer"], **limits)
    model = ScriptedChatModel(model_name="fake/writer", script=script or [], default=None)
    if default is not None:
        model.script.extend([default] * 500)
    return ModelRouter(settings, models={"fake/writer": model}), model


async def _run(payload: dict[str, Any], ctx: PersonaContext) -> tuple[dict, list[str], list]:
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    path, events = [], []
    async for mode, chunk in graph.astream(
        payload, config, context=ctx, stream_mode=["updates", "custom"]
    ):
        if mode == "updates":
            path.extend(chunk)
        else:
            events.append(chunk)
    state = await graph.aget_state(config)
    return state.values, path, events


async def test_generate_when_two_segments_then_personas_fit_constraints_and_report(tmp_path):
    router, model = _router(tmp_path)
    ctx = PersonaContext(models=router.for_run("r1"), embed=embed, run_id="r1")
    values, path, events = await _run({"segments": [SEED_SEGMENT, SENIORS], "seed": 1}, ctx)
    personas, report = values["personas"], values["report"]
    assert path[:3] == ["validate_input", "retrieve_context", "sample_profiles"]
    assert path.count("write_personas") == 1 and path[-2:] == ["validate_set", "save_personas"]
    assert len(model.calls) == 12
    assert len(personas) == 12 and report["stored"] == 12
    young = [p for p in personas if p["segment_id"] == "seg_young_precariat"]
    assert all(p["gender"] == "kobieta" and 18 <= p["age"] <= 24 for p in young)
    assert all(p["education"] == "wyższe" and p["income_bracket"] == "<3000 PLN" for p in young)
    assert all(65 <= p["age"] <= 80 for p in personas if p["segment_id"] == "seniorzy")
    assert report["constraint_satisfaction"]["rate"] == 1.0
    assert report["structured_output"]["validity"] == 1.0
    assert set(report["fidelity"]["segments"]) == {"seg_young_precariat", "seniorzy"}
    for p in personas:
        assert set(p["big_five"]) >= {"openness", "neuroticism"} and len(p["hofstede"]) == 6
        assert 0 <= p["score"] <= 100 and p["quality"]["status"] in ("accepted", "below_threshold")
        assert "embedding" not in p
    written = [e for e in events if e.get("event") == "persona_written"]
    assert [e["written"] for e in written] == list(range(1, 13))
    assert all(e["total"] == 12 for e in written)
    assert report["usage"]["calls"] == 12


async def test_generate_when_same_seed_then_same_profiles(tmp_path):
    runs = []
    for _ in range(2):
        router, _ = _router(tmp_path)
        values, _, _ = await _run(
            {"segments": [SENIORS], "seed": 42}, PersonaContext(models=router.for_run("r"))
        )
        runs.append([(p["age"], p["gender"], p["big_five"]) for p in values["personas"]])
    assert runs[0] == runs[1]


async def test_generate_when_draft_scores_low_then_regenerated_with_feedback(tmp_path):
    def english(messages):
        answer = json.loads(write_narrative(messages))
        answer["background_story"] = (
            "She is a young woman who likes her job and spends weekends with friends. "
            "She lives in a big city and rents a small flat with two other students."
        )
        return json.dumps(answer)

    one = {**SEED_SEGMENT, "count": 1}
    router, model = _router(tmp_path, [english])
    values, path, events = await _run(
        {"segments": [one], "seed": 3}, PersonaContext(models=router.for_run("r"), run_id="r")
    )
    assert path.count("write_personas") == 2 and path.count("review_personas") == 2
    persona = values["personas"][0]
    assert persona["quality"]["attempts"] == 2
    log = persona["quality"]["attempt_log"]
    assert "story_not_polish" in log[0]["codes"] and log[1]["score"] > log[0]["score"]
    retry_prompt = model.calls[1][1].text
    assert "odrzucona" in retry_prompt and "Napisz historię po polsku." in retry_prompt
    assert any(e.get("event") == "reviewed" and e["regenerating"] == 1 for e in events)


async def test_generate_when_attempts_run_out_then_template_text_with_the_reasons(tmp_path):
    def bad(messages):
        answer = json.loads(write_narrative(messages))
        answer["background_story"] = (
            "An English text about nothing in particular, long enough for the schema to accept it."
        )
        return json.dumps(answer)

    router, model = _router(tmp_path, [bad] * 3)
    ctx = PersonaContext(models=router.for_run("r"), max_attempts=3)
    values, path, _ = await _run({"segments": [{**SEED_SEGMENT, "count": 1}], "seed": 3}, ctx)
    assert path.count("write_personas") == 4 and len(model.calls) == 3  # the 4th: no model
    persona = values["personas"][0]
    assert persona["quality"]["writer"] == "template"
    assert "story_not_polish" in {r["code"] for r in persona["quality"]["writer_reasons"]}
    assert persona["quality"]["status"] == "accepted" and persona["score"] >= 70
    assert "English" not in persona["background_story"]
    assert [a["writer"] for a in persona["quality"]["attempt_log"]] == ["model"] * 3 + ["template"]
    report = values["report"]
    assert report["writer"]["template"] == 1 and report["writer"]["model_pass_rate"] == 0.0
    assert report["below_threshold"] == 0 and report["regenerations"] == 3


async def test_generate_when_two_personas_identical_then_later_one_regenerated(tmp_path):
    fixed = write_narrative  # same hints -> different texts; force one identical pair below
    first: dict[str, str] = {}

    def twin(messages):
        text = fixed(messages)
        return first.setdefault("answer", text)

    router, model = _router(tmp_path, [twin, twin])
    ctx = PersonaContext(models=router.for_run("r"), embed=embed, duplicate_threshold=0.95)
    values, path, _ = await _run({"segments": [{**SENIORS, "count": 2}], "seed": 5}, ctx)
    assert path.count("write_personas") == 2 and len(model.calls) == 3
    report = values["report"]
    assert report["rejected_duplicates"] == 0 and report["issue_counts"]["near_duplicate"] == 1
    names = [(p["first_name"], p["background_story"]) for p in values["personas"]]
    assert names[0] != names[1]


async def test_generate_when_output_never_valid_then_template_text_and_reported(tmp_path):
    router, _ = _router(tmp_path, ["not json"] * 6, default=None)
    ctx = PersonaContext(models=router.for_run("r"), max_attempts=3)
    values, _, _ = await _run({"segments": [{**SENIORS, "count": 1}], "seed": 5}, ctx)
    [persona] = values["personas"]
    assert persona["quality"]["writer"] == "template"
    codes = {r["code"] for r in persona["quality"]["writer_reasons"]}
    assert codes == {"structured_output_invalid"}
    report = values["report"]
    assert report["invalid"] == 0 and report["structured_output"]["validity"] == 0.0


async def test_generate_when_models_fail_then_template_text_without_more_model_calls(tmp_path):
    router, model = _router(tmp_path, [ValueError("boom")] * 10, default=None)
    values, path, _ = await _run(
        {"segments": [{**SENIORS, "count": 1}]}, PersonaContext(models=router.for_run("r"))
    )
    [persona] = values["personas"]
    assert persona["quality"]["writer"] == "template"
    [reason] = persona["quality"]["writer_reasons"]
    assert reason["code"] == "model_error" and "boom" not in reason["message"]
    assert path.count("write_personas") == 2  # the failed call, then the template at once
    assert len(model.calls) == 1  # not a retryable error: one call, then the template


async def test_generate_when_writer_is_template_then_no_model_call_and_stories_differ(tmp_path):
    router, model = _router(tmp_path)
    note = "local/smollm2-135m does not write Polish"
    ctx = PersonaContext(models=router.for_run("r"), writer="template", writer_note=note)
    values, _, _ = await _run({"segments": [{**SEED_SEGMENT, "count": 6}], "seed": 9}, ctx)
    assert model.calls == [] and len(values["personas"]) == 6
    stories = [p["background_story"] for p in values["personas"]]
    assert len(set(stories)) == 6 and len({s[40:120] for s in stories}) >= 5
    for p in values["personas"]:
        assert p["quality"]["writer"] == "template" and p["score"] >= 70
        assert p["quality"]["writer_reasons"] == [{"code": "model_not_used", "message": note}]
        assert p["first_name"] in p["background_story"]
    assert values["report"]["writer"]["model_pass_rate"] is None


async def test_generate_when_many_personas_then_in_flight_calls_capped_by_policy(tmp_path):
    settings = policy_settings(tmp_path, model_fast=["fake/writer"], max_concurrency={"fake": 4})
    model = ScriptedChatModel(model_name="fake/writer", script=[write_narrative] * 60, delay_s=0.01)
    router = ModelRouter(settings, models={"fake/writer": model})
    values, _, _ = await _run(
        {"segments": [{**SENIORS, "count": 40}], "seed": 2},
        PersonaContext(models=router.for_run("r")),
    )
    assert len(values["personas"]) == 40
    assert model.max_in_flight == 4  # 40 personas in 2 batches of 25 and 15


async def test_generate_when_budget_per_persona_spent_then_token_budget_exceeded(tmp_path):
    from sight.errors import BudgetExceededError

    router, _ = _router(tmp_path)
    ctx = PersonaContext(models=router.for_run("r"), tokens_per_persona=10)
    with pytest.raises(BudgetExceededError) as caught:
        await _run({"segments": [{**SENIORS, "count": 3}]}, ctx)
    assert caught.value.budget_name == "persona_tokens_per_persona"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "segments"),
        ({"segments": [{**SENIORS, "count": 0}]}, "segments[0].count"),
        ({"segments": [{**SENIORS, "count": 1001}]}, "segments[0].count"),
        ({"segments": [{k: v for k, v in SENIORS.items() if k != "count"}]}, "segments[0].count"),
        ({"segments": [{**SENIORS, "age_min": 90, "age_max": 20}]}, "segments[0].age_min"),
        ({"segments": [{**SENIORS, "gender": "kot"}]}, "segments[0].gender"),
        ({"segments": [SENIORS, SENIORS]}, "segments"),
        ({"segments": [SENIORS], "seed": -1}, "seed"),
        (
            {
                "segments": [
                    {"age_min": 15, "age_max": 17, "education_levels": ["wyższe"], "count": 1}
                ]
            },
            "segments[0]",
        ),
    ],
)
async def test_generate_when_input_bad_then_names_the_field_and_calls_no_model(
    tmp_path, payload, field
):
    router, model = _router(tmp_path)
    with pytest.raises(InputValidationError) as caught:
        await _run(payload, PersonaContext(models=router.for_run("r")))
    assert field in [p["field"] for p in caught.value.problems]
    assert model.calls == []


def test_validate_payload_when_unknown_field_then_refused_before_the_run():
    from graphs.persona_generation import validate_input_payload

    with pytest.raises(InputValidationError) as caught:
        validate_input_payload({"segments": [SENIORS], "colour": "red"})
    assert [p["field"] for p in caught.value.problems] == ["colour"]


async def test_generate_when_thread_reused_then_second_run_reports_only_its_own(tmp_path):
    router, _ = _router(tmp_path)
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "reused"}}
    ctx = PersonaContext(models=router.for_run("r"), embed=embed)
    first = await graph.ainvoke(
        {"segments": [{**SENIORS, "count": 5}], "seed": 1}, config, context=ctx
    )
    second = await graph.ainvoke({"segments": [{**SEED_SEGMENT, "count": 2}]}, config, context=ctx)
    assert first["report"]["requested"] == 5
    assert second["report"]["requested"] == 2 and second["report"]["structured_output"][
        "attempts"
    ] == len([a for p in second["personas"] for a in p["quality"]["attempt_log"]])
    assert {p["segment_id"] for p in second["personas"]} == {"seg_young_precariat"}


async def test_generate_when_run_cancelled_then_no_write_keeps_a_model_slot(tmp_path):
    import asyncio

    settings = policy_settings(tmp_path, model_fast=["fake/writer"], max_concurrency={"fake": 3})
    model = ScriptedChatModel(model_name="fake/writer", script=[write_narrative] * 30, delay_s=5.0)
    router = ModelRouter(settings, models={"fake/writer": model})
    graph = build_graph().compile(checkpointer=InMemorySaver())
    run = asyncio.create_task(
        graph.ainvoke(
            {"segments": [{**SENIORS, "count": 10}], "seed": 1},
            {"configurable": {"thread_id": "cancel"}},
            context=PersonaContext(models=router.for_run("r")),
        )
    )
    while model.max_in_flight < 3:
        await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    await asyncio.sleep(0.05)
    assert model._in_flight == 0
    limits = router.limits("fake")
    assert limits.semaphore is not None and limits.semaphore._value == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"segments": [{**SENIORS, "segment_id": "x" * 101}]}, "segments[0].segment_id"),
        ({"segments": [{**SENIORS, "segment_name": "y" * 201}]}, "segments[0].segment_name"),
        (
            {"segments": [{**SENIORS, "segment_id": f"s{i}", "count": 1000} for i in range(6)]},
            "segments",
        ),
    ],
)
def test_validate_when_too_long_or_too_many_then_refused(payload, field):
    from graphs.persona_generation import validate_input_payload

    with pytest.raises(InputValidationError) as caught:
        validate_input_payload(payload)
    assert field in [p["field"] for p in caught.value.problems]


class FlakyWriter(ScriptedChatModel):
    """Writes every persona, except that segment "broken" fails (after a pause) while ``fail``."""

    fail: bool = True

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs):
        import asyncio

        from langchain_core.messages import AIMessage
        from langchain_core.outputs import ChatGeneration, ChatResult

        self.calls.append(list(messages))
        if self.fail and "Segment: broken" in messages[0].text:
            await asyncio.sleep(0.2)  # the other batch has finished by now
            # A crash, not a provider error (that one falls back to the template writer).
            raise RuntimeError("Event loop is closed")
        answer = AIMessage(content=write_narrative(messages))
        return ChatResult(generations=[ChatGeneration(message=answer)])


async def test_generate_when_a_batch_fails_then_resume_rewrites_only_that_batch(tmp_path):
    settings = policy_settings(tmp_path, model_fast=["fake/writer"])
    model = FlakyWriter(model_name="fake/writer")
    router = ModelRouter(settings, models={"fake/writer": model})
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "resume"}}
    ctx = PersonaContext(models=router.for_run("r"), min_score=0)
    broken = {**SENIORS, "segment_id": "broken", "segment_name": "broken", "count": 1}
    payload = {"segments": [{**SENIORS, "count": 25}, broken], "seed": 1}

    with pytest.raises(RuntimeError):
        await graph.ainvoke(payload, config, context=ctx)
    first_calls = len(model.calls)
    model.fail = False
    out = await graph.ainvoke(None, config, context=ctx)

    assert len(out["personas"]) == 26
    assert first_calls == 26 and len(model.calls) == 27  # the 25 written ones were not redone


async def test_generate_when_segments_written_as_marketers_do_then_personas_in_matching_places(
    tmp_path,
):
    from tools.persona.places import place_of

    village = {
        "segment_id": "wies",
        "demographics": {"age_min": 30, "age_max": 60, "location": "na wsi",
                         "income_brackets": ["powyżej 5000 zł"]},
        "count": 5,
    }  # fmt: skip
    silesia = {"segment_id": "slask", "age_min": 25, "age_max": 45,
               "location": "województwo śląskie", "income_brackets": ["5-7 tys. zł"],
               "count": 5}  # fmt: skip
    router, _ = _router(tmp_path)
    values, _, _ = await _run(
        {"segments": [village, silesia], "seed": 7}, PersonaContext(models=router.for_run("r"))
    )
    personas, report = values["personas"], values["report"]
    assert len(personas) == 10 and report["constraint_satisfaction"]["rate"] == 1.0
    for p in personas:
        place = place_of(p["location"])
        if p["segment_id"] == "wies":
            assert place.settlement_class == "wieś" and p["location"].startswith("wieś ")
            assert p["income_bracket"] in ("5000-7500 PLN", "7500-10000 PLN", ">10000 PLN")
        else:
            assert place.voivodeship == "śląskie"
            assert p["income_bracket"] == "5000-7500 PLN"
    readings = report["segment_readings"]
    assert readings["wies"]["location_mapping"]["settlement_classes"] == ["wieś"]
    assert readings["slask"]["income_mapping"]["ranges_pln"] == [[5000.0, 7000.0]]
    assert personas[0]["segment"]["settlement_classes"] in (["wieś"], [])


@pytest.mark.parametrize(
    ("env", "writer", "attempts", "refine"),
    [
        ({"model_fast": ["local/smollm2-135m"]}, "template", 2, False),
        ({"model_fast": ["local/qwen2.5-1.5b"]}, "model", 2, False),
        ({"model_fast": ["local/qwen2.5-1.5b"], "persona_max_attempts": 4}, "model", 4, False),
        ({"model_fast": ["local/smollm2-135m"], "persona_writer": "model"}, "model", 2, False),
        ({"model_fast": ["gemini/gemini-2.5-flash"], "google_api_key": "k"}, "model", 3, True),
        (
            {
                "model_fast": ["gemini/gemini-2.5-flash"],
                "google_api_key": "k",
                "persona_writer": "template",
            },
            "template",
            3,
            True,
        ),
    ],
)
def test_persona_writer_when_settings_then_writer_attempts_and_refinement(
    tmp_path, env, writer, attempts, refine
):
    settings = policy_settings(tmp_path, **env)
    chosen = persona_writer(settings)
    assert (chosen["writer"], chosen["max_attempts"], chosen["refine_occupation"]) == (
        writer,
        attempts,
        refine,
    )
    assert (chosen["writer_note"] is None) == (writer == "model")
