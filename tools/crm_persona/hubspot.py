"""HubSpot's CSV exports (contacts, activities, deals) mapped onto the import's contacts.

Column names are HubSpot's export labels, matched case-insensitively; each also answers to its
internal property name. Contacts: the header of a full HubSpot contacts export
("hubspot-crm-exports-all-contacts-2023-02-21.csv", quoted in public code found through the
search corpus) and HubSpot's import guides (knowledge.hubspot.com). Activities: HubSpot's
knowledge-base page "HubSpot's default activity properties" (Activity date, Call direction,
Call duration in milliseconds, Call outcome, Meeting outcome...) and the engagement APIs
(developers.hubspot.com/docs/api/crm/calls, /meetings, /email: hs_timestamp, hs_call_direction,
hs_call_disposition, hs_meeting_outcome, hs_email_direction EMAIL | INCOMING_EMAIL |
FORWARDED_EMAIL). Associations: "Associated Contact IDs" (";"-separated), as in the export's
"Associated Company IDs". Deals: the import guide's Deal Stage, Amount, Create Date, Close Date.

A row with an Activity date is an activity, one with a Deal Stage a deal, any other a contact
(its Record ID). HubSpot exports one object per file, so several files come together as a ZIP
(see ``importing``). The engagement type comes from an "Activity type" column (CALL, MEETING,
EMAIL, INCOMING_EMAIL, NOTE, TASK: the engagements API's types; not a documented export column)
or, in a per-type export, from which type's columns are filled.

Mapped: name = First Name + Last Name (else the Email); Number of Employees "51-200" -> the
midpoint rounded half up (126), "1000+" -> 1000; Call duration ms (or h:mm:ss) -> minutes;
meeting duration = end - start; a NOTE with a body -> a comment (HTML stripped); a Closed Won /
Closed Lost deal is closed at its Close Date, another deal's Close Date (HubSpot's expected
date) is dropped. Dropped: every other column; FORWARDED_EMAIL rows; e-mail open, click and
reply counts (hs_email_open_count...: counts without times cannot tell a machine open from a
person, so HubSpot e-mails come in untracked). Times without a zone are UTC.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from tools.crm_persona.csv_form import MAX_CONTACTS, Problems, Table, cell_value, duplicate_records
from tools.crm_persona.records import Activity, Comment, Contact, Deal, Email

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Record ID", "hs_object_id"),
    "first": ("First Name", "firstname"),
    "last": ("Last Name", "lastname"),
    "role": ("Job Title", "jobtitle"),
    "company": ("Company Name", "company", "Associated Company"),
    "company_size": ("Number of Employees", "numemployees"),
    "industry": ("Industry",),
    "email": ("Email", "Email address"),
    "phone": ("Phone Number", "phone", "Mobile Phone Number", "mobilephone"),
    "contacts": ("Associated Contact IDs",),
    "at": ("Activity date", "hs_timestamp"),
    "type": ("Activity type",),
    "call_direction": ("Call direction", "hs_call_direction"),
    "call_duration": ("Call duration", "hs_call_duration"),
    "call_outcome": ("Call outcome", "hs_call_disposition"),
    "meeting_outcome": ("Meeting outcome", "hs_meeting_outcome"),
    "meeting_start": ("Meeting start time", "hs_meeting_start_time"),
    "meeting_end": ("Meeting end time", "hs_meeting_end_time"),
    "email_direction": ("Email direction", "hs_email_direction"),
    "note_body": ("Note body", "hs_note_body"),
    "task_status": ("Task status", "hs_task_status"),
    "stage": ("Deal Stage", "dealstage"),
    "amount": ("Amount",),
    "created": ("Create Date", "createdate"),
    "closed": ("Close Date", "closedate"),
}
# The JSON field each record's errors name, as the HubSpot column it came from.
_SOURCE = {
    "contact": {"id": "id", "name": "first", "role": "role", "company": "company",
                "company_size": "company_size", "industry": "industry", "email": "email",
                "phone": "phone"},
    "call": {"at": "at", "direction": "call_direction", "duration_min": "call_duration",
             "outcome": "call_outcome"},
    "meeting": {"at": "at", "duration_min": "meeting_end", "outcome": "meeting_outcome"},
    "task": {"at": "at", "outcome": "task_status"},
    "note": {"at": "at", "text": "note_body"},
    "email": {"id": "id", "sent_at": "at", "direction": "email_direction"},
    "deal": {"id": "id", "stage": "stage", "amount": "amount", "created_at": "created",
             "closed_at": "closed", "won": "stage"},
}  # fmt: skip
_TYPES = {"CALL": "call", "MEETING": "meeting", "TASK": "task", "NOTE": "note", "EMAIL": "email"}
_TYPES |= {"INCOMING_EMAIL": "incoming", "FORWARDED_EMAIL": "forwarded"}
_INFERRED = (("call_", "call"), ("meeting_", "meeting"), ("note_", "note"), ("task_", "task"))
_RANGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
_US_TIMES = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def is_hubspot(header: list[str]) -> bool:
    """Whether a CSV header is a HubSpot export's (its Record ID and another HubSpot label)."""
    names = {h.strip().casefold() for h in header}
    labels = {a.casefold() for aliases in COLUMNS.values() for a in aliases[:1]}
    return "record id" in names and len(names & labels) >= 2


def parse_hubspot(tables: list[tuple[str | None, Table]], problems: Problems) -> list[Contact]:
    """Contacts of HubSpot exports (one or more files), every problem added to ``problems``."""
    reader = _Reader(problems)
    for file, table in tables:
        columns = _columns(table.header)
        for line, cells in table.rows:
            reader.at = (file, line, {k: table.header[i] for k, i in columns.items()})
            reader.read({key: cells[i].strip() for key, i in columns.items() if i < len(cells)})
    return reader.contacts_with_history()


def _columns(header: list[str]) -> dict[str, int]:
    names = {h.strip().casefold(): i for i, h in enumerate(header)}
    found = {}
    for key, aliases in COLUMNS.items():
        index = next((names[a.casefold()] for a in aliases if a.casefold() in names), None)
        if index is not None:
            found[key] = index
    return found


@dataclass
class _Reader:
    problems: Problems
    at: tuple[str | None, int, dict[str, str]] = (None, 0, {})  # file, line, the file's columns
    contacts: dict[str, Contact] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # contact rows, valid or not
    history: list[tuple[list[str], str, BaseModel, tuple]] = field(default_factory=list)

    def add(self, key: str, message: str, at: tuple | None = None) -> None:
        file, line, names = at or self.at
        self.problems.add(names.get(key, COLUMNS[key][0]), message, line, file)

    def read(self, row: dict[str, str]) -> None:
        if row.get("at"):
            self.activity(row)
        elif row.get("stage"):
            self.keep(row, "deals", self.valid(Deal, _deal(row), "deal"))
        else:
            self.contact(row)

    def contact(self, row: dict[str, str]) -> None:
        cid = row.get("id", "")
        if not cid:
            return self.add("id", "is required: a contact row needs its Record ID")
        if cid in self.seen:
            return self.add("id", f"contact {cid} appears twice: keep one row")
        self.seen.add(cid)
        # No name: a placeholder by its Record ID, never its e-mail (it would reach prompts).
        name = " ".join(p for p in (row.get("first"), row.get("last")) if p) or f"Kontakt {cid}"
        values = {k: row.get(k) for k in ("role", "company", "industry", "email", "phone")}
        values |= {"id": cid, "name": name, "company_size": _employees(row.get("company_size"))}
        if (contact := self.valid(Contact, values, "contact")) is not None:
            self.contacts[cid] = contact

    def activity(self, row: dict[str, str]) -> None:
        kind, when = _kind(row), _when(row["at"])
        if kind is None:
            return self.add(
                "type",
                f"cannot tell what activity '{row.get('type', '')}' is: give it an Activity "
                "type of CALL, MEETING, EMAIL, INCOMING_EMAIL, NOTE or TASK",
            )
        if kind == "forwarded":  # a user's forward into the CRM: neither to nor from the contact
            return None
        if kind in {"email", "incoming"}:
            direction = "inbound" if kind == "incoming" else "outbound"
            values = {"id": row.get("id"), "sent_at": when, "direction": direction}
            return self.keep(row, "emails", self.valid(Email, values, "email"))
        if kind == "note" and row.get("note_body"):
            values = {"at": when, "text": _plain(row["note_body"])}
            return self.keep(row, "comments", self.valid(Comment, values, "note"))
        values = {"type": kind, "at": when, **_details(kind, row)}
        return self.keep(row, "activities", self.valid(Activity, values, kind))

    def keep(self, row: dict[str, str], name: str, record: BaseModel | None) -> None:
        ids = [i.strip() for i in re.split(r"[;,]", row.get("contacts", "")) if i.strip()]
        if not ids:
            self.add("contacts", "is required: name the Record ID of the contact it belongs to")
        elif record is not None:
            self.history.append((ids, name, record, self.at))

    def valid(self, model: type[BaseModel], values: dict, kind: str) -> Any:
        values = {k: v for k, v in values.items() if v is not None and v != ""}
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            file, line, names = self.at
            source = _SOURCE[kind]
            self.problems.invalid(
                exc, row=line, file=file,
                name=lambda loc: names.get(k := source.get(str(loc[0]), "id"), COLUMNS[k][0]),
            )  # fmt: skip
            return None

    def contacts_with_history(self) -> list[Contact]:
        if len(self.contacts) > MAX_CONTACTS:
            self.problems.add("file", f"{len(self.contacts)} contacts: at most {MAX_CONTACTS:,}")
        own: dict[str, dict[str, list[tuple[BaseModel, tuple]]]] = {}
        for ids, name, record, at in self.history:
            if missing := [cid for cid in ids if cid not in self.seen]:
                self.add("contacts", f"no contact {', '.join(missing)} in this upload: "
                         "include the contacts export (the CSV files in one ZIP)", at)  # fmt: skip
            for cid in ids:
                own.setdefault(cid, {}).setdefault(name, []).append((record, at))
        contacts = []
        for cid, contact in self.contacts.items():
            lists = own.get(cid, {})
            if "activities" in lists:
                lists["activities"] = _spread(lists["activities"])
            contact = contact.model_copy(update={n: [r for r, _ in rs] for n, rs in lists.items()})
            for name, i, _column, message in duplicate_records(contact):
                self.add("id" if name in {"emails", "deals"} else "at", message, lists[name][i][1])
            contacts.append(contact)
        return contacts


def _spread(activities: list[tuple[Any, tuple]]) -> list[tuple[Any, tuple]]:
    """HubSpot's times stop at the minute, so two calls (each its own HubSpot record) can share
    one; a second apart, in file order, they stay two activities (Sight knows an activity by
    its type and time). The same file gives the same times again: re-imports stay idempotent."""
    seen: set[tuple[str, Any]] = set()
    spread = []
    for record, at in activities:
        while (record.type, record.at) in seen:
            record = record.model_copy(update={"at": record.at + timedelta(seconds=1)})
        seen.add((record.type, record.at))
        spread.append((record, at))
    return spread


def _kind(row: dict[str, str]) -> str | None:
    given = (row.get("type") or row.get("email_direction") or "").upper().replace(" ", "_")
    if given and given not in _TYPES:
        return None
    if given:
        return (
            "incoming"
            if row.get("email_direction", "").upper() == "INCOMING_EMAIL"
            else _TYPES[given]
        )
    for prefix, kind in _INFERRED:
        if any(v for k, v in row.items() if k.startswith(prefix)):
            return kind
    return None


def _details(kind: str, row: dict[str, str]) -> dict[str, Any]:
    if kind == "call":
        direction = row.get("call_direction", "").lower() or None
        return {"direction": direction, "duration_min": _minutes(row.get("call_duration", "")),
                "outcome": row.get("call_outcome") or None}  # fmt: skip
    if kind == "meeting":
        start, end = _when(row.get("meeting_start", "")), _when(row.get("meeting_end", ""))
        try:
            minutes = (end - start).total_seconds() / 60
        except TypeError:  # a time missing or unreadable, or one with a zone and one without
            minutes = None
        return {"duration_min": minutes, "outcome": row.get("meeting_outcome") or None}
    if kind == "task":
        return {"outcome": row.get("task_status") or None}
    return {}


def _deal(row: dict[str, str]) -> dict[str, Any]:
    stage = row["stage"]
    outcome = {"closedwon": True, "closedlost": False}.get(stage.replace(" ", "").casefold())
    return {
        "id": row.get("id") or None,
        "stage": stage,
        "amount": cell_value(row.get("amount", ""), number=True),
        "created_at": _when(row.get("created", "")),
        "closed_at": _when(row.get("closed", "")) if outcome is not None else None,
        "won": outcome,
    }


def _when(text: str) -> Any:
    """A HubSpot time: ISO 8601 or epoch ms (left to pydantic), or the US "3/15/2024 2:30 PM"."""
    text = text.strip()
    for form in _US_TIMES:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text or None


def _minutes(text: str) -> Any:
    """Call duration in minutes: HubSpot stores milliseconds; an export may show h:mm:ss."""
    text = text.strip()
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        parts = [int(p) for p in text.split(":")]
        return sum(p * 60**i for i, p in enumerate(reversed(parts))) / 60
    number = cell_value(text, number=True)
    try:
        return float(number) / 60_000 if number is not None else None
    except ValueError:
        return number  # not a number: pydantic names the column and says what to write


def _employees(text: str | None) -> Any:
    """Number of Employees: a count, a range "51-200" (its midpoint, half up) or "1000+"."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if match := _RANGE.match(text):
        return int((int(match[1]) + int(match[2])) / 2 + 0.5)
    return text.removesuffix("+") or None


def _plain(body: str) -> str:
    """A note body without its HTML (HubSpot keeps notes as rich text)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
