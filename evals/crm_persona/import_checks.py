"""import_roundtrip: the eval's contacts through the import's JSON and CSV forms and the store
come back as they were; a file with one bad record stores nothing; importing again changes
nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import InputValidationError
from store.crm import CrmContactRepository
from tools.crm_persona.importing import parse_import, to_csv_form, to_json_form
from tools.crm_persona.records import Contact, from_stored

BAD_TENANT = "eval-bad"
# History lists come back from the store by time: compare them in one order.
ORDER = {
    "activities": ("at", "type"),
    "emails": ("sent_at", "id"),
    "deals": ("created_at", "id"),
    "comments": ("at", "text"),
    "files": ("shared_at", "name"),
}


def normalised(contact: Contact) -> dict[str, Any]:
    """The contact as a dict with every history list (and each e-mail's events) in one order."""
    found = contact.model_dump()
    for name, keys in ORDER.items():
        found[name] = sorted(found[name], key=lambda r: tuple(r[k] for k in keys))
    for email in found["emails"]:
        for events in ("opens", "clicks"):
            if email[events] is not None:
                email[events] = sorted(email[events], key=lambda e: (e["at"], str(e)))
    return found


def differing(expected: Sequence[Contact], got: Sequence[Contact]) -> list[str]:
    """Ids of the contacts that did not come back equal (a missing one, or one more, too)."""
    before = {c.id: normalised(c) for c in expected}
    after = {c.id: normalised(c) for c in got}
    return sorted(i for i in before.keys() | after.keys() if before.get(i) != after.get(i))


def _case(name: str, failures: list[str]) -> dict[str, Any]:
    return {
        "id": f"import.{name}",
        "kind": "import",
        "passed": not failures,
        "failures": failures[:20],
    }


async def import_checks(
    sessions: async_sessionmaker[AsyncSession],
    contacts: Sequence[Contact],
    tenant: str,
    *,
    now: datetime,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Check ``contacts``, already imported under ``tenant``, through both file forms and the
    store; ``import_roundtrip`` is the share of the six checks passed."""
    repo = CrmContactRepository(sessions)
    cases = []
    as_json = json.dumps(to_json_form(contacts), ensure_ascii=False).encode()
    from_json = parse_import(as_json, filename="eval.json")
    cases.append(_case("json_form", [f"differs: {i}" for i in differing(contacts, from_json)]))
    from_csv = parse_import(to_csv_form(contacts).encode(), filename="eval.csv")
    cases.append(_case("csv_form", [f"differs: {i}" for i in differing(contacts, from_csv)]))
    stored = [await repo.get(tenant, c.id) for c in contacts]
    back = [from_stored(s) for s in stored if s is not None]
    cases.append(_case("store", [f"differs: {i}" for i in differing(contacts, back)]))
    cases.append(await _bad_file(repo, contacts, now))
    for name, again in (("reimport_json", from_json), ("reimport_csv", from_csv)):
        outcome = await repo.import_contacts(
            tenant, [c.model_dump() for c in again], now=now, source="json"
        )
        changed = [f"created: {i}" for i in outcome.created]
        changed += [f"updated: {i}" for i in outcome.updated]
        if len(outcome.unchanged) != len(contacts):
            changed.append(f"{len(outcome.unchanged)} of {len(contacts)} unchanged")
        cases.append(_case(name, changed))
    return {"import_roundtrip": sum(c["passed"] for c in cases) / len(cases)}, cases


async def _bad_file(
    repo: CrmContactRepository, contacts: Sequence[Contact], now: datetime
) -> dict[str, Any]:
    """One bad record among good ones: the parser refuses the file naming it, and the store,
    handed a record it cannot hold, keeps none of the file."""
    failures = []
    form = json.loads(json.dumps(to_json_form(contacts), ensure_ascii=False))
    bad = next(i for i, c in enumerate(form["contacts"]) if c["emails"])
    form["contacts"][bad]["emails"][0]["sent_at"] = "wczoraj rano"
    try:
        parse_import(json.dumps(form).encode(), format="json")
        failures.append("the parser accepted a file with a bad sent_at")
    except InputValidationError as refused:
        fields = [p["field"] for p in refused.problems]
        if fields != [f"contacts.{bad}.emails.0.sent_at"]:
            failures.append(f"problems named {fields[:5]}")
    records = [c.model_dump() for c in contacts]
    records[len(records) // 2] = records[len(records) // 2] | {"name": None}  # NOT NULL
    try:
        await repo.import_contacts(BAD_TENANT, records, now=now, source="json")
        failures.append("the store accepted a contact without a name")
    except Exception:  # noqa: BLE001 - whichever database error: what matters is what stayed
        pass
    _, total = await repo.search(BAD_TENANT)
    if total:
        failures.append(f"{total} contacts of the refused file were stored")
    return _case("bad_record_stores_nothing", failures)
