"""Look-alike contacts (issue 17 §4): a tenant's contacts nearest to one of them by standardised
behavioural metrics, industry and company size (and, where given, an embedding of the notes),
each with the features that made it similar.

A profile holds each feature's value from ``metrics.behaviour``; a metric that is
insufficient_data is None (missing, never 0). ``similar`` standardises each feature over the
pool (z-scores of the contacts that have it; skewed hours, days and counts on a log scale) and
compares target and candidate on the features both have: the root mean square of their z-gaps,
so a candidate is neither closer nor farther for having fewer features, as long as it shares
``MIN_SHARED`` of them. A notes embedding counts as one more feature whose gap is
``NOTES_SCALE`` x (1 - cosine). Industry and size band add weighted mismatches (half the weight
when either side is unknown). Similarity is 1 / (1 + distance).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tools.crm_persona.benchmarks import TECHNOLOGY, size_band
from tools.crm_persona.metrics import MIN_EMAILS, behaviour
from tools.crm_persona.records import Contact
from tools.industry import normalise_industry

# name -> compared on a log scale (log1p): hours, days and counts are skewed, rates are not
FEATURES: dict[str, bool] = {
    "engagement": False,
    "reply_rate": False,
    "human_open_rate": False,
    "click_rate": False,
    "machine_only_share": False,
    "response_median_h": True,
    "frequency_per_30_days": True,
    "deal_cycle_days": True,
    "conversion": False,
    "meeting_share": False,
    "call_share": False,
    "calls_completed": False,
    "files_shared": True,
}
MIN_INTERACTIONS = 5  # channel shares of fewer interactions say little
MIN_SHARED = 3  # fewer shared features (when the target has more) is no basis for likeness
INDUSTRY_WEIGHT = 0.3  # in the units of the z-gap root mean square
SIZE_WEIGHT = 0.2
NOTES_SCALE = 2.0
EXPLAINED = 4  # features named per neighbour


@dataclass(frozen=True)
class Profile:
    """What a contact is compared on: raw feature values (None: missing), industry, size band."""

    contact_id: str
    features: dict[str, float | None]
    industry: str | None
    size_band: str | None


def features_of(metrics: Mapping[str, Any]) -> dict[str, float | None]:
    """The look-alike features of one contact's ``behaviour()`` output (None: missing)."""
    email = metrics["email"]
    interactions = metrics["interactions"]
    content = metrics["content"]
    deals = metrics["decisions"]
    times = metrics["response_time"]["contact"]
    often = metrics["frequency"]
    tracked = email["tracked_emails"]
    enough = interactions >= MIN_INTERACTIONS
    return {
        "engagement": email["engagement"]["value"],
        "reply_rate": email["reply_rate"]["value"],
        "human_open_rate": email["human_open_rate"]["value"],
        "click_rate": email["click_rate"]["value"],
        "machine_only_share": email["machine_only_opens"] / tracked
        if tracked >= MIN_EMAILS
        else None,
        "response_median_h": times["median_h"] if times["status"] == "ok" else None,
        "frequency_per_30_days": often["per_30_days"] if often["status"] == "ok" else None,
        "deal_cycle_days": deals["cycle_days_median"],
        "conversion": deals["conversion"]["value"],
        "meeting_share": content["meetings"] / interactions if enough else None,
        "call_share": content["calls_completed"]["n"] / interactions if enough else None,
        "calls_completed": content["calls_completed"]["value"],
        "files_shared": float(content["files_shared"]),
    }


def profile_of(contact: Contact, metrics: Mapping[str, Any] | None = None) -> Profile:
    """The contact's profile; ``metrics`` is its ``behaviour()`` when already computed."""
    found = features_of(behaviour(contact) if metrics is None else metrics)
    band = size_band(contact.company_size)
    return Profile(contact.id, found, _industry(contact.industry), None if band == "any" else band)


def profiles_of(contacts: Iterable[Contact]) -> list[Profile]:
    """A profile of each contact, in order."""
    return [profile_of(c) for c in contacts]


def similar(
    target_id: str,
    profiles: Sequence[Profile],
    *,
    k: int = 5,
    note_vectors: Mapping[str, Sequence[float]] | None = None,
) -> list[dict[str, Any]]:
    """The ``k`` contacts of the pool most like ``target_id``, most similar first.

    ``profiles`` is the pool (the tenant's contacts, the target among them): the z-scores are
    its own. Each neighbour: {"contact_id", "similarity" (0-1), "features": the closest shared
    features, at most 4, each {"name", "target", "neighbour", "z_gap" (neighbour minus target, in
    standard deviations)}, "same_industry", "same_size_band" (None: unknown),
    "notes_similarity" (cosine, or None)}. A target without features has no look-alikes."""
    ids = [p.contact_id for p in profiles]
    if len(set(ids)) != len(ids):
        raise ValueError("the pool lists a contact twice")
    if target_id not in ids:
        raise KeyError(f"contact {target_id!r} is not in the pool")
    names = list(FEATURES)
    z = _standardised(profiles, names)
    t = ids.index(target_id)
    shared = ~np.isnan(z) & ~np.isnan(z[t])
    gaps = np.where(shared, z - z[t], 0.0)
    counts = shared.sum(axis=1).astype(float)
    squares = (gaps**2).sum(axis=1)
    notes = _cosines(target_id, ids, note_vectors or {})
    has_notes = ~np.isnan(notes)
    squares += np.where(has_notes, (NOTES_SCALE * (1 - notes)) ** 2, 0.0)
    counts += has_notes
    needed = min(MIN_SHARED, int(shared[t].sum()))
    found = []
    for i, profile in enumerate(profiles):
        if i == t or needed == 0 or shared[i].sum() < needed:
            continue
        industry = _same(profiles[t].industry, profile.industry)
        band = _same(profiles[t].size_band, profile.size_band)
        distance = math.sqrt(squares[i] / counts[i]) + _mismatch(industry, INDUSTRY_WEIGHT)
        distance += _mismatch(band, SIZE_WEIGHT)
        closest = sorted(np.flatnonzero(shared[i]), key=lambda j: (abs(gaps[i, j]), names[j]))
        found.append({
            "contact_id": profile.contact_id,
            "similarity": 1 / (1 + distance),
            "features": [
                {"name": names[j], "target": _rounded(profiles[t].features[names[j]]),
                 "neighbour": _rounded(profile.features[names[j]]),
                 "z_gap": round(float(gaps[i, j]), 3)}
                for j in closest[:EXPLAINED]
            ],
            "same_industry": industry,
            "same_size_band": band,
            "notes_similarity": None if not has_notes[i] else round(float(notes[i]), 4),
        })  # fmt: skip
    found.sort(key=lambda n: (-n["similarity"], n["contact_id"]))
    return [n | {"similarity": round(n["similarity"], 4)} for n in found[: max(k, 0)]]


def _industry(raw: str | None) -> str | None:
    key = (raw or "").strip().casefold()
    if not key:
        return None
    return "technology" if key in TECHNOLOGY else normalise_industry(raw) or key


def _standardised(profiles: Sequence[Profile], names: list[str]) -> np.ndarray:
    """z-scores over the contacts that have each feature; NaN where missing, and a whole NaN
    column for a feature with fewer than two values or no spread (it tells nobody apart)."""
    raw = np.array(
        [[np.nan if (v := p.features.get(n)) is None else v for n in names] for p in profiles],
        dtype=float,
    ).reshape(len(profiles), len(names))
    logs = np.array([FEATURES[n] for n in names])
    raw[:, logs] = np.log1p(np.clip(raw[:, logs], 0, None))
    z = np.full_like(raw, np.nan)
    for j in range(len(names)):
        present = ~np.isnan(raw[:, j])
        if present.sum() < 2:
            continue
        spread = raw[present, j].std()
        if spread > 1e-9:
            z[present, j] = (raw[present, j] - raw[present, j].mean()) / spread
    return z


def _cosines(target_id: str, ids: list[str], vectors: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Cosine of each contact's notes vector with the target's; NaN where either is absent."""
    found = np.full(len(ids), np.nan)
    target = _unit(vectors.get(target_id))
    if target is None:
        return found
    for i, cid in enumerate(ids):
        other = _unit(vectors.get(cid))
        if other is not None and other.shape == target.shape:
            found[i] = float(np.clip(target @ other, -1.0, 1.0))
    return found


def _unit(vector: Sequence[float] | None) -> np.ndarray | None:
    if vector is None:
        return None
    found = np.asarray(vector, dtype=float)
    norm = float(np.linalg.norm(found))
    return found / norm if norm > 0 else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _same(a: str | None, b: str | None) -> bool | None:
    return None if a is None or b is None else a == b


def _mismatch(same: bool | None, weight: float) -> float:
    return 0.0 if same else weight / 2 if same is None else weight
