"""Behavioural metrics of a CRM contact (seed 004 "Behavioral Metrics Analysis"), each rate with
its n and a Wilson interval, ``insufficient_data`` below a minimum n.

E-mail engagement counts what a person did: a machine open (a privacy proxy such as Apple Mail
Privacy Protection, or an open within ``PREFETCH_S`` of sending) counts zero; another open is
discounted (``OPEN_WEIGHT``: it may still be a proxy nobody flagged); a click and a reply are
worth ``CLICK_WEIGHT`` and 1. An e-mail's engagement is its strongest event.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tools.crm_persona.quality import HistoryCounts, Touch, derivable_patterns, quality_score
from tools.crm_persona.records import Contact, Email, Open
from tools.stats import rate

OPEN_WEIGHT = 0.3
CLICK_WEIGHT = 0.8
PREFETCH_S = 2.0
MIN_EMAILS = 3
MIN_DEALS = 2
MIN_TIMES = 3
MIN_CALLS = 3
COMPLETED = frozenset({"completed", "connected", "answered", "odebrane", "zakończona", "rozmowa"})


def machine_open(email: Email, opened: Open) -> bool:
    """Flagged as a machine, or opened too soon after sending for a person to have read it."""
    if opened.machine:
        return True
    return (opened.at - email.sent_at).total_seconds() < PREFETCH_S


def engagement_of(email: Email) -> float:
    """An outbound tracked e-mail's strongest human event: reply 1, click 0.8, open 0.3."""
    if email.replied_at is not None:
        return 1.0
    if email.clicks:
        return CLICK_WEIGHT
    if any(not machine_open(email, o) for o in email.opens or []):
        return OPEN_WEIGHT
    return 0.0


def email_engagement(contact: Contact) -> dict[str, Any]:
    tracked = [e for e in contact.emails if e.direction == "outbound" and e.tracked]
    n = len(tracked)
    opened = sum(1 for e in tracked if any(not machine_open(e, o) for o in e.opens or []))
    machine_only = sum(1 for e in tracked if e.opens and all(machine_open(e, o) for o in e.opens))
    return {
        "engagement": rate(sum(engagement_of(e) for e in tracked), n, min_n=MIN_EMAILS).as_dict(),
        "human_open_rate": rate(opened, n, min_n=MIN_EMAILS).as_dict(),
        "click_rate": rate(sum(1 for e in tracked if e.clicks), n, min_n=MIN_EMAILS).as_dict(),
        "reply_rate": rate(sum(1 for e in tracked if e.replied_at), n, min_n=MIN_EMAILS).as_dict(),
        "machine_only_opens": machine_only,
        "tracked_emails": n,
    }


def _hours(pairs: Sequence[tuple[datetime, datetime]]) -> dict[str, Any]:
    hours = sorted((b - a).total_seconds() / 3600 for a, b in pairs if b >= a)
    if len(hours) < MIN_TIMES:
        return {"n": len(hours), "status": "insufficient_data", "min_n": MIN_TIMES}
    p75 = statistics.quantiles(hours, n=4, method="inclusive")[2]
    return {"n": len(hours), "status": "ok", "median_h": statistics.median(hours), "p75_h": p75}


def response_time(contact: Contact) -> dict[str, Any]:
    """Hours to answer: the contact's (their reply to our e-mail) and ours (to theirs)."""
    theirs = [(e.sent_at, e.replied_at) for e in contact.emails if e.direction == "outbound"]
    ours = [(e.sent_at, e.replied_at) for e in contact.emails if e.direction == "inbound"]
    return {
        "contact": _hours([(a, b) for a, b in theirs if b is not None]),
        "us": _hours([(a, b) for a, b in ours if b is not None]),
    }


def touches_of(contact: Contact) -> list[Touch]:
    """Every timestamped interaction with its channel, oldest first."""
    touches = [Touch(a.at, a.type) for a in contact.activities]
    touches += [Touch(e.sent_at, "email") for e in contact.emails]
    touches += [Touch(c.at, "note") for c in contact.comments]
    return sorted(touches, key=lambda t: t.at)


def frequency(touches: Sequence[Touch]) -> dict[str, Any]:
    """Interactions per 30 days over the span from the first to the last."""
    if len(touches) < 2:
        return {"n": len(touches), "status": "insufficient_data", "min_n": 2}
    days = max((touches[-1].at - touches[0].at).total_seconds() / 86400, 1.0)
    return {
        "n": len(touches),
        "status": "ok",
        "span_days": days,
        "per_30_days": 30 * len(touches) / days,
    }


def decisions(contact: Contact) -> dict[str, Any]:
    """Deal cycle length of closed deals (days) and the conversion rate (won of closed)."""
    closed = [d for d in contact.deals if d.closed]
    cycles = sorted((d.closed_at - d.created_at).total_seconds() / 86400 for d in closed)  # type: ignore[operator]
    won = sum(1 for d in closed if d.won)
    return {
        "closed_deals": len(closed),
        "open_deals": len(contact.deals) - len(closed),
        "cycle_days_median": statistics.median(cycles) if cycles else None,
        "conversion": rate(won, len(closed), min_n=MIN_DEALS).as_dict(),
    }


def content(contact: Contact) -> dict[str, Any]:
    calls = [a for a in contact.activities if a.type == "call"]
    done = sum(1 for a in calls if (a.outcome or "").strip().lower() in COMPLETED)
    return {
        "files_shared": len(contact.files),
        "meetings": sum(1 for a in contact.activities if a.type == "meeting"),
        "calls_completed": rate(done, len(calls), min_n=MIN_CALLS).as_dict(),
    }


def behaviour(contact: Contact) -> dict[str, Any]:
    """Every metric of the contact, its activity patterns and its data-quality score."""
    touches = touches_of(contact)
    patterns = derivable_patterns(touches)
    deals = decisions(contact)
    emails = email_engagement(contact)
    counts = HistoryCounts(
        interactions=contact.interactions,
        tracked_emails=sum(1 for e in contact.emails if e.tracked),
        closed_deals=deals["closed_deals"],
        open_deals=deals["open_deals"],
        patterns=len(patterns),
    )
    return {
        "interactions": contact.interactions,
        "email": emails,
        "response_time": response_time(contact),
        "frequency": frequency(touches),
        "decisions": deals,
        "patterns": patterns,
        "content": content(contact),
        "data_quality": quality_score(counts).as_dict(),
    }
