"""The persona suite's narrative-consistency judge (used with real providers only)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from evals.persona_generation.factory import make_persona
from evals.persona_generation.suite import judge_narratives
from tests.tools.model_fakes import policy_settings
from tools.models import ModelRouter, ScriptedChatModel


async def test_judge_asks_the_deep_role_with_the_persona_and_parses_verdicts(tmp_path):
    settings = policy_settings(tmp_path, model_deep=["fake/judge"])
    verdicts = [
        json.dumps({"consistent": True, "problems": []}),
        json.dumps({"consistent": False, "problems": ["wiek w historii: 45, w danych: 30"]}),
    ]
    judge = ScriptedChatModel(model_name="fake/judge", script=verdicts)
    resources = SimpleNamespace(models=ModelRouter(settings, models={"fake/judge": judge}))
    persona = {**make_persona(0), "quality": {"top_values": ["security", "benevolence"]}}

    results = await judge_narratives(resources, [persona, persona])

    assert [r.consistent for r in results] == [True, False]
    assert results[1].problems == ["wiek w historii: 45, w danych: 30"]
    prompt = judge.calls[0][0].text
    assert "analityczka danych" in prompt and "security, benevolence" in prompt
