"""The CRM import: JSON, the Sight CSV and HubSpot exports become validated contacts, or the file
is refused whole with every problem located (field and row) and explained."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sight.errors import InputValidationError
from tools.crm_persona.importing import (
    MAX_BYTES,
    detect_format,
    parse_import,
    to_csv_form,
    to_json_form,
)
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact

DATA = Path(__file__).parent / "data"
HUBSPOT = ("crm_hubspot_contacts.csv", "crm_hubspot_activities.csv", "crm_hubspot_deals.csv")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def problems_of(data: bytes, **kwargs) -> list[dict]:
    with pytest.raises(InputValidationError) as caught:
        parse_import(data, **kwargs)
    return caught.value.problems


def located(problems: list[dict]) -> set[tuple]:
    return {(p["field"], p["row"]) for p in problems}


def as_json(*contacts: dict, **extra) -> bytes:
    return json.dumps({"contacts": list(contacts), **extra}).encode()


def full_contact() -> Contact:
    return Contact.model_validate(
        {
            "id": "c1",
            "name": "Katarzyna Wiśniewska",
            "role": "Dyrektor ds. zakupów",
            "company": 'Zielona Energia "Sp. z o.o.", oddział',
            "company_size": 120,
            "industry": "technology",
            "email": "k.wisniewska@zielona.pl",
            "phone": "+48 601 234 567",
            "activities": [
                {"type": "call", "at": T0, "direction": "outbound", "duration_min": 12.5,
                 "outcome": "connected"},
                {"type": "meeting", "at": T0 + timedelta(days=7), "duration_min": 60},
            ],
            "emails": [
                {"id": "e1", "sent_at": T0, "direction": "outbound",
                 "opens": [{"at": T0 + timedelta(seconds=1), "machine": True,
                            "user_agent": "Mozilla/5.0 (Macintosh)"}],
                 "clicks": [{"at": T0 + timedelta(hours=2), "url": "https://x.pl/a?b=1,2"}],
                 "replied_at": T0 + timedelta(hours=5)},
                {"id": "e2", "sent_at": T0 + timedelta(days=1), "direction": "outbound",
                 "opens": [], "clicks": []},
                {"id": "e3", "sent_at": T0 + timedelta(days=2), "direction": "inbound"},
            ],
            "deals": [
                {"id": "d1", "stage": "won", "amount": 18500.5, "created_at": T0,
                 "closed_at": T0 + timedelta(days=40), "won": True},
                {"id": "d2", "stage": "oferta", "created_at": T0 + timedelta(days=3)},
            ],
            "comments": [{"at": T0, "text": 'Klient prosi o ofertę; "pilne",\nna jutro'}],
            "files": [{"name": "cennik.xlsx", "type": "xlsx", "shared_at": T0}],
        }
    )  # fmt: skip


def hubspot_zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, (DATA / name).read_bytes())
    return out.getvalue()


# JSON


def test_json_import_gives_contacts_with_times_in_utc():
    data = as_json(
        {
            "id": "c1",
            "name": "Jan",
            "activities": [{"type": "call", "at": "2026-01-05T10:00:00+01:00"}],
        }
    )
    [contact] = parse_import(data)
    assert contact.activities[0].at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_every_problem_of_a_json_file_is_listed_with_its_path_and_contact_index():
    data = as_json(
        {"id": "c1", "name": "Jan"},
        {
            "id": "c2",
            "name": "",
            "emails": [{"id": "e1", "sent_at": "wczoraj", "direction": "out"}],
        },
        {"id": "c3", "name": "Ola", "deals": [{"id": "d1", "stage": "won", "amount": -5}]},
    )
    problems = problems_of(data)
    assert located(problems) == {
        ("contacts.1.name", 1),
        ("contacts.1.emails.0.sent_at", 1),
        ("contacts.1.emails.0.direction", 1),
        ("contacts.2.deals.0.amount", 2),
        ("contacts.2.deals.0.created_at", 2),
    }
    by_field = {p["field"]: p["message"] for p in problems}
    assert "wczoraj" in by_field["contacts.1.emails.0.sent_at"]
    assert "'inbound' or 'outbound'" in by_field["contacts.1.emails.0.direction"]
    assert "is required" in by_field["contacts.2.deals.0.created_at"]


def test_an_unknown_json_field_is_refused_not_dropped():
    problems = problems_of(as_json({"id": "c1", "name": "Jan", "nmae": "x"}, source="crm"))
    assert located(problems) == {("contacts.0.nmae", 0), ("source", None)}


def test_a_contact_id_twice_in_one_json_file_is_a_problem():
    problems = problems_of(
        as_json({"id": "c1", "name": "A"}, {"id": "c2", "name": "B"}, {"id": "c1", "name": "C"})
    )
    assert located(problems) == {("contacts.2.id", 2)}
    assert "contacts.0" in problems[0]["message"]


def test_records_the_store_would_hold_as_one_are_problems():
    call = {"type": "call", "at": "2026-01-05T10:00:00Z"}
    email = {"id": "e1", "sent_at": "2026-01-05T10:00:00Z", "direction": "outbound"}
    data = as_json(
        {
            "id": "c1",
            "name": "A",
            "activities": [call, {**call, "outcome": "x"}],
            "emails": [email, email],
        }
    )
    assert located(problems_of(data)) == {
        ("contacts.0.activities.1.at", 0),
        ("contacts.0.emails.1.id", 0),
    }


def test_to_json_form_reads_back_to_the_same_contacts():
    contact = full_contact()
    assert parse_import(json.dumps(to_json_form([contact])).encode()) == [contact]


# Sight CSV


def test_the_csv_long_form_round_trips_every_record_and_field():
    contact = full_contact()
    text = to_csv_form([contact])
    assert text.splitlines()[0].startswith("record,contact_id,name,role,company,company_size")
    assert parse_import(text.encode(), filename="crm.csv") == [contact]


# Text with what a CSV must quote (commas, semicolons, quotes, new lines) and Polish letters.
letters = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    'ąęłżź,;"\n'
)
texts = st.text(letters, min_size=1, max_size=12).map(str.strip).filter(bool)
times = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
activities = st.fixed_dictionaries(
    {"type": st.sampled_from(["call", "meeting", "task", "note"]), "at": times},
    optional={"direction": st.sampled_from(["inbound", "outbound"]), "outcome": texts,
              "duration_min": st.floats(0, 24 * 60)},
)  # fmt: skip
emails = st.builds(
    lambda i, sent, tracked, opens, clicks, replied: {
        "id": f"e{i}", "sent_at": sent, "direction": "outbound", "replied_at": replied,
        **({"opens": opens, "clicks": clicks} if tracked else {}),
    },
    st.integers(0, 10**6), times, st.booleans(),
    st.lists(st.fixed_dictionaries({"at": times}, optional={"machine": st.booleans(), "user_agent": texts}), max_size=2),
    st.lists(st.fixed_dictionaries({"at": times}, optional={"url": texts}), max_size=2),
    st.none() | times,
)  # fmt: skip
contacts = st.fixed_dictionaries(
    {"id": texts.filter(lambda t: not set(t) & set("/?#")), "name": texts,
     "activities": st.lists(activities, max_size=3, unique_by=lambda a: (a["type"], a["at"])),
     "emails": st.lists(emails, max_size=3, unique_by=lambda e: e["id"])},
    optional={"company": texts, "company_size": st.integers(1, 10**6),
              "industry": texts, "phone": texts},
).map(Contact.model_validate)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(contacts, min_size=1, max_size=3, unique_by=lambda c: c.id))
def test_any_valid_contacts_round_trip_through_the_csv_long_form(found):
    assert parse_import(to_csv_form(found).encode(), format="csv") == found


def test_an_email_tracked_for_opens_only_comes_back_with_both_lists_and_the_same_metrics():
    sent = T0 + timedelta(days=1)
    email = {"id": "e1", "sent_at": sent, "direction": "outbound", "opens": [{"at": sent}]}
    contact = Contact.model_validate({"id": "c1", "name": "Jan", "emails": [email]})
    [back] = parse_import(to_csv_form([contact]).encode())
    assert (back.emails[0].opens, back.emails[0].clicks) == (contact.emails[0].opens, [])
    assert behaviour(back) == behaviour(contact)


def test_a_bare_number_in_a_csv_time_column_is_refused_not_read_as_1970():
    text = "record,contact_id,name,type,at\ncontact,c1,Jan,,\nactivity,c1,,call,2026\n"
    problems = problems_of(text.encode())
    assert located(problems) == {("at", 3)} and "'2026'" in problems[0]["message"]


def test_a_bare_year_is_not_taken_for_a_time_in_a_json_import():
    data = as_json({"id": "c1", "name": "Jan", "activities": [{"type": "call", "at": "2026"}]})
    problems = problems_of(data)  # it used to be read as 1970-01-01T00:33:46Z
    assert problems[0]["field"] == "contacts.0.activities.0.at"


def test_csv_problems_name_the_column_and_the_line():
    text = (
        "record,contact_id,name,type,at,id,sent_at,direction,email_id,stage\n"
        "contact,c1,Jan,,,,,,,\n"  # line 2
        "activity,c1,,call,jutro,,,,,\n"  # line 3: a bad time
        "meeting,c1,,,2026-01-05,,,,,\n"  # line 4: no such record
        "activity,c1,,call,2026-01-05,,,,,won\n"  # line 5: stage is a deal's
        "open,c1,,,2026-01-05,,,,e9,\n"  # line 6: no e-mail e9
        "comment,c2,,,2026-01-05,,,,,\n"  # line 7: c2 has no contact row
    )
    problems = problems_of(text.encode())
    assert located(problems) == {
        ("at", 3), ("record", 4), ("stage", 5), ("email_id", 6), ("contact_id", 7), ("text", 7),
    }  # fmt: skip
    assert [p["row"] for p in problems] == sorted(p["row"] for p in problems)


def test_an_unknown_csv_column_is_refused_by_name():
    problems = problems_of(
        b"record,contact_id,name,nazwisko\ncontact,c1,Jan,Kowalski\n", format="csv"
    )
    assert located(problems) == {("nazwisko", 1)}


def test_a_polish_excel_csv_reads_semicolons_decimal_commas_and_tak_nie():
    text = (
        "record;contact_id;name;type;at;duration_min;id;stage;amount;created_at;won;sent_at;direction;tracked\n"
        "contact;c1;Paweł Zając;;;;;;;;;;;\n"
        "activity;c1;;call;2026-01-05 10:00;12,5;;;;;;;;\n"
        "deal;c1;;;;;d1;wygrana;12 500,50;2026-01-01;tak;;;\n"
        "email;c1;;;;;e1;;;;;2026-01-02;outbound;TAK\n"
    )
    [contact] = parse_import(text.encode("cp1250"))
    assert contact.name == "Paweł Zając"
    assert contact.activities[0].duration_min == 12.5
    assert (contact.deals[0].amount, contact.deals[0].won) == (12500.5, True)
    assert contact.emails[0].opens == [] and contact.emails[0].tracked


def test_an_email_without_events_or_tracked_flag_stays_untracked():
    text = "record,contact_id,name,id,sent_at,direction\ncontact,c1,Jan,,,\nemail,c1,,e1,2026-01-02,outbound\n"
    [contact] = parse_import(text.encode())
    assert not contact.emails[0].tracked


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_boolean_that_is_not_one_is_a_problem(value):
    text = f"record,contact_id,name,id,stage,created_at,won\ncontact,c1,Jan,,,,\ndeal,c1,,d1,x,2026-01-01,{value}\n"
    assert located(problems_of(text.encode())) == {("won", 3)}


# HubSpot


def test_a_hubspot_contacts_export_maps_names_roles_and_employee_ranges():
    found = {c.id: c for c in parse_import((DATA / HUBSPOT[0]).read_bytes())}
    kasia = found["51201"]
    assert (kasia.name, kasia.role, kasia.company) == (
        "Katarzyna Wiśniewska",
        "Dyrektor ds. zakupów",
        "Zielona Energia Sp. z o.o.",
    )
    assert (kasia.email, kasia.phone, kasia.industry) == (
        "k.wisniewska@zielonaenergia.pl",
        "+48 601 234 567",
        "Renewables & Environment",
    )
    # "100-500" -> 300, "25-50" -> 37.5 rounded half up, "1000+" -> its bound
    assert [found[i].company_size for i in ("51201", "51202", "51203")] == [300, 38, 1000]
    # No name: a placeholder by its Record ID, never its e-mail (names reach prompts).
    assert found["51203"].name == "Kontakt 51203"
    assert found["51203"].email == "biuro@medica-krakow.pl"


def test_hubspot_exports_in_one_zip_give_each_contact_its_history():
    found = {c.id: c for c in parse_import(hubspot_zip(*HUBSPOT), filename="hubspot.zip")}
    kasia, pawel, medica = found["51201"], found["51202"], found["51203"]
    calls = [a for a in kasia.activities if a.type == "call"]
    assert [(c.direction, c.outcome) for c in calls] == [
        ("outbound", "Connected"),
        ("inbound", "No answer"),
    ]
    assert calls[0].duration_min == pytest.approx(754_000 / 60_000)  # milliseconds
    meeting = next(a for a in kasia.activities if a.type == "meeting")
    assert meeting.duration_min == 75 and meeting.outcome == "Completed"
    assert [m.type for m in medica.activities] == ["meeting"]  # associated with both contacts
    assert [(e.id, e.direction, e.tracked) for e in kasia.emails] == [
        ("70004", "outbound", False),
        ("70005", "inbound", False),
    ]
    assert [c.text for c in kasia.comments] == ["Klient prosi o ofertę na 2 hale & magazyn."]
    assert [(d.id, d.won, d.closed) for d in kasia.deals] == [
        ("88001", True, True),
        ("88002", None, False),
    ]
    assert [(d.id, d.won) for d in medica.deals] == [("88003", False)]
    assert [a.duration_min for a in pawel.activities if a.type == "call"] == [4.5]  # h:mm:ss
    assert len(pawel.emails) == 0  # the forwarded e-mail is dropped
    assert behaviour(kasia)["decisions"]["closed_deals"] == 1


def test_hubspot_activities_without_their_contacts_are_refused():
    problems = problems_of(hubspot_zip(HUBSPOT[1]))
    assert {p["field"] for p in problems} == {"Associated Contact IDs"}
    assert {p["file"] for p in problems} == {HUBSPOT[1]}
    assert "51201" in problems[0]["message"]


def test_a_hubspot_activity_of_an_unknown_type_or_bad_value_is_a_problem():
    text = (
        '"Record ID","First Name","Activity type","Activity date","Associated Contact IDs","Call direction"\n'
        '"1","Jan","","","",""\n'
        '"2","","SMS","2026-01-05 10:00","1",""\n'
        '"3","","CALL","2026-01-05 11:00","1","SIDEWAYS"\n'
        '"4","","CALL","2026-01-05 12:00","",""\n'
    )
    problems = problems_of(text.encode())
    assert located(problems) == {
        ("Activity type", 3),
        ("Call direction", 4),
        ("Associated Contact IDs", 5),
    }


# Limits, caps, detection


def test_a_file_over_20_mb_is_refused_before_it_is_read():
    problems = problems_of(b" " * (MAX_BYTES + 1))
    assert located(problems) == {("file", None)}
    assert "20,000,001 bytes; the limit is 20,000,000" in problems[0]["message"]
    smaller = problems_of(b" " * 1001, max_bytes=1000)  # SIGHT_CRM_IMPORT_MAX_BYTES set lower
    assert "the limit is 1,000" in smaller[0]["message"]


@pytest.mark.parametrize("form", ["json", "csv"])
def test_more_than_10000_contacts_in_one_file_is_refused(form):
    many = [Contact(id=f"c{i}", name="Jan") for i in range(10_001)]
    data = json.dumps(to_json_form(many)) if form == "json" else to_csv_form(many)
    problems = problems_of(data.encode())
    assert located(problems) == {("file", None)} and "10,000" in problems[0]["message"]


def test_the_problem_list_stops_at_200_and_counts_the_rest():
    rows = "".join(f"activity,c1,call,jutro{i}\n" for i in range(250))
    problems = problems_of(f"record,contact_id,type,at\n{rows}".encode())
    assert len(problems) == 201
    assert problems[-1]["message"] == "... and 51 more"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b'{"contacts": []}', None, "json"),
        (b"  \n[1]", "export.json", "json"),
        (b"record,contact_id,name\n", "a.csv", "csv"),
        (b'"Record ID","First Name","Last Name"\n', None, "hubspot"),
        (b"PK\x03\x04rest", "x.zip", "hubspot"),
    ],
)
def test_the_format_is_told_from_the_content(data, filename, expected):
    assert detect_format(data, filename) == expected


def test_a_file_of_no_known_format_is_refused_naming_the_format():
    assert located(problems_of(b"imie,nazwisko\nJan,Kowalski\n")) == {("format", None)}
    assert located(problems_of(b"{}", format="xml")) == {("format", None)}  # type: ignore[arg-type]


def test_a_json_file_without_contacts_says_what_it_needs():
    assert located(problems_of(b'{"kontakty": []}')) == {("contacts", None)}
