"""The CRM-persona eval's own parts: its independent metrics and quality score on hand-built
histories, gates that fail when the product is wrong, the import round trip on SQLite and
PostgreSQL, and strict xfails for what the eval found wrong in the product."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evals.crm_persona import metric_checks as checks_module
from evals.crm_persona.crm import NOW, TENANT, EvalCrm, build_crm, store_crm
from evals.crm_persona.graph_checks import asks, evidence_problems
from evals.crm_persona.import_checks import differing, import_checks
from evals.crm_persona.independent import expected_metrics, expected_quality, patterns
from evals.crm_persona.metric_checks import metric_checks, same
from graphs.crm_persona import build_graph
from nodes.crm_persona.state import CrmPersonaContext
from store.crm import CrmContactRepository, CrmPersonaRepository
from tools.crm_persona.importing import parse_import, to_json_form
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.crm_persona.synthetic import generate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw


@pytest.fixture(scope="module")
def crm() -> EvalCrm:
    """The eval's contacts (built once: nothing here changes them)."""
    return build_crm()


def contact(**fields: Any) -> Contact:
    return Contact.model_validate({"id": "c1", "name": "Anna Nowak", **fields})


def outbound(i: int, **events: Any) -> dict[str, Any]:
    sent = T0 + timedelta(days=i)
    return {"id": f"e{i}", "sent_at": sent, "direction": "outbound", **events}


def test_expected_engagement_when_opens_are_machines_then_they_count_zero():
    sent = [T0 + timedelta(days=i) for i in range(3)]
    emails = [
        outbound(0, opens=[{"at": sent[0] + timedelta(minutes=5), "machine": True}]),
        outbound(1, opens=[{"at": sent[1] + timedelta(seconds=1.5)}]),  # Apple's prefetch
        outbound(2, opens=[{"at": sent[2] + timedelta(seconds=2)}]),  # a person, quickly
    ]
    found = expected_metrics(contact(emails=emails).model_dump())
    assert found["engagement"] == pytest.approx(0.3 / 3)
    assert found["human_open_rate"] == pytest.approx(1 / 3)


def test_expected_engagement_when_replies_and_clicks_then_strongest_event_each():
    emails = [
        outbound(0, opens=[], clicks=[{"at": T0 + timedelta(hours=1)}], replied_at=T0),
        outbound(1, opens=[], clicks=[{"at": T0 + timedelta(days=1, hours=1)}]),
        outbound(2, opens=[]),
        {"id": "in", "sent_at": T0, "direction": "inbound", "replied_at": T0},  # not ours
    ]
    found = expected_metrics(contact(emails=emails).model_dump())
    assert found["engagement"] == pytest.approx((1 + 0.8 + 0) / 3)
    assert (found["click_rate"], found["reply_rate"]) == (pytest.approx(2 / 3), 1 / 3)


def test_expected_rates_when_under_three_tracked_emails_then_none():
    untracked = {"id": "u", "sent_at": T0, "direction": "outbound"}
    found = expected_metrics(contact(emails=[outbound(0, opens=[]), untracked]).model_dump())
    assert found["engagement"] is None and found["reply_rate"] is None


def test_expected_response_time_when_four_replies_then_numpy_median_and_p75():
    delays = [1, 2, 3, 10]
    emails = [outbound(i, replied_at=T0 + timedelta(days=i, hours=h)) for i, h in enumerate(delays)]
    found = expected_metrics(contact(emails=emails).model_dump())
    assert found["response_median_h"] == pytest.approx(2.5)
    assert found["response_p75_h"] == pytest.approx(4.75)


def test_expected_frequency_when_two_notes_one_morning_then_span_is_a_day():
    notes = [
        {"at": T0, "text": "Pierwsza notatka."},
        {"at": T0 + timedelta(hours=1), "text": "Druga."},
    ]
    assert expected_metrics(contact(comments=notes).model_dump())["frequency_per_30_days"] == 60


def test_expected_deals_when_one_won_one_lost_one_open_then_cycle_and_conversion():
    deals = [
        {"id": "d1", "stage": "x", "created_at": T0, "closed_at": T0 + timedelta(days=10), "won": True},
        {"id": "d2", "stage": "x", "created_at": T0, "closed_at": T0 + timedelta(days=30), "won": False},
        {"id": "d3", "stage": "x", "created_at": T0},
    ]  # fmt: skip
    found = expected_metrics(contact(deals=deals).model_dump())
    assert (found["deal_cycle_median_days"], found["conversion"]) == (20, 0.5)


def test_patterns_when_six_of_fifteen_share_a_weekday_then_it_counts():
    # 6 of 15 is exactly 40%; 0.4 * 15 in floating point is a hair above 6.
    days = [0] * 6 + [1, 1, 1, 2, 2, 2, 3, 3, 3]
    calls = [
        {"type": "call", "at": T0 + timedelta(days=d + 7 * i, hours=(-3, 0, 4, 9)[i % 4])}
        for i, d in enumerate(days)
    ]
    raw = contact(activities=calls).model_dump()
    assert patterns(raw) == 2  # channel (all calls) and weekday; the hours fall in 4 bands
    assert expected_quality(raw) == behaviour(Contact.model_validate(raw))["data_quality"]["score"]


def test_expected_quality_when_volume_emails_deals_and_patterns_then_seed_004_points():
    emails = [outbound(i, opens=[]) for i in range(2)]
    deals = [{"id": "d1", "stage": "x", "created_at": T0}]
    raw = contact(emails=emails, deals=deals).model_dump()
    assert expected_quality(raw) == 2 * 2.5 + 10 + 10 + 0


def test_same_when_both_missing_or_within_tolerance_then_equal():
    assert same(None, None) and same(1.0, 1.0 + 1e-12) and same(0.0, 5e-10)
    assert not same(None, 0.0) and not same(1.0, 1.0001)


def test_metric_checks_when_behaviour_misreads_a_machine_open_then_the_gate_drops(monkeypatch, crm):
    raw = [c.model_dump() | {"source": "synthetic"} for c in crm.synthetic[:12]]

    def counts_every_open(found_for: Contact) -> dict[str, Any]:
        found = behaviour(found_for)
        engagement = found["email"]["engagement"]
        if engagement["value"] is not None:
            engagement["value"] = min(1.0, engagement["value"] + 0.3)
        return found

    monkeypatch.setattr(checks_module, "behaviour", counts_every_open)
    metrics, cases = metric_checks(raw, {c["id"]: crm.archetype[c["id"]] for c in raw})
    assert metrics["metrics_match"] < 1.0
    assert any("engagement" in f for c in cases for f in c["failures"])


def test_metric_checks_on_the_eval_crm_then_every_gate_met(crm):
    raw = [c.model_dump() for c in crm.contacts]
    metrics, _ = metric_checks(raw, crm.archetype)
    assert metrics["metrics_match"] == metrics["quality_exact"] == 1.0
    assert metrics["machine_open_not_engaged"] == 1.0 and metrics["replying_engaged"] >= 0.95


def test_eval_crm_when_built_twice_then_identical_and_quality_spread(crm):
    first, second = crm, build_crm()
    assert [c.model_dump() for c in first.contacts] == [c.model_dump() for c in second.contacts]
    scores = {behaviour(c)["data_quality"]["score"] for c in first.contacts}
    assert min(scores) == 0 and max(scores) == 100 and len(scores) > 15


def test_asks_when_built_then_every_fallback_reason_and_mode_is_asked(crm):
    wanted = {a.want for a in asks(crm)}
    assert wanted == {
        ("basic", "thin_history"),
        ("basic", "low_quality"),
        ("basic", "retrieval_failed"),
        ("basic", None),
        ("rag", None),
    }


def _persona(claims: list[dict[str, Any]], evidence: list[str]) -> dict[str, Any]:
    sections = {
        name: {"status": "generated", "claims": claims}
        for name in (
            "communication_style",
            "pain_points",
            "buying_motivations",
            "likely_objections",
            "recommended_approach",
        )
    }
    body = {"role": {"evidence": ["field-role"]}, **sections}
    return {
        "persona": body,
        "generation": {"evidence": [{"id": i, "text": "..."} for i in evidence]},
    }


def test_evidence_problems_when_unknown_id_or_phone_then_named():
    person = contact(email="Anna.Nowak@polmet.pl", phone="+48 601 234 567")
    fine = _persona(
        [{"text": "Odpowiada szybko.", "evidence": ["m-reply_rate"]}],
        ["m-reply_rate", "field-role"],
    )
    assert evidence_problems(fine, person) == []
    leaky = _persona(
        [{"text": "Dzwonić na 601234567, pisać na anna.nowak@polmet.pl.", "evidence": ["c-x"]}],
        ["m-reply_rate", "field-role"],
    )
    problems = evidence_problems(leaky, person)
    assert any("cites ['c-x']" in p for p in problems)
    assert "contains the e-mail" in problems and "contains the phone's last 9 digits" in problems


def test_differing_when_history_reordered_then_equal_and_when_click_added_then_named():
    emails = [outbound(i, opens=[], clicks=[]) for i in range(3)]
    a = contact(emails=emails)
    b = contact(emails=list(reversed(emails)))
    assert differing([a], [b]) == []
    clicked = [*emails[:2], outbound(2, opens=[], clicks=[{"at": T0 + timedelta(days=3)}])]
    assert differing([a], [contact(emails=clicked)]) == ["c1"]
    assert differing([a], []) == ["c1"]


async def test_import_checks_when_eval_contacts_stored_then_round_trip_whole(sessions, crm):
    few = [*crm.synthetic[:6], *crm.thin[:3], *crm.trimmed[:4], *crm.pii[:1]]
    await CrmContactRepository(sessions).import_contacts(
        TENANT, [c.model_dump() for c in few], now=NOW, source="synthetic"
    )
    metrics, cases = await import_checks(sessions, few, TENANT, now=NOW)
    assert metrics == {"import_roundtrip": 1.0}, [c for c in cases if not c["passed"]]
    assert {c["id"] for c in cases} >= {"import.bad_record_stores_nothing", "import.reimport_csv"}


async def test_store_crm_when_run_then_every_contact_created(sessions, crm):
    outcome = await store_crm(sessions, crm)
    assert outcome["created"] == [c.id for c in crm.contacts]


def test_synthetic_crm_when_exported_then_its_own_import_accepts_it():
    contacts = [g.contact for g in generate(80, seed=17, now=NOW)]
    data = json.dumps(to_json_form(contacts), ensure_ascii=False).encode()
    assert len(parse_import(data)) == 80


async def test_rag_offline_when_price_note_is_older_than_the_quoted_history_then_cited_ids_known(
    sessions,
):
    calls = [
        {"type": "call", "at": T0 + timedelta(days=40 + i), "outcome": "rozmowa"} for i in range(35)
    ]
    note = {"at": T0, "text": "Klient pyta o rabat, cena za wysoka."}
    old = contact(role="Dyrektor finansowy", activities=calls, comments=[note])
    await CrmContactRepository(sessions).import_contacts(
        TENANT, [old.model_dump()], now=NOW, source="json"
    )
    ctx = CrmPersonaContext(
        contacts=CrmContactRepository(sessions),
        personas=CrmPersonaRepository(sessions),
        tenant=TENANT,
        clock=lambda: NOW,
    )
    out = await build_graph().compile().ainvoke({"contact_id": "c1", "mode": "rag"}, context=ctx)
    persona = out["persona"]
    assert persona["mode"] == "rag"
    assert persona["persona"]["pain_points"]["status"] == "generated"  # the price note
    assert evidence_problems(persona, old) == []


def test_pii_copies_when_built_then_a_note_and_an_outcome_carry_the_email_and_phone(crm):
    for copy in crm.pii:
        assert any(copy.email in c.text and copy.phone in c.text for c in copy.comments)
        assert any(copy.phone in (a.outcome or "") for a in copy.activities)
