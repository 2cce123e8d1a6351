"""The template writer: Polish persona stories with no model (tools/persona/story.py)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from nodes.persona_generation.plan import _slot
from nodes.persona_generation.validate import validate_request
from tools import population
from tools.persona.narrative import _gender_issues, narrative_issues
from tools.persona.sampling import sample_demographics
from tools.persona.story import place_phrases, write_narrative, years_word
from tools.population import FEMALE, MALE

SEGMENTS = {
    "village": {"age_min": 25, "age_max": 39, "location": "wieś, podkarpackie"},
    "seniors": {"age_min": 60, "age_max": 85, "location": "miasto 500 tys.+"},
    "nonbinary": {"age_min": 20, "age_max": 40, "gender": "osoba niebinarna"},
    "poland": {"age_min": 18, "age_max": 80},
}


def _slots(segment: dict, n: int, seed: int = 7) -> list[dict]:
    request = validate_request({"segments": [{**segment, "count": n}], "seed": seed})
    seg = request["segments"][0]
    rng = np.random.default_rng(seed)
    people = sample_demographics(population.Segment(**seg["segment"]), n, rng, year=2026)
    return [_slot(i, seg, p, rng, seed) for i, p in enumerate(people)]


def _write(slot: dict) -> dict:
    return write_narrative(slot, slot["identity"], slot["text_seed"])


@pytest.mark.parametrize("name", sorted(SEGMENTS))
def test_write_narrative_when_any_segment_then_passes_every_check(name):
    for slot in _slots(SEGMENTS[name], 30):
        narrative = _write(slot)
        profile = {**slot["demographics"], "top_values": slot["top_values"]}
        assert narrative_issues(narrative, profile) == [], narrative["background_story"]
        story = narrative["background_story"]
        assert story.startswith(narrative["first_name"]) and len(story) >= 150
        assert 3 <= len(narrative["values"]) <= 5 and 3 <= len(narrative["interests"]) <= 5
        assert narrative["occupation"] == slot["identity"]["occupation"]


def test_write_narrative_when_twenty_of_one_segment_then_no_two_alike():
    stories = [_write(s)["background_story"] for s in _slots(SEGMENTS["village"], 20)]
    words = [set(re.findall(r"\w+", s.lower())) for s in stories]
    for a, b in itertools.combinations(range(20), 2):
        jaccard = len(words[a] & words[b]) / len(words[a] | words[b])
        assert jaccard < 0.6, (stories[a], stories[b])
    openings = {s.split(".")[0].split(" ", 2)[-1][:25] for s in stories}
    assert len(openings) >= 4  # several intro patterns in use


def test_write_narrative_when_same_slot_then_same_text():
    slot = _slots(SEGMENTS["poland"], 1)[0]
    assert _write(slot) == _write(slot)


def test_write_narrative_when_nonbinary_then_no_gendered_forms():
    for slot in _slots(SEGMENTS["nonbinary"], 30):
        story = _write(slot)["background_story"]
        assert _gender_issues(story, FEMALE) == [] and _gender_issues(story, MALE) == []
        assert not re.search(r"\b(?:urodził|urodziła|skończył|skończyła|jego|jej)\b", story)


def test_write_narrative_when_woman_then_feminine_forms():
    women = [s for s in _slots(SEGMENTS["village"], 40) if s["demographics"]["gender"] == FEMALE]
    stories = " ".join(_write(s)["background_story"] for s in women)
    assert re.search(r"\b\w+ła\b", stories) and not re.search(
        r"\b(?:urodził|skończył|zdał)\b", stories
    )


def test_place_phrases_when_village_town_city_then_declined_with_voivodeship():
    assert place_phrases("wieś Kobierzyce, woj. dolnośląskie") == {
        "loc": "w Kobierzycach w województwie dolnośląskim",
        "from_place": "z Kobierzyc",
        "kind": "village",
    }
    assert place_phrases("Radom")["from_place"] == "z Radomia"
    assert place_phrases("Kielce")["loc"] == "w Kielcach"
    assert place_phrases("mniejsza miejscowość lub wieś")["loc"] == "w niewielkiej miejscowości"


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "rok"), (2, "lata"), (5, "lat"), (12, "lat"), (22, "lata"), (25, "lat"), (34, "lata")],
)
def test_years_word_when_age_then_polish_plural(n, word):
    assert years_word(n) == word
