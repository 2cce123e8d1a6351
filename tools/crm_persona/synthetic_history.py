"""Interaction histories of synthetic CRM contacts (``tools.crm_persona.synthetic``): the planted
behavioural archetypes and the rhythms each follows.

Meetings keep one weekly, biweekly or monthly slot; e-mails, calls, comments and files fall on
working days in office hours (Europe/Warsaw); the contact's reply delays are log-normal per
archetype; deal cycles are the industry benchmark's times an archetype factor with log-normal
noise. A share of contacts read mail through Apple Mail Privacy Protection, so each of their
tracked e-mails also gets a machine open (flagged, or unflagged within a second of sending).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from tools.crm_persona.benchmarks import benchmark_for, size_band

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "crm_persona" / "synthetic_pl.json"
SPAN_DAYS = (120.0, 360.0)  # how far back a contact's history starts
OFFICE_HOURS = (8, 17)  # local hours: from the first, up to (not including) the second
MEETING_SLOTS = (9, 10, 11, 13, 14, 15)
MEETING_HELD = 0.85  # the rest of a series' slots are cancelled or fall on a holiday
TRACKED = 0.95  # share of our e-mails sent with tracking
FIRST_LOOK = (1.5, 1.0)  # median hours and log-sd from sending to a person's first open
OUR_REPLY = (4.0, 0.9)  # median hours and log-sd of our answers to the contact's e-mails
DEAL_MEDIAN_PLN = {"1-50": 12_000, "51-200": 45_000, "200+": 180_000}
CYCLE_NOISE = 0.25  # log-sd of a deal's cycle around the archetype's multiple of the benchmark
PERSONAL = 0.25  # log-sd of one contact's rates and pace around its archetype's
PROXY_AGENT = "Mozilla/5.0"  # what Apple's proxy reports: no mail client, no system
T = TypeVar("T")


@dataclass(frozen=True)
class Archetype:
    """How one planted kind of contact behaves: rates per e-mail, counts per 30 days."""

    emails: float  # our e-mails to the contact
    inbound: float  # e-mails the contact starts
    reply_p: float
    reply_median_h: float
    reply_sigma: float  # log-sd of the reply delay
    open_p: float  # a human open
    click_p: float  # a click, given a human open
    meeting_every_days: int | None
    calls: float
    answer_p: float
    cycle_factor: float  # deal cycle as a multiple of the industry benchmark
    win_p: float
    deals: tuple[int, int]
    files: tuple[int, int]
    apple_share: float  # share of contacts whose mail app opens every e-mail by machine


ARCHETYPES: dict[str, Archetype] = {
    # replies within hours, short cycles, mostly won
    "szybki_decydent": Archetype(4, 1.5, 0.85, 1.5, 0.8, 0.9, 0.3, 14, 2, 0.85, 0.35, 0.85,
                                 (2, 4), (0, 2), 0.25),
    # reads and clicks everything, asks for documents, slow answers, long cycles
    "analityk": Archetype(6, 2, 0.45, 30, 0.7, 0.95, 0.8, 28, 1, 0.6, 1.7, 0.45,
                          (2, 3), (6, 12), 0.25),
    # only a privacy proxy opens our e-mails; no replies, calls missed, deals mostly lost
    "milczek": Archetype(5, 0, 0.0, 24, 1.0, 0.0, 0.0, None, 2, 0.1, 1.3, 0.1,
                         (1, 2), (0, 1), 1.0),
    # weekly meetings and many calls, a medium pace on e-mail
    "relacyjny": Archetype(2, 1, 0.55, 10, 1.0, 0.6, 0.15, 7, 6, 0.8, 1.0, 0.6,
                           (1, 3), (1, 3), 0.25),
}  # fmt: skip


@cache
def vocabulary() -> dict[str, Any]:
    """The Polish vocabulary file (names of roles, companies, comments, files, stages)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def warsaw() -> ZoneInfo:
    """The office's time zone (loaded on first use, not at import)."""
    return ZoneInfo("Europe/Warsaw")


def pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    """One of ``items``, uniformly (``rng.choice`` is ten times slower on a short list)."""
    return items[int(rng.integers(len(items)))]


def office(rng: np.random.Generator, start: datetime, end: datetime) -> datetime:
    """A moment of a working day in office hours between ``start`` and the day before ``end``
    (a weekend moves back to its Friday, so nothing lands after ``end``)."""
    latest = max(end - timedelta(days=1), start)
    return office_on(rng, (start + (latest - start) * float(rng.random())).astimezone(warsaw()))


def office_on(rng: np.random.Generator, moment: datetime) -> datetime:
    """A moment in office hours on the local working day of ``moment`` (weekends: Friday)."""
    day: date = moment.astimezone(warsaw()).date()
    day -= timedelta(days=max(0, day.weekday() - 4))
    minute = int(rng.integers(OFFICE_HOURS[0] * 60, OFFICE_HOURS[1] * 60))
    return datetime.combine(day, time(minute // 60, minute % 60), warsaw()).astimezone(UTC)


def history(
    rng: np.random.Generator,
    archetype: str,
    contact_id: str,
    industry: str,
    employees: int,
    now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """A contact's activities, e-mails, deals, comments and files in the JSON form."""
    kind = _individual(rng, ARCHETYPES[archetype])
    span = float(rng.uniform(*SPAN_DAYS))
    start = now - timedelta(days=span)
    texts = vocabulary()["comments"]
    pools = ["any" if rng.random() < 0.4 else archetype for _ in range(1 + rng.poisson(span / 60))]
    files = vocabulary()["files"]
    picked = rng.permutation(len(files))[: int(rng.integers(kind.files[0], kind.files[1] + 1))]
    return {
        "activities": _distinct(
            _meetings(rng, kind, start, now) + _calls(rng, kind, start, now, span), "type", "at"
        ),
        "emails": _emails(rng, kind, contact_id, start, now, span),
        "deals": _deals(rng, kind, contact_id, (industry, employees), start, now),
        "comments": _distinct(
            [{"at": office(rng, start, now), "text": pick(rng, texts[pool])} for pool in pools],
            "text",
            "at",
        ),
        "files": _distinct(
            [
                {"name": files[i][0], "type": files[i][1], "shared_at": office(rng, start, now)}
                for i in picked
            ],
            "name",
            "shared_at",
        ),
    }


def _distinct(records: list[dict[str, Any]], what: str, when: str) -> list[dict[str, Any]]:
    """The records with any two of one ``what`` at one time moved a minute apart: the import
    (and the store) take them for one record, as a CRM would."""
    seen: set[tuple[Any, datetime]] = set()
    for record in records:
        while (record[what], record[when]) in seen:
            record[when] += timedelta(minutes=1)
        seen.add((record[what], record[when]))
    return records


def _individual(rng: np.random.Generator, kind: Archetype) -> Archetype:
    """The archetype as one person lives it: every rate, pace and delay a little off."""
    names = ("emails", "inbound", "reply_p", "reply_median_h", "open_p", "click_p", "calls",
             "answer_p", "cycle_factor", "win_p")  # fmt: skip
    varied = {n: getattr(kind, n) * float(rng.lognormal(0, PERSONAL)) for n in names}
    return replace(kind, **{n: min(v, 0.98) if n.endswith("_p") else v for n, v in varied.items()})


def _hours(rng: np.random.Generator, median: float, sigma: float) -> timedelta:
    return timedelta(hours=float(rng.lognormal(math.log(median), sigma)))


def _count(rng: np.random.Generator, per_30_days: float, span: float) -> int:
    return int(rng.poisson(per_30_days * span / 30))


def _meetings(
    rng: np.random.Generator, kind: Archetype, start: datetime, now: datetime
) -> list[dict[str, Any]]:
    """One series in a fixed local slot (weekday, time), every ``meeting_every_days``."""
    every = kind.meeting_every_days
    if every is None:
        return []
    day = start.astimezone(warsaw()).date() + timedelta(days=int(rng.integers(every)))
    day += timedelta(days=(int(rng.integers(5)) - day.weekday()) % 7)
    slot = time(pick(rng, MEETING_SLOTS), pick(rng, (0, 30)))
    outcomes = vocabulary()["meeting_outcomes"]
    found = []
    while (at := datetime.combine(day, slot, warsaw()).astimezone(UTC)) <= now:
        if rng.random() < MEETING_HELD:
            minutes = float(pick(rng, (30, 45, 60, 90)))
            outcome = pick(rng, outcomes)
            found.append({"type": "meeting", "at": at, "duration_min": minutes, "outcome": outcome})
        day += timedelta(days=every)
    return found


def _calls(
    rng: np.random.Generator, kind: Archetype, start: datetime, now: datetime, span: float
) -> list[dict[str, Any]]:
    outcomes = vocabulary()["call_outcomes"]
    found = []
    for _ in range(_count(rng, kind.calls, span)):
        inbound = rng.random() < 0.2 * kind.reply_p  # those who write back also call back
        answered = inbound or rng.random() < kind.answer_p
        found.append({
            "type": "call",
            "at": office(rng, start, now),
            "direction": "inbound" if inbound else "outbound",
            "duration_min": round(float(rng.lognormal(math.log(8), 0.6)), 1) if answered else None,
            "outcome": pick(rng, outcomes["completed" if answered else "missed"]),
        })  # fmt: skip
    return found


def _emails(
    rng: np.random.Generator,
    kind: Archetype,
    cid: str,
    start: datetime,
    now: datetime,
    span: float,
) -> list[dict[str, Any]]:
    apple = rng.random() < kind.apple_share
    sent_times = sorted(office(rng, start, now) for _ in range(_count(rng, kind.emails, span)))
    found = [
        _outbound(rng, kind, f"{cid}-o{j + 1}", sent, now, apple)
        for j, sent in enumerate(sent_times)
    ]
    for j, sent in enumerate(
        sorted(office(rng, start, now) for _ in range(_count(rng, kind.inbound, span)))
    ):
        ours = sent + _hours(rng, *OUR_REPLY) if rng.random() < 0.9 else None
        found.append({
            "id": f"{cid}-i{j + 1}",
            "sent_at": sent,
            "direction": "inbound",
            "replied_at": ours if ours is not None and ours <= now else None,
        })  # fmt: skip
    return found


def _outbound(
    rng: np.random.Generator,
    kind: Archetype,
    email_id: str,
    sent: datetime,
    now: datetime,
    apple: bool,
) -> dict[str, Any]:
    """Our e-mail with what the contact (and their mail app) did with it."""
    mail: dict[str, Any] = {"id": email_id, "sent_at": sent, "direction": "outbound"}
    if rng.random() >= TRACKED:
        return mail
    opens: list[dict[str, Any]] = []
    clicks: list[dict[str, Any]] = []
    if apple:  # the proxy fetches the message at once; some CRMs flag it, some do not
        flagged = rng.random() < 0.5
        delay = float(rng.uniform(1, 900) if flagged else rng.uniform(0.05, 1.0))
        opens.append({"at": sent + timedelta(seconds=delay), "machine": True if flagged else None,
                      "user_agent": PROXY_AGENT})  # fmt: skip
    replied = sent + max(_hours(rng, kind.reply_median_h, kind.reply_sigma), timedelta(minutes=5))
    replied_at = replied if rng.random() < kind.reply_p else None
    if replied_at is not None or rng.random() < kind.open_p:
        look = sent + max(_hours(rng, *FIRST_LOOK), timedelta(minutes=1))
        if replied_at is not None:  # read before answering
            look = min(look, sent + (replied_at - sent) / 2)
        agents = vocabulary()["user_agents"]["human"]
        opens.append({"at": look, "user_agent": pick(rng, agents)})
        if rng.random() < kind.click_p:
            at = look + timedelta(seconds=float(rng.uniform(10, 600)))
            clicks.append({"at": at, "url": pick(rng, vocabulary()["click_urls"])})
    return mail | {
        "opens": [o for o in opens if o["at"] <= now],
        "clicks": [c for c in clicks if c["at"] <= now],
        "replied_at": replied_at if replied_at is not None and replied_at <= now else None,
    }


def _deals(
    rng: np.random.Generator,
    kind: Archetype,
    cid: str,
    company: tuple[str, int],
    start: datetime,
    now: datetime,
) -> list[dict[str, Any]]:
    """Deals open for the benchmark cycle x the archetype's factor (noisy); closed when that
    ended before yesterday, won with the archetype's odds."""
    benchmark = benchmark_for(*company).deal_cycle_days
    median_pln = DEAL_MEDIAN_PLN[size_band(company[1])]
    stages = vocabulary()["closed_stages"]
    span = (now - start).total_seconds() / 86400
    found = []
    for j in range(int(rng.integers(kind.deals[0], kind.deals[1] + 1))):
        cycle = benchmark * kind.cycle_factor * float(rng.lognormal(0, CYCLE_NOISE))
        created = office_on(
            rng, start + timedelta(days=rng.uniform(0, max(span - cycle, span / 4)))
        )
        amount = round(float(rng.lognormal(math.log(median_pln), 0.5)), -2)
        deal = {"id": f"{cid}-d{j + 1}", "amount": amount, "created_at": created}
        closes = created + timedelta(days=cycle)
        if closes <= now - timedelta(days=1):
            won = bool(rng.random() < kind.win_p)
            closed = max(office_on(rng, closes), created + timedelta(hours=1))
            deal |= {"stage": stages["won" if won else "lost"], "closed_at": closed, "won": won}
        else:
            deal["stage"] = pick(rng, vocabulary()["open_stages"])
        found.append(deal)
    return found
