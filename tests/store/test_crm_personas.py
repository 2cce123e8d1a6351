"""CRM persona storage on SQLite and PostgreSQL: versions numbered under concurrency, ratings
that replace a user's earlier one, exports and tenants."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import InputValidationError, NotFoundError
from store.crm import CrmContactRepository, CrmPersonaRepository

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
GENERATION = {
    "method": {"requested": "rag", "used": "basic"},
    "fallback_reason": "thin_history",
    "quality": {"score": 35, "parts": {"volume": 15, "emails": 10, "deals": 10, "patterns": 0}},
    "model": "fake/deep",
    "usage": {"input_tokens": 812, "output_tokens": 240},
}


@pytest.fixture
def personas(sessions: async_sessionmaker[AsyncSession]) -> CrmPersonaRepository:
    return CrmPersonaRepository(sessions)


@pytest.fixture
async def contacts(sessions: async_sessionmaker[AsyncSession]) -> CrmContactRepository:
    crm = CrmContactRepository(sessions)
    for tenant, ids in (("acme", ("c-1", "c-2")), ("globex", ("c-1",))):
        batch = [{"id": contact_id, "name": f"Kontakt {contact_id}"} for contact_id in ids]
        await crm.import_contacts(tenant, batch, now=T0, source="synthetic")
    return crm


def persona(n: int) -> dict:
    return {"name": f"Łukasz, wersja {n}", "pain_points": ["długi cykl zakupowy"]}


async def add(personas: CrmPersonaRepository, n: int, contact_id: str = "c-1", tenant="acme"):
    return await personas.add(
        tenant, contact_id, persona(n), GENERATION, now=T0 + timedelta(minutes=n)
    )


async def test_add_when_regenerated_then_versions_increase_and_earlier_ones_stay(
    personas, contacts
):
    first = await add(personas, 1)
    await add(personas, 2)
    third = await add(personas, 3)
    other_contact = await add(personas, 4, "c-2")

    history = await personas.history("acme", "c-1")
    assert [p["version"] for p in history] == [3, 2, 1]
    assert first["version"] == 1 and third["version"] == 3 and other_contact["version"] == 1
    assert third == await personas.latest("acme", "c-1") == await personas.get("acme", third["id"])
    assert third["persona"] == persona(3) and third["generation"] == GENERATION
    assert third["contact_id"] == "c-1" and third["created_at"] == T0 + timedelta(minutes=3)
    assert third["rating"] == {"mean": None, "n": 0}
    assert await personas.latest("acme", "c-missing") is None


async def test_add_when_concurrent_then_distinct_consecutive_versions(personas, contacts):
    added = await asyncio.gather(*(add(personas, n) for n in range(1, 6)))

    assert sorted(p["version"] for p in added) == [1, 2, 3, 4, 5]
    assert len(await personas.history("acme", "c-1")) == 5


async def test_add_when_contact_missing_or_another_tenants_then_not_found(personas, contacts):
    with pytest.raises(NotFoundError):
        await add(personas, 1, "c-2", tenant="globex")
    with pytest.raises(NotFoundError):
        await add(personas, 1, "c-missing")

    assert await personas.export_rows("globex") == []


async def test_rate_when_user_rates_again_then_replaced_and_mean_over_users(personas, contacts):
    rated = await add(personas, 1)
    later = T0 + timedelta(hours=1)

    first = await personas.rate(
        "acme", rated["id"], user_id="ola", rating=2, comment="Za ogólna", now=T0
    )
    again = await personas.rate(
        "acme", rated["id"], user_id="ola", rating=5, comment=None, now=later
    )
    other = await personas.rate("acme", rated["id"], user_id="piotr", rating=4, comment="", now=T0)

    assert again["id"] == first["id"] and again["rating"] == 5 and again["comment"] is None
    assert again["created_at"] == T0 and again["updated_at"] == later
    assert first["persona_rating"] == {"mean": 2.0, "n": 1}
    assert again["persona_rating"] == {"mean": 5.0, "n": 1}
    assert other["persona_rating"] == {"mean": 4.5, "n": 2}
    assert (await personas.get("acme", rated["id"]))["rating"] == {"mean": 4.5, "n": 2}


async def test_rate_when_rating_outside_1_to_5_then_input_error_and_nothing_stored(
    personas, contacts
):
    rated = await add(personas, 1)

    for bad in (0, 6, 3.5, True, "4"):
        with pytest.raises(InputValidationError) as refused:
            await personas.rate(
                "acme", rated["id"], user_id="ola", rating=bad, comment=None, now=T0
            )
        assert refused.value.problems[0]["field"] == "rating"

    assert (await personas.get("acme", rated["id"]))["rating"] == {"mean": None, "n": 0}


async def test_another_tenants_persona_when_read_or_rated_then_as_if_missing(personas, contacts):
    theirs = await add(personas, 1, tenant="globex")

    rated = await personas.rate("acme", theirs["id"], user_id="ola", rating=5, comment=None, now=T0)

    assert rated is None
    assert await personas.get("acme", theirs["id"]) is None
    assert await personas.history("acme", "c-1") == []
    assert await personas.latest("acme", "c-1") is None
    assert (await personas.get("globex", theirs["id"]))["rating"]["n"] == 0


async def test_export_rows_when_tenant_has_versions_then_every_one_by_contact_with_rating(
    personas, contacts
):
    v1 = await add(personas, 1)
    await add(personas, 2)
    await add(personas, 3, "c-2")
    await add(personas, 4, tenant="globex")
    await personas.rate("acme", v1["id"], user_id="ola", rating=3, comment=None, now=T0)

    rows = await personas.export_rows("acme")
    of_one = await personas.export_rows("acme", contact_id="c-2")

    assert [(r["contact_id"], r["version"]) for r in rows] == [("c-1", 1), ("c-1", 2), ("c-2", 1)]
    assert rows[0]["rating"] == {"mean": 3.0, "n": 1} and rows[1]["rating"]["n"] == 0
    assert [r["persona"] for r in of_one] == [persona(3)]
