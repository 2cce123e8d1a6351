"""The mentor's reader of a tenant's results (tools/mentor/results.py) on SQLite and PostgreSQL:
blocks in the order asked, tenants isolated (another tenant's id is a nonexistent id), soft
deleted personas hidden, KPI keys owned through personas and threads only, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.persona_generation.factory import make_persona
from store.focus_group_answers import AnswerWriter
from store.focus_groups import FocusGroupRepository
from store.kpi_snapshots import KpiSnapshotRepository
from store.personas import PersonaRepository
from store.sales_next_move import ClientRepository, InteractionRepository, SessionRepository
from store.threads import ThreadRepository
from tests.tools.mentor_records import (
    DEEP,
    NOTES,
    QUESTIONS,
    RETAIL_WOMEN,
    RURAL_SAAS,
    T0,
    focus_group_report,
    kpi_snapshot,
    likert_answer,
    sales_analysis,
)
from tools.mentor.numbers import numbers_in
from tools.mentor.refs import ResultRef
from tools.mentor.results import ResultsReader

SENIORS = {"age_min": 65, "age_max": 80, "industry": "retail"}
MEN_AUTO = {"age_min": 40, "age_max": 50, "gender": "mężczyzna", "industry": "automotive"}
YOUNG_FINANCE = {"age_min": 18, "age_max": 29, "industry": "finance"}


@dataclass
class World:
    """What the seed stored: acme's results, and one of each kind for globex."""

    persona: list[str] = field(default_factory=list)  # acme: p0 (KPI), p1, p2 (deleted)
    focus_group: list[str] = field(default_factory=list)  # acme: finished, then estimated
    session: list[str] = field(default_factory=list)  # acme: concluded, then active
    kpi: dict[str, str] = field(default_factory=dict)  # name -> key
    globex: dict[str, str] = field(default_factory=dict)  # kind -> id

    def acme_refs(self) -> list[ResultRef]:
        return [
            ResultRef("persona", self.persona[0]),
            ResultRef("persona", self.persona[1]),
            ResultRef("focus_group", self.focus_group[0]),
            ResultRef("focus_group", self.focus_group[1]),
            ResultRef("kpi", self.kpi["persona"]),
            ResultRef("kpi", self.kpi["thread"]),
            ResultRef("sales_session", self.session[0]),
            ResultRef("sales_session", self.session[1]),
        ]


async def _personas(sessions, world: World) -> None:
    personas = PersonaRepository(sessions)
    retail, seniors = await kpi_snapshot(RETAIL_WOMEN), await kpi_snapshot(SENIORS)
    rows = [
        make_persona(0, kpi_snapshot=retail, kpi_snapshot_at=T0 + timedelta(hours=1)),
        make_persona(1, first_name="Jan", last_name="Nowak", gender="mężczyzna"),
        make_persona(2, kpi_snapshot=seniors, kpi_snapshot_at=T0 + timedelta(hours=5)),
    ]
    for minute, row in enumerate(rows):
        now = T0 + timedelta(minutes=minute)
        world.persona += await personas.add_many(
            [row], report=None, run_id="r", tenant="acme", now=now
        )
    await personas.soft_delete(
        world.persona[2], "acme", by="admin", reason="test_data", detail=None, now=T0
    )
    rural = await kpi_snapshot(RURAL_SAAS)
    foreign = make_persona(0, run_id="globex-run", kpi_snapshot=rural, kpi_snapshot_at=T0)
    [world.globex["persona"]] = await personas.add_many(
        [foreign], report=None, run_id="globex-run", tenant="globex", now=T0
    )
    world.kpi |= {"persona": retail["key"], "deleted": seniors["key"], "globex": rural["key"]}
    # The shared cache holds every snapshot computed, whoever asked for it.
    cache = KpiSnapshotRepository(sessions)
    for snap in (retail, seniors, rural, await kpi_snapshot(MEN_AUTO)):
        request = snap["request"]
        await cache.save(snap["key"], request=request, result=snap, now=T0 + timedelta(hours=9))
    world.kpi["nobody"] = snap["key"]


async def _kpi_thread(sessions, world: World) -> None:
    """An acme thread of the KPI workflow whose snapshot is not in the shared cache."""
    threads = ThreadRepository(sessions)
    snap = await kpi_snapshot(YOUNG_FINANCE)
    thread_id = str(uuid.uuid4())
    await threads.create(thread_id, "acme", {"graph_id": "kpi_estimation"}, now=T0)
    values = {"key": snap["key"], "request": snap["request"], "snapshot": snap}
    await threads.set_state(
        thread_id,
        status="idle",
        values=values,
        interrupts={},
        error=None,
        now=T0 + timedelta(hours=2),
    )
    world.kpi["thread"] = snap["key"]


async def _focus_groups(sessions, world: World) -> None:
    groups = FocusGroupRepository(sessions)
    ids = [world.persona[0], world.persona[1], world.persona[2]] + [f"p-{i}" for i in range(9)]
    for tenant, hours, status in (
        ("acme", 0, "partial"),
        ("acme", 1, "estimated"),
        ("globex", 0, "partial"),
    ):
        fg_id = str(uuid.uuid4())
        record = {
            "id": fg_id,
            "tenant": tenant,
            "status": "running",
            "mode": "survey",
            "request": {"questions": QUESTIONS},
            "persona_ids": ids,
            "questions": QUESTIONS,
        }
        await groups.create(record, now=T0 + timedelta(hours=hours))
        report = focus_group_report(ids) if status == "partial" else None
        await groups.update(fg_id, tenant, now=T0, status=status, report=report)
        if tenant == "acme":
            world.focus_group.append(fg_id)
        else:
            world.globex["focus_group"] = fg_id
    writer = AnswerWriter(sessions)
    reason = "Raczej tak, jeśli cena spadnie o 20 tys. zł."
    await writer.write(likert_answer(world.focus_group[0], world.persona[1], 4, reason))
    await writer.close()


async def _sales(sessions, world: World) -> None:
    clients, talks = ClientRepository(sessions), SessionRepository(sessions)
    turns = InteractionRepository(sessions)
    client = await clients.create("acme", "Pan Tomasz", now=T0)
    sold = str(uuid.uuid4())
    await talks.create("acme", sold, client.id, T0)
    for turn, note in enumerate(NOTES, start=1):
        now = T0 + timedelta(days=turn)
        await turns.add("acme", sold, note, sales_analysis(turn), "v1", ["M-Q-leasing-01"], now)
    await talks.set_memory(sold, "acme", "Rodzina z dwójką dzieci.", ["2 dzieci"], 3)
    await talks.set_deep(sold, "acme", 3, DEEP)
    note = "Podpisał leasing na 36 miesięcy."
    await talks.conclude(sold, "acme", "purchased", note, "editor", T0 + timedelta(days=8))
    open_ = str(uuid.uuid4())
    await talks.create("acme", open_, None, T0 + timedelta(days=10))
    world.session += [sold, open_]
    world.globex["sales_session"] = str(uuid.uuid4())
    await talks.create("globex", world.globex["sales_session"], None, T0)


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    seeded = World()
    await _personas(sessions, seeded)
    await _kpi_thread(sessions, seeded)
    await _focus_groups(sessions, seeded)
    await _sales(sessions, seeded)
    return seeded


def _texts(block) -> list[str]:
    return [f.text for f in block.facts]


async def test_load_when_refs_of_every_kind_then_blocks_in_the_order_given(sessions, world):
    reader = ResultsReader(sessions, "acme")
    refs = [
        ResultRef("focus_group", world.focus_group[0]),
        ResultRef("persona", world.persona[1]),
        ResultRef("sales_session", world.session[0]),
        ResultRef("kpi", world.kpi["persona"]),
        ResultRef("persona", world.persona[0]),
        ResultRef("kpi", world.kpi["thread"]),
        ResultRef("persona", world.persona[1]),  # asked twice: one block
    ]

    blocks, missing = await reader.load(refs)

    assert [b.ref for b in blocks] == refs[:-1] and missing == []
    fg, jan, talk, cached, anna, threaded = blocks
    assert any("(Jan Nowak)" in t and "20 tys. zł" in t for t in _texts(fg))  # a stored answer
    assert any("(Anna Kowalczyk)" in t for t in _texts(fg))  # a theme quote's persona
    assert jan.title.startswith("Persona „Jan Nowak”")
    assert talk.title.startswith("Sesja sprzedażowa z klientem „Pan Tomasz”")
    trend = next(t for t in _texts(talk) if t.startswith("Gotowość do zakupu w kolejnych"))
    assert [n.value for n in numbers_in(trend)] == [30, 45, 70, 100]
    assert cached.created_at == T0 + timedelta(hours=9)  # the shared cache's snapshot
    assert threaded.created_at == T0 + timedelta(hours=2)  # the thread's own copy
    assert "branża Finance / banking" in threaded.title
    assert any(t.startswith("NPS:") for t in _texts(anna))


async def test_load_when_another_tenant_then_its_results_are_as_absent_as_unknown_ids(
    sessions, world
):
    acme, globex = ResultsReader(sessions, "acme"), ResultsReader(sessions, "globex")
    theirs = world.acme_refs()
    unknown = [
        ResultRef("persona", str(uuid.uuid4())),
        ResultRef("focus_group", str(uuid.uuid4())),
        ResultRef("kpi", "f" * 64),
        ResultRef("sales_session", str(uuid.uuid4())),
    ]

    assert await globex.load(theirs) == ([], theirs)
    assert await globex.load(unknown) == ([], unknown)
    assert await globex.missing(theirs) == theirs
    assert await globex.missing(unknown) == unknown
    assert await acme.missing(theirs) == []
    # globex's own results, and a snapshot in the shared cache no acme result carries.
    foreign = [ResultRef(kind, id_) for kind, id_ in world.globex.items()]
    foreign += [ResultRef("kpi", world.kpi["globex"]), ResultRef("kpi", world.kpi["nobody"])]
    assert await acme.load(foreign) == ([], foreign)
    assert await acme.missing(foreign) == foreign
    for kind in ("persona", "focus_group", "kpi", "sales_session"):
        mine = {ref.id for ref in await globex.recent(kind, 20)}
        assert not mine & {ref.id for ref in theirs}
    blocks, _ = await globex.load([ResultRef("kpi", world.kpi["globex"])])
    assert [b.ref.id for b in blocks] == [world.kpi["globex"]]


async def test_load_when_persona_soft_deleted_then_it_and_its_kpi_key_are_gone(sessions, world):
    reader = ResultsReader(sessions, "acme")
    deleted = ResultRef("persona", world.persona[2])
    its_kpi = ResultRef("kpi", world.kpi["deleted"])

    assert await reader.load([deleted, its_kpi]) == ([], [deleted, its_kpi])
    assert await reader.missing([deleted, its_kpi]) == [deleted, its_kpi]
    assert deleted not in await reader.recent("persona", 10)
    assert its_kpi not in await reader.recent("kpi", 10)


async def test_recent_then_newest_first_within_the_limit(sessions, world):
    reader = ResultsReader(sessions, "acme")

    def ids(refs: list[ResultRef]) -> list[str]:
        return [ref.id for ref in refs]

    assert ids(await reader.recent("persona", 2)) == [world.persona[1], world.persona[0]]
    assert ids(await reader.recent("persona", 1)) == [world.persona[1]]
    assert ids(await reader.recent("focus_group", 5)) == world.focus_group[::-1]
    assert ids(await reader.recent("sales_session", 5)) == world.session[::-1]
    assert ids(await reader.recent("kpi", 5)) == [world.kpi["thread"], world.kpi["persona"]]
    assert ids(await reader.recent("kpi", 1)) == [world.kpi["thread"]]
    assert await reader.recent("persona", 0) == []
    assert await reader.recent("report", 3) == []  # type: ignore[arg-type]


async def test_missing_when_refs_mixed_then_only_the_absent_ones_in_order(sessions, world):
    reader = ResultsReader(sessions, "acme")
    absent = [
        ResultRef("persona", world.focus_group[0]),  # an id of another kind
        ResultRef("kpi", world.persona[0]),  # a UUID is no KPI key
        ResultRef("focus_group", str(uuid.uuid4())),
        # A KPI key (64 characters) read as the id of each 36-character kind.
        ResultRef("persona", world.kpi["persona"]),
        ResultRef("focus_group", world.kpi["persona"]),
        ResultRef("sales_session", world.kpi["persona"]),
    ]
    present = [
        ResultRef("persona", world.persona[0]),
        ResultRef("kpi", world.kpi["persona"]),
        ResultRef("kpi", world.kpi["thread"]),
        ResultRef("sales_session", world.session[1]),
        ResultRef("focus_group", world.focus_group[1]),
    ]
    refs = [present[0], absent[0], present[1], absent[1], present[2], *absent[2:], *present[3:]]

    assert await reader.missing(refs) == absent
    blocks, missing = await reader.load(refs)
    assert missing == absent and [b.ref for b in blocks] == [r for r in refs if r in present]


async def test_names_when_tenant_reads_then_its_active_personas_and_client_aliases_only(
    sessions, world
):
    named = await ResultsReader(sessions, "acme").names()
    refs = {ref for ref, _ in named}
    assert ResultRef("persona", world.persona[0]) in refs
    assert ResultRef("persona", world.persona[2]) not in refs  # soft-deleted
    assert all(ref.id not in world.globex.values() for ref in refs)
    assert all(name.strip() for _, name in named)
    other = await ResultsReader(sessions, "globex").names()
    assert {ref.id for ref, _ in other}.isdisjoint(world.persona + world.session)
