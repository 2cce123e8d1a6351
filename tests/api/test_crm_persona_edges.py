"""CRM personas at their edges, one test per problem a review found (each failed before its
fix): unknown industry or size in look-alikes, values the database cannot hold, times off the
calendar, deep JSON, Infinity, the import's size setting, ids with '/', CPU work off the event
loop, contact details in names and ids kept out of prompts and personas, a model draft whose
claims were all dropped, a delete during an import, HubSpot records in one minute."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from store.crm import CrmContactRepository
from tests.api.conftest import headers_for
from tests.api.personas_support import BOTH_DBS, db_overrides, keys_with_other_tenant
from tests.graphs.dojo_support import fake_settings, scripted_models
from tests.graphs.test_crm_persona import context, run
from tests.tools.test_crm_persona_writing import engaged_contact
from tools.crm_persona.draft import SECTIONS
from tools.crm_persona.importing import parse_import
from tools.crm_persona.synthetic import generate

EDITOR = headers_for("editor")
VIEWER = headers_for("viewer")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


# --- API (both databases) -------------------------------------------------------------------


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return db_overrides(request) | {"crm_persona_model": "off"}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


def _dialect(served: Any) -> str:
    return served.state.resources.sessions.kw["bind"].dialect.name


async def _import(client: httpx.AsyncClient, contacts: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/crm/import", json={"contacts": contacts}, headers=EDITOR)


async def test_similar_when_neighbours_lack_industry_and_size_then_200(client):
    made = generate(12, seed=3, now=T0)
    contacts = [m.contact.model_dump(mode="json") for m in made]
    for contact in contacts[1:]:
        contact["industry"], contact["company_size"] = None, None  # optional in the JSON form
    assert (await _import(client, contacts)).status_code == 200
    found = await client.get(f"/crm/contacts/{made[0].contact.id}/similar", headers=VIEWER)
    assert found.status_code == 200, found.text
    assert found.json() and found.json()[0]["same_industry"] is None


@pytest.mark.parametrize("size", [3 * 10**9, 10**20])
async def test_import_when_company_size_too_large_for_the_column_then_422_naming_it(
    client, app, size
):
    if size < 2**63 and _dialect(app) != "postgresql":
        pytest.skip("SQLite stores a 64-bit integer: this size fails on PostgreSQL only")
    response = await _import(client, [{"id": "big", "name": "Jan Nowak", "company_size": size}])
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "contacts.0.company_size"


async def test_import_when_a_time_falls_off_the_calendar_in_utc_then_422_naming_it(client):
    contact = {"id": "old", "name": "Jan Nowak", "comments": [{"at": "0001-01-01T00:00:00+14:00", "text": "Stara notatka."}]}  # fmt: skip
    response = await _import(client, [contact])
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "contacts.0.comments.0.at"


async def test_import_when_json_nested_too_deep_then_422_naming_file(client):
    body = b'{"contacts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await client.post(
        "/crm/import", content=body, headers=EDITOR | {"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "file"


async def test_import_when_amount_is_infinity_then_422_naming_it(client):
    body = (
        '{"contacts": [{"id": "inf", "name": "Jan Nowak", "deals": [{"id": "d1", '
        '"stage": "negotiation", "amount": Infinity, "created_at": "2026-11-01T00:00:00Z"}]}]}'
    )
    imported = await client.post(
        "/crm/import", content=body, headers=EDITOR | {"content-type": "application/json"}
    )
    assert imported.status_code == 422, imported.text
    assert imported.json()["details"][0]["field"] == "contacts.0.deals.0.amount"


@pytest.mark.parametrize("settings_overrides", [{"crm_import_max_bytes": 30_000_000}])
async def test_import_when_setting_allows_a_larger_file_then_it_is_read(client):
    note = "Rozmowa o wdrożeniu i cenie. " * 160  # about 4,600 characters
    contacts = [
        {"id": f"n{i}", "name": "Jan Nowak", "comments": [{"at": "2026-11-01T10:00:00Z", "text": note}]}
        for i in range(4_700)
    ]  # fmt: skip
    body = json.dumps({"contacts": contacts}, ensure_ascii=False).encode()
    assert 21_000_000 < len(body) < 30_000_000
    imported = await client.post(
        "/crm/import", content=body, headers=EDITOR | {"content-type": "application/json"}
    )
    assert imported.status_code == 200, imported.text[:300]
    assert len(imported.json()["created"]) == 4_700


async def test_contact_id_with_slash_either_refused_or_reachable(client):
    imported = await _import(client, [{"id": "acme/42", "name": "Jan Nowak"}])
    if imported.status_code == 422:
        assert imported.json()["details"][0]["field"] == "contacts.0.id"
        return
    assert imported.status_code == 200, imported.text
    found = await client.get("/crm/contacts/acme%2F42", headers=VIEWER)
    assert found.status_code == 200, found.text


async def test_similar_validates_the_pool_off_the_event_loop(client, monkeypatch):
    import api.crm.contacts as routes

    made = generate(6, seed=3, now=T0)
    await _import(client, [m.contact.model_dump(mode="json") for m in made])
    real, on_loop = routes.from_stored, []

    def recording(stored: dict[str, Any]):
        try:
            asyncio.get_running_loop()
            on_loop.append(stored["id"])
        except RuntimeError:
            pass
        return real(stored)

    monkeypatch.setattr(routes, "from_stored", recording)
    found = await client.get(f"/crm/contacts/{made[0].contact.id}/similar", headers=VIEWER)
    assert found.status_code == 200
    assert len(on_loop) <= 1  # the target alone may be read on the loop, not the pool


# --- the graph and the store (both databases) ------------------------------------------------


def _draft(**override: Any) -> str:
    claim = [{"text": "Odpowiada szybko i konkretnie na wiadomości.", "evidence": ["m-reply_rate"]}]
    draft = {"persona_name": "Konkretna Anna", **{name: claim for name in SECTIONS}}
    return json.dumps(draft | override, ensure_ascii=False)


HUBSPOT_NO_NAME = (
    "Record ID,First Name,Last Name,Email,Job Title,Company Name\n"
    "101,,,jan.kowalski@polmet.pl,CFO,Polmet Sp. z o.o.\n"
)


async def _hubspot_contact_without_name(sessions) -> str:
    contacts = parse_import(HUBSPOT_NO_NAME.encode(), format="hubspot")
    assert "@" not in contacts[0].name  # a placeholder by Record ID, not the e-mail
    await CrmContactRepository(sessions).import_contacts(
        "acme", [c.model_dump() for c in contacts], now=NOW, source="hubspot"
    )
    return contacts[0].id


async def test_prompt_when_name_is_the_email_then_no_address(sessions, tmp_path: Path):
    contact_id = await _hubspot_contact_without_name(sessions)
    models, fakes = scripted_models(fake_settings(tmp_path), deep=[_draft()])
    await run(context(sessions, models), contact_id=contact_id, mode="basic")
    prompt = "\n".join(m.text for m in fakes["fake/deep"].calls[0])
    assert "jan.kowalski@polmet.pl" not in prompt


async def test_stored_persona_when_name_is_the_email_then_no_address(sessions):
    contact_id = await _hubspot_contact_without_name(sessions)
    persona = await run(context(sessions), contact_id=contact_id, mode="basic")
    assert "@" not in json.dumps(persona["persona"], ensure_ascii=False)


async def test_stored_persona_when_model_name_or_role_carry_contact_details_then_masked(
    sessions, tmp_path: Path
):
    contact = engaged_contact(role=None)
    await CrmContactRepository(sessions).import_contacts(
        "acme", [contact.model_dump()], now=NOW, source="json"
    )
    draft = _draft(persona_name="Anna, tel. 601 234 567", role="Prezes (anna.w@polmet.pl)")
    models, _ = scripted_models(fake_settings(tmp_path), deep=[draft])
    persona = await run(context(sessions, models), contact_id="c1")
    body = persona["persona"]
    assert body["role"]["status"] == "inferred"
    stored = json.dumps(body, ensure_ascii=False)
    assert "601 234 567" not in stored and "anna.w@polmet.pl" not in stored


async def test_model_draft_when_every_claim_dropped_then_name_and_writer_are_the_rules(
    sessions, tmp_path: Path
):
    await CrmContactRepository(sessions).import_contacts(
        "acme", [engaged_contact().model_dump()], now=NOW, source="json"
    )
    nothing = [{"text": "She always answers within hours.", "evidence": ["x-unknown"]}]
    draft = _draft(persona_name="Fast Buyer", **{name: nothing for name in SECTIONS})
    models, _ = scripted_models(fake_settings(tmp_path), deep=[draft])
    persona = await run(context(sessions, models), contact_id="c1")
    assert all(persona["persona"][name]["source"] != "model" for name in SECTIONS)
    assert persona["persona"]["persona_name_source"] == "rules"
    assert persona["generation"]["writer"] == "rules"


async def test_rag_prompt_when_neighbour_ids_are_addresses_then_no_address(
    sessions, tmp_path: Path
):
    made = generate(8, seed=3, now=T0)
    contacts = [made[0].contact.model_dump()]
    for i, m in enumerate(made[1:]):
        contacts.append(m.contact.model_copy(update={"id": f"osoba{i}@firma.pl"}).model_dump())
    await CrmContactRepository(sessions).import_contacts("acme", contacts, now=NOW, source="json")
    models, fakes = scripted_models(fake_settings(tmp_path), deep=[_draft()])
    persona = await run(context(sessions, models), contact_id=made[0].contact.id)
    assert persona["mode"] == "rag" and persona["generation"]["lookalikes"]
    prompt = "\n".join(m.text for m in fakes["fake/deep"].calls[0])
    assert "@firma.pl" not in prompt


async def test_import_when_the_contact_is_deleted_meanwhile_then_no_database_error(
    sessions, monkeypatch
):
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's write lock makes the delete wait for the import")
    from store.crm import history

    contacts = CrmContactRepository(sessions)
    first = engaged_contact()
    await contacts.import_contacts("acme", [first.model_dump()], now=NOW, source="json")
    real, deleted = history.read_stored, []

    async def delete_meanwhile(*args: Any, **kwargs: Any):
        if not deleted:  # another session deletes while the import is under way
            deleted.append(asyncio.create_task(contacts.delete("acme", "c1")))
            await asyncio.sleep(0.2)  # let the delete reach the database and queue
        return await real(*args, **kwargs)

    monkeypatch.setattr(history, "read_stored", delete_meanwhile)
    more = first.model_dump()  # the same contact with one note more: an update
    more["comments"] = [*more["comments"], {"at": T0, "text": "Nowa notatka."}]
    outcome = await contacts.import_contacts("acme", [more], now=NOW, source="json")
    assert outcome.updated == ["c1"]
    assert await deleted[0] is True  # it waited for the import, then deleted the contact
    assert await contacts.get("acme", "c1") is None


# --- import parsing and look-alike reach -----------------------------------------------------


def test_hubspot_when_two_tasks_share_a_minute_then_both_imported():
    import io
    import zipfile

    contacts = Path("tests/tools/data/crm_hubspot_contacts.csv").read_text(encoding="utf-8")
    tasks = (
        "Record ID,Activity type,Activity date,Associated Contact IDs,Task status\n"
        "9001,TASK,2026-11-03 08:00,51201,NOT_STARTED\n"
        "9002,TASK,2026-11-03 08:00,51201,NOT_STARTED\n"
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("contacts.csv", contacts)
        archive.writestr("activities.csv", tasks)
    found = {c.id: c for c in parse_import(packed.getvalue(), format="hubspot")}
    assert [a.type for a in found["51201"].activities] == ["task", "task"]


async def test_rag_lookalikes_when_tenant_has_over_500_contacts_then_nearest_still_found(
    sessions,
):
    from tools.crm_persona.similar import similar_contacts

    made = [m.contact for m in generate(502, seed=5, now=T0)]
    target = made[0]
    nearest = similar_contacts(target, made, k=1)[0]["contact_id"]
    contacts = CrmContactRepository(sessions)
    first = [c for c in made if c.id == nearest]
    rest = [c for c in made if c.id != nearest]
    await contacts.import_contacts("acme", [c.model_dump() for c in first], now=NOW, source="json")
    later = NOW + timedelta(days=1)
    await contacts.import_contacts("acme", [c.model_dump() for c in rest], now=later, source="json")
    persona = await run(context(sessions), contact_id=target.id)
    assert persona["mode"] == "rag", persona["fallback_reason"]
    assert nearest in [n["contact_id"] for n in persona["generation"]["lookalikes"]]


async def test_reimport_when_file_leaves_fields_out_then_stored_fields_stay(client):
    full = engaged_contact(email="anna@polmet.pl").model_dump(mode="json")
    assert (await _import(client, [full])).status_code == 200
    new_note = {"at": "2026-12-01T10:00:00Z", "text": "Prosi o demo w styczniu."}
    incremental = {"id": "c1", "name": full["name"], "comments": [new_note]}
    again = await _import(client, [incremental])
    assert again.json()["updated"] == ["c1"]
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert len(detail["history"]["comments"]) == 3  # history records absent from the file stay
    kept = {k: detail[k] for k in ("role", "company", "company_size", "industry", "email")}
    assert kept == {k: full[k] for k in kept}


async def test_import_prepares_history_rows_off_the_event_loop(client, monkeypatch):
    from store.crm import history

    real, on_loop = history.keyed, []

    def recording(kind: Any, contact: dict[str, Any]):
        if threading.current_thread() is threading.main_thread():
            on_loop.append(contact["id"])
        return real(kind, contact)

    monkeypatch.setattr(history, "keyed", recording)
    made = generate(3, seed=3, now=T0)
    assert (
        await _import(client, [m.contact.model_dump(mode="json") for m in made])
    ).status_code == 200
    assert on_loop == []


def test_openapi_example_of_data_quality_follows_the_scoring_rule():
    from api.crm.schemas import QUALITY
    from tools.crm_persona.quality import HistoryCounts, quality_score

    counts = HistoryCounts(
        interactions=24, tracked_emails=9, closed_deals=0, open_deals=1, patterns=1
    )
    assert quality_score(counts).as_dict()["score"] == QUALITY["score"]
