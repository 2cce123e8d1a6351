"""Validate a KPI estimation request and bring it to canonical form.

Every problem is collected (not just the first) so the caller can fix the input in one go.
Field names follow docs/requirements.md §1.3 (DemographicConstraints); a nested ``demographics`` object (as in
SegmentDefinition) is accepted too, location included. Incomes may be brackets or any net
monthly PLN range ("7000-10000 PLN", "powyżej 8000 zł"); locations a city, a settlement class
or a voivodeship as people write them ("małe miasto", "na Śląsku"). The result says how each
was read (``income_mapping``, ``location_mapping``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.errors import InputValidationError
from tools import income_ranges, industry, population
from tools.location import LocationError, resolve_location

DEMOGRAPHIC_FIELDS = {
    "age_min",
    "age_max",
    "gender",
    "education_levels",
    "income_brackets",
    "income_min_pln",
    "income_max_pln",
    "location",
}
ALLOWED_FIELDS = DEMOGRAPHIC_FIELDS | {
    "segment_id",
    "segment_name",
    "industry",
    "demographics",
}
DEFAULT_INDUSTRY = "b2b_saas"


class SegmentFields(TypedDict, total=False):
    """A segment: SegmentDefinition / DemographicConstraints names (docs/requirements.md §1.3) plus location."""

    segment_id: str
    segment_name: str
    age_min: int
    age_max: int
    gender: str | list[str]
    education_levels: list[str]
    income_brackets: list[str]  # brackets or PLN ranges: "7000-10000 PLN", "powyżej 8000 zł"
    income_min_pln: float
    income_max_pln: float
    location: str | list[str]  # city, settlement class, voivodeship: "małe miasto, mazowieckie"
    demographics: dict[str, Any]


@dataclass(frozen=True)
class CanonicalSegment:
    """A validated request: canonical segment, industry and the cache key they define."""

    segment: population.Segment
    industry: str
    segment_id: str | None
    segment_name: str | None
    key: str
    income_mapping: dict[str, Any] | None = None
    location_mapping: dict[str, Any] | None = None

    def canonical(self) -> dict[str, Any]:
        """JSON-ready canonical form (what the key hashes, plus labels and how input was read)."""
        found = {
            "segment": asdict(self.segment),
            "industry": self.industry,
            "segment_id": self.segment_id,
            "segment_name": self.segment_name,
        }
        for name in ("income_mapping", "location_mapping"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        return found


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _check_int(raw: dict[str, Any], field: str, problems: list[dict[str, str]]) -> int | None:
    value = raw.get(field)
    if value is None:
        problems.append(_problem(field, "is required (an integer age in years)"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        problems.append(_problem(field, f"must be a whole number, got {value!r}"))
        return None
    age = int(value)
    if not population.AGE_MIN_ALLOWED <= age <= population.AGE_MAX_ALLOWED:
        problems.append(
            _problem(
                field,
                f"must be between {population.AGE_MIN_ALLOWED} and "
                f"{population.AGE_MAX_ALLOWED}, got {age}",
            )
        )
        return None
    return age


def _check_values(
    raw: dict[str, Any], field: str, normalise: Any, vocabulary: list[str], problems: list
) -> tuple[str, ...]:
    values = _as_list(raw.get(field))
    if values is None:
        problems.append(_problem(field, "must be a string or a list of strings"))
        return ()
    canonical: list[str] = []
    for value in values:
        name = normalise(value) if isinstance(value, str) else None
        if name is None:
            problems.append(
                _problem(field, f"unknown value {value!r}; known: {', '.join(vocabulary)}")
            )
        elif name not in canonical:
            canonical.append(name)
    return tuple(sorted(canonical))


def _income_from_range(raw: dict[str, Any], problems: list) -> tuple[population.Range, ...]:
    """Read income_min_pln/income_max_pln (net PLN a month) as one range."""
    low, high = raw.get("income_min_pln"), raw.get("income_max_pln")
    for field, value in (("income_min_pln", low), ("income_max_pln", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(_problem(field, f"must be a number of PLN, got {value!r}"))
            return ()
        if value is not None and value < 0:
            problems.append(_problem(field, f"income cannot be negative, got {value}"))
            return ()
    if low is not None and high is not None and low >= high:
        problems.append(_problem("income_min_pln", f"{low} is not below income_max_pln {high}"))
        return ()
    return ((float(low or 0.0), None if high is None else float(high)),)


def _income(raw: dict[str, Any], problems: list) -> tuple[tuple[str, ...], tuple, list[str]]:
    """Brackets, PLN ranges and the texts read as ranges, from income_brackets."""
    values = _as_list(raw.get("income_brackets"))
    if values is None:
        problems.append(_problem("income_brackets", "must be a string or a list of strings"))
        return (), (), []
    brackets, ranges, texts = [], [], []
    for value in values:
        bracket = population.normalise_income(value) if isinstance(value, str) else None
        if bracket is not None:
            brackets.append(bracket)
            continue
        try:
            if not isinstance(value, str):
                raise income_ranges.IncomeRangeError(f"{value!r} is not a string")
            ranges.append(income_ranges.parse_income_range(value))
            texts.append(value)
        except income_ranges.IncomeRangeError as exc:
            known = ", ".join(population.INCOME_BRACKETS)
            problems.append(_problem("income_brackets", f"{exc}; or a bracket: {known}"))
    return tuple(brackets), tuple(ranges), texts


def brackets_overlapping(low: float, high: float | None) -> tuple[str, ...]:
    """Return the canonical income brackets that the range [low, high] overlaps."""
    return tuple(s.bracket for s in income_ranges.bracket_shares(((low, high),)))


def _location(raw: dict[str, Any], problems: list) -> Any:
    """The resolved location, or None after recording the problem."""
    try:
        return resolve_location(raw.get("location"))
    except LocationError as exc:
        problems.append(_problem("location", str(exc)))
        return None


def _location_mapping(raw: dict[str, Any], found: Any) -> dict[str, Any] | None:
    if found is None or not (found.city or found.settlement_classes or found.voivodeships):
        return None
    return {
        "requested": raw.get("location"),
        "city": found.city,
        "settlement_classes": list(found.settlement_classes),
        "voivodeships": list(found.voivodeships),
        "read_as": [{"text": text, "as": means} for text, means in found.readings],
        "notes": list(found.notes),
    }


def _merge_nested(raw: dict[str, Any], problems: list) -> None:
    """Move ``demographics`` fields up; a field given in both places must agree."""
    nested = raw.pop("demographics", None)
    if nested is None:
        return
    if not isinstance(nested, dict):
        problems.append(_problem("demographics", "must be an object"))
        return
    for name in sorted(set(nested) - DEMOGRAPHIC_FIELDS):
        allowed = ", ".join(sorted(DEMOGRAPHIC_FIELDS))
        problems.append(_problem(f"demographics.{name}", f"unknown field; allowed: {allowed}"))
    for name in sorted(set(nested) & DEMOGRAPHIC_FIELDS):
        if name in raw and raw[name] != nested[name]:
            problems.append(
                _problem(f"demographics.{name}", f"differs from the top-level {name}; give it once")
            )
        raw[name] = nested[name]


def validate_segment(raw: Any) -> CanonicalSegment:
    """Return the canonical request or raise InputValidationError listing every problem."""
    if not isinstance(raw, dict):
        raise InputValidationError([_problem("input", "must be a JSON object")])
    raw = dict(raw)
    problems: list[dict[str, str]] = []
    _merge_nested(raw, problems)
    for name in sorted(set(raw) - ALLOWED_FIELDS):
        problems.append(
            _problem(name, f"unknown field; allowed: {', '.join(sorted(ALLOWED_FIELDS))}")
        )

    known = population.known_values()
    age_min = _check_int(raw, "age_min", problems)
    age_max = _check_int(raw, "age_max", problems)
    if age_min is not None and age_max is not None and age_min > age_max:
        problems.append(_problem("age_min", f"{age_min} is above age_max {age_max}"))
    genders = _check_values(raw, "gender", population.normalise_gender, known["genders"], problems)
    education = _check_values(
        raw, "education_levels", population.normalise_education, known["education_levels"], problems
    )
    brackets, ranges, texts = _income(raw, problems)
    if raw.get("income_min_pln") is not None or raw.get("income_max_pln") is not None:
        if brackets or ranges:
            problems.append(
                _problem("income_brackets", "give income_brackets or income_min/max_pln, not both")
            )
        ranges = _income_from_range(raw, problems)
        low, high = raw.get("income_min_pln"), raw.get("income_max_pln")
        texts = [f"income_min_pln={low}, income_max_pln={high}"]
    if ranges:  # brackets and ranges together mean their union
        bounds = [income_ranges.bracket_bounds(b) for b in brackets]
        ranges, brackets = income_ranges.merge_ranges([*ranges, *bounds]), ()
    location = _location(raw, problems)

    industry_raw = raw.get("industry") or DEFAULT_INDUSTRY
    industry_name = (
        industry.normalise_industry(industry_raw) if isinstance(industry_raw, str) else None
    )
    if industry_name is None:
        problems.append(
            _problem(
                "industry",
                f"unknown industry {industry_raw!r}; known: {', '.join(industry.known_industries())}",
            )
        )
    for field in ("segment_id", "segment_name"):
        if raw.get(field) is not None and not isinstance(raw[field], str):
            problems.append(_problem(field, "must be a string"))

    if problems:
        raise InputValidationError(problems)
    assert age_min is not None and age_max is not None and industry_name is not None
    segment = population.Segment(
        age_min=age_min,
        age_max=age_max,
        genders=genders,
        education_levels=education,
        income_brackets=brackets,
        city=location.city,
        settlement_classes=location.settlement_classes,
        voivodeships=location.voivodeships,
        income_ranges=ranges,
    )
    mapping = population.income_mapping(segment)
    if mapping is not None:
        mapping = {"requested": texts, **mapping}
    key_doc = json.dumps({"segment": asdict(segment), "industry": industry_name}, sort_keys=True)
    return CanonicalSegment(
        segment=segment,
        industry=industry_name,
        segment_id=raw.get("segment_id"),
        segment_name=raw.get("segment_name"),
        key=hashlib.sha256(key_doc.encode()).hexdigest(),
        income_mapping=mapping,
        location_mapping=_location_mapping(raw, location),
    )
