"""Read a tenant's results for the mentor: personas, focus groups, KPI snapshots, sales sessions.

Every read goes through the store's tenant-scoped repositories, so another tenant's id does
not exist here (the same answer as an id that exists nowhere). KPI snapshots are a shared cache
without a tenant: a key is the tenant's only when one of its active personas carries a
snapshot with that key, or one of its threads holds a KPI estimation result with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.focus_groups import FocusGroupRepository
from store.kpi_snapshots import KpiSnapshotRepository
from store.personas import PersonaRepository
from store.sales_next_move import InteractionRepository, SessionRepository
from store.threads import ThreadRepository
from tools.mentor.refs import KINDS, Kind, ResultBlock, ResultRef
from tools.mentor.render import (
    render_focus_group,
    render_kpi,
    render_persona,
    render_sales_session,
)
from tools.mentor.render_focus_group import quoted_questions

KPI_GRAPH = "kpi_estimation"
KPI_KEY = re.compile(r"[0-9a-f]{16,64}")  # the KPI workflow's keys are hex digests
PAGE = 500  # personas read at a time when looking for KPI snapshots
RECENT_KPI_PERSONAS = 2000  # newest personas whose KPI snapshots count as recent
RECENT_KPI_THREADS = 100
SAMPLE_ANSWERS = 2  # answers read per quoted focus-group question
NAMED_PERSONAS = 500  # newest personas a question may name
NAMED_SESSIONS = 200  # newest sales sessions a question may name by the client's alias


def _snapshot(values: Any) -> dict[str, Any] | None:
    """The KPI estimation result a thread's values hold, if any."""
    found = values.get("snapshot") if isinstance(values, dict) else None
    return found if isinstance(found, dict) and isinstance(found.get("key"), str) else None


def _theme_speakers(report: Any) -> list[Any]:
    """The persona ids of a focus-group report's theme quotes."""
    questions = report.get("questions") if isinstance(report, dict) else None
    return [
        theme["quote"].get("persona_id")
        for question in questions or []
        if isinstance(question, dict)
        for theme in question.get("themes") or []
        if isinstance(theme, dict) and isinstance(theme.get("quote"), dict)
    ]


class ResultsReader:
    """Reads a tenant's results; another tenant's ids do not exist for it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], tenant: str) -> None:
        self._tenant = tenant
        self._personas = PersonaRepository(sessions)
        self._groups = FocusGroupRepository(sessions)
        self._snapshots = KpiSnapshotRepository(sessions)
        self._threads = ThreadRepository(sessions)
        self._sessions = SessionRepository(sessions)
        self._turns = InteractionRepository(sessions)

    async def load(self, refs: list[ResultRef]) -> tuple[list[ResultBlock], list[ResultRef]]:
        """Blocks for the refs found (in the order given), and the refs not found."""
        wanted = list(dict.fromkeys(refs))
        found: dict[ResultRef, ResultBlock] = {}
        personas = [r.id for r in wanted if r.kind == "persona"]
        if personas:
            for record in await self._personas.get_many(personas, self._tenant):
                found[ResultRef("persona", record.id)] = render_persona(record)
        owned = await self._owned_kpis(r.id for r in wanted if r.kind == "kpi")
        for ref in wanted:
            block = None
            if ref.kind == "focus_group":
                block = await self._focus_group(ref.id)
            elif ref.kind == "sales_session":
                block = await self._sales_session(ref.id)
            elif ref.kind == "kpi" and ref.id in owned:
                block = await self._kpi(ref.id, *owned[ref.id])
            if block is not None:
                found[ref] = block
        return [found[r] for r in wanted if r in found], [r for r in wanted if r not in found]

    async def recent(self, kind: Kind, limit: int) -> list[ResultRef]:
        """The tenant's newest results of a kind, newest first (sales sessions by their last
        activity, KPI snapshots by when the tenant got them)."""
        if limit <= 0 or kind not in KINDS:
            return []
        if kind == "persona":
            personas, _ = await self._personas.list(self._tenant, limit=limit)
            return [ResultRef(kind, p.id) for p in personas]
        if kind == "focus_group":
            groups, _ = await self._groups.list(self._tenant, limit=limit)
            return [ResultRef(kind, g.id) for g in groups]
        if kind == "sales_session":
            talks, _ = await self._sessions.list(self._tenant, limit=limit)
            return [ResultRef(kind, s.id) for s in talks]
        return [ResultRef(kind, key) for key in await self._recent_kpis(limit)]

    async def names(self) -> list[tuple[ResultRef, str]]:
        """The names a question may call results by: the newest personas' names and sales
        sessions' client aliases."""
        personas, _ = await self._personas.list(self._tenant, limit=NAMED_PERSONAS)
        talks, _ = await self._sessions.list(self._tenant, limit=NAMED_SESSIONS)
        named = [(ResultRef("persona", p.id), f"{p.first_name} {p.last_name}") for p in personas]
        named += [
            (ResultRef("sales_session", t.id), t.client_alias) for t in talks if t.client_alias
        ]
        return named

    async def missing(self, refs: list[ResultRef]) -> list[ResultRef]:
        """The refs that do not exist for this tenant (for input validation: cheap, no rendering)."""
        wanted = list(dict.fromkeys(refs))
        personas = [r.id for r in wanted if r.kind == "persona"]
        known: set[ResultRef] = set()
        if personas:
            found = await self._personas.get_many(personas, self._tenant)
            known |= {ResultRef("persona", p.id) for p in found}
        owned = await self._owned_kpis(r.id for r in wanted if r.kind == "kpi")
        known |= {ResultRef("kpi", key) for key in owned}
        for ref in wanted:
            if ref.kind == "focus_group":
                if await self._groups.get(ref.id, self._tenant, with_report=False) is not None:
                    known.add(ref)
            elif ref.kind == "sales_session":
                if await self._sessions.get(ref.id, self._tenant) is not None:
                    known.add(ref)
        return [ref for ref in refs if ref not in known]

    async def _focus_group(self, fg_id: str) -> ResultBlock | None:
        fg = await self._groups.get(fg_id, self._tenant)
        if fg is None:
            return None
        answers: list[dict[str, Any]] = []
        for question_id in quoted_questions(fg):
            page, _ = await self._groups.answers(
                fg_id,
                self._tenant,
                question_id=question_id,
                status="answered",
                limit=SAMPLE_ANSWERS,
            )
            answers += page
        quoted = [a.get("persona_id") for a in answers] + _theme_speakers(fg.report)
        ids = list(dict.fromkeys(str(i) for i in quoted if i))
        people = await self._personas.get_many(ids, self._tenant) if ids else []
        names = {p.id: f"{p.first_name} {p.last_name}".strip() for p in people}
        return render_focus_group(fg, answers, names)

    async def _sales_session(self, session_id: str) -> ResultBlock | None:
        talk = await self._sessions.get(session_id, self._tenant)
        if talk is None:
            return None
        return render_sales_session(talk, await self._turns.for_session(session_id, self._tenant))

    async def _kpi(self, key: str, own: dict[str, Any], at: datetime | None) -> ResultBlock:
        """The newest stored snapshot of the key; the tenant's own copy when none is stored."""
        stored = await self._snapshots.latest(key)
        if stored is not None:
            return render_kpi(key, stored.result, stored.created_at)
        return render_kpi(key, own, at)

    async def _owned_kpis(self, keys: Iterable[str]) -> dict[str, tuple[dict[str, Any], Any]]:
        """The tenant's copy of each key it has (thread or persona) and when it got it."""
        wanted = {k for k in keys if KPI_KEY.fullmatch(k)}
        owned: dict[str, tuple[dict[str, Any], Any]] = {}
        for key in wanted:
            threads, _ = await self._threads.search(self._tenant, values={"key": key}, limit=20)
            for thread in threads:
                snapshot = _snapshot(thread.values)
                if snapshot is not None and snapshot["key"] == key:
                    owned[key] = (snapshot, thread.state_updated_at)
                    break
        rest = wanted - owned.keys()
        offset = 0
        while rest:
            page, total = await self._personas.list(self._tenant, limit=PAGE, offset=offset)
            for persona in page:
                snapshot = persona.kpi_snapshot
                key = snapshot.get("key") if isinstance(snapshot, dict) else None
                if key in rest:
                    owned[key] = (snapshot, persona.kpi_snapshot_at)
                    rest.discard(key)
            offset += PAGE
            if offset >= total:
                break
        return owned

    async def _recent_kpis(self, limit: int) -> list[str]:
        seen: list[tuple[datetime, str]] = []
        threads, _ = await self._threads.search(
            self._tenant,
            metadata={"graph_id": KPI_GRAPH},
            limit=RECENT_KPI_THREADS,
            sort_by="state_updated_at",
        )
        for thread in threads:
            if (snapshot := _snapshot(thread.values)) is not None:
                seen.append((thread.state_updated_at, snapshot["key"]))
        for offset in range(0, RECENT_KPI_PERSONAS, PAGE):
            page, total = await self._personas.list(self._tenant, limit=PAGE, offset=offset)
            for persona in page:
                snapshot = persona.kpi_snapshot
                key = snapshot.get("key") if isinstance(snapshot, dict) else None
                if isinstance(key, str) and persona.kpi_snapshot_at is not None:
                    seen.append((persona.kpi_snapshot_at, key))
            if offset + PAGE >= total:
                break
        seen.sort(key=lambda item: item[0], reverse=True)
        return list(dict.fromkeys(key for _, key in seen))[:limit]
