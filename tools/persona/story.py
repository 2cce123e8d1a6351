"""The template writer: a persona's Polish background story, values and interests, no model.

It is the floor every provider stands on. The story is built from the sampled profile (age,
sex, education, income, place, occupation, Big Five, Hofstede, Schwartz values) with several
sentence patterns per element (tools/persona/story_phrases.py), the right grammatical gender
and declined place names ("w Kielcach", "z Radomia"). The patterns, the order of the middle
sentences and the interests are drawn with the slot's own seed, so two personas of one
segment do not read alike and the same slot always reads the same.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tools import polish_places, regions
from tools.persona import story_phrases as phrases
from tools.persona.narrative import SCHWARTZ_VALUES
from tools.persona.occupations import match_occupations
from tools.persona.places import place_of
from tools.persona.psychographics import HOFSTEDE_POLAND, HOFSTEDE_SD, INTEREST_HINTS
from tools.persona.sampling import OTHER_PLACE
from tools.population import FEMALE, MALE

_MARKER = re.compile(r"\{(ł|y|i|niego|nia|go|mu|jego|jego_cap)\}")
_FORMS = {
    "ł": ("ł", "ła"),
    "y": ("y", "a"),
    "i": ("i", "a"),
    "niego": ("niego", "niej"),
    "nia": ("niego", "nią"),
    "go": ("go", "ją"),
    "mu": ("mu", "jej"),
    "jego": ("jego", "jej"),
    "jego_cap": ("Jego", "Jej"),
}
TRAIT_MARGIN = 0.12  # how far from 0.5 a Big Five score must be to be worth a sentence
MIDDLE_SENTENCES = (3, 4)
INTEREST_COUNT = (3, 5)


def years_word(n: int) -> str:
    """Polish "lat"/"lata"/"rok" for an age of ``n`` years (22 lata, 25 lat, 1 rok)."""
    if n == 1:
        return "rok"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "lata"
    return "lat"


def gendered(pattern: str, gender: str) -> str | None:
    """Fill the gender markers; None for a gendered pattern and a non-binary person."""
    if gender not in (FEMALE, MALE):
        return None if _MARKER.search(pattern) else pattern
    form = 1 if gender == FEMALE else 0
    return _MARKER.sub(lambda m: _FORMS[m.group(1)][form], pattern)


def _pick(rng: np.random.Generator, patterns: tuple[str, ...], gender: str) -> str | None:
    usable = [p for p in patterns if gendered(p, gender) is not None]
    if not usable:
        return None
    return gendered(usable[int(rng.integers(len(usable)))], gender)


def place_phrases(location: str) -> dict[str, Any]:
    """How a sentence names the place: ``loc`` ("w Kielcach"), ``from_place`` or None, kind."""
    if location == OTHER_PLACE:
        return {"loc": "w niewielkiej miejscowości", "from_place": None, "kind": "town"}
    place = place_of(location)
    name = location.split(",")[0].removeprefix("wieś ").strip()
    cases = polish_places.cases(name)
    kind = "town"
    if (place is not None and place.settlement_class == regions.VILLAGE) or location.startswith(
        "wieś "
    ):
        kind = "village"  # a village the tables do not list still says it is one
    elif place is None or place.settlement_class in regions.BIG_CITY_CLASSES:
        kind = "big_city"
    if cases.locative:
        loc = f"{polish_places.in_place(cases.locative)} {cases.locative}"
    else:
        loc = {"village": "we wsi", "town": "w mieście"}.get(kind, "w mieście") + f" {name}"
    if place is not None and kind != "big_city":
        loc += f" w województwie {place.voivodeship.removesuffix('ie')}im"
    from_place = None
    if cases.genitive:
        from_place = f"{polish_places.from_place(cases.genitive)} {cases.genitive}"
    return {"loc": loc, "from_place": from_place, "kind": kind}


def _work(occupation: str, rng: np.random.Generator, gender: str) -> str:
    matched = match_occupations(occupation)
    status = phrases.STATUS.get(matched[0].masculine) if matched else None
    if status:
        return status[int(rng.integers(len(status)))]
    sentence = _pick(rng, phrases.WORK, gender) or phrases.WORK[0]
    return sentence.format(occupation=occupation)


def _traits(big_five: dict[str, float], rng: np.random.Generator, gender: str) -> list[str]:
    marked = sorted(big_five, key=lambda t: -abs(big_five[t] - 0.5))
    found = []
    for trait in marked[:2]:
        if abs(big_five[trait] - 0.5) < TRAIT_MARGIN and found:
            break
        sentence = _pick(rng, phrases.TRAITS[(trait, big_five[trait] >= 0.5)], gender)
        if sentence:
            found.append(sentence)
    return found


def _accusative(keyword: str) -> str:
    if keyword in phrases.ACCUSATIVE:
        return phrases.ACCUSATIVE[keyword]
    first, _, rest = keyword.partition(" ")
    if first.endswith("a"):
        first = first[:-1] + "ę"
    return f"{first} {rest}".strip()


def _values_sentences(top: list[str], rng: np.random.Generator, gender: str) -> list[str]:
    value = SCHWARTZ_VALUES[top[0]]
    keyword = value.keywords[int(rng.integers(len(value.keywords)))]
    lead = _pick(rng, phrases.VALUE_LEAD, gender) or phrases.VALUE_LEAD[1]
    short = _accusative(value.keywords[0])
    sentences = [
        lead.format(gloss=value.gloss, gloss_short=short, keyword_acc=_accusative(keyword))
    ]
    second = top[1] if len(top) > 1 else top[0]
    life = _pick(rng, phrases.VALUE_LIFE[second], gender)
    if life:
        sentences.append(life)
    return sentences


def _hofstede(scores: dict[str, float], rng: np.random.Generator, gender: str) -> str | None:
    def distance(dim: str) -> float:
        return abs(scores[dim] - HOFSTEDE_POLAND[dim]) / HOFSTEDE_SD

    ranked = sorted((d for d in scores if d in HOFSTEDE_POLAND), key=lambda d: -distance(d))
    for dim in ranked:
        patterns = phrases.HOFSTEDE.get((dim, scores[dim] >= HOFSTEDE_POLAND[dim]))
        if patterns:
            return _pick(rng, patterns, gender)
    return None


def profile_phrases(slot: dict[str, Any]) -> dict[str, str]:
    """The profile in Polish words for a model's prompt: personality, money and decisions.

    Small models copy raw scores ("openness 0.43") into the story; sentences they may reuse.
    """
    rng = np.random.default_rng(slot["text_seed"] + 1)
    gender = slot["demographics"]["gender"]
    personality = " ".join(_traits(slot["big_five"], rng, gender))
    decisions = _hofstede(slot["hofstede"], rng, gender) or ""
    values = _values_sentences(slot["top_values"], rng, gender)[-1]
    return {"personality": personality, "decisions": decisions, "values": values}


def narrative_values(top: list[str], rng: np.random.Generator) -> list[str]:
    """3-4 values: a keyword of each top Schwartz value (sometimes two of the first).

    Keywords sharing a word with one already chosen ("zdrowie", "zdrowie rodziny") are
    skipped, so the items never repeat each other.
    """
    keys = [*top, top[0]] if rng.random() < 0.5 else list(top)
    chosen: list[str] = []
    for key in keys:
        used = {w for c in chosen for w in c.split()}
        options = [k for k in SCHWARTZ_VALUES[key].keywords if not used & set(k.split())]
        if options:
            chosen.append(options[int(rng.integers(len(options)))])
    return chosen


def narrative_interests(slot: dict[str, Any], kind: str, rng: np.random.Generator) -> list[str]:
    """3-5 interests from the person's traits, values, place and age."""
    big_five, age = slot["big_five"], slot["demographics"]["age"]
    keys = [t for t in sorted(big_five, key=lambda t: -big_five[t])[:2] if big_five[t] >= 0.5]
    pools = [INTEREST_HINTS[k] for k in [*keys, *slot["top_values"][:2]] if k in INTEREST_HINTS]
    pools.append(phrases.PLACE_INTERESTS[kind])
    pools.append(next(p for lo, hi, p in phrases.AGE_INTERESTS if lo <= age < hi))
    want = int(rng.integers(INTEREST_COUNT[0], INTEREST_COUNT[1] + 1))
    found: list[str] = []
    for pool in (pools[i] for i in rng.permutation(len(pools))):
        used = {w for f in found for w in f.split() if len(w) > 2}
        options = [p for p in pool if not used & set(p.split())]
        if options and len(found) < want:
            found.append(options[int(rng.integers(len(options)))])
    return found


def _join(items: list[str]) -> str:
    """ "a, b i c"; "a, b oraz c i d" when an item has an "i" of its own."""
    if len(items) == 1:
        return items[0]
    last = " oraz " if any(" i " in item for item in items) else " i "
    return ", ".join(items[:-1]) + last + items[-1]


def write_narrative(slot: dict[str, Any], identity: dict[str, Any], seed: int) -> dict[str, Any]:
    """The persona's narrative (the model's schema, field for field) from templates alone."""
    rng = np.random.default_rng(seed)
    demo = slot["demographics"]
    gender, age = demo["gender"], demo["age"]
    where = place_phrases(demo["location"])
    fields = {
        "name": identity["first_name"],
        "surname": identity["last_name"],
        "age": age,
        "years": years_word(age),
        "birth_year": demo["birth_year"],
        **where,
    }
    intros = phrases.INTRO + (phrases.INTRO_FROM if where["from_place"] else ())
    intro = (_pick(rng, intros, gender) or phrases.INTRO[1]).format(**fields)
    education = _pick(rng, phrases.EDUCATION[demo["education"]], gender)
    head = [intro, _work(identity["occupation"], rng, gender), education or ""]
    middle = [
        _pick(rng, phrases.INCOME[demo["income_bracket"]], gender),
        *_traits(slot["big_five"], rng, gender),
        *_values_sentences(slot["top_values"], rng, gender),
        _hofstede(slot["hofstede"], rng, gender),
        _pick(rng, phrases.PLACE[where["kind"]], gender),
    ]
    middle = [s for s in middle if s]
    keep = int(rng.integers(MIDDLE_SENTENCES[0], MIDDLE_SENTENCES[1] + 1))
    picked = sorted(rng.choice(len(middle), size=min(keep, len(middle)), replace=False))
    order = rng.permutation(len(picked))
    interests = narrative_interests(slot, where["kind"], rng)
    tail = _pick(rng, phrases.INTERESTS, gender) or phrases.INTERESTS[0]
    story = [
        *(s for s in head if s),
        *(middle[picked[i]] for i in order),
        tail.format(interests=_join(interests[:3])),
    ]
    return {
        "first_name": identity["first_name"],
        "last_name": identity["last_name"],
        "occupation": identity["occupation"],
        "background_story": " ".join(story),
        "values": narrative_values(slot["top_values"], rng),
        "interests": interests,
    }
