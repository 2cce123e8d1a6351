"""The evidence a CRM persona may cite: metric, benchmark, interaction and look-alike ids, each
with a short Polish line saying what it shows.

Ids are stable across re-imports, so a stored persona's citations keep pointing at the same
records: an e-mail and a deal by their own ids, an activity by its type and time, a comment and
a file by their time and content (the same rule the store uses to recognise a record again).
E-mail addresses and phone numbers are masked in every line (see ``masking``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tools.crm_persona.masking import mask
from tools.crm_persona.records import Activity, Comment, Contact, SharedFile
from tools.mentor.polish_format import num, pct

ACTIVITY_PL = {"call": "rozmowa", "meeting": "spotkanie", "task": "zadanie", "note": "notatka"}
WEEKDAY_PL = {
    "1": "poniedziałek",
    "2": "wtorek",
    "3": "środa",
    "4": "czwartek",
    "5": "piątek",
    "6": "sobota",
    "7": "niedziela",
}
CHANNEL_PL = ACTIVITY_PL | {"email": "e-mail"}
VERDICT_PL = {
    "above": "powyżej benchmarku",
    "below": "poniżej benchmarku",
    "consistent": "zgodnie z benchmarkiem (w przedziale ufności)",
    "faster": "szybciej niż benchmark",
    "slower": "wolniej niż benchmark",
    "equal": "tak jak benchmark",
    "insufficient_data": "za mało danych, by porównać",
}


def _digest(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:8]


def _iso(at: datetime) -> str:
    return at.isoformat()


def record_id(prefix: str, raw: str) -> str:
    """An id made from a CRM's own id, unless that id would carry contact details into a
    prompt (a Message-ID, a contact keyed by e-mail address) or is long: then a hash of it."""
    if len(raw) > 40 or mask(raw) != raw or "@" in raw:
        return prefix + _digest(raw)
    return prefix + raw


def activity_id(activity: Activity) -> str:
    return "a-" + _digest(activity.type, _iso(activity.at))


def comment_id(comment: Comment) -> str:
    return "c-" + _digest(_iso(comment.at), comment.text)


def file_id(shared: SharedFile) -> str:
    return "f-" + _digest(shared.name, _iso(shared.shared_at))


@dataclass(frozen=True)
class Evidence:
    """One citable fact: its id, kind and what it says (Polish, masked)."""

    id: str
    kind: str  # metric | benchmark | activity | email | deal | comment | file | similar | knowledge
    text: str
    at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text}


def _day(at: datetime) -> str:
    return at.strftime("%d.%m.%Y")


def interactions(contact: Contact) -> list[Evidence]:
    """Every activity, e-mail, deal, comment and file as evidence, newest first."""
    found: list[Evidence] = []
    for a in contact.activities:
        parts = [ACTIVITY_PL[a.type], _day(a.at)]
        if a.direction:
            parts.append("przychodząca" if a.direction == "inbound" else "wychodząca")
        if a.duration_min is not None:
            parts.append(f"{num(a.duration_min, 0)} min")
        if a.outcome:
            parts.append(f"wynik: {mask(a.outcome)}")
        found.append(Evidence(activity_id(a), "activity", ", ".join(parts), a.at))
    for e in contact.emails:
        side = "od kontaktu" if e.direction == "inbound" else "do kontaktu"
        events = []
        if e.opens is not None:
            events.append(f"otwarć {len(e.opens)}")
        if e.clicks:
            events.append(f"kliknięć {len(e.clicks)}")
        if e.replied_at is not None:
            events.append("odpowiedź " + _day(e.replied_at))
        text = f"e-mail {side}, {_day(e.sent_at)}" + (f" ({', '.join(events)})" if events else "")
        found.append(Evidence(record_id("e-", e.id), "email", text, e.sent_at))
    for d in contact.deals:
        state = "otwarta" if d.closed_at is None else "wygrana" if d.won else "przegrana"
        amount = f", {num(d.amount, 0)} zł" if d.amount is not None else ""
        text = f"szansa sprzedaży, etap {mask(d.stage)}, {state}{amount}, od {_day(d.created_at)}"
        found.append(Evidence(record_id("d-", d.id), "deal", text, d.created_at))
    for c in contact.comments:
        found.append(
            Evidence(comment_id(c), "comment", f"notatka {_day(c.at)}: {mask(c.text)}", c.at)
        )
    for f in contact.files:
        kind = f" ({f.type})" if f.type else ""
        text = f"plik {mask(f.name)}{kind}, udostępniony {_day(f.shared_at)}"
        found.append(Evidence(file_id(f), "file", text, f.shared_at))
    return sorted(found, key=lambda ev: ev.at or datetime.min, reverse=True)


def _rate_line(label: str, found: dict[str, Any]) -> str:
    if found.get("status") != "ok":
        return f"{label}: za mało danych (n={found.get('n', 0)}, potrzeba {found.get('min_n')})"
    low, high = found["interval"]
    return f"{label}: {pct(found['value'])} (n={found['n']}, 95% CI {pct(low)}–{pct(high)})"


def _hours_line(label: str, found: dict[str, Any]) -> str:
    if found.get("status") != "ok":
        return f"{label}: za mało danych (n={found.get('n', 0)})"
    return (
        f"{label}: mediana {num(found['median_h'])} h, 75. percentyl {num(found['p75_h'])} h "
        f"(n={found['n']})"
    )


def metrics(found: dict[str, Any]) -> list[Evidence]:
    """The behavioural metrics of ``metrics.behaviour`` as citable lines."""
    email, content = found["email"], found["content"]
    lines = [
        ("m-email_engagement", _rate_line("zaangażowanie w e-maile", email["engagement"])),
        ("m-human_open_rate", _rate_line("otwarcia przez człowieka", email["human_open_rate"])),
        ("m-click_rate", _rate_line("kliknięcia", email["click_rate"])),
        ("m-reply_rate", _rate_line("odpowiedzi na e-maile", email["reply_rate"])),
        (
            "m-machine_opens",
            f"e-maile otwarte wyłącznie automatycznie (np. Apple MPP): "
            f"{email['machine_only_opens']} z {email['tracked_emails']} śledzonych",
        ),
        ("m-response_contact", _hours_line("czas odpowiedzi kontaktu", found["response_time"]["contact"])),
        ("m-response_us", _hours_line("nasz czas odpowiedzi", found["response_time"]["us"])),
        ("m-conversion", _rate_line("konwersja szans", found["decisions"]["conversion"])),
        ("m-meetings", f"spotkania: {content['meetings']}, udostępnione pliki: {content['files_shared']}"),
        ("m-calls_completed", _rate_line("odbyte rozmowy telefoniczne", content["calls_completed"])),
    ]  # fmt: skip
    freq = found["frequency"]
    if freq.get("status") == "ok":
        lines.append(
            ("m-frequency", f"częstotliwość kontaktu: {num(freq['per_30_days'])} na 30 dni")
        )
    cycle = found["decisions"]
    if cycle["cycle_days_median"] is not None:
        lines.append(
            (
                "m-deal_cycle",
                f"cykl decyzji: mediana {num(cycle['cycle_days_median'], 0)} dni "
                f"({cycle['closed_deals']} zamkniętych, {cycle['open_deals']} otwartych szans)",
            )
        )
    patterns = found["patterns"]
    if "channel" in patterns:
        lines.append(
            (
                "m-pattern_channel",
                f"preferowany kanał: {CHANNEL_PL.get(patterns['channel'], patterns['channel'])}",
            )
        )
    if "weekday" in patterns:
        lines.append(("m-pattern_weekday", f"najczęstszy dzień: {WEEKDAY_PL[patterns['weekday']]}"))
    if "hour_band" in patterns:
        lines.append(("m-pattern_hour", f"najczęstsza pora: {patterns['hour_band']}"))  # fmt: skip
    return [Evidence(key, "metric", text) for key, text in lines]


def benchmarks(comparison: dict[str, Any]) -> list[Evidence]:
    """Each metric against its industry benchmark, with the verdict."""
    row = comparison["benchmark"]
    where = f"{row['industry']}, firmy {row['size']}" + (
        "" if row["matched"] else " (branża nieznana, średnia ogólna)"
    )
    found = []
    for key, label, unit in (
        ("email_engagement", "zaangażowanie w e-maile", "share"),
        ("deal_cycle_days", "cykl decyzji", "dni"),
        ("response_hours", "czas odpowiedzi", "h"),
    ):
        item = comparison[key]
        bench = pct(item["benchmark"]) if unit == "share" else f"{num(item['benchmark'], 0)} {unit}"
        found.append(
            Evidence(
                f"b-{key}",
                "benchmark",
                f"{label} wobec benchmarku ({where}: {bench}): {VERDICT_PL[item['verdict']]}",
            )
        )  # fmt: skip
    return found
