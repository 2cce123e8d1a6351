"""Scrub client info (IP address, user agent) from persona audit entries past the retention.

Runs at startup and then every six hours, inside the API process; a failed scrub is logged
and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sight.clock import utc_now
from store.persona_audit import PersonaAuditRepository

log = logging.getLogger(__name__)

SCRUB_EVERY_S = 6 * 3600.0


async def scrub_once(audit: PersonaAuditRepository, *, retention_days: int, now: datetime) -> int:
    """Scrub the entries older than `retention_days`; return how many were scrubbed."""
    scrubbed = await audit.scrub_client_info(now - timedelta(days=retention_days))
    if scrubbed:
        log.info("scrubbed client info of %d persona audit entries", scrubbed)
    return scrubbed


async def run_retention(
    audit: PersonaAuditRepository,
    *,
    retention_days: int,
    every_s: float = SCRUB_EVERY_S,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Scrub now and every `every_s` seconds until cancelled."""
    while True:
        try:
            await scrub_once(audit, retention_days=retention_days, now=clock())
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.warning("persona audit retention failed: %s: %s", type(exc).__name__, exc)
        await asyncio.sleep(every_s)


def start_retention(audit: PersonaAuditRepository, *, retention_days: int) -> asyncio.Task[None]:
    """Start the retention loop as a task (the caller cancels it on shutdown)."""
    return asyncio.create_task(
        run_retention(audit, retention_days=retention_days), name="persona-audit-retention"
    )
