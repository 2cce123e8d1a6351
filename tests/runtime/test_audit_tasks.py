"""Background audit writes: a failure is a warning that names the write, never its values."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from runtime.audit_tasks import AuditTasks, describe_failure
from sight.clock import utc_now
from store.db import session_factory
from store.persona_audit import ClientInfo, PersonaAuditRepository

IP = "203.0.113.77"


async def test_audit_write_when_database_fails_then_warning_leaves_out_the_ip(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # no tables
    audit = PersonaAuditRepository(session_factory(engine))
    tasks = AuditTasks()
    caplog.set_level(logging.WARNING, logger="runtime.audit_tasks")
    try:
        write = audit.add(
            "p-1",
            "acme",
            "view",
            now=utc_now(),
            user_id="viewer-key",
            client=ClientInfo(ip_address=IP, user_agent="pytest-ua"),
        )
        await tasks.spawn(write, what="view of persona p-1")
    finally:
        await engine.dispose()

    assert "audit write failed (view of persona p-1)" in caplog.text
    assert "no such table" in caplog.text  # the driver's reason stays
    assert IP not in caplog.text and "pytest-ua" not in caplog.text


@pytest.mark.parametrize("address", ["198.51.100.4", "2001:db8::7", "fe80:0:0:0:0:0:0:1"])
def test_describe_failure_when_message_quotes_an_address_then_masked(address: str):
    described = describe_failure(ConnectionError(f"connection from {address} reset"))

    assert described == "ConnectionError: connection from <address> reset"
