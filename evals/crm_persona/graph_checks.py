"""Gates through the real crm_persona graph, offline (rules write): each fallback with its
reason, and every stored persona citing only its own evidence and never the contact's e-mail
or phone."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.crm_persona.crm import NOW, TENANT, EvalCrm
from graphs.crm_persona import build_graph
from nodes.crm_persona.state import CrmPersonaContext
from store.crm import CrmContactRepository, CrmPersonaRepository
from tools.crm_persona.draft import SECTIONS
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact

RICH_PER_ARCHETYPE = 5  # rag personas per archetype (each reads the whole pool: ~0.3 s)


@dataclass(frozen=True)
class Ask:
    """One graph run and what it must come back with."""

    contact: Contact
    mode: str
    want: tuple[str, str | None]  # (mode used, fallback reason)
    why: str
    overrides: Mapping[str, Any] | None = None


class BrokenContacts(CrmContactRepository):
    """The real repository whose pool read fails, as a database gone mid-run would."""

    async def load_many(self, tenant: str, *, limit: int = 2000) -> list[dict[str, Any]]:
        raise ConnectionError("the look-alike pool could not be read")


def asks(crm: EvalCrm) -> list[Ask]:
    """Every run of the fallback gate (the rich ones also feed evidence_valid)."""
    rich = []
    for kind in ("szybki_decydent", "analityk", "milczek", "relacyjny"):
        rich += [c for c in crm.synthetic if crm.archetype[c.id] == kind][:RICH_PER_ARCHETYPE]
    found = [Ask(c, "rag", ("basic", "thin_history"), "thin") for c in crm.thin]
    for contact in [rich[0], rich[5], *(c for c in crm.trimmed if c.interactions >= 5)][:6]:
        score = behaviour(contact)["data_quality"]["score"]
        found.append(
            Ask(contact, "rag", ("basic", "low_quality"), "quality", {"min_quality": score + 1})
        )
    found += [Ask(c, "rag", ("basic", "retrieval_failed"), "retrieval") for c in rich[1:3]]
    found += [Ask(c, "basic", ("basic", None), "basic_requested") for c in rich[3:5]]
    found += [Ask(c, "rag", ("rag", None), "rich") for c in [*rich, *crm.pii]]
    return found


async def graph_checks(
    sessions: async_sessionmaker[AsyncSession], crm: EvalCrm
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """fallbacks and evidence_valid over offline runs; the share of a rag persona's sections
    the rules could write is reported."""
    graph = build_graph().compile()
    cases: list[dict[str, Any]] = []
    rag: list[dict[str, Any]] = []
    for ask in asks(crm):
        contacts = (BrokenContacts if ask.why == "retrieval" else CrmContactRepository)(sessions)
        ctx = CrmPersonaContext(
            contacts=contacts,
            personas=CrmPersonaRepository(sessions),
            use_model=False,
            tenant=TENANT,
            clock=lambda: NOW,
            **(ask.overrides or {}),
        )
        out = await graph.ainvoke({"contact_id": ask.contact.id, "mode": ask.mode}, context=ctx)
        persona = out["persona"]
        got = (persona["mode"], persona["fallback_reason"])
        problems = evidence_problems(persona, ask.contact)
        if persona["mode"] == "rag":
            rag.append(persona)
        cases += [
            {
                "id": f"fallback.{ask.why}.{ask.contact.id}",
                "kind": "fallback",
                "passed": got == ask.want,
                "failures": [] if got == ask.want else [f"got {got}, want {ask.want}"],
            },
            {
                "id": f"evidence.{ask.why}.{ask.contact.id}",
                "kind": "evidence",
                "passed": not problems,
                "failures": problems,
            },
        ]
    generated = [p["persona"][name]["status"] == "generated" for p in rag for name in SECTIONS]
    metrics = {
        "fallbacks": _share(c["passed"] for c in cases if c["kind"] == "fallback"),
        "evidence_valid": _share(c["passed"] for c in cases if c["kind"] == "evidence"),
        "offline_sections_generated": sum(generated) / len(generated) if generated else 0.0,
    }
    return metrics, cases


def evidence_problems(persona: Mapping[str, Any], contact: Contact) -> list[str]:
    """What is wrong with a stored persona: a citation of an id not in its evidence, or the
    contact's e-mail or phone anywhere in the persona or its evidence."""
    known = {e["id"] for e in persona["generation"]["evidence"]}
    body = persona["persona"]
    problems = [
        f"{name} cites {sorted(set(claim['evidence']) - known)}"
        for name in SECTIONS
        for claim in body[name]["claims"]
        if not set(claim["evidence"]) <= known
    ]
    if not set(body["role"]["evidence"]) <= known:
        problems.append(f"role cites {body['role']['evidence']}")
    texts = json.dumps([body, persona["generation"]["evidence"]], ensure_ascii=False).casefold()
    problems += [f"contains {kind}" for kind, value in _private(contact) if value in texts]
    return problems


def _private(contact: Contact) -> Sequence[tuple[str, str]]:
    found = []
    if contact.email:
        found.append(("the e-mail", contact.email.casefold()))
    if contact.phone:
        digits = "".join(ch for ch in contact.phone if ch.isdigit())
        found += [("the phone", contact.phone), ("the phone's last 9 digits", digits[-9:])]
    return found


def _share(values: Any) -> float:
    values = list(values)
    return sum(bool(v) for v in values) / len(values) if values else 0.0
