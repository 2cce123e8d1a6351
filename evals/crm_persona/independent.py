"""The metrics and the data-quality score of a contact, computed again from its raw records
(the JSON form as the store returns it), without ``tools.crm_persona.metrics`` or ``quality``.

Definitions, from docs/crm_persona.md §2-3 and seed 004, as this eval reads them:

- engagement: over our tracked e-mails (outbound, carrying opens, clicks or a reply time), each
  scores its strongest human event: a reply 1, a click 0.8, an open by a person 0.3, else 0. An
  open is a machine's when flagged or less than 2 s after sending. None under 3 such e-mails,
  like the human open, click and reply rates (share of those e-mails with the event).
- the contact's response time: hours from our e-mail to their reply, median and 75th percentile
  (numpy, linear); None under 3 replies.
- frequency: interactions (activities, e-mails, comments) per 30 days over the span from the
  first to the last, the span at least a day (two notes of one morning are no monthly rate);
  None under 2 interactions.
- deal cycle: median days from created to closed of the closed deals (None: none closed);
  conversion: won of closed, None under 2 closed.
- quality: 2.5 per interaction up to 50; tracked e-mails (either direction) 3+: 20, 1-2: 10;
  a closed deal 20, open only 10; patterns 2+: 10, 1: 5. A pattern is a channel, a Warsaw
  weekday or a Warsaw hour band holding at least 40% of the interactions, from 5 of them.
  The hour bands are the product's (night and early morning to 9, 9-12, 12-17, 17-24); the
  channel of a comment is a note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

WEIGHTS = {"reply": 1.0, "click": 0.8, "open": 0.3}
MACHINE_SECONDS = 2.0
MIN_EMAILS, MIN_REPLIES, MIN_CLOSED, MIN_TOUCHES = 3, 3, 2, 2
BAND_STARTS = (0, 9, 12, 17)
METRICS = (
    "engagement",
    "human_open_rate",
    "click_rate",
    "reply_rate",
    "response_median_h",
    "response_p75_h",
    "frequency_per_30_days",
    "deal_cycle_median_days",
    "conversion",
)


def _tracked(email: Mapping[str, Any]) -> bool:
    return any(email.get(k) is not None for k in ("opens", "clicks", "replied_at"))


def _human_open(email: Mapping[str, Any]) -> bool:
    return any(
        not o.get("machine") and (o["at"] - email["sent_at"]).total_seconds() >= MACHINE_SECONDS
        for o in email.get("opens") or []
    )


def _score(email: Mapping[str, Any]) -> float:
    events = [
        WEIGHTS["reply"] if email.get("replied_at") is not None else 0.0,
        WEIGHTS["click"] if email.get("clicks") else 0.0,
        WEIGHTS["open"] if _human_open(email) else 0.0,
    ]
    return max(events)


def _share(flags: list[bool], minimum: int) -> float | None:
    return sum(flags) / len(flags) if len(flags) >= minimum else None


def expected_metrics(raw: Mapping[str, Any]) -> dict[str, float | None]:
    """Every compared metric of one contact (None: too little data for it)."""
    ours = [e for e in raw["emails"] if e["direction"] == "outbound" and _tracked(e)]
    hours = [
        (e["replied_at"] - e["sent_at"]).total_seconds() / 3600
        for e in raw["emails"]
        if e["direction"] == "outbound" and e.get("replied_at") is not None
    ]
    hours = [h for h in hours if h >= 0]
    times = sorted(_times(raw))
    closed = [d for d in raw["deals"] if d.get("closed_at") is not None]
    cycles = [(d["closed_at"] - d["created_at"]).total_seconds() / 86400 for d in closed]
    span_days = max((times[-1] - times[0]).total_seconds() / 86400, 1.0) if times else 0.0
    return {
        "engagement": sum(map(_score, ours)) / len(ours) if len(ours) >= MIN_EMAILS else None,
        "human_open_rate": _share([_human_open(e) for e in ours], MIN_EMAILS),
        "click_rate": _share([bool(e.get("clicks")) for e in ours], MIN_EMAILS),
        "reply_rate": _share([e.get("replied_at") is not None for e in ours], MIN_EMAILS),
        "response_median_h": float(np.median(hours)) if len(hours) >= MIN_REPLIES else None,
        "response_p75_h": float(np.percentile(hours, 75)) if len(hours) >= MIN_REPLIES else None,
        "frequency_per_30_days": 30 * len(times) / span_days if len(times) >= MIN_TOUCHES else None,
        "deal_cycle_median_days": float(np.median(cycles)) if cycles else None,
        "conversion": _share([bool(d.get("won")) for d in closed], MIN_CLOSED),
    }


def reported_metrics(found: Mapping[str, Any]) -> dict[str, float | None]:
    """The same metrics as ``metrics.behaviour`` reports them."""
    email, theirs = found["email"], found["response_time"]["contact"]
    often = found["frequency"]
    return {
        "engagement": email["engagement"]["value"],
        "human_open_rate": email["human_open_rate"]["value"],
        "click_rate": email["click_rate"]["value"],
        "reply_rate": email["reply_rate"]["value"],
        "response_median_h": theirs.get("median_h"),
        "response_p75_h": theirs.get("p75_h"),
        "frequency_per_30_days": often.get("per_30_days"),
        "deal_cycle_median_days": found["decisions"]["cycle_days_median"],
        "conversion": found["decisions"]["conversion"]["value"],
    }


def _times(raw: Mapping[str, Any]) -> list[datetime]:
    return [
        *(a["at"] for a in raw["activities"]),
        *(e["sent_at"] for e in raw["emails"]),
        *(c["at"] for c in raw["comments"]),
    ]


def _band(local: datetime) -> int:
    return max(i for i, start in enumerate(BAND_STARTS) if local.hour >= start)


def patterns(raw: Mapping[str, Any]) -> int:
    """How many of channel, weekday and hour band hold 40% of at least 5 interactions."""
    touches = [(a["at"], a["type"]) for a in raw["activities"]]
    touches += [(e["sent_at"], "email") for e in raw["emails"]]
    touches += [(c["at"], "note") for c in raw["comments"]]
    if len(touches) < 5:
        return 0
    warsaw = ZoneInfo("Europe/Warsaw")
    local = [(at.astimezone(warsaw), channel) for at, channel in touches]
    columns = (
        [channel for _, channel in local],
        [at.weekday() for at, _ in local],
        [_band(at) for at, _ in local],
    )
    # 40% in whole numbers: 0.4 * 15 is 6.000000000000001 in floating point
    return sum(5 * Counter(c).most_common(1)[0][1] >= 2 * len(touches) for c in columns)


def expected_quality(raw: Mapping[str, Any]) -> float:
    """The data-quality score (0-100) of seed 004."""
    interactions = len(raw["activities"]) + len(raw["emails"]) + len(raw["comments"])
    tracked = sum(map(_tracked, raw["emails"]))
    closed = sum(d.get("closed_at") is not None for d in raw["deals"])
    found = patterns(raw)
    return (
        min(50.0, 2.5 * interactions)
        + (20.0 if tracked >= 3 else 10.0 if tracked else 0.0)
        + (20.0 if closed else 10.0 if raw["deals"] else 0.0)
        + (10.0 if found >= 2 else 5.0 if found else 0.0)
    )
