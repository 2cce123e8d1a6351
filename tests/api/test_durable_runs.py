"""A background run survives SIGKILL of its server: resumed once, committed steps not rerun."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client

from tests.api.durable_server import STEPS
from tests.api.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def _start(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.api.durable_server", str(port)], cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ok", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHT_")}
    env.update(
        SIGHT_DATA_DIR=str(tmp_path / "data"),
        SIGHT_PROVIDER="fake",
        SIGHT_TEST_EXEC_LOG=str(tmp_path / "executed.log"),
        PYTHONPATH=str(ROOT),
    )
    if request.param == "postgres":
        import psycopg

        base = request.getfixturevalue("postgres_url")
        schema = f"t_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        env["SIGHT_DATABASE_URL"] = f"{base}?options=-csearch_path%3D{schema}"
    return env


async def test_run_when_server_sigkilled_mid_run_then_resumed_and_steps_not_repeated(server_env):
    port = free_port()
    proc = _start(port, server_env)
    log = Path(server_env["SIGHT_TEST_EXEC_LOG"])
    try:
        client = get_client(url=f"http://127.0.0.1:{port}", api_key=None)
        thread = await client.threads.create()
        run = await client.runs.create(thread["thread_id"], "durable", input={"topic": "t"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = await client.threads.get_state(thread["thread_id"])
            if len(state["values"].get("log", [])) >= 3:
                break
            await asyncio.sleep(0.05)
        committed = list(state["values"]["log"])
        assert 3 <= len(committed) < STEPS
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    proc = _start(port, server_env)
    try:
        client = get_client(url=f"http://127.0.0.1:{port}", api_key=None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            finished = await client.runs.get(thread["thread_id"], run["run_id"])
            if finished["status"] not in ("pending", "running"):
                break
            await asyncio.sleep(0.1)
        assert finished["status"] == "success"
        final = await client.threads.get_state(thread["thread_id"])
        runs = await client.runs.list(thread["thread_id"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    expected = [f"step_{i}" for i in range(STEPS)]
    assert final["values"]["log"] == expected  # nothing lost, nothing twice in the state
    assert len(runs) == 1  # completed once, as the same run
    executions = Counter(log.read_text().split())
    assert all(executions[step] == 1 for step in committed)  # committed steps never rerun
    assert all(executions[step] >= 1 for step in expected)
    assert sum(executions.values()) <= STEPS + 1  # at most the step in flight ran twice
