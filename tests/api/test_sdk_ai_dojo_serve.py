"""The AI Dojo through the official langgraph_sdk against the `sight serve` command itself (a
process of its own, the embedded defaults, SQLite): a teach interrupts, the mentor approves,
the entry is found by the knowledge search of its tenant and not of another, whose key does
not see the Dojo thread either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client

from tests.api.dojo_support import APPROVE, CHARGING, CHARGING_QUERY, dojo_keys, human, key
from tests.api.live import free_port

ROOT = Path(__file__).resolve().parents[2]
SIGHT = Path(sys.executable).with_name("sight")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`sight serve` on a free loopback port with two tenants' keys; its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHT_")}
    env.update(
        SIGHT_DATA_DIR=str(tmp_path / "data"),
        SIGHT_PROVIDER="fake",
        SIGHT_MODEL_MAX_RETRIES="0",
        SIGHT_API_KEYS=json.dumps(dojo_keys(("acme", "globex"))),
        SIGHT_LOG_LEVEL="warning",
    )
    command = [str(SIGHT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("sight serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_sight_serve_when_teach_approved_then_found_by_its_tenant_only(served: str):
    mentor = get_client(url=served, api_key=key("acme"))
    outsider = get_client(url=served, api_key=key("globex"))
    thread = await mentor.threads.create()

    await mentor.runs.wait(thread["thread_id"], "ai_dojo", input=human(CHARGING))

    state = await mentor.threads.get_state(thread["thread_id"])
    (pending,) = state["interrupts"]
    request = pending["value"]["action_requests"][0]
    assert pending["value"]["review_configs"][0]["allowed_decisions"] == [
        "approve",
        "edit",
        "reject",
    ]
    await mentor.runs.wait(thread["thread_id"], "ai_dojo", command={"resume": APPROVE})

    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        found = {}
        for tenant in ("acme", "globex"):
            response = await http.post(
                "/knowledge/search",
                json={"query": CHARGING_QUERY},
                headers={"x-api-key": key(tenant)},
            )
            found[tenant] = [hit["id"] for hit in response.json()["hits"]]
    assert request["args"]["id"] in found["acme"]
    assert request["args"]["id"] not in found["globex"]
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await outsider.threads.get(thread["thread_id"])
    assert refused.value.response.status_code == 404
