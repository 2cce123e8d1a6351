"""A synthetic CRM for tests, evals and demos (issue 17): Polish companies and people whose
histories follow planted behavioural archetypes (``synthetic_history.ARCHETYPES``).

Seeded: the same arguments give the same contacts. Companies draw their industry from the
deal-cycle benchmarks and their size from three bands; several contacts may share a company.
Vocabulary: ``data/crm_persona/synthetic_pl.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from sight.errors import InputValidationError
from tools.crm_persona.records import Contact
from tools.crm_persona.synthetic_history import ARCHETYPES, history, office, pick, vocabulary
from tools.persona.names import suggest_names
from tools.polish_text import fold
from tools.population import FEMALE, MALE

MAX_CONTACTS = 10_000  # the import's limit
COMPANIES_PER_CONTACT = 0.75  # some companies have several contacts
# band: (share of companies, fewest employees, most employees)
SIZE_BANDS = {"1-50": (0.45, 3, 50), "51-200": (0.35, 51, 200), "200+": (0.20, 201, 20_000)}


class SyntheticContact(NamedTuple):
    """A generated contact and the archetype planted in its history (the eval's ground truth)."""

    contact: Contact
    archetype: str


@dataclass(frozen=True)
class _Company:
    name: str
    domain: str
    industry: str
    size: int


def generate(
    n_contacts: int,
    *,
    seed: int,
    now: datetime,
    archetypes: dict[str, float] | None = None,
) -> list[SyntheticContact]:
    """Generate ``n_contacts`` contacts whose histories end before ``now``.

    ``archetypes`` maps names in ``ARCHETYPES`` to relative shares (default: equal shares);
    counts are the shares rounded by largest remainder, in shuffled order. Contact ids are
    ``syn-0001``, ``syn-0002``...; each e-mail and deal id starts with its contact's."""
    shares = _shares(n_contacts, archetypes)
    now = _utc(now)
    rng = np.random.default_rng(seed)
    labels = _allocate(n_contacts, shares)
    labels = [labels[i] for i in rng.permutation(n_contacts)]
    companies = _companies(rng, max(1, round(n_contacts * COMPANIES_PER_CONTACT)))
    found = []
    for i, label in enumerate(labels):
        company = companies[int(rng.integers(len(companies)))]
        fields = _person(rng, f"syn-{i + 1:04d}", company)
        events = history(rng, label, fields["id"], company.industry, company.size, now)
        found.append(SyntheticContact(Contact.model_validate(fields | events), label))
    return found


def thin_contact(
    interactions: int = 0,
    *,
    seed: int,
    now: datetime,
    open_deal: bool = False,
    contact_id: str = "thin-0001",
) -> Contact:
    """Generate a contact with every field filled but only 0-3 interactions.

    They come in this order: a tracked e-mail a person opened, an answered call, a comment;
    ``open_deal`` adds one open deal. Too thin for a persona built from history."""
    if not 0 <= interactions <= 3:
        raise ValueError(f"a thin contact has 0-3 interactions (got {interactions})")
    rng = np.random.default_rng(seed)
    now = _utc(now)
    fields = _person(rng, contact_id, _companies(rng, 1)[0])
    sent = office(rng, now - timedelta(days=30), now)
    events: dict[str, list[dict[str, Any]]] = {
        "emails": [{"id": f"{contact_id}-o1", "sent_at": sent, "direction": "outbound",
                    "opens": [{"at": sent + timedelta(hours=2)}], "clicks": []}],
        "activities": [{"type": "call", "at": office(rng, now - timedelta(days=20), now),
                        "direction": "outbound", "duration_min": 6.0, "outcome": "rozmowa"}],
        "comments": [{"at": office(rng, now - timedelta(days=10), now),
                      "text": vocabulary()["comments"]["any"][0]}],
    }  # fmt: skip
    kept = {name: events[name] if i < interactions else [] for i, name in enumerate(events)}
    if open_deal:
        created = office(rng, now - timedelta(days=15), now)
        kept["deals"] = [{"id": f"{contact_id}-d1", "stage": "kwalifikacja", "created_at": created}]
    return Contact.model_validate(fields | kept)


def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _shares(n_contacts: int, archetypes: dict[str, float] | None) -> dict[str, float]:
    shares = dict.fromkeys(ARCHETYPES, 1.0) if archetypes is None else archetypes
    problems = [
        {
            "field": f"archetypes.{name}",
            "message": f"unknown archetype; use one of {list(ARCHETYPES)}",
        }
        for name in shares
        if name not in ARCHETYPES
    ]
    if any(not math.isfinite(w) or w < 0 for w in shares.values()) or sum(shares.values()) <= 0:
        problems.append({"field": "archetypes", "message": "give shares >= 0, not all zero"})
    if not 0 <= n_contacts <= MAX_CONTACTS:
        problems.append({"field": "n_contacts", "message": f"give 0 to {MAX_CONTACTS} contacts"})
    if problems:
        raise InputValidationError(problems)
    return shares


def _allocate(n: int, shares: dict[str, float]) -> list[str]:
    """Labels in the given proportions, rounded by largest remainder (ties: the order given)."""
    total = sum(shares.values())
    quotas = {name: n * w / total for name, w in shares.items()}
    counts = {name: math.floor(q) for name, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda name: counts[name] - quotas[name])
    for name in by_remainder[: n - sum(counts.values())]:
        counts[name] += 1
    return [name for name, count in counts.items() for _ in range(count)]


def _companies(rng: np.random.Generator, n: int) -> list[_Company]:
    """Companies with unique brands ("Polsoft", "Gryfmed Klinika") and a legal form."""
    words = vocabulary()["company_words"]
    forms = vocabulary()["legal_forms"]
    industries = sorted(words)
    bands = list(SIZE_BANDS)
    taken: set[str] = set()
    found = []
    for _ in range(n):
        industry = pick(rng, industries)
        for _attempt in range(20):  # unique brands while the vocabulary lasts
            brand = pick(rng, vocabulary()["company_stems"]) + pick(rng, words[industry])
            if fold(brand) not in taken:
                break
        else:
            brand = f"{brand}{len(taken) + 1}"
        taken.add(fold(brand))
        band = bands[int(rng.choice(len(bands), p=[SIZE_BANDS[b][0] for b in bands]))]
        _, low, high = SIZE_BANDS[band]
        size = int(rng.integers(low, high + 1))
        if band == "200+":  # a long tail: most large companies have hundreds, a few thousands
            size = int(min(high, low + round(rng.lognormal(math.log(400), 0.9))))
        label = pick(rng, vocabulary()["company_labels"][industry])
        full = brand if rng.random() < 0.6 else f"{brand} {label}"
        form = str(rng.choice(list(forms), p=list(forms.values())))
        if size > 200 and rng.random() < 0.5:
            form = "S.A."  # large companies are often joint-stock ones
        domain = "".join(c for c in fold(brand) if c.isalnum()) + ".pl"
        found.append(_Company(f"{full} {form}", domain, industry, size))
    return found


def _person(rng: np.random.Generator, contact_id: str, company: _Company) -> dict[str, Any]:
    gender = FEMALE if rng.random() < 0.5 else MALE
    birth_year = int(rng.integers(1960, 2000))
    first, last = (names[0] for names in suggest_names(gender, birth_year, rng, 1))
    role = pick(rng, vocabulary()["roles"])[0 if gender == MALE else 1]
    local = "".join(c for c in f"{fold(first)}.{fold(last)}" if c.isalnum() or c in ".-")
    digits = f"{pick(rng, [5, 6, 7, 8])}{int(rng.integers(0, 100_000_000)):08d}"
    return {
        "id": contact_id,
        "name": f"{first} {last}",
        "role": role,
        "company": company.name,
        "company_size": company.size,
        "industry": company.industry,
        "email": f"{local}@{company.domain}",
        "phone": f"+48 {digits[:3]} {digits[3:6]} {digits[6:]}",
    }
