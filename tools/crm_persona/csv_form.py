"""The Sight CSV of a CRM import ("long" form: one row per record), and what every importer shares.

Columns: ``record`` (contact, activity, email, open, click, deal, comment, file), ``contact_id``,
then the record's fields by their JSON names (``COLUMNS``); open and click rows name their
e-mail in ``email_id``. An empty cell is null. An e-mail is tracked when it has open or click
rows, a ``replied_at`` or ``tracked`` = true; a tracked e-mail comes back with both ``opens`` and
``clicks`` as lists (possibly empty), which the metrics read exactly as the JSON form's either-or.
Booleans: true/false, 1/0, yes/no, tak/nie. Numbers may use a decimal comma ("12,5"). The
delimiter is a comma, a semicolon (Polish Excel) or a tab. ``importing.to_csv_form`` writes it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from tools.crm_persona import records
from tools.crm_persona.records import Contact, Email

MAX_CONTACTS = 10_000
KINDS: dict[str, tuple[str, ...]] = {
    "contact": ("name", "role", "company", "company_size", "industry", "email", "phone"),
    "activity": ("type", "at", "direction", "duration_min", "outcome"),
    "email": ("id", "sent_at", "direction", "replied_at", "tracked"),
    "open": ("email_id", "at", "machine", "user_agent"),
    "click": ("email_id", "at", "url"),
    "deal": ("id", "stage", "amount", "created_at", "closed_at", "won"),
    "comment": ("at", "text"),
    "file": ("name", "type", "shared_at"),
}
COLUMNS = ("record", "contact_id", *dict.fromkeys(c for cols in KINDS.values() for c in cols))
MODELS: dict[str, type[BaseModel]] = {
    "activity": records.Activity, "email": Email, "open": records.Open, "click": records.Click,
    "deal": records.Deal, "comment": records.Comment, "file": records.SharedFile,
}  # fmt: skip
LISTS = {"activity": "activities", "deal": "deals", "comment": "comments", "file": "files"}
_TIMES = {"at", "sent_at", "replied_at", "created_at", "closed_at", "shared_at"}
_TRUE = {"true", "1", "yes", "tak", "y", "t"}
_FALSE = {"false", "0", "no", "nie", "n", "f"}
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


class Problems(list[dict[str, Any]]):
    """Every problem found, each ``{"field", "message", "row"}`` (row: CSV line or JSON index)."""

    def add(self, field: str, message: str, row: int | None = None, file: str | None = None):
        self.append(
            {"field": field, "message": message, "row": row, **({"file": file} if file else {})}
        )

    def invalid(
        self, exc: ValidationError, *, row: int | None, name: Callable[[tuple], str], file=None
    ) -> None:
        """Add pydantic's errors, each located by ``name(loc)`` and explained in plain English."""
        for err in exc.errors():
            self.add(name(err["loc"]), explain(err), row, file)


_EXPLAIN = {
    "missing": "is required: fill it in",
    "extra_forbidden": "is not a field of this record: remove it or fix its spelling",
    "literal_error": "'{input}' is not allowed: use {expected}",
    "greater_than_equal": "{input} is too small: it must be at least {ge}",
    "less_than_equal": "{input} is too large: it must be at most {le}",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long: at most {max_length} characters",
    "string_pattern_mismatch": "'{input}' may not contain '/', '?' or '#'",
    "finite_number": "must be a finite number (not Infinity or NaN)",
    "list_type": "must be a list ([...])",
    "string_type": "must be text",
    "model_type": "must be an object ({{...}})",
    "model_attributes_type": "must be an object ({{...}})",
    "datetime": "'{input}' is not a date and time: write it like 2026-03-05T14:30:00+01:00 "
    "(no zone = UTC)",
    "bool": "'{input}' is not true or false: write true/false, yes/no, tak/nie or 1/0",
    "int": "'{input}' is not a whole number: write digits only, e.g. 120",
    "float": "'{input}' is not a number: write e.g. 12.5 or 12,5",
}


def explain(err: Any) -> str:
    """Say what is wrong with a value and how to fix it (pydantic's error in plain English)."""
    kind = err["type"]
    template = _EXPLAIN.get(kind) or _EXPLAIN.get(kind.split("_")[0])
    if template is None:
        # A validator's own ValueError arrives as "Value error, <what to fix>".
        return str(err["msg"]).removeprefix("Value error, ")
    return template.format(input=err.get("input"), **(err.get("ctx") or {}))


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's BOM), else Windows-1250 (Polish Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1250", errors="replace")


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (1-based line, cells)


def read_table(text: str) -> Table:
    """Rows of a CSV with their first line numbers; the delimiter is , ; or tab, by the header."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    table, line = Table(header), reader.line_num
    for cells in reader:
        if any(c.strip() for c in cells):
            table.rows.append((line + 1, cells))
        line = reader.line_num
    return table


def cell_value(text: str, *, boolean: bool = False, number: bool = False) -> Any:
    """A cell as the JSON form holds it: None when empty, booleans and decimal commas read."""
    text = text.strip()
    if not text:
        return None
    if boolean and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if number:
        compact = text.replace(" ", "").replace("\u00a0", "")
        if _NUMBER.match(compact):
            return compact.replace(",", ".")
    return text


def duplicate_records(contact: Contact) -> Iterator[tuple[str, int, str, str]]:
    """Records the store would hold as one: (list, index, field, what to fix)."""
    keys: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "activities": ("at", lambda a: (a.type, a.at)),
        "emails": ("id", lambda e: e.id),
        "deals": ("id", lambda d: d.id),
        "comments": ("text", lambda c: (c.at, c.text)),
        "files": ("name", lambda f: (f.name, f.shared_at)),
    }
    for name, (column, key) in keys.items():
        seen: set[Any] = set()
        for i, record in enumerate(getattr(contact, name)):
            if key(record) in seen:
                yield name, i, column, _duplicate_message(name, record)
            seen.add(key(record))


def _duplicate_message(name: str, record: Any) -> str:
    if name == "activities":
        return (
            f"a second {record.type} at {record.at.isoformat()}: one activity per type and "
            "instant (a re-import updates it); remove the duplicate or correct its time"
        )
    if name in {"emails", "deals"}:
        return f"id '{record.id}' appears twice for this contact: give each its own id"
    return "the same record appears twice for this contact: remove the duplicate"


@dataclass
class _Draft:
    contact: Contact | None = None
    line: int = 0  # the contact row's line; 0 until one is seen
    first: int = 0  # the first line of any row of this contact
    lines: dict[str, list[int]] = field(default_factory=dict)
    records: dict[str, list[Any]] = field(default_factory=dict)
    emails: dict[str, tuple[int, Email, bool]] = field(default_factory=dict)
    events: list[tuple[str, int, str, BaseModel]] = field(default_factory=list)

    def keep(self, name: str, line: int, record: Any) -> None:
        self.records.setdefault(name, []).append(record)
        self.lines.setdefault(name, []).append(line)


def parse_csv(text: str, problems: Problems) -> list[Contact]:
    """Contacts of a Sight CSV; every problem goes to ``problems`` (the caller raises)."""
    table = read_table(text)
    unknown = [c for c in table.header if c not in COLUMNS]
    for column in unknown:
        problems.add(column, f"unknown column: use only {', '.join(COLUMNS)}", 1)
    for column in ("record", "contact_id"):
        if column not in table.header:
            problems.add(column, "the header needs this column", 1)
    if len(set(table.header)) < len(table.header):
        problems.add("header", "a column name repeats: keep each column once", 1)
    if problems:
        return []
    drafts: dict[str, _Draft] = {}
    for line, cells in table.rows:
        if len(cells) != len(table.header):
            problems.add("row", f"has {len(cells)} cells, the header {len(table.header)}", line)
            continue
        _read_row(dict(zip(table.header, cells, strict=True)), line, drafts, problems)
    if len(drafts) > MAX_CONTACTS:
        problems.add("file", f"{len(drafts)} contacts: at most {MAX_CONTACTS:,} per file")
    return [c for cid, d in drafts.items() if (c := _assemble(cid, d, problems)) is not None]


def _read_row(row: dict[str, str], line: int, drafts: dict[str, _Draft], problems: Problems):
    kind, cid = row["record"].strip().lower(), row["contact_id"].strip()
    if kind not in KINDS:
        problems.add("record", f"'{kind}' is not a record: use one of {', '.join(KINDS)}", line)
        return
    if not cid:
        problems.add("contact_id", "is required: name the contact this row belongs to", line)
        return
    own = KINDS[kind]
    for column, text in row.items():
        if column not in {"record", "contact_id", *own} and text.strip():
            problems.add(column, f"does not apply to a {kind} row: leave it empty", line)
    values = {
        c: cell_value(
            row.get(c, ""),
            boolean=c in {"machine", "won", "tracked"},
            number=c in {"company_size", "duration_min", "amount"},
        )
        for c in own
    }
    values = {k: v for k, v in values.items() if v is not None}
    for column in _TIMES.intersection(values):
        if _NUMBER.match(values[column]):  # pydantic would read "2026" as seconds since 1970
            problems.add(column, explain({"type": "datetime", "input": values.pop(column)}), line)
    draft = drafts.setdefault(cid, _Draft(first=line))
    if kind == "contact":
        if draft.contact is not None or draft.line:
            problems.add("contact_id", f"a second contact row for '{cid}': keep one", line)
            return
        draft.line = line
        try:
            draft.contact = Contact.model_validate({"id": cid, **values})
        except ValidationError as exc:
            problems.invalid(
                exc, row=line, name=lambda loc: "contact_id" if loc[0] == "id" else str(loc[0])
            )
        return
    tracked = values.pop("tracked", False)
    if not isinstance(tracked, bool):
        problems.add("tracked", explain({"type": "bool", "input": tracked}), line)
    email_id = values.pop("email_id", None)
    try:
        record = MODELS[kind].model_validate(values)
    except ValidationError as exc:
        problems.invalid(exc, row=line, name=lambda loc: str(loc[0]))
        return
    if kind == "email":
        if record.id in draft.emails:
            problems.add(
                "id", f"e-mail '{record.id}' appears twice for '{cid}': give each its own id", line
            )
        draft.emails[record.id] = (line, record, tracked)
    elif kind in {"open", "click"}:
        if email_id is None:
            problems.add("email_id", f"is required: name the e-mail this {kind} belongs to", line)
        else:
            draft.events.append((kind, line, str(email_id), record))
    else:
        draft.keep(LISTS[kind], line, record)


def _assemble(cid: str, draft: _Draft, problems: Problems) -> Contact | None:
    if draft.contact is None:
        if not draft.line:
            problems.add(
                "contact_id",
                f"contact '{cid}' has history rows but no contact row: add a row with "
                "record=contact and the contact's name",
                draft.first,
            )
        return None
    events: dict[str, dict[str, list[BaseModel]]] = {}
    for kind, line, email_id, record in draft.events:
        if email_id not in draft.emails:
            problems.add(
                "email_id", f"no e-mail '{email_id}' for contact '{cid}': add its email row", line
            )
            continue
        events.setdefault(email_id, {"open": [], "click": []})[kind].append(record)
    emails = []
    for email_id, (_line, email, tracked) in draft.emails.items():
        found = events.get(email_id)
        if found or tracked:
            found = found or {"open": [], "click": []}
            email = email.model_copy(update={"opens": found["open"], "clicks": found["click"]})
        emails.append(email)
    contact = draft.contact.model_copy(update={"emails": emails, **draft.records})
    lines = {**draft.lines, "emails": [ln for ln, _, _ in draft.emails.values()]}
    for name, i, column, message in duplicate_records(contact):
        problems.add(column, message, lines[name][i])
    return contact
