"""KPI request validation: every problem listed, aliases accepted, canonical key stable."""

from __future__ import annotations

import pytest

from sight.errors import InputValidationError
from tools.income_ranges import IncomeRangeError, parse_income_range
from tools.location import resolve_location
from tools.segment import validate_segment

SEED_SEGMENT = {
    "age_min": 18,
    "age_max": 24,
    "gender": "kobieta",
    "education_levels": ["wyższe"],
    "income_brackets": ["<3000 PLN"],
}


def _fields(raw: object) -> list[str]:
    with pytest.raises(InputValidationError) as info:
        validate_segment(raw)
    return [p["field"] for p in info.value.problems]


def test_validate_when_seed_segment_then_canonical_request():
    request = validate_segment({**SEED_SEGMENT, "location": "Polska"})
    assert request.segment.genders == ("kobieta",)
    assert request.segment.education_levels == ("wyższe",)
    assert request.segment.city is None
    assert request.industry == "b2b_saas"


def test_validate_when_english_aliases_then_same_key_as_polish():
    polish = validate_segment({**SEED_SEGMENT, "location": "Kraków", "industry": "b2b_saas"})
    english = validate_segment(
        {
            "age_min": 18,
            "age_max": 24,
            "gender": "female",
            "education_levels": ["higher"],
            "income_brackets": ["<3000 PLN"],
            "location": "Krakow",
            "industry": "saas",
        }
    )
    assert english.key == polish.key
    assert english.segment.city == polish.segment.city


def test_validate_when_nested_demographics_then_accepted_like_flat():
    nested = validate_segment({"segment_id": "seg_young", "demographics": SEED_SEGMENT})
    assert nested.key == validate_segment(SEED_SEGMENT).key
    assert nested.segment_id == "seg_young"


def test_validate_when_many_problems_then_every_one_listed():
    fields = _fields(
        {
            "age_min": 40,
            "age_max": 30,
            "gender": "robot",
            "education_levels": ["doktorat-z-kosmosu"],
            "income_min_pln": -100,
            "location": "Atlantyda",
            "industry": "mining-on-mars",
            "agemin": 3,
        }
    )
    assert set(fields) >= {
        "age_min",
        "gender",
        "education_levels",
        "income_min_pln",
        "location",
        "industry",
        "agemin",
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"age_max": 30}, "age_min"),
        ({"age_min": 10, "age_max": 30}, "age_min"),
        ({"age_min": 20, "age_max": 130}, "age_max"),
        ({"age_min": 20.5, "age_max": 30}, "age_min"),
        ({"age_min": True, "age_max": 30}, "age_min"),
        ({"age_min": 20, "age_max": 30, "income_brackets": ["-500 PLN"]}, "income_brackets"),
        (
            {"age_min": 20, "age_max": 30, "income_min_pln": 9000, "income_max_pln": 3000},
            "income_min_pln",
        ),
        ({"age_min": 20, "age_max": 30, "education_levels": 5}, "education_levels"),
        ({"age_min": 20, "age_max": 30, "demographics": "x"}, "demographics"),
    ],
)
def test_validate_when_bad_field_then_problem_names_it(raw, field):
    assert field in _fields(raw)


def test_validate_when_not_an_object_then_error():
    assert _fields(["age_min", 1]) == ["input"]


def test_validate_when_income_range_then_maps_to_overlapping_brackets():
    request = validate_segment(
        {"age_min": 30, "age_max": 40, "income_min_pln": 4000, "income_max_pln": 6000}
    )
    assert request.segment.income_brackets == ("3000-5000 PLN", "5000-7500 PLN")


def test_validate_when_lists_reordered_or_repeated_then_same_key():
    a = validate_segment({**SEED_SEGMENT, "education_levels": ["wyższe", "średnie"]})
    b = validate_segment({**SEED_SEGMENT, "education_levels": ["secondary", "wyższe", "higher"]})
    assert a.key == b.key


# --- incomes as marketers write them -------------------------------------------------------

RANGE = {"age_min": 30, "age_max": 50}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7000-10000 PLN", (7000, 10000)),
        ("7 000–10 000 zł", (7000, 10000)),
        ("7.000-10.000", (7000, 10000)),
        ("1 500,50 - 2 000 zł", (1500.5, 2000)),
        ("5-7 tys. zł", (5000, 7000)),
        ("7,5 tys.-10 tys.", (7500, 10000)),
        ("od 5 do 7 tys", (5000, 7000)),
        ("5k-7k", (5000, 7000)),
        ("między 5000 a 7000 zł netto", (5000, 7000)),
        ("powyżej 8000 zł", (8000, None)),
        ("ponad 10 000 zł", (10000, None)),
        ("od 5000", (5000, None)),
        ("10k+", (10000, None)),
        ("4500 zł i więcej", (4500, None)),
        ("do 4000", (0, 4000)),
        ("< 3000", (0, 3000)),
        ("max. 4000 zł/mc", (0, 4000)),
    ],
)
def test_parse_income_when_written_as_marketers_do_then_range(text, expected):
    assert parse_income_range(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("5000 zł", "powyżej 8000 zł"),
        ("8000 brutto", "netto"),
        ("100000 rocznie", "monthly"),
        ("2000 EUR", "PLN"),
        ("-500 PLN", "7000-10000 PLN"),
        ("10000-5000", "lower to a higher"),
    ],
)
def test_parse_income_when_unreadable_then_error_says_what_to_write(text, says):
    with pytest.raises(IncomeRangeError) as info:
        parse_income_range(text)
    assert says in str(info.value)


def test_validate_when_income_is_a_pln_range_then_partial_bracket_counted_in_proportion():
    request = validate_segment({**RANGE, "income_brackets": ["7000-10000 PLN"]})
    assert request.segment.income_brackets == ("5000-7500 PLN", "7500-10000 PLN")
    assert request.segment.income_ranges == ((7000.0, 10000.0),)
    mapping = request.canonical()["income_mapping"]
    assert mapping["requested"] == ["7000-10000 PLN"]
    shares = {b["bracket"]: b["share_counted"] for b in mapping["brackets"]}
    assert shares == {"5000-7500 PLN": 0.2, "7500-10000 PLN": 1.0}
    assert "uniform" in mapping["assumption"]


@pytest.mark.parametrize(
    ("text", "shares"),
    [
        ("powyżej 8000 zł", {"7500-10000 PLN": 0.8, ">10000 PLN": 1.0}),
        ("do 4000", {"<3000 PLN": 1.0, "3000-5000 PLN": 0.5}),
        ("od 5000", {"5000-7500 PLN": 1.0, "7500-10000 PLN": 1.0, ">10000 PLN": 1.0}),
    ],
)
def test_validate_when_open_income_range_then_brackets_and_shares(text, shares):
    request = validate_segment({**RANGE, "income_brackets": [text]})
    assert set(request.segment.income_brackets) == set(shares)
    found = {
        b["bracket"]: b["share_counted"]
        for b in (request.income_mapping or {"brackets": []})["brackets"]
    }
    assert found == ({} if all(v == 1.0 for v in shares.values()) else shares)


def test_validate_when_range_covers_whole_brackets_then_same_key_as_the_brackets():
    written = validate_segment({**RANGE, "income_brackets": ["3000-7500 zł"]})
    brackets = validate_segment({**RANGE, "income_brackets": ["3000-5000 PLN", "5000-7500 PLN"]})
    assert written.key == brackets.key and written.income_mapping is None


def test_validate_when_income_min_max_then_counted_in_proportion():
    request = validate_segment({**RANGE, "income_min_pln": 4000, "income_max_pln": 6000})
    shares = {b["bracket"]: b["share_counted"] for b in request.income_mapping["brackets"]}
    assert shares == {"3000-5000 PLN": 0.5, "5000-7500 PLN": 0.4}


def test_validate_when_income_text_unreadable_then_problem_lists_brackets_and_examples():
    with pytest.raises(InputValidationError) as info:
        validate_segment({**RANGE, "income_brackets": ["sporo"]})
    [problem] = info.value.problems
    assert problem["field"] == "income_brackets"
    assert "<3000 PLN" in problem["message"] and "powyżej 8000 zł" in problem["message"]


# --- locations as marketers write them -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        ("wieś", ("wieś",)),
        ("na wsi", ("wieś",)),
        ("obszary wiejskie", ("wieś",)),
        ("małe miasto", ("miasto do 20 tys.",)),
        ("mała miejscowość", ("wieś", "miasto do 20 tys.")),
        ("średnie miasto", ("miasto 20-99 tys.",)),
        ("duże miasto", ("miasto 100-499 tys.",)),
        ("miasto powyżej 500 tys.", ("miasto 500 tys. i więcej",)),
        ("miasto 500 tys. i więcej", ("miasto 500 tys. i więcej",)),
        ("miasta 20-99 tys.", ("miasto 20-99 tys.",)),
        ("miasta powyżej 100 tys.", ("miasto 100-499 tys.", "miasto 500 tys. i więcej")),
    ],
)
def test_resolve_location_when_settlement_class_words_then_gus_classes(text, classes):
    found = resolve_location(text)
    assert found.settlement_classes == classes
    assert found.city is None and found.voivodeships == ()


@pytest.mark.parametrize(
    ("text", "voivodeship"),
    [
        ("mazowieckie", "mazowieckie"),
        ("MAZOWIECKIE", "mazowieckie"),
        ("województwo mazowieckie", "mazowieckie"),
        ("woj. mazowieckie", "mazowieckie"),
        ("w województwie mazowieckim", "mazowieckie"),
        ("na Śląsku", "śląskie"),
        ("w Małopolsce", "małopolskie"),
        ("Wielkopolska", "wielkopolskie"),
        ("na Dolnym Śląsku", "dolnośląskie"),
        ("na Warmii i Mazurach", "warmińsko-mazurskie"),
        ("Kujawy i Pomorze", "kujawsko-pomorskie"),
        ("Pomorze Zachodnie", "zachodniopomorskie"),
        ("kujawsko-pomorskie", "kujawsko-pomorskie"),
        ("łódzkie", "łódzkie"),
    ],
)
def test_resolve_location_when_voivodeship_in_any_form_then_canonical(text, voivodeship):
    assert resolve_location(text).voivodeships == (voivodeship,)


@pytest.mark.parametrize(
    ("text", "classes", "voivodeships"),
    [
        ("małe miasta w Wielkopolsce", ("miasto do 20 tys.",), ("wielkopolskie",)),
        ("wieś, podlaskie", ("wieś",), ("podlaskie",)),
        (["wieś", "mazowieckie"], ("wieś",), ("mazowieckie",)),
        ("miasta powyżej 500 tys. na Śląsku", ("miasto 500 tys. i więcej",), ("śląskie",)),
        ("Śląsk i Małopolska", (), ("małopolskie", "śląskie")),
    ],
)
def test_resolve_location_when_class_and_voivodeship_combined_then_both(
    text, classes, voivodeships
):
    found = resolve_location(text)
    assert (found.settlement_classes, found.voivodeships) == (classes, voivodeships)


@pytest.mark.parametrize(
    ("text", "city"),
    [("w Krakowie", "Kraków"), ("w Łodzi", "Łódź"), ("w Zielonej Górze", "Zielona Góra")],
)
def test_resolve_location_when_city_inflected_then_the_city(text, city):
    assert resolve_location(text).city == city


def test_resolve_location_when_town_size_splits_a_class_then_note_says_counted_whole():
    found = resolve_location("miasta powyżej 50 tys.")
    assert found.settlement_classes[0] == "miasto 20-99 tys."
    assert "counted whole" in found.notes[0]


def test_validate_when_location_inside_demographics_then_accepted_like_beside():
    nested = validate_segment({"demographics": {**SEED_SEGMENT, "location": "małe miasto"}})
    beside = validate_segment({**SEED_SEGMENT, "location": "małe miasto"})
    assert nested.key == beside.key
    assert nested.segment.settlement_classes == ("miasto do 20 tys.",)
    assert nested.canonical()["location_mapping"]["requested"] == "małe miasto"


def test_validate_when_location_given_twice_differently_then_problem():
    fields = _fields({**SEED_SEGMENT, "location": "wieś", "demographics": {"location": "Kraków"}})
    assert fields == ["demographics.location"]


@pytest.mark.parametrize("location", ["Atlantyda", "wieś na Marsie", "Płońsk"])
def test_validate_when_location_unknown_then_message_lists_what_is_accepted(location):
    with pytest.raises(InputValidationError) as info:
        validate_segment({**SEED_SEGMENT, "location": location})
    [problem] = info.value.problems
    assert problem["field"] == "location"
    for accepted in ("miasto do 20 tys.", "mazowieckie", "na Śląsku", "Warszawa", "Kraków"):
        assert accepted in problem["message"]


@pytest.mark.parametrize("location", ["Kraków, małopolskie", "Gdańsk i Gdynia"])
def test_validate_when_city_combined_then_problem_names_location(location):
    assert _fields({**SEED_SEGMENT, "location": location}) == ["location"]
