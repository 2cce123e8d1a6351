"""Read a CRM import file (JSON, Sight CSV or HubSpot exports) into contacts, or refuse it whole.

Every record is validated and every problem listed (``{"field", "message", "row"}``: for JSON the
field is its path, "contacts.3.emails.0.sent_at", and the row the contact's index; for CSV the
column and the 1-based line; a file inside a ZIP adds "file"), at most ``MAX_PROBLEMS`` of them
and then "... and N more". Limits: ``MAX_BYTES`` per file, ``csv_form.MAX_CONTACTS`` contacts.
Nothing is stored here: the caller hands the contacts to the store only when all are valid.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any, Literal, NoReturn

from pydantic import ValidationError

from sight.errors import InputValidationError
from tools.crm_persona.csv_form import (
    COLUMNS,
    KINDS,
    LISTS,
    MAX_CONTACTS,
    Problems,
    Table,
    decode,
    duplicate_records,
    parse_csv,
    read_table,
)
from tools.crm_persona.hubspot import is_hubspot, parse_hubspot
from tools.crm_persona.records import Contact

Format = Literal["json", "csv", "hubspot"]
FORMATS: tuple[str, ...] = ("json", "csv", "hubspot")
MAX_BYTES = 20_000_000  # SIGHT_CRM_IMPORT_MAX_BYTES's default
MAX_PROBLEMS = 200
_ZIP = b"PK\x03\x04"


def parse_import(
    data: bytes,
    *,
    format: Format | None = None,
    filename: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> list[Contact]:
    """Parse an import file into valid contacts; raise InputValidationError listing every problem.

    ``format`` None detects it: JSON when the file is an object with "contacts", HubSpot when a
    CSV header (or every CSV in a ZIP) has HubSpot's column names, else the Sight CSV.
    ``max_bytes`` is the caller's limit (SIGHT_CRM_IMPORT_MAX_BYTES).
    """
    if format is not None and format not in FORMATS:
        _refuse([_problem("format", f"'{format}' is unknown: use json, csv or hubspot")])
    if len(data) > max_bytes:
        message = f"is {len(data):,} bytes; the limit is {max_bytes:,} (SIGHT_CRM_IMPORT_MAX_BYTES): split it"
        _refuse([_problem("file", message)])
    problems = Problems()
    format = format or detect_format(data, filename)
    if format == "json":
        contacts = _parse_json(data, problems)
    elif format == "hubspot":
        contacts = parse_hubspot(_tables(data, problems), problems)
    else:
        contacts = parse_csv(decode(data), problems)
    if problems:
        _refuse(problems)
    return contacts


def detect_format(data: bytes, filename: str | None = None) -> Format:
    """Which importer reads this file (see ``parse_import``); refuse one none can read."""
    name = (filename or "").lower()
    if data.startswith(_ZIP):
        return "hubspot"
    text = decode(data[:65536]).lstrip()
    if name.endswith(".json") or text.startswith(("{", "[")):
        return "json"
    header = read_table(text.split("\n", 1)[0]).header
    if {"record", "contact_id"} <= set(header):
        return "csv"
    if is_hubspot(header):
        return "hubspot"
    _refuse(
        [
            _problem(
                "format",
                "cannot tell the file's format: a Sight CSV starts with the columns "
                "record,contact_id; a HubSpot export has Record ID and First Name; JSON is an "
                'object with "contacts". Fix the header or say the format',
            )
        ]
    )


def _parse_json(data: bytes, problems: Problems) -> list[Contact]:
    try:
        body = json.loads(decode(data))
    except json.JSONDecodeError as exc:
        problems.add(
            "file", f"is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        )
        return []
    except RecursionError:
        problems.add("file", "is nested too deeply to be an import: check its structure")
        return []
    if not isinstance(body, dict) or not isinstance(body.get("contacts"), list):
        problems.add("contacts", 'the file must be an object {"contacts": [...]}')
        return []
    for key in body.keys() - {"contacts"}:
        problems.add(key, 'is not part of the import: the file holds only "contacts"')
    if len(body["contacts"]) > MAX_CONTACTS:
        problems.add(
            "file", f"{len(body['contacts'])} contacts: at most {MAX_CONTACTS:,}: split it"
        )
        return []
    contacts: list[Contact] = []
    first: dict[str, int] = {}
    for i, item in enumerate(body["contacts"]):
        cid = item.get("id") if isinstance(item, dict) else None
        cid = cid.strip() if isinstance(cid, str) else ""
        if cid in first:
            problems.add(
                f"contacts.{i}.id",
                f"'{cid}' is also contacts.{first[cid]}: each contact once per file (merge "
                "their histories)",
                i,
            )
        if cid:
            first.setdefault(cid, i)
        try:
            contact = Contact.model_validate(item)
        except ValidationError as exc:
            problems.invalid(exc, row=i, name=lambda loc, i=i: _path("contacts", i, *loc))
            continue
        for name, j, column, message in duplicate_records(contact):
            problems.add(f"contacts.{i}.{name}.{j}.{column}", message, i)
        contacts.append(contact)
    return contacts


def _path(*parts: Any) -> str:
    return ".".join(map(str, parts))


def _tables(data: bytes, problems: Problems) -> list[tuple[str | None, Table]]:
    if not data.startswith(_ZIP):
        return [(None, read_table(decode(data)))]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if _is_export(m.filename)]
        if sum(m.file_size for m in members) > MAX_BYTES:
            problems.add("file", "unpacks to more than 20 MB: send fewer files at a time")
            return []
        tables = [(m.filename, read_table(decode(archive.read(m)))) for m in members]
    except (zipfile.BadZipFile, OSError) as exc:
        problems.add("file", f"is not a readable ZIP ({exc}): pack the CSV exports again")
        return []
    if not tables:
        problems.add("file", "the ZIP holds no .csv file: put HubSpot's CSV exports in it")
    for name, table in tables:
        if not is_hubspot(table.header):
            problems.add("file", f"{name} is not a HubSpot export: its header lacks Record ID")
    return tables


def _is_export(name: str) -> bool:
    """A CSV in the ZIP, not macOS's "__MACOSX/._x.csv" shadow of one."""
    return name.lower().endswith(".csv") and not name.rsplit("/", 1)[-1].startswith("._")


def _problem(field: str, message: str) -> dict[str, Any]:
    return {"field": field, "message": message, "row": None}


def _refuse(problems: list[dict[str, Any]]) -> NoReturn:
    problems = sorted(problems, key=lambda p: (p.get("file") or "", p.get("row") or 0))
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], _problem("file", f"... and {more} more")]
    raise InputValidationError(problems)


def to_json_form(contacts: Sequence[Contact]) -> dict[str, Any]:
    """The import's JSON form of contacts (times as ISO 8601 strings), readable by the import."""
    return {"contacts": [c.model_dump(mode="json") for c in contacts]}


def to_csv_form(contacts: Sequence[Contact]) -> str:
    """Write contacts as a Sight CSV (every column, one row per record), readable by the import."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for contact in contacts:
        _write_contact(writer, contact)
    return out.getvalue()


def _write_contact(writer: Any, contact: Contact) -> None:
    def row(kind: str, **values: Any) -> None:
        writer.writerow([kind, contact.id, *(_text(values.get(c)) for c in COLUMNS[2:])])

    row("contact", **contact.model_dump(include=set(KINDS["contact"])))
    for e in contact.emails:
        tracked = e.opens is not None or e.clicks is not None
        row("email", **e.model_dump(exclude={"opens", "clicks"}), tracked=tracked or None)
        for o in e.opens or []:
            row("open", email_id=e.id, **o.model_dump())
        for c in e.clicks or []:
            row("click", email_id=e.id, **c.model_dump())
    for kind, name in LISTS.items():
        for record in getattr(contact, name):
            row(kind, **record.model_dump())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
