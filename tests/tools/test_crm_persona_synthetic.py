"""The synthetic CRM: seeded, Polish, valid in the import's JSON form, with the rhythms and the
planted archetypes it promises (checked through the behavioural metrics themselves)."""

from __future__ import annotations

import itertools
import json
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sight.errors import InputValidationError
from tools.crm_persona.benchmarks import DATA_FILE, benchmark_for, size_band
from tools.crm_persona.metrics import behaviour, machine_open
from tools.crm_persona.records import Contact
from tools.crm_persona.synthetic import generate, thin_contact
from tools.crm_persona.synthetic_history import ARCHETYPES, vocabulary

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WARSAW = ZoneInfo("Europe/Warsaw")
POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
INDUSTRIES = {"technology", "healthcare", "finance", "b2b_saas", "retail", "automotive"}


@pytest.fixture(scope="module")
def crm():
    return generate(200, seed=7, now=NOW)


def by_archetype(crm) -> dict[str, list[Contact]]:
    found: dict[str, list[Contact]] = {name: [] for name in ARCHETYPES}
    for row in crm:
        found[row.archetype].append(row.contact)
    return found


def local(at: datetime) -> datetime:
    return at.astimezone(WARSAW)


def in_office_hours(at: datetime) -> bool:
    return local(at).weekday() < 5 and 8 <= local(at).hour < 17


def test_generate_when_same_seed_then_identical_and_another_seed_differs(crm):
    again = generate(200, seed=7, now=NOW)
    assert [(r.contact.model_dump(), r.archetype) for r in again] == [
        (r.contact.model_dump(), r.archetype) for r in crm
    ]
    other = generate(200, seed=8, now=NOW)
    assert [r.contact.name for r in other] != [r.contact.name for r in crm]


def test_every_contact_is_valid_in_the_import_json_form(crm):
    for row in crm:
        dumped = row.contact.model_dump(mode="json")
        assert Contact.model_validate(dumped) == row.contact
    ids = [r.contact.id for r in crm]
    assert len(set(ids)) == len(ids) == 200


def test_contacts_are_polish_people_at_polish_companies(crm):
    contacts = [r.contact for r in crm]
    assert sum(bool(POLISH & set(c.name)) for c in contacts) > 20  # Łukasz, Wójcik, Małgorzata
    assert sum(bool(POLISH & set(c.role or "")) for c in contacts) > 20  # "ds. zakupów"
    legal_form = re.compile(r" (Sp\. z o\.o\.|S\.A\.|Sp\. j\.|Sp\. k\.|s\.c\.)$")
    assert all(legal_form.search(c.company) for c in contacts)
    assert any(c.company.endswith("S.A.") for c in contacts)
    assert {c.industry for c in contacts} == INDUSTRIES
    assert {size_band(c.company_size) for c in contacts} == {"1-50", "51-200", "200+"}
    masculine = {pair[0] for pair in vocabulary()["roles"] if pair[0] != pair[1]}
    for c in contacts:
        assert re.fullmatch(r"\+48 [5-8]\d\d \d{3} \d{3}", c.phone)
        assert c.email.isascii() and re.fullmatch(r"[a-z.-]+@[a-z0-9]+\.pl", c.email)
        if c.name.endswith(("ska", "cka", "dzka")):  # a woman: her title is feminine too
            assert c.role not in masculine
    texts = [t.text for c in contacts for t in c.comments]
    assert any("Klient prosi o ofertę" in t for t in texts)
    assert {f.name for c in contacts for f in c.files} >= {"oferta.pdf", "cennik.xlsx"}


def test_vocabulary_covers_every_benchmarked_industry():
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["benchmarks"]
    benchmarked = {r["industry"] for r in rows} - {"any"}
    assert set(vocabulary()["company_words"]) == set(vocabulary()["company_labels"]) == benchmarked


def test_shares_when_given_then_counts_follow_by_largest_remainder():
    crm = generate(10, seed=1, now=NOW, archetypes={"milczek": 2, "analityk": 1})
    found = Counter(r.archetype for r in crm)
    assert found == {"milczek": 7, "analityk": 3}  # 6.67 -> 7, 3.33 -> 3


def test_shares_when_unknown_archetype_then_refused_naming_it():
    with pytest.raises(InputValidationError) as raised:
        generate(5, seed=1, now=NOW, archetypes={"gaduła": 1.0})
    assert raised.value.problems[0]["field"] == "archetypes.gaduła"


def test_nothing_happens_after_now_and_office_work_falls_in_office_hours(crm):
    for c in (r.contact for r in crm):
        ours = [e.sent_at for e in c.emails] + [a.at for a in c.activities if a.type == "call"]
        ours += [x.at for x in c.comments] + [f.shared_at for f in c.files]
        ours += [d.created_at for d in c.deals]
        assert all(in_office_hours(at) for at in ours)
        later = [o.at for e in c.emails for o in e.opens or []]
        later += [e.replied_at for e in c.emails if e.replied_at]
        later += [d.closed_at for d in c.deals if d.closed_at]
        assert max(ours + later) <= NOW


def test_meetings_keep_one_weekly_slot_at_the_archetypes_cadence(crm):
    cadence = {"szybki_decydent": 14, "analityk": 28, "relacyjny": 7}
    for archetype, contacts in by_archetype(crm).items():
        for c in contacts:
            meetings = sorted(local(a.at) for a in c.activities if a.type == "meeting")
            if archetype == "milczek":
                assert meetings == []
                continue
            assert len({(m.weekday(), m.hour, m.minute) for m in meetings}) <= 1
            assert all(m.weekday() < 5 and 9 <= m.hour < 17 for m in meetings)
            gaps = [(b.date() - a.date()).days for a, b in itertools.pairwise(meetings)]
            assert all(g % cadence[archetype] == 0 for g in gaps)


def test_reply_delays_are_the_archetypes_fast_to_slow(crm):
    medians = {}
    for archetype, contacts in by_archetype(crm).items():
        hours = [
            (e.replied_at - e.sent_at).total_seconds() / 3600
            for c in contacts
            for e in c.emails
            if e.direction == "outbound" and e.replied_at
        ]
        medians[archetype] = statistics.median(hours) if hours else None
    assert medians["milczek"] is None
    assert medians["szybki_decydent"] < 4 < medians["relacyjny"] < 20 < medians["analityk"] < 60


def test_deal_cycles_follow_the_industry_benchmark_times_the_archetypes_factor(crm):
    for archetype, contacts in by_archetype(crm).items():
        ratios = [
            (d.closed_at - d.created_at).days
            / benchmark_for(c.industry, c.company_size).deal_cycle_days
            for c in contacts
            for d in c.deals
            if d.closed
        ]
        factor = ARCHETYPES[archetype].cycle_factor
        assert 0.7 * factor < statistics.median(ratios) < 1.4 * factor  # long ones still open


def test_milczek_scores_zero_engagement_and_the_fast_decider_is_engaged(crm):
    contacts = by_archetype(crm)
    for c in contacts["milczek"]:
        email = behaviour(c)["email"]
        assert email["engagement"]["value"] == 0.0
        assert email["human_open_rate"]["value"] == 0.0
        assert email["machine_only_opens"] == email["tracked_emails"] >= 3
    engaged = [behaviour(c)["email"]["engagement"]["value"] for c in contacts["szybki_decydent"]]
    assert statistics.median(engaged) > 0.7


def test_machine_opens_are_flagged_or_within_a_second_and_some_others_read_via_a_proxy(crm):
    machine = [
        (e, o)
        for r in crm
        for e in r.contact.emails
        for o in e.opens or []
        if o.user_agent == "Mozilla/5.0"
    ]
    assert {bool(o.machine) for _, o in machine} == {True, False}  # flagged and not
    assert all(o.machine or (o.at - e.sent_at) < timedelta(seconds=1) for e, o in machine)
    assert all(machine_open(e, o) for e, o in machine)
    proxied = {
        r.contact.id
        for r in crm
        if r.archetype != "milczek"
        and any(machine_open(e, o) for e in r.contact.emails for o in e.opens or [])
    }
    assert 0.1 < len(proxied) / 150 < 0.45  # about a quarter of the others use Apple Mail


@pytest.mark.parametrize("interactions", [0, 1, 2, 3])
def test_thin_contact_has_all_fields_and_only_the_interactions_asked(interactions):
    contact = thin_contact(interactions, seed=3, now=NOW)
    assert contact.interactions == interactions
    assert contact.deals == []
    assert all([contact.name, contact.role, contact.company, contact.email, contact.phone])
    assert thin_contact(interactions, seed=3, now=NOW) == contact


def test_thin_contact_when_open_deal_asked_then_one_open_deal_and_never_more_than_three():
    contact = thin_contact(1, seed=3, now=NOW, open_deal=True)
    assert [d.closed for d in contact.deals] == [False]
    with pytest.raises(ValueError, match="0-3"):
        thin_contact(4, seed=3, now=NOW)
