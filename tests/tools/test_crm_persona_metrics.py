"""Behavioural metrics of a CRM contact: machine opens count zero, replies count, rates carry
their n and interval, and the figures equal an independent computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def email(i: int, **fields) -> dict:
    return {"id": f"e{i}", "sent_at": T0 + timedelta(days=i), "direction": "outbound", **fields}


def contact(**fields) -> Contact:
    return Contact.model_validate({"id": "c1", "name": "Jan Kowalski", **fields})


def test_machine_opens_never_make_a_contact_engaged():
    emails = [
        email(i, opens=[{"at": T0 + timedelta(days=i, minutes=5), "machine": True}])
        for i in range(5)
    ]
    found = behaviour(contact(emails=emails))["email"]
    assert found["engagement"]["value"] == 0.0
    assert found["human_open_rate"]["value"] == 0.0
    assert found["machine_only_opens"] == 5


def test_an_open_a_second_after_sending_is_a_machine_one():
    emails = [email(i, opens=[{"at": T0 + timedelta(days=i, seconds=1)}]) for i in range(3)]
    assert behaviour(contact(emails=emails))["email"]["engagement"]["value"] == 0.0


def test_replies_make_a_contact_engaged_and_give_its_response_times():
    hours = [2, 4, 6, 24]
    emails = [
        email(i, opens=[], replied_at=T0 + timedelta(days=i, hours=h)) for i, h in enumerate(hours)
    ]
    found = behaviour(contact(emails=emails))
    assert found["email"]["engagement"]["value"] == 1.0
    assert found["email"]["reply_rate"]["n"] == 4
    assert found["email"]["reply_rate"]["interval"][0] < 1.0  # four replies prove less than 100%
    times = found["response_time"]["contact"]
    assert times["median_h"] == pytest.approx(np.median(hours))
    assert times["p75_h"] == pytest.approx(np.percentile(hours, 75))


def test_weighted_engagement_is_the_strongest_event_of_each_email():
    emails = [
        email(0, opens=[{"at": T0 + timedelta(hours=3)}]),  # a human open: 0.3
        email(1, opens=[], clicks=[{"at": T0 + timedelta(days=1, hours=1)}]),  # a click: 0.8
        email(2, opens=[], replied_at=T0 + timedelta(days=2, hours=5)),  # a reply: 1
        email(3, opens=[]),  # tracked, nothing: 0
    ]
    found = behaviour(contact(emails=emails))["email"]["engagement"]
    assert found["value"] == pytest.approx((0.3 + 0.8 + 1.0 + 0.0) / 4)
    assert found["n"] == 4


def test_below_the_minimum_n_a_rate_says_insufficient_data():
    found = behaviour(contact(emails=[email(0, opens=[]), email(1, opens=[])]))
    assert found["email"]["engagement"]["status"] == "insufficient_data"
    assert found["email"]["engagement"]["value"] is None
    assert found["response_time"]["contact"]["status"] == "insufficient_data"


def test_deals_give_cycle_length_and_conversion_with_its_interval():
    deals = [
        {"id": "d1", "stage": "won", "created_at": T0, "closed_at": T0 + timedelta(days=60), "won": True},
        {"id": "d2", "stage": "lost", "created_at": T0, "closed_at": T0 + timedelta(days=30), "won": False},
        {"id": "d3", "stage": "proposal", "created_at": T0},
    ]  # fmt: skip
    found = behaviour(contact(deals=deals))
    assert found["decisions"]["cycle_days_median"] == 45
    assert found["decisions"]["conversion"]["value"] == 0.5
    assert (found["decisions"]["closed_deals"], found["decisions"]["open_deals"]) == (2, 1)
    assert found["data_quality"]["parts"]["deal_history"]["points"] == 20


def test_behaviour_scores_data_quality_from_the_history():
    calls = [
        {"type": "call", "at": T0 + timedelta(weeks=i, hours=1), "outcome": "completed"}
        for i in range(6)
    ]
    emails = [email(i, opens=[]) for i in range(3)]
    found = behaviour(contact(activities=calls, emails=emails))
    assert found["interactions"] == 9
    assert found["patterns"]["channel"] == "call"
    quality = found["data_quality"]
    assert quality["parts"]["interaction_volume"]["points"] == 22.5
    assert quality["parts"]["email_engagement"]["points"] == 20
    assert quality["parts"]["pattern_recognition"]["points"] == 10
    assert found["content"]["calls_completed"]["value"] == 1.0


def test_records_refuse_unknown_fields_and_read_naive_times_as_utc():
    with pytest.raises(ValidationError) as failed:
        Contact.model_validate({"id": "c", "name": "X", "phonee": "1"})
    assert failed.value.errors()[0]["loc"] == ("phonee",)
    with pytest.raises(ValidationError):
        contact(activities=[{"type": "call", "at": T0, "duration_min": -1}])
    naive = contact(comments=[{"at": "2026-11-02T09:00:00", "text": "Dzwonić po 15."}])
    assert naive.comments[0].at == T0
