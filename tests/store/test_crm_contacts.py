"""CRM contact storage on SQLite and PostgreSQL: imports that create, update or leave contacts
as they were, never duplicate history and store all or nothing; search, CRUD, cascades,
tenants, and migration 0008."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError
from sight.settings import Settings
from store.crm import CrmContactRepository, CrmPersonaRepository, ImportOutcome
from store.crm.history import CHUNK
from store.db import sync_url
from store.migrate import alembic_config, upgrade
from store.models import (
    Base,
    CrmActivity,
    CrmComment,
    CrmDeal,
    CrmEmail,
    CrmFile,
    CrmPersona,
    CrmPersonaRating,
)

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=1)
HISTORY = (CrmActivity, CrmEmail, CrmDeal, CrmComment, CrmFile)
TABLES = {
    "crm_contacts",
    "crm_activities",
    "crm_emails",
    "crm_deals",
    "crm_comments",
    "crm_files",
    "crm_personas",
    "crm_persona_ratings",
}


@pytest.fixture
def crm(sessions: async_sessionmaker[AsyncSession]) -> CrmContactRepository:
    return CrmContactRepository(sessions)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def contact(contact_id: str = "c-1", name: str = "Łukasz Wiśniewski", **fields: Any):
    """A contact in the import's JSON form (as Contact.model_dump() gives it)."""
    return {
        "id": contact_id,
        "name": name,
        "role": "Dyrektor ds. zakupów",
        "company": "Elektromont Sp. z o.o.",
        "company_size": 120,
        "industry": "technology",
        "email": "l.wisniewski@elektromont.pl",
        "phone": "+48 600 100 200",
        "activities": [
            {"type": "meeting", "at": at(48), "direction": None, "duration_min": 45.0,
             "outcome": "completed"},
            {"type": "call", "at": at(2), "direction": "outbound", "duration_min": 12.5,
             "outcome": "connected"},
        ],
        "emails": [
            {"id": "e-1", "sent_at": at(1), "direction": "outbound",
             "opens": [{"at": at(1.5), "machine": None, "user_agent": "Outlook"}],
             "clicks": [], "replied_at": None},
            {"id": "e-2", "sent_at": at(3), "direction": "inbound", "opens": None,
             "clicks": None, "replied_at": None},
        ],
        "deals": [
            {"id": "d-1", "stage": "negotiation", "amount": 48000.0, "created_at": at(0),
             "closed_at": None, "won": None},
        ],
        "comments": [{"at": at(5), "text": "Klient prosi o ofertę na 40 licencji."}],
        "files": [{"name": "oferta.pdf", "type": "pdf", "shared_at": at(6)}],
        **fields,
    }  # fmt: skip


async def count_rows(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


# --- import ---------------------------------------------------------------------------------


async def test_import_when_contacts_new_then_created_and_read_back_in_json_form(crm):
    outcome = await crm.import_contacts(
        "acme", [contact(), contact("c-2", "Anna Nowak", activities=[])], now=T0, source="json"
    )

    stored = await crm.get("acme", "c-1")
    assert outcome == ImportOutcome(created=["c-1", "c-2"], updated=[], unchanged=[])
    assert stored is not None
    assert stored["name"] == "Łukasz Wiśniewski" and stored["company_size"] == 120
    assert stored["source"] == "json" and stored["created_at"] == T0 == stored["updated_at"]
    # History lists come back by time, whatever order the file gave.
    assert [a["type"] for a in stored["activities"]] == ["call", "meeting"]
    assert stored["activities"][0] == contact()["activities"][1]
    assert stored["emails"] == contact()["emails"]
    assert stored["emails"][0]["opens"][0]["at"] == at(1.5)  # a datetime again, not a string
    assert stored["emails"][1]["opens"] is None  # untracked stays untracked
    assert stored["deals"] == contact()["deals"]
    assert stored["comments"] == contact()["comments"] and stored["files"] == contact()["files"]
    assert (await crm.get("acme", "c-2"))["activities"] == []


async def test_import_when_same_file_again_then_unchanged_and_nothing_duplicated(crm, sessions):
    await crm.import_contacts("acme", [contact(), contact("c-2")], now=T0, source="json")

    again = await crm.import_contacts("acme", [contact(), contact("c-2")], now=LATER, source="json")

    assert again == ImportOutcome(created=[], updated=[], unchanged=["c-1", "c-2"])
    assert [await count_rows(sessions, model) for model in HISTORY] == [4, 4, 2, 2, 2]
    assert (await crm.get("acme", "c-1"))["updated_at"] == T0


async def test_import_when_email_gets_a_click_then_updated_in_place_and_absent_records_stay(
    crm, sessions
):
    await crm.import_contacts("acme", [contact(), contact("c-2")], now=T0, source="json")
    later_export = contact(
        emails=[{**contact()["emails"][0], "clicks": [{"at": at(2), "url": "https://x.pl/o"}]}],
        activities=[{**contact()["activities"][1], "outcome": "voicemail"}],
        deals=[],
        comments=[],
        files=[],
    )

    outcome = await crm.import_contacts("acme", [later_export], now=LATER, source="csv")

    stored = await crm.get("acme", "c-1")
    assert outcome == ImportOutcome(created=[], updated=["c-1"], unchanged=[])
    [first_email, second_email] = stored["emails"]
    assert first_email["clicks"] == [{"at": at(2), "url": "https://x.pl/o"}]
    assert second_email["id"] == "e-2"  # not in the later export: kept
    # One type at one instant is one activity: the new outcome replaced the old.
    assert [a["outcome"] for a in stored["activities"]] == ["voicemail", "completed"]
    assert len(stored["deals"]) == 1 and len(stored["files"]) == 1
    assert stored["updated_at"] == LATER and stored["source"] == "csv"
    assert stored["created_at"] == T0
    assert await count_rows(sessions, CrmEmail) == 4


async def test_import_when_only_a_contact_field_changes_then_updated(crm):
    await crm.import_contacts("acme", [contact(), contact("c-2")], now=T0, source="json")

    outcome = await crm.import_contacts(
        "acme",
        [contact(phone="+48 600 999 999"), contact("c-2"), contact("c-3")],
        now=LATER,
        source="json",
    )

    assert outcome == ImportOutcome(created=["c-3"], updated=["c-1"], unchanged=["c-2"])
    assert (await crm.get("acme", "c-1"))["phone"] == "+48 600 999 999"
    assert (await crm.get("acme", "c-2"))["updated_at"] == T0


async def test_import_when_a_record_breaks_a_constraint_then_nothing_is_stored(crm, sessions):
    await crm.import_contacts("acme", [contact()], now=T0, source="json")
    broken_deal = {**contact()["deals"][0], "stage": None}

    with pytest.raises(IntegrityError):
        await crm.import_contacts(
            "acme",
            [contact("c-2"), contact(phone="+48 111"), contact("c-3", deals=[broken_deal])],
            now=LATER,
            source="json",
        )

    stored = await crm.get("acme", "c-1")
    assert await crm.get("acme", "c-2") is None
    assert stored["phone"] == "+48 600 100 200" and stored["updated_at"] == T0
    assert (await crm.search("acme"))[1] == 1
    assert await count_rows(sessions, CrmActivity) == 2


async def test_import_when_id_twice_or_source_unknown_then_input_error_naming_it(crm):
    with pytest.raises(InputValidationError) as twice:
        await crm.import_contacts(
            "acme", [contact(), contact("c-2"), contact()], now=T0, source="json"
        )
    with pytest.raises(InputValidationError) as source:
        await crm.import_contacts("acme", [contact()], now=T0, source="salesforce")

    assert [p["field"] for p in twice.value.problems] == ["contacts.2.id"]
    assert source.value.problems[0]["field"] == "source"
    assert await crm.get("acme", "c-1") is None


async def test_import_when_more_contacts_than_one_query_takes_then_all_read_and_compared(crm):
    many = [
        contact(f"c-{i:04d}", f"Kontakt {i:04d}", activities=[], deals=[], comments=[], files=[])
        for i in range(2 * CHUNK + 7)
    ]

    first = await crm.import_contacts("acme", many, now=T0, source="synthetic")
    second = await crm.import_contacts("acme", many, now=LATER, source="synthetic")
    loaded = await crm.load_many("acme", limit=5000)

    assert first.created == [c["id"] for c in many]
    assert second.unchanged == first.created and second.updated == []
    assert len(loaded) == len(many) and all(len(c["emails"]) == 2 for c in loaded)


# --- reads ----------------------------------------------------------------------------------


async def test_search_when_query_in_any_case_then_matches_name_or_company_polish_letters(crm):
    await crm.import_contacts(
        "acme",
        [
            contact("c-1", "Łukasz Wiśniewski"),
            contact("c-2", "Anna Nowak", company="Łódzkie Młyny S.A.", industry="finance"),
            contact("c-3", "Piotr Zając", company="Zysk 50%", activities=[], emails=[]),
            contact("c-4", "Ewa Kowal", company=None),
        ],
        now=T0,
        source="json",
    )
    await crm.import_contacts("globex", [contact("c-9", "Łucja Obca")], now=T0, source="json")

    by_name, total = await crm.search("acme", q="łUKA")
    by_company, _ = await crm.search("acme", q="ŁÓDZKIE")
    percent, _ = await crm.search("acme", q="0%")
    in_finance, _ = await crm.search("acme", industry="finance")
    page, everyone = await crm.search("acme", limit=2, offset=1)
    listed, _ = await crm.search("acme")

    assert [c["id"] for c in by_name] == ["c-1"] and total == 1
    assert [c["id"] for c in by_company] == ["c-2"]
    assert [c["id"] for c in percent] == ["c-3"]
    assert [c["id"] for c in in_finance] == ["c-2"]
    # By name in the database's collation (where "Ł" sorts differs): pages follow that order.
    assert everyone == 4 and page == listed[1:3]
    assert [c["name"] for c in listed][:2] == ["Anna Nowak", "Ewa Kowal"]
    assert by_name[0]["interactions"] == 5 and percent[0]["interactions"] == 1
    assert by_name[0]["updated_at"] == T0 and "activities" not in by_name[0]


async def test_load_many_when_limited_then_most_recently_updated_first_with_history(crm):
    await crm.import_contacts("acme", [contact("c-1"), contact("c-2")], now=T0, source="json")
    await crm.update("acme", "c-1", {"role": "Prezes"}, now=LATER)
    await crm.import_contacts("globex", [contact("c-3")], now=T0, source="json")

    [latest] = await crm.load_many("acme", limit=1)
    both = await crm.load_many("acme")

    assert latest["id"] == "c-1" and latest["role"] == "Prezes"
    assert len(latest["activities"]) == 2 and latest["deals"][0]["id"] == "d-1"
    assert [c["id"] for c in both] == ["c-1", "c-2"]


# --- CRUD and tenants -----------------------------------------------------------------------


async def test_create_when_id_exists_then_conflict_and_stored_otherwise(crm):
    made = await crm.create("acme", contact(activities=[]), now=T0)

    with pytest.raises(ConflictError):
        await crm.create("acme", contact(name="Ktoś inny"), now=LATER)
    elsewhere = await crm.create("globex", contact(name="Ktoś inny"), now=LATER)

    assert made["source"] == "api" and made["activities"] == [] and len(made["emails"]) == 2
    assert (await crm.get("acme", "c-1"))["name"] == "Łukasz Wiśniewski"
    assert elsewhere["name"] == "Ktoś inny"


async def test_update_when_fields_given_then_set_and_searchable_and_others_refused(crm):
    await crm.create("acme", contact(), now=T0)

    changed = await crm.update(
        "acme", "c-1", {"company": "Żagiel S.A.", "company_size": 40}, now=LATER
    )
    with pytest.raises(InputValidationError) as refused:
        await crm.update("acme", "c-1", {"tenant": "globex", "name": " "}, now=LATER)

    assert changed["company"] == "Żagiel S.A." and changed["company_size"] == 40
    assert changed["updated_at"] == LATER and len(changed["activities"]) == 2
    assert [c["id"] for c in (await crm.search("acme", q="żagiel"))[0]] == ["c-1"]
    assert (await crm.search("acme", q="elektromont"))[1] == 0
    assert [p["field"] for p in refused.value.problems] == ["tenant", "name"]
    assert await crm.update("acme", "missing", {"role": "x"}, now=LATER) is None


async def test_another_tenants_contact_when_read_changed_or_deleted_then_as_if_missing(crm):
    await crm.import_contacts("acme", [contact()], now=T0, source="json")

    assert await crm.get("globex", "c-1") is None
    assert await crm.search("globex") == ([], 0)
    assert await crm.load_many("globex") == []
    assert await crm.update("globex", "c-1", {"role": "x"}, now=LATER) is None
    assert await crm.delete("globex", "c-1") is False
    assert (await crm.get("acme", "c-1"))["role"] == "Dyrektor ds. zakupów"


async def test_delete_when_contact_has_history_and_personas_then_all_of_it_goes(crm, sessions):
    personas = CrmPersonaRepository(sessions)
    await crm.import_contacts("acme", [contact(), contact("c-2")], now=T0, source="json")
    doomed = await personas.add("acme", "c-1", {"name": "Łukasz"}, {"method": "basic"}, now=T0)
    await personas.add("acme", "c-2", {"name": "Anna"}, {"method": "basic"}, now=T0)
    await personas.rate("acme", doomed["id"], user_id="ola", rating=4, comment=None, now=T0)

    assert await crm.delete("acme", "c-1") is True
    assert await crm.delete("acme", "c-1") is False

    assert await crm.get("acme", "c-1") is None and await personas.get("acme", doomed["id"]) is None
    assert [await count_rows(sessions, model) for model in HISTORY] == [2, 2, 1, 1, 1]
    assert await count_rows(sessions, CrmPersona) == 1
    assert await count_rows(sessions, CrmPersonaRating) == 0


# --- migration ------------------------------------------------------------------------------


def test_migration_0008_when_applied_then_matches_models_and_downgrades(db_settings: Settings):
    upgrade(db_settings)
    engine = create_engine(sync_url(db_settings))
    try:
        with engine.connect() as conn:
            created = set(engine.dialect.get_table_names(conn)) & TABLES
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = [d for d in compare_metadata(context, Base.metadata) if _touches(d)]
        command.downgrade(alembic_config(db_settings), "0007")
        with engine.connect() as conn:
            left = set(engine.dialect.get_table_names(conn)) & TABLES
            kept = "dojo_rules" in engine.dialect.get_table_names(conn)
        upgrade(db_settings)
        with engine.connect() as conn:
            again = set(engine.dialect.get_table_names(conn)) & TABLES
    finally:
        engine.dispose()
    assert created == TABLES == again
    assert drift == []
    assert left == set() and kept


def _touches(diff: Any) -> bool:
    """Whether an autogenerate diff entry concerns one of the CRM tables."""
    return any(table in repr(diff) for table in TABLES)


async def test_update_and_delete_racing_never_fail_the_update(sessions):
    """A PATCH and a DELETE of one contact at once: the update finds it or returns None."""
    import asyncio
    from datetime import UTC, datetime

    from store.crm import CrmContactRepository

    now = datetime(2026, 12, 7, tzinfo=UTC)
    contacts = CrmContactRepository(sessions)
    for round_ in range(5):
        cid = f"race-{round_}"
        await contacts.import_contacts("acme", [{"id": cid, "name": "Jan"}], now=now, source="json")
        updated, deleted = await asyncio.gather(
            contacts.update("acme", cid, {"role": "CEO"}, now=now),
            contacts.delete("acme", cid),
        )
        assert deleted is True
        assert updated is None or updated["role"] == "CEO"
