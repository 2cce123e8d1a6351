"""Segment-size estimation from the Polish population tables (tools/population.py)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest

from tools import income_ranges, regions
from tools import population as pop
from tools.population import (
    EDUCATION_LEVELS,
    INCOME_BRACKETS,
    NATIONAL,
    Segment,
    average_monthly_income,
    estimate_segment_size,
    income_mapping,
    joint_cells,
    normalise_city,
    normalise_education,
    normalise_gender,
    normalise_income,
)

SEED_EXAMPLE = Segment(18, 24, ("kobieta",), ("wyższe",), ("<3000 PLN",))


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(pop.DATA_FILE.read_text(encoding="utf-8"))


def _bin(data: dict, label: str) -> dict:
    return next(b for b in data["age_sex"]["bins"] if b["age"] == label)


# --- the data file ------------------------------------------------------------------------


def test_data_when_loaded_then_national_totals_match_the_census_headline(data):
    bins = data["age_sex"]["bins"]
    women = sum(b["kobieta"] for b in bins)
    total = women + sum(b["mężczyzna"] for b in bins)
    assert 38_000_000 <= total <= 38_300_000
    assert 0.516 <= women / total <= 0.518


@pytest.mark.parametrize("table", ["education", "income"])
def test_data_when_loaded_then_shares_sum_to_one_per_band_and_sex(data, table):
    keys = data[table]["levels" if table == "education" else "brackets"]
    for band in data[table]["bands"]:
        for sex in ("kobieta", "mężczyzna"):
            assert list(band[sex]) == keys
            assert math.isclose(sum(band[sex].values()), 1.0, abs_tol=1e-9), (band["age"], sex)


def test_data_when_loaded_then_every_table_names_its_source_and_notes(data):
    for table in ("age_sex", "education", "income", "cities", "seed_fallback"):
        assert data[table]["source"]["publisher"] and data[table]["notes"]
    assert data["income"]["derived"] is True
    assert len(data["cities"]["cities"]) >= 30


def test_data_when_loaded_then_nobody_aged_15_19_holds_a_degree(data):
    band = next(b for b in data["education"]["bands"] if b["age"] == "15-19")
    assert band["kobieta"]["wyższe"] == band["mężczyzna"]["wyższe"] == 0


# --- estimates ----------------------------------------------------------------------------


def test_estimate_when_seed_example_then_far_below_the_women_aged_18_24():
    women_18_24 = estimate_segment_size(Segment(18, 24, ("kobieta",))).size
    estimate = estimate_segment_size(SEED_EXAMPLE)
    assert estimate.size >= 1000
    assert estimate.size < 0.2 * women_18_24
    assert {f.method for f in estimate.factors.values()} == {"table"}


def test_estimate_when_ages_25_34_both_sexes_then_equals_the_table_sum(data):
    expected = sum(
        _bin(data, a)["kobieta"] + _bin(data, a)["mężczyzna"] for a in ("25-29", "30-34")
    )
    assert estimate_segment_size(Segment(25, 34)).size == pytest.approx(expected, abs=1)


def test_estimate_when_bin_partly_covered_then_interpolates_uniformly(data):
    expected = 2 / 5 * _bin(data, "15-19")["kobieta"] + _bin(data, "20-24")["kobieta"]
    assert estimate_segment_size(Segment(18, 24, ("kobieta",))).raw_size == pytest.approx(expected)


@pytest.mark.parametrize(
    ("broad", "narrow"),
    [
        (Segment(15, 100), Segment(25, 34)),
        (Segment(25, 44), Segment(30, 40)),
        (Segment(25, 34), Segment(25, 34, ("kobieta",))),
        (Segment(25, 34, ("kobieta", "osoba niebinarna")), Segment(25, 34, ("kobieta",))),
        (Segment(25, 34, ("kobieta",)), Segment(25, 34, ("kobieta",), ("wyższe", "średnie"))),
        (Segment(25, 34, (), ("wyższe", "średnie")), Segment(25, 34, (), ("wyższe",))),
        (Segment(20, 60, (), ("wyższe",)), Segment(20, 60, (), ("wyższe",), ("<3000 PLN",))),
        (
            Segment(20, 60, income_brackets=("<3000 PLN", ">10000 PLN")),
            Segment(20, 60, income_brackets=(">10000 PLN",)),
        ),
        (SEED_EXAMPLE, Segment(18, 24, ("kobieta",), ("wyższe",), ("<3000 PLN",), "Gdańsk")),
        (
            Segment(40, 70, ("mężczyzna",), city="Warszawa"),
            Segment(40, 70, ("mężczyzna",), city="Kalisz"),
        ),
    ],
)
def test_estimate_when_a_filter_narrows_then_size_never_grows(broad, narrow):
    assert estimate_segment_size(narrow).raw_size <= estimate_segment_size(broad).raw_size
    assert estimate_segment_size(narrow).size <= estimate_segment_size(broad).size


def test_estimate_when_city_given_then_applies_the_city_share(data):
    national = estimate_segment_size(Segment(25, 44, ("kobieta",), ("wyższe",)))
    krakow = estimate_segment_size(Segment(25, 44, ("kobieta",), ("wyższe",), city="Krakow"))
    share = 803_000 / data["cities"]["national_total"]
    assert krakow.raw_size == pytest.approx(national.raw_size * share)
    assert krakow.factors["location"].factor == pytest.approx(share)
    assert "national one" in krakow.factors["location"].note


def test_estimate_when_nonbinary_then_uses_the_seed_fallback_and_says_so():
    everyone = estimate_segment_size(Segment(25, 34)).raw_size
    estimate = estimate_segment_size(Segment(25, 34, ("non-binary",)))
    gender = estimate.factors["gender"]
    assert gender.method == "fallback"
    assert "docs/requirements.md" in gender.source and "2%" in gender.note
    assert gender.factor == pytest.approx(0.02)
    assert estimate.raw_size == pytest.approx(0.02 * everyone)


def test_estimate_when_factors_multiplied_then_give_the_raw_size():
    estimate = estimate_segment_size(
        Segment(30, 52, ("kobieta",), ("średnie",), ("3000-5000 PLN", "5000-7500 PLN"), "Łódź")
    )
    product = math.prod(f.factor for f in estimate.factors.values())
    assert estimate.base_population * product == pytest.approx(estimate.raw_size)


def test_estimate_when_segment_empty_in_tables_then_clamped_to_the_minimum():
    estimate = estimate_segment_size(Segment(15, 19, (), ("wyższe",)))
    assert estimate.raw_size == 0
    assert (estimate.size, estimate.clamped_to_minimum) == (1000, True)


def test_estimate_when_use_tables_false_then_reproduces_the_seed_formula():
    # 38M x age (15% per 10 years, 18-24 = 7 years -> 10.5%) x kobieta 52% x wyższe 25%
    # x one income bracket 20% x all of Poland 100% = 103,740.
    expected = 38_000_000 * 0.105 * 0.52 * 0.25 * 0.20 * 1.0
    estimate = estimate_segment_size(SEED_EXAMPLE, use_tables=False)
    assert estimate.size == round(expected) == 103_740
    assert estimate.base_population == 38_000_000
    assert {f.method for f in estimate.factors.values()} == {"fallback"}
    city = estimate_segment_size(Segment(25, 34, city="Poznań"), use_tables=False)
    assert city.size == round(38_000_000 * 0.15 * 0.08)


# --- joint cells and income ----------------------------------------------------------------


@pytest.mark.parametrize(
    "segment",
    [
        SEED_EXAMPLE,
        Segment(15, 100),
        Segment(33, 87, ("mężczyzna", "nb"), ("podstawowe", "wyższe"), (">10000 PLN",), "Opole"),
    ],
)
def test_joint_cells_when_summed_then_equal_the_unclamped_estimate(segment):
    cells = joint_cells(segment)
    assert sum(c.weight for c in cells) == pytest.approx(estimate_segment_size(segment).raw_size)
    assert all(segment.age_min <= c.age_lo <= c.age_hi <= segment.age_max for c in cells)
    assert {c.education for c in cells} <= set(segment.education_levels or EDUCATION_LEVELS)
    assert {c.income for c in cells} <= set(segment.income_brackets or INCOME_BRACKETS)


def test_average_income_when_single_bracket_then_its_representative_value(data):
    value, source = average_monthly_income(Segment(35, 44, income_brackets=(">10000 PLN",)))
    assert value == data["income"]["representative_monthly_net_pln"][">10000 PLN"]
    assert "GUS" in source


def test_average_income_when_men_35_44_then_above_young_women():
    men, _ = average_monthly_income(Segment(35, 44, ("mężczyzna",)))
    young_women, _ = average_monthly_income(Segment(18, 24, ("kobieta",)))
    assert 1500 < young_women < men < 13000


# --- vocabularies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalise", "value", "expected"),
    [
        (normalise_gender, "Female", "kobieta"),
        (normalise_gender, "MAN", "mężczyzna"),
        (normalise_gender, "mezczyzna", "mężczyzna"),
        (normalise_gender, "Non-Binary", "osoba niebinarna"),
        (normalise_education, "higher", "wyższe"),
        (normalise_education, "Tertiary", "wyższe"),
        (normalise_education, "high school", "średnie"),
        (normalise_education, "vocational", "zasadnicze zawodowe"),
        (normalise_education, "primary", "podstawowe"),
        (normalise_income, "below 3000", "<3000 PLN"),
        (normalise_income, "3 000–5 000 zł", "3000-5000 PLN"),
        (normalise_income, "10000+", ">10000 PLN"),
        (normalise_city, "Warsaw", "Warszawa"),
        (normalise_city, "cracow", "Kraków"),
        (normalise_city, "LODZ", "Łódź"),
        (normalise_city, "bielsko biala", "Bielsko-Biała"),
        (normalise_city, "all of Poland", NATIONAL),
        (normalise_city, "cała Polska", NATIONAL),
        (normalise_city, None, NATIONAL),
    ],
)
def test_normalise_when_alias_then_canonical(normalise, value, expected):
    assert normalise(value) == expected


@pytest.mark.parametrize(
    ("normalise", "value"),
    [
        (normalise_gender, "robot"),
        (normalise_education, "phd"),
        (normalise_income, "2000-4000"),
        (normalise_city, "Gotham"),
        (normalise_gender, None),
    ],
)
def test_normalise_when_unknown_then_none(normalise, value):
    assert normalise(value) is None


def test_segment_when_aliases_then_canonical_and_equal():
    assert Segment(20, 30, ["women"], ["higher"], ["<3000"], "Warsaw") == Segment(
        20, 30, ("kobieta",), ("wyższe",), ("<3000 PLN",), "Warszawa"
    )
    assert Segment(20, 30, city="Polska").city is None


def test_segment_when_invalid_then_raises_listing_every_problem():
    with pytest.raises(ValueError) as err:
        Segment(30, 20, ("robot",), city="Gotham")
    assert all(word in str(err.value) for word in ("age_min", "robot", "Gotham"))


def test_known_values_when_called_then_lists_every_dimension():
    known = pop.known_values()
    assert known["age_range"] == [pop.AGE_MIN_ALLOWED, pop.AGE_MAX_ALLOWED] == [15, 100]
    assert "Kraków" in known["cities"] and "wyższe" in known["education_levels"]


# --- settlement classes and voivodeships ---------------------------------------------------

WOMEN_GRADUATES_EARNING_7_10K = {
    "age_min": 25,
    "age_max": 44,
    "genders": ("kobieta",),
    "education_levels": ("wyższe",),
    "income_ranges": ((7000, 10000),),
}


def test_regions_data_when_loaded_then_voivodeships_sum_to_the_national_total(data):
    national = sum(b["kobieta"] + b["mężczyzna"] for b in data["age_sex"]["bins"])
    totals = regions.transcribed_voivodeship_totals()
    assert len(totals) == 16
    assert sum(totals.values()) == pytest.approx(national, abs=16 * 500)
    doc = regions.regions_data()
    assert doc["source"]["publisher"].startswith("GUS") and "approximate" in doc["about"]
    assert "Derived" in doc["notes"] and doc["derived"] is True
    assert all(c["voivodeship"] in totals for c in data["cities"]["cities"])


def test_regional_table_when_summed_over_classes_or_voivodeships_then_the_census_cells(data):
    table = regions.persons_table()  # (class, voivodeship, bin, sex)
    census = np.array([[b["kobieta"], b["mężczyzna"]] for b in data["age_sex"]["bins"]])
    assert table.sum((0, 1)) == pytest.approx(census, rel=1e-9)
    shares = table.sum((1, 2, 3)) / table.sum()
    assert shares.sum() == pytest.approx(1.0)
    assert 0.38 < shares[0] < 0.42  # wieś: about 40% of Poles
    fitted = table.sum((0, 2, 3))
    transcribed = np.array(list(regions.transcribed_voivodeship_totals().values()))
    assert fitted == pytest.approx(transcribed * census.sum() / transcribed.sum(), rel=1e-6)


@pytest.mark.parametrize("field", ["settlement_classes", "voivodeships"])
def test_estimate_when_summed_over_every_class_or_voivodeship_then_equals_national(field):
    names = regions.CLASSES if field == "settlement_classes" else regions.voivodeships()
    national = estimate_segment_size(Segment(**WOMEN_GRADUATES_EARNING_7_10K)).raw_size
    parts = [
        estimate_segment_size(Segment(**WOMEN_GRADUATES_EARNING_7_10K, **{field: (n,)})).raw_size
        for n in names
    ]
    assert sum(parts) == pytest.approx(national, rel=1e-9)
    assert all(p > 0 for p in parts)


def test_estimate_when_village_then_fewer_graduates_and_lower_incomes_than_big_cities():
    def graduates(kind: str) -> float:
        segment = Segment(25, 34, (), ("wyższe",), settlement_classes=(kind,))
        return estimate_segment_size(segment).factors["education"].factor

    village, metropolis = "wieś", "miasto 500 tys. i więcej"
    assert graduates(village) < 0.8 * graduates(metropolis)
    income_village, _ = average_monthly_income(Segment(30, 50, settlement_classes=(village,)))
    income_city, _ = average_monthly_income(Segment(30, 50, settlement_classes=(metropolis,)))
    assert income_village < income_city


def test_estimate_when_class_given_then_location_factor_is_its_share_and_derived_named():
    everyone = estimate_segment_size(Segment(18, 100))
    village = estimate_segment_size(Segment(18, 100, settlement_classes=("na wsi",)))
    location = village.factors["location"]
    assert village.raw_size == pytest.approx(everyone.raw_size * location.factor)
    assert 0.37 < location.factor < 0.42 and location.method == "table"
    assert "GUS" in location.source and "derived" in location.note


def test_estimate_when_class_and_voivodeship_then_within_both():
    both = estimate_segment_size(Segment(18, 100, settlement_classes=("wieś",),
                                         voivodeships=("mazowieckie",))).raw_size  # fmt: skip
    village = estimate_segment_size(Segment(18, 100, settlement_classes=("wieś",))).raw_size
    mazovia = estimate_segment_size(Segment(18, 100, voivodeships=("mazowieckie",))).raw_size
    assert 0 < both < min(village, mazovia)


def test_segment_when_city_and_class_then_raises():
    with pytest.raises(ValueError, match="cannot be combined"):
        Segment(20, 30, city="Kraków", settlement_classes=("wieś",))


def test_segment_when_class_or_voivodeship_alias_then_canonical():
    segment = Segment(20, 30, settlement_classes=["na wsi"], voivodeships=["Mazowsze"])
    assert segment.settlement_classes == ("wieś",) and segment.voivodeships == ("mazowieckie",)


# --- income ranges onto brackets -----------------------------------------------------------


def test_estimate_when_range_covers_part_of_a_bracket_then_that_part_of_its_people():
    def size(**income) -> float:
        return estimate_segment_size(Segment(30, 50, **income)).raw_size

    lower = size(income_brackets=("5000-7500 PLN",))
    upper = size(income_brackets=("7500-10000 PLN",))
    partial = size(income_ranges=((7000, 10000),))
    assert partial == pytest.approx(0.2 * lower + upper)
    assert partial < size(income_brackets=("5000-7500 PLN", "7500-10000 PLN"))


def test_income_shares_when_open_top_range_then_pareto_tail_with_the_representative_mean(data):
    mean = data["income"]["representative_monthly_net_pln"][">10000 PLN"]
    [whole] = income_ranges.bracket_shares(((10000.0, None),))
    assert whole.share == pytest.approx(1.0) and whole.mean_pln == pytest.approx(mean)
    [above] = income_ranges.bracket_shares(((20000.0, None),))
    assert 0 < above.share < 0.1 and above.mean_pln > 20000


def test_average_income_when_partial_bracket_then_mean_of_the_counted_part():
    value, source = average_monthly_income(Segment(35, 44, income_ranges=((7000, 7500),)))
    assert value == pytest.approx(7250)
    assert "counted in part" in source


def test_income_mapping_when_ranges_then_requested_brackets_and_shares():
    mapping = income_mapping(Segment(30, 50, income_ranges=((0, 4000),)))
    assert mapping["ranges_pln"] == [[0.0, 4000.0]]
    assert [(b["bracket"], b["share_counted"]) for b in mapping["brackets"]] == [
        ("<3000 PLN", 1.0),
        ("3000-5000 PLN", 0.5),
    ]
    assert income_mapping(Segment(30, 50, income_brackets=("<3000 PLN",))) is None


@pytest.mark.parametrize(
    "segment",
    [
        Segment(30, 55, income_ranges=((7000, 10000),)),
        Segment(30, 55, income_ranges=((0, 3000), (7000, None))),
        Segment(30, 55, ("kobieta",), settlement_classes=("wieś",), voivodeships=("podlaskie",)),
        Segment(30, 55, city="Kraków", income_brackets=("<3000 PLN",)),
    ],
)
def test_segment_when_rebuilt_from_its_dict_then_equal_and_same_size(segment):
    # Workflows store asdict(segment) and rebuild it: the stored ranges must still decide.
    rebuilt = Segment(**json.loads(json.dumps(asdict(segment))))
    assert rebuilt == segment
    assert estimate_segment_size(rebuilt).raw_size == estimate_segment_size(segment).raw_size


def test_segment_when_brackets_outside_its_ranges_then_raises():
    with pytest.raises(ValueError, match="outside income_ranges"):
        Segment(30, 55, income_brackets=("<3000 PLN",), income_ranges=((7000, 10000),))
