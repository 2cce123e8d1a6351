"""KPI snapshot repository on SQLite and PostgreSQL: freshness, lease, save."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from store.kpi_snapshots import KpiSnapshotRepository

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_fresh_when_younger_than_ttl_then_returned_else_none(repo: KpiSnapshotRepository):
    saved = await repo.save("k1", request={"a": 1}, result={"x": 2}, now=T0)
    assert (await repo.fresh("k1", now=T0 + timedelta(seconds=299), max_age_s=300)) == saved
    assert await repo.fresh("k1", now=T0 + timedelta(seconds=301), max_age_s=300) is None
    assert await repo.fresh("other", now=T0, max_age_s=300) is None


async def test_latest_when_several_saved_then_newest_and_history_kept(repo):
    await repo.save("k", request={}, result={"v": 1}, now=T0)
    await repo.save("k", request={}, result={"v": 2}, now=T0 + timedelta(minutes=10))
    latest = await repo.latest("k")
    assert latest is not None and latest.result == {"v": 2}
    assert latest.created_at == T0 + timedelta(minutes=10)
    assert await repo.count("k") == 2


async def test_try_acquire_when_held_then_refused_until_expired(repo):
    assert await repo.try_acquire("k", owner="a", now=T0, lease_s=10)
    assert not await repo.try_acquire("k", owner="b", now=T0 + timedelta(seconds=5), lease_s=10)
    assert await repo.try_acquire("k", owner="a", now=T0 + timedelta(seconds=5), lease_s=10)
    assert await repo.try_acquire("k", owner="b", now=T0 + timedelta(seconds=16), lease_s=10)


async def test_save_with_owner_then_lease_released(repo):
    assert await repo.try_acquire("k", owner="a", now=T0, lease_s=60)
    await repo.save("k", request={}, result={}, now=T0, owner="a")
    assert await repo.try_acquire("k", owner="b", now=T0, lease_s=60)


async def test_release_by_other_owner_then_lease_kept(repo):
    assert await repo.try_acquire("k", owner="a", now=T0, lease_s=60)
    await repo.release("k", owner="b")
    assert not await repo.try_acquire("k", owner="b", now=T0, lease_s=60)
    await repo.release("k", owner="a")
    assert await repo.try_acquire("k", owner="b", now=T0, lease_s=60)


async def test_try_acquire_when_many_race_then_exactly_one_wins(repo):
    results = await asyncio.gather(
        *(repo.try_acquire("race", owner=f"o{i}", now=T0, lease_s=60) for i in range(20))
    )
    assert sum(results) == 1


async def test_claim_when_fresh_snapshot_then_returns_it_without_lease(repo):
    saved = await repo.save("k", request={}, result={"v": 1}, now=T0)
    claim = await repo.claim(
        "k", owner="a", now=T0 + timedelta(seconds=10), lease_s=10, max_age_s=60
    )
    assert claim == saved
    assert await repo.try_acquire("k", owner="b", now=T0, lease_s=10)


async def test_claim_when_free_then_true_and_others_false(repo):
    assert await repo.claim("k", owner="a", now=T0, lease_s=10, max_age_s=60) is True
    assert await repo.claim("k", owner="b", now=T0, lease_s=10, max_age_s=60) is False
    await repo.save("k", request={}, result={}, now=T0, owner="a")
    claim = await repo.claim("k", owner="b", now=T0, lease_s=10, max_age_s=60)
    assert claim is not True and claim is not False and claim.key == "k"
