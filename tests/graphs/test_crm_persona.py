"""The crm_persona graph on SQLite and PostgreSQL: the mode used and why it fell back, the
model's claims checked against the evidence (rules fill the rest, or everything offline), PII
kept out of the prompt, versions kept, and another tenant's contact not found."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graphs.crm_persona import build_graph, validate_input_payload
from nodes.crm_persona.state import CrmPersonaContext
from sight.errors import InputValidationError, NotFoundError
from store.crm import CrmContactRepository, CrmPersonaRepository
from tests.graphs.dojo_support import fake_settings, scripted_models
from tests.tools.test_crm_persona_writing import engaged_contact
from tools.crm_persona.draft import SECTIONS

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _claims(evidence: list[str]) -> list[dict[str, Any]]:
    return [{"text": "Odpowiada szybko i konkretnie na wiadomości.", "evidence": evidence}]


def model_draft(**override: Any) -> str:
    draft = {
        "persona_name": "Konkretna Anna",
        "role": "Prezes",  # the contact has a role: this inference must not replace it
        "communication_style": _claims(["m-reply_rate", "m-response_contact"]),
        "pain_points": [{"text": "Obawia się wysokiej ceny wdrożenia.", "evidence": ["c-nothere"]}],
        "buying_motivations": _claims(["m-conversion"]),
        "likely_objections": _claims(["m-deal_cycle"]),
        "recommended_approach": _claims(["m-pattern_channel"]),
    }
    return json.dumps(draft | override, ensure_ascii=False)


async def stored(sessions, tenant: str = "acme", **fields: Any) -> CrmContactRepository:
    contacts = CrmContactRepository(sessions)
    contact = engaged_contact(email="anna.w@polmet.pl", phone="+48 601 234 567", **fields)
    await contacts.import_contacts(tenant, [contact.model_dump()], now=NOW, source="json")
    return contacts


def context(sessions, models=None, **overrides: Any) -> CrmPersonaContext:
    values: dict[str, Any] = {
        "contacts": CrmContactRepository(sessions),
        "personas": CrmPersonaRepository(sessions),
        "models": models,
        "use_model": models is not None,
        "model_name": "fake/deep" if models is not None else None,
        "tenant": "acme",
        "clock": lambda: NOW,
    }
    return CrmPersonaContext(**(values | overrides))


async def run(ctx: CrmPersonaContext, mode: str = "rag", contact_id: str = "c1") -> dict[str, Any]:
    out = (
        await build_graph().compile().ainvoke({"contact_id": contact_id, "mode": mode}, context=ctx)
    )
    return out["persona"]


async def test_rag_offline_when_history_rich_then_rules_write_with_evidence(sessions):
    await stored(sessions)
    persona = await run(context(sessions))
    assert (persona["mode"], persona["fallback_reason"], persona["version"]) == ("rag", None, 1)
    known = {e["id"] for e in persona["generation"]["evidence"]}
    body = persona["persona"]
    assert body["role"] == {
        "value": "Dyrektor ds. zakupów",
        "status": "confirmed",
        "evidence": ["field-role"],
    }
    assert body["communication_style"]["source"] == "rules"
    for name in SECTIONS:
        for claim in body[name]["claims"]:
            assert set(claim["evidence"]) <= known
    assert body["buying_motivations"]["status"] == "generated"  # two won deals
    # 14 interactions x 2.5 + 20 (tracked e-mails) + 20 (closed deals) + 10 (patterns)
    assert persona["data_quality"]["score"] == 85
    assert persona["generation"]["writer"] == "rules"


async def test_rag_when_history_thin_then_basic_with_the_reason(sessions):
    contacts = CrmContactRepository(sessions)
    await contacts.import_contacts(
        "acme", [{"id": "t1", "name": "Ewa Zielińska", "role": "CFO"}], now=NOW, source="json"
    )
    persona = await run(context(sessions), contact_id="t1")
    assert (persona["requested_mode"], persona["mode"]) == ("rag", "basic")
    assert persona["fallback_reason"] == "thin_history"
    pains = persona["persona"]["pain_points"]
    assert pains["status"] == "not_generated" and pains["reason"] == "model_off"


async def test_rag_when_quality_under_the_minimum_then_basic_low_quality(sessions):
    await stored(sessions)
    persona = await run(context(sessions, min_quality=100.5))
    assert (persona["mode"], persona["fallback_reason"]) == ("basic", "low_quality")


async def test_rag_when_retrieval_fails_then_basic_retrieval_failed(sessions):
    await stored(sessions)
    contacts = CrmContactRepository(sessions)

    async def broken(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise ConnectionError("database gone")

    contacts.load_many = broken  # type: ignore[method-assign]
    persona = await run(context(sessions, contacts=contacts))
    assert (persona["mode"], persona["fallback_reason"]) == ("basic", "retrieval_failed")


async def test_basic_requested_then_basic_without_reason_and_no_history_in_prompt(
    sessions, tmp_path: Path
):
    await stored(sessions)
    models, fakes = scripted_models(fake_settings(tmp_path), deep=[model_draft()])
    persona = await run(context(sessions, models), mode="basic")
    assert (persona["mode"], persona["fallback_reason"]) == ("basic", None)
    prompt = fakes["fake/deep"].calls[0][-1].text  # the user message (the system's is fixed)
    assert "[e-e0]" not in prompt and "[m-reply_rate]" not in prompt
    assert "field-role" in prompt


async def test_model_claims_kept_when_cited_and_dropped_when_not(sessions, tmp_path: Path):
    await stored(sessions)
    models, fakes = scripted_models(fake_settings(tmp_path), deep=[model_draft()])
    persona = await run(context(sessions, models))
    body = persona["persona"]
    assert body["persona_name"] == "Konkretna Anna"
    assert body["communication_style"]["source"] == "model"
    assert body["role"]["status"] == "confirmed"  # the CRM's role, not the model's guess
    # The pain point cited an id that does not exist: dropped; the rules' (price in notes) stand.
    assert body["pain_points"]["source"] == "rules"
    assert body["pain_points"]["reason"] == "model_claims_dropped"
    assert persona["generation"]["dropped_claims"][0]["reason"] == "unknown_evidence"
    assert persona["generation"]["model"] == "fake/deep"
    prompt = "\n".join(m.text for m in fakes["fake/deep"].calls[0])
    assert "anna.w@polmet.pl" not in prompt and "601 234 567" not in prompt
    assert "[telefon]" in prompt  # the phone number in a note was masked


async def test_model_failure_then_rules_write_and_the_error_is_recorded(sessions, tmp_path: Path):
    await stored(sessions)
    models, _ = scripted_models(fake_settings(tmp_path), deep=[TimeoutError("slow")] * 4)
    persona = await run(context(sessions, models))
    assert persona["generation"]["writer"] == "rules"
    assert persona["generation"]["model_error"] == "model_error"
    assert persona["persona"]["communication_style"]["reason"] == "model_error"
    assert persona["persona"]["communication_style"]["source"] == "rules"


async def test_model_answering_in_english_then_rules_and_marked(sessions, tmp_path: Path):
    await stored(sessions)
    english = [{"text": "She answers quickly and to the point.", "evidence": ["m-reply_rate"]}]
    draft = model_draft(**{name: english for name in SECTIONS}, persona_name="Fast Anna")
    models, _ = scripted_models(fake_settings(tmp_path), deep=[draft])
    persona = await run(context(sessions, models))
    assert persona["persona"]["persona_name_source"] == "rules"
    assert persona["persona"]["communication_style"]["reason"] == "model_not_polish"


async def test_regenerating_keeps_the_earlier_versions(sessions):
    await stored(sessions)
    first = await run(context(sessions))
    second = await run(context(sessions))
    assert (first["version"], second["version"]) == (1, 2)
    history = await CrmPersonaRepository(sessions).history("acme", "c1")
    assert [h["version"] for h in history] == [2, 1]


async def test_another_tenants_contact_is_not_found(sessions):
    await stored(sessions, tenant="globex")
    with pytest.raises(NotFoundError):
        await run(context(sessions))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"mode": "rag"}, "input.contact_id"),
        ({"contact_id": "c1", "mode": "deep"}, "input.mode"),
        ({"contact_id": "c1", "extra": 1}, "input.extra"),
    ],
)
def test_input_when_bad_then_422_naming_the_field(payload, field):
    with pytest.raises(InputValidationError) as caught:
        validate_input_payload(payload)
    assert caught.value.problems[0]["field"] == field


def test_input_when_mode_left_out_then_rag():
    assert validate_input_payload({"contact_id": " c1 "}) == {"contact_id": "c1", "mode": "rag"}


@pytest.mark.parametrize(
    ("setting", "provider", "expected"),
    [
        ("auto", "local", False),  # ~2 min a persona on a CPU
        ("auto", "fake", True),
        ("on", "local", True),
        ("off", "fake", False),
    ],
)
def test_uses_model_when_auto_then_hosted_or_fake_only(tmp_path: Path, setting, provider, expected):
    from graphs.crm_persona import uses_model
    from sight.settings import load_settings

    settings = load_settings(
        data_dir=tmp_path, provider=provider, crm_persona_model=setting, _env_file=None
    )
    assert uses_model(settings) is expected


async def test_rag_when_notes_older_than_the_quoted_history_then_still_cited_and_kept(sessions):
    await stored(sessions)  # the price note is older than the 5 newest interactions
    persona = await run(context(sessions, history_items=5))
    known = {e["id"] for e in persona["generation"]["evidence"]}
    objections = persona["persona"]["likely_objections"]["claims"]
    cited = {i for claim in objections for i in claim["evidence"]}
    assert any(i.startswith("c-") for i in cited)
    assert cited <= known
