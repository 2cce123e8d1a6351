"""The pieces a CRM persona is written from: masking, the evidence catalogue, the rules'
persona, the check of a model's draft, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tools.crm_persona import evidence as ev
from tools.crm_persona.benchmarks import compared
from tools.crm_persona.check import check_draft
from tools.crm_persona.draft import CrmPersonaDraft
from tools.crm_persona.export import COLUMNS, personas_csv
from tools.crm_persona.masking import EMAIL_MASK, PHONE_MASK, mask
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.crm_persona.rules_writer import rules_persona

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday


def engaged_contact(**fields) -> Contact:
    """Replies within hours, meets on Tuesdays, talks about price in the notes."""
    emails = [
        {
            "id": f"e{i}",
            "sent_at": T0 + timedelta(days=7 * i),
            "direction": "outbound",
            "opens": [{"at": T0 + timedelta(days=7 * i, hours=1)}],
            "replied_at": T0 + timedelta(days=7 * i, hours=2 + i),
        }
        for i in range(6)
    ]
    meetings = [
        {"type": "meeting", "at": T0 + timedelta(days=7 * i + 1, hours=1), "duration_min": 45}
        for i in range(6)
    ]
    comments = [
        {"at": T0 + timedelta(days=3), "text": "Pyta o rabat, cena za wysoka. Tel. 601 234 567"},
        {"at": T0 + timedelta(days=10), "text": "Decyzja po akceptacji zarządu."},
    ]
    deals = [
        {"id": "d1", "stage": "won", "created_at": T0, "closed_at": T0 + timedelta(days=30), "won": True},
        {"id": "d2", "stage": "won", "created_at": T0, "closed_at": T0 + timedelta(days=40), "won": True},
    ]  # fmt: skip
    return Contact.model_validate(
        {
            "id": "c1",
            "name": "Anna Wiśniewska",
            "role": "Dyrektor ds. zakupów",
            "company": "Polmet Sp. z o.o.",
            "company_size": 120,
            "industry": "technology",
            "emails": emails,
            "activities": meetings,
            "comments": comments,
            "deals": deals,
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pisać na jan.kowalski@firma.pl", f"pisać na {EMAIL_MASK}"),
        ("tel. +48 601 234 567 po 16", f"tel. {PHONE_MASK} po 16"),
        ("dzwonić 601-234-567", f"dzwonić {PHONE_MASK}"),
        ("centrala (22) 123 45 67", f"centrala {PHONE_MASK}"),
    ],
)
def test_mask_when_contact_details_in_text_then_replaced(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", ["spotkanie 12.03.2026", "budżet 1 250 000 zł", "rabat 15%"])
def test_mask_when_dates_or_amounts_then_left_alone(text):
    assert mask(text) == text


def test_evidence_when_contact_has_history_then_ids_are_stable_and_masked():
    contact = engaged_contact()
    first = ev.interactions(contact)
    again = ev.interactions(engaged_contact())
    assert [e.id for e in first] == [e.id for e in again]
    ids = {e.id for e in first}
    assert {"e-e0", "d-d1"} <= ids
    assert len(ids) == len(first)  # one id per record
    assert all("601" not in e.text for e in first)
    assert first[0].at >= first[-1].at  # newest first


def test_evidence_when_metrics_given_then_rates_carry_n_and_interval():
    found = {e.id: e.text for e in ev.metrics(behaviour(engaged_contact()))}
    assert "n=6" in found["m-reply_rate"]
    assert "95% CI" in found["m-reply_rate"]
    thin = {e.id: e.text for e in ev.metrics(behaviour(Contact(id="x", name="X Y")))}
    assert "za mało danych" in thin["m-reply_rate"]


def test_rules_persona_when_history_rich_then_claims_cite_known_evidence():
    contact = engaged_contact()
    metrics = behaviour(contact)
    comparison = compared(metrics, contact.industry, contact.company_size)
    known = {
        e.id for e in ev.metrics(metrics) + ev.benchmarks(comparison) + ev.interactions(contact)
    }
    sections = rules_persona(contact, metrics, comparison)
    assert {
        "communication_style",
        "pain_points",
        "likely_objections",
        "recommended_approach",
    } <= set(sections)
    for claims in sections.values():
        for claim in claims:
            assert claim["evidence"] and set(claim["evidence"]) <= known, claim
    objections = " ".join(c["text"] for c in sections["likely_objections"])
    assert "ceny" in objections and "zarządu" in objections
    assert any("m-reply_rate" in c["evidence"] for c in sections["recommended_approach"])


def test_rules_persona_when_only_machine_opens_then_says_opens_mean_nothing():
    emails = [
        {"id": f"e{i}", "sent_at": T0 + timedelta(days=i), "direction": "outbound",
         "opens": [{"at": T0 + timedelta(days=i, seconds=1)}]}
        for i in range(6)
    ]  # fmt: skip
    contact = Contact.model_validate({"id": "c2", "name": "Piotr Nowak", "emails": emails})
    metrics = behaviour(contact)
    sections = rules_persona(contact, metrics, compared(metrics, None, None))
    texts = " ".join(c["text"] for c in sections["communication_style"])
    assert "automat" in texts
    assert not any(
        "m-reply_rate" in c["evidence"] for c in sections.get("recommended_approach", [])
    )


def _draft(**sections) -> CrmPersonaDraft:
    claim = {"text": "Odpowiada szybko na wiadomości.", "evidence": ["m-reply_rate"]}
    base = {name: [claim] for name in ("communication_style", "pain_points", "buying_motivations", "likely_objections", "recommended_approach")}  # fmt: skip
    return CrmPersonaDraft.model_validate({"persona_name": "Szybka Anna", **base, **sections})


def test_check_when_claim_cites_unknown_id_then_dropped_with_reason():
    draft = _draft(pain_points=[{"text": "Boi się wdrożenia systemu.", "evidence": ["c-nothere"]}])
    checked = check_draft(draft, {"m-reply_rate": "odpowiedzi na e-maile: 83,3% (n=6)"})
    assert checked.sections["pain_points"] == []
    assert checked.dropped[0]["reason"] == "unknown_evidence"
    assert checked.sections["communication_style"][0]["evidence"] == ["m-reply_rate"]


def test_check_when_claim_states_a_number_its_evidence_lacks_then_dropped():
    draft = _draft(
        communication_style=[
            {"text": "Odpowiada na 95% wiadomości.", "evidence": ["m-reply_rate"]},
            {"text": "Odpowiada na 83,3% wiadomości.", "evidence": ["m-reply_rate"]},
        ]
    )
    checked = check_draft(draft, {"m-reply_rate": "odpowiedzi na e-maile: 83,3% (n=6)"})
    assert [c["text"] for c in checked.sections["communication_style"]] == [
        "Odpowiada na 83,3% wiadomości."
    ]
    assert checked.dropped[0]["reason"] == "invented_number"


def test_check_when_draft_in_english_then_not_polish():
    claim = {
        "text": "She answers every email within hours and likes meetings.",
        "evidence": ["m-reply_rate"],
    }
    draft = CrmPersonaDraft.model_validate(
        {
            "persona_name": "Fast Anna",
            **{
                n: [claim]
                for n in (
                    "communication_style",
                    "pain_points",
                    "buying_motivations",
                    "likely_objections",
                    "recommended_approach",
                )
            },
        }  # fmt: skip
    )
    assert not check_draft(draft, {"m-reply_rate": "x"}).polish


def test_check_when_claim_repeats_a_phone_number_then_masked():
    draft = _draft(
        recommended_approach=[{"text": "Dzwoń na numer 601 234 567 rano.", "evidence": ["c-1"]}]
    )
    checked = check_draft(draft, {"m-reply_rate": "x", "c-1": "notatka: tel 601 234 567"})
    assert PHONE_MASK in checked.sections["recommended_approach"][0]["text"]


def test_export_csv_when_personas_then_one_row_each_and_formulas_defused():
    section = {"status": "generated", "source": "rules", "reason": None,
               "claims": [{"text": "=HYPERLINK(1)", "evidence": ["m-x"]}]}  # fmt: skip
    empty = {"status": "not_generated", "source": None, "reason": "model_off", "claims": []}
    persona = {
        "persona_name": "Anna",
        "role": {"value": "CFO", "status": "confirmed"},
        "company": {"name": "Polmet", "industry": "finance"},
        "communication_style": section,
        "pain_points": empty,
        "buying_motivations": empty,
        "likely_objections": empty,
        "recommended_approach": empty,
    }
    row = {"id": "p1", "contact_id": "c1", "version": 2, "created_at": "2026-12-07T10:00:00+00:00",
           "requested_mode": "rag", "mode": "basic", "fallback_reason": "thin_history",
           "data_quality": {"score": 12.5}, "persona": persona, "generation": {"writer": "rules"},
           "rating": {"mean": 4.5, "n": 2}}  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(personas_csv([row]))))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["communication_style"].startswith("'=HYPERLINK")
    assert rows[0]["pain_points"] == "[not generated: model_off]"
    assert rows[0]["fallback_reason"] == "thin_history"
    assert rows[0]["rating_mean"] == "4.5"
