"""Store the mentor eval's results for two tenants through Sight's own repositories.

Tenant ``acme`` (an EV subscription brand, Volta: a marketer and a sales manager) has four
personas (two of one segment carry KPI snapshots, one far below the industry's NPS and one
far above), two focus groups (the subscription's price; charging and range), six showroom
sessions (three sales, two lost, one open). Tenant ``rival`` has one persona with a KPI
snapshot, one focus group and two sessions. The focus groups' panels were generated for them
and deleted afterwards, so they are stored and soft-deleted. Every row is written the way the
workflows write it (add_many, create/AnswerWriter/update, save, create/add/conclude), with
fixed ids and times counted back from ``now``; only sales clients get the store's own ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.mentor.facts import tenant_facts
from evals.mentor.records import answer_records, load, panel_persona, tenant_personas
from store.focus_group_answers import AnswerWriter
from store.focus_groups import FocusGroupRepository
from store.kpi_snapshots import KpiSnapshotRepository
from store.models import as_utc
from store.personas import PersonaRepository
from store.sales_next_move.clients import ClientRepository
from store.sales_next_move.interactions import InteractionRepository
from store.sales_next_move.sessions import SessionRepository

Kind = Literal["persona", "focus_group", "kpi", "sales_session"]
KINDS: tuple[Kind, ...] = ("persona", "focus_group", "kpi", "sales_session")
TENANTS = ("acme", "rival")
MARKETER = {"acme": "marketing.acme", "rival": "marketing.rival"}
SALES_MANAGER = {"acme": "kierownik.sprzedazy.acme", "rival": "kierownik.sprzedazy.rival"}
NOTE_EVERY = timedelta(minutes=7)


@dataclass(frozen=True)
class Fixtures:
    """What store_fixtures stored: ids by tenant, kind and slug, and the facts behind them.

    ``ids[tenant][kind][slug]``: persona, focus group and sales session ids are fixed uuid5s;
    a KPI's id is its snapshot key, by the slug of the persona that carries it.
    ``facts[tenant][kind][slug]``: the figures and words a good answer draws on (facts.py).
    """

    now: datetime
    ids: dict[str, dict[str, dict[str, str]]]
    deleted_personas: dict[str, list[str]]
    clients: dict[str, dict[str, str]] = field(default_factory=dict)
    facts: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)

    def id(self, tenant: str, kind: Kind, slug: str) -> str:
        """One result's id (KeyError naming nothing else when there is none)."""
        return self.ids[tenant][kind][slug]

    def kind_of(self, result_id: str) -> tuple[str, Kind] | None:
        """(tenant, kind) of a stored result's id, None for an id no fixture has."""
        for tenant, kinds in self.ids.items():
            for kind, found in kinds.items():
                if result_id in found.values():
                    return tenant, kind  # type: ignore[return-value]
        return None


async def store_fixtures(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> Fixtures:
    """Store both tenants' results (a fresh, migrated database) and return their ids."""
    now = as_utc(now)
    ids: dict[str, dict[str, dict[str, str]]] = {}
    deleted: dict[str, list[str]] = {}
    clients: dict[str, dict[str, str]] = {}
    for tenant in TENANTS:
        personas, kpi_keys = await _store_personas(sessions, tenant, now)
        groups = await _store_focus_groups(sessions, tenant, now)
        deleted[tenant] = await _delete_panel(sessions, tenant, now)
        sales, clients[tenant] = await _store_sales(sessions, tenant, now)
        ids[tenant] = {
            "persona": personas,
            "kpi": kpi_keys,
            "focus_group": groups,
            "sales_session": sales,
        }
    facts = {tenant: tenant_facts(tenant) for tenant in TENANTS}
    return Fixtures(now=now, ids=ids, deleted_personas=deleted, clients=clients, facts=facts)


def _ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


async def _store_personas(
    sessions: async_sessionmaker[AsyncSession], tenant: str, now: datetime
) -> tuple[dict[str, str], dict[str, str]]:
    """Each generation run as the workflow persists it, then the KPI snapshots: stored in the
    shared cache and on the persona, as a persona's KPI request does."""
    data, repo = load("personas")[tenant], PersonaRepository(sessions)
    named: dict[str, str] = {}
    for run in data["runs"]:
        await repo.add_many(
            run["personas"],
            report=run["report"],
            run_id=run["run_id"],
            tenant=tenant,
            now=_ago(now, run["days_ago"]),
        )
        named |= {p["slug"]: p["id"] for p in run["personas"]}
    panel = data["panel"]
    records = [panel_persona(row, panel, i) for i, row in enumerate(panel["personas"])]
    await repo.add_many(
        records,
        report={"requested": len(records), "accepted": len(records), "regenerations": 0},
        run_id=panel["run_id"],
        tenant=tenant,
        now=_ago(now, panel["days_ago"]),
    )
    snapshots, keys = KpiSnapshotRepository(sessions), {}
    slug_of = {pid: slug for slug, pid in named.items()}
    for entry in data["kpi"]:
        computed_at = _ago(now, entry["days_ago"])
        snapshot = {**entry["snapshot"], "computed_at": computed_at.isoformat()}
        await snapshots.save(
            snapshot["key"], request=snapshot["request"], result=snapshot, now=computed_at
        )
        await repo.set_kpi_snapshot(entry["persona_id"], snapshot, computed_at)
        keys[slug_of[entry["persona_id"]]] = snapshot["key"]
    return named, keys


async def _store_focus_groups(
    sessions: async_sessionmaker[AsyncSession], tenant: str, now: datetime
) -> dict[str, str]:
    """Each focus group as its run stores it: created running, answers written as they come,
    then the report, status and spend."""
    repo, writer, ids = FocusGroupRepository(sessions), AnswerWriter(sessions), {}
    for fg in load("focus_groups")[tenant]:
        started = _ago(now, fg["days_ago"])
        request = fg["request"]
        await repo.create(
            {
                "id": fg["id"],
                "tenant": tenant,
                "run_id": None,
                "thread_id": None,
                "status": "running",
                "mode": request["mode"],
                "request": request,
                "persona_ids": request["personas"],
                "questions": request["questions"],
                "budget": request["budget"],
                "estimate": fg["estimate"],
            },
            now=started,
        )
        for record in answer_records(tenant, fg, started):
            await writer.write(record)
        finished = started + timedelta(minutes=fg["minutes"])
        await repo.update(
            fg["id"],
            tenant,
            now=finished,
            status=fg["status"],
            spend=fg["spend"],
            report=fg["report"],
            finished_at=finished,
            error=None,
        )
        ids[fg["slug"]] = fg["id"]
    await writer.close()
    return ids


async def _delete_panel(
    sessions: async_sessionmaker[AsyncSession], tenant: str, now: datetime
) -> list[str]:
    """Soft-delete the focus groups' panel (the marketer kept only the named personas)."""
    repo, panel = PersonaRepository(sessions), load("personas")[tenant]["panel"]
    named = set(_named_ids(tenant))
    deleted = []
    for pid in tenant_personas(tenant):
        if pid in named:
            continue
        await repo.soft_delete(
            pid,
            tenant,
            by=MARKETER[tenant],
            reason="other",
            detail="Panel wygenerowany do grup fokusowych; po badaniach niepotrzebny.",
            now=_ago(now, panel["deleted_days_ago"]),
        )
        deleted.append(pid)
    return deleted


def _named_ids(tenant: str) -> list[str]:
    return [p["id"] for run in load("personas")[tenant]["runs"] for p in run["personas"]]


async def _store_sales(
    sessions: async_sessionmaker[AsyncSession], tenant: str, now: datetime
) -> tuple[dict[str, str], dict[str, str]]:
    """Each showroom session as the co-pilot stores it: the client, the session, a turn per
    note with its analysis and the moves shown, the memory and deep analysis, the outcome."""
    client_repo, session_repo = ClientRepository(sessions), SessionRepository(sessions)
    turns, ids, clients = InteractionRepository(sessions), {}, {}
    for sale in load("sales")[tenant]:
        started = _ago(now, sale["days_ago"])
        client = sale["client"]
        made = await client_repo.create(
            tenant, client["alias"], now=started, contact=client["contact"], notes=client["notes"]
        )
        await session_repo.create(tenant, sale["id"], made.id, started)
        at = started
        for note, analysis in zip(sale["notes"], sale["analyses"], strict=True):
            at += NOTE_EVERY
            shown = [move["id"] for move in analysis["next_moves"]]
            await turns.add(
                tenant, sale["id"], note, analysis, analysis["rules_version"], shown, at
            )
        memory = sale["memory"]
        if memory:
            await session_repo.set_memory(
                sale["id"], tenant, memory["summary"], memory["key_facts"], memory["memory_turn"]
            )
        deep = sale["deep_analysis"]
        if deep:
            computed_at = at + timedelta(seconds=40)
            deep = {**deep, "computed_at": computed_at.isoformat(), "stored": True}
            await session_repo.set_deep(sale["id"], tenant, deep["turn"], deep)
        if sale["outcome"]:
            await session_repo.conclude(
                sale["id"],
                tenant,
                sale["outcome"],
                sale["outcome_note"],
                SALES_MANAGER[tenant],
                at + timedelta(minutes=12),
            )
        ids[sale["slug"]] = sale["id"]
        clients[sale["slug"]] = made.id
    return ids, clients
