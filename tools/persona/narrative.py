"""Check a persona's narrative (names, occupation, story, values) against its profile.

A model writing a background story slips in ways a reader notices at once: a woman's story
in masculine verb forms ("pracowałem"), an age or birth year that disagrees with the profile,
a life spent in a city that is not the persona's. Each check reports an :class:`Issue`; the
score subtracts their penalties. Checks lean towards missing a slip rather than inventing one:
a penalty a user cannot see in the text is worse than a lower-quality persona passing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import simplemma

from tools.persona.issues import Issue, issue
from tools.persona.names import first_name_sex, name_issues
from tools.persona.occupations import match_occupations, occupation_issues
from tools.persona.places import cities_in
from tools.polish_text import fold, term_of, tokens
from tools.population import FEMALE, MALE, NATIONAL, normalise_city
from tools.text_checks import (
    TextProblem,
    echo_problems,
    item_problems,
    placeholder_problems,
    text_problems,
)

MIN_STORY_CHARS = 150
MIN_ITEMS = 3
AGE_TOLERANCE = 1


@dataclass(frozen=True)
class SchwartzValue:
    """One of Schwartz's ten basic values, in Polish: its name, a gloss and words naming it."""

    label: str
    gloss: str
    keywords: tuple[str, ...]


def _value(label: str, gloss: str, keywords: str) -> SchwartzValue:
    return SchwartzValue(label, gloss, tuple(k.strip() for k in keywords.split(",")))


SCHWARTZ_VALUES: dict[str, SchwartzValue] = {
    "self_direction": _value(
        "kierowanie sobą",
        "niezależność myślenia i działania",
        "niezależność, samodzielność, wolność, kreatywność, twórczość, ciekawość świata, "
        "własne decyzje, autonomia, rozwój osobisty",
    ),
    "stimulation": _value(
        "stymulacja",
        "nowość, wyzwania i przygoda",
        "przygoda, nowe doświadczenia, podróże, wyzwania, adrenalina, zmiany, ekscytacja, "
        "różnorodność, spontaniczność, sporty ekstremalne",
    ),
    "hedonism": _value(
        "hedonizm",
        "przyjemność i radość z życia",
        "przyjemność, radość życia, zabawa, dobre jedzenie, odpoczynek, relaks, komfort, "
        "wygoda, czerpanie z życia",
    ),
    "achievement": _value(
        "osiągnięcia",
        "sukces dzięki własnym kompetencjom",
        "sukces, kariera, osiągnięcia, ambicja, rozwój zawodowy, kompetencje, awans, uznanie, "
        "profesjonalizm, skuteczność",
    ),
    "power": _value(
        "władza",
        "pozycja społeczna, wpływ i zasoby",
        "władza, wpływ, pozycja, status, prestiż, pieniądze, majątek, bogactwo, kontrola, "
        "autorytet",
    ),
    "security": _value(
        "bezpieczeństwo",
        "stabilność, porządek i zdrowie bliskich",
        "bezpieczeństwo, stabilność, porządek, zdrowie, oszczędności, przewidywalność, spokój, "
        "stała praca, własny dom, zdrowie rodziny",
    ),
    "conformity": _value(
        "przystosowanie",
        "powściągliwość i przestrzeganie norm",
        "posłuszeństwo, dyscyplina, obowiązkowość, grzeczność, zasady, przestrzeganie prawa, "
        "samodyscyplina, uprzejmość, szacunek dla starszych",
    ),
    "tradition": _value(
        "tradycja",
        "szacunek dla zwyczajów, religii i kultury",
        "tradycja, wiara, religia, zwyczaje, pokora, patriotyzm, kościół, "
        "wartości chrześcijańskie, ojczyzna, szacunek dla przodków",
    ),
    "benevolence": _value(
        "życzliwość",
        "troska o dobro bliskich",
        "rodzina, przyjaźń, lojalność, pomaganie, uczciwość, życzliwość, troska o bliskich, "
        "odpowiedzialność, przebaczanie, wierność",
    ),
    "universalism": _value(
        "uniwersalizm",
        "tolerancja i troska o ludzi i przyrodę",
        "sprawiedliwość, równość, tolerancja, ekologia, ochrona środowiska, natura, pokój, "
        "prawa człowieka, otwartość, solidarność",
    ),
}

# Past-tense verb endings carry the subject's gender: -łam/-łem (I), -ła/-ł (she/he).
_PAST_FORMS = (
    (re.compile(r"ł(?:am|abym|aś)$"), (FEMALE, 1)),
    (re.compile(r"ł(?:em|bym|eś)$"), (MALE, 1)),
    (re.compile(r"ła(?:by)?$"), (FEMALE, 3)),
    (re.compile(r"ł(?:by)?$"), (MALE, 3)),
)
# Words with a verb-like ending that are not gendered past forms. The lemma check below
# already rejects nouns and adjectives; this list guards the lemmatiser's misses.
_NOT_PAST_VERBS = frozenset(
    """szkoła siła skała pszczoła wisła mgła igła chwała stała biała mała cała dojrzała
    wspaniała doskonała trwała przyszła stół stołem kościół kościołem anioł aniołem koło
    kołem zespołem pomysłem przemysłem materiałem działem udziałem wydziałem kapitałem
    celem szkłem masłem krzesłem światłem źródłem michałem pawłem rafałem działa
    oddziała zadziała""".split()
)
_WORD = re.compile(r"[^\W\d_]+")
# (what the number is, pattern): a stated age or a birth year.
_AGE_CLAIMS = (
    ("age", re.compile(r"\b(?:ma|mam)\s+(\d{1,3})\s+(?:lat|lata|rok)\b(?!\s+temu)")),
    # Only the nominative: "34-letnia księgowa" describes the subject, "34-letniego" rarely.
    ("age", re.compile(r"\b(\d{1,3})\s*-?\s*(?:letni|letnia|latek|latka)\b")),
    ("age", re.compile(r"(?<!od )(?<!przez )\blat\s+(\d{1,3})\b")),
    ("birth", re.compile(r"\burodzi[łl]\w*\s+(?:się\s+)?(?:w\s+)?(?:roku\s+)?(\d{4})\b")),
    ("birth", re.compile(r"\b(?:rocznik|ur\.)\s*(?:w\s+)?(\d{4})\b")),
)
# Folded prefixes of people and things whose age a story may give besides the persona's.
_OTHER_SUBJECTS = tuple(
    """syn cork coreczk dzieck dzieci maz meza mezem zon partner brat siostr mama mamy matk
    tata taty ojciec ojca ojcem ojcu babci babcia dziad wnuk wnucz tesc szef koleg kolezank
    przyjaciel przyjaciol sasiad narzeczon chlopak dziewczyn pies psa kot firm samoch auto
    staz doswiadcz kredyt zwiaz malzenst mieszkan dom""".split()
)
_CALLED = re.compile(
    r"\b(?:[Nn]azywam się|[Mm]am na imię|[Nn]azywa się|[Mm]a na imię)\s+([A-ZĄĆĘŁŃÓŚŹŻ]\w*)"
)


def value_phrases(keys: Iterable[str]) -> list[str]:
    """Return the Polish names (with a short gloss) of Schwartz values, for prompts."""
    return [f"{SCHWARTZ_VALUES[k].label} ({SCHWARTZ_VALUES[k].gloss})" for k in keys]


def _word_key(word: str) -> str:
    """A folded prefix that joins a word's inflected and derived forms ("zdrowie", "zdrowy")."""
    key = fold(word).rstrip("aeiouy")
    return (key if len(key) >= 3 else fold(word))[:6]


def _expresses(text: str, keyword: str) -> bool:
    """Whether ``text`` contains every content word of ``keyword`` in some form."""
    forms = [(fold(t), term_of(t)) for t in tokens(text)]
    return all(
        any(f.startswith(k) or lemma.startswith(k) for f, lemma in forms)
        for k in (_word_key(w) for w in tokens(keyword))
    )


def _past_form(word: str) -> tuple[str, int] | None:
    """(gender, person) of a lower-cased gendered past-tense verb form, None for other words."""
    form = next((f for pattern, f in _PAST_FORMS if pattern.search(word)), None)
    if form is None or word in _NOT_PAST_VERBS:
        return None
    lemma = simplemma.lemmatize(word, lang="pl")
    return form if lemma != word and lemma.endswith(("ć", "c")) else None


def _gender_issues(story: str, gender: str) -> list[Issue]:
    if gender not in (FEMALE, MALE):
        return []
    other = MALE if gender == FEMALE else FEMALE
    forms = []
    for m in _WORD.finditer(story):
        form = _past_form(m.group().lower())
        # "Mąż pracował w kopalni": a third-person verb may belong to someone else.
        if form and (form[1] == 1 or not _about_someone_else(story, m.start(), m.end(), None)):
            forms.append((m.group(), form))
    # Only the narrator speaks in the first person, so first-person forms decide when present.
    person = 1 if any(p == 1 for _, (_, p) in forms) else 3
    counted = [(w, g) for w, (g, p) in forms if p == person]
    wrong = [w for w, g in counted if g == other]
    if not wrong or len(wrong) <= len(counted) - len(wrong):
        return []
    who = "a woman" if gender == FEMALE else "a man"
    said = ", ".join(f"'{w}'" for w in wrong[:2])
    return [issue("story_gender_mismatch", f"the story uses {said} but the persona is {who}.")]


def _about_someone_else(text: str, start: int, end: int, window: int | None = 4) -> bool:
    """Whether words around ``text[start:end]`` name another subject ("jej syn ma 5 lat").

    Looks at the last ``window`` words of the sentence before (all of them if None) and at
    the word right after ("10-letni syn", "20-letni staż", "zmarł ojciec").
    """
    before = _WORD.findall(re.split(r"[.!?;\n]", text[:start])[-1])
    after = _WORD.findall(text[end:])[:1]
    return any(
        fold(w).startswith(_OTHER_SUBJECTS)
        for w in (*before[-(window or len(before) or 1) :], *after)
    )


def _age_issues(story: str, age: int | None, birth_year: int | None) -> list[Issue]:
    text = story.lower()
    for kind, pattern in _AGE_CLAIMS:
        expected = age if kind == "age" else birth_year
        if expected is None:
            continue
        for m in pattern.finditer(text):
            if abs(int(m.group(1)) - expected) <= AGE_TOLERANCE:
                continue
            if _about_someone_else(text, m.start(), m.end()):
                continue
            truth = f"is {age}" if kind == "age" else f"was born in {birth_year}"
            message = f"the story says '{m.group(0)}' but the persona {truth}."
            return [issue("story_age_mismatch", message)]
    return []


def _location_issues(story: str, location: str | None) -> list[Issue]:
    home = normalise_city(location) if location else None
    if home in (None, NATIONAL):
        return []
    named = cities_in(story)
    if not named or home in named:
        return []
    message = f"the story mentions {', '.join(sorted(named))} but the persona lives in {home}."
    return [issue("story_location_mismatch", message)]


def _values_issues(values: list[str], top_values: list[str]) -> list[Issue]:
    keywords = [k for v in top_values if v in SCHWARTZ_VALUES for k in SCHWARTZ_VALUES[v].keywords]
    if not values or not keywords:
        return []
    if any(_expresses(v, k) for v in values for k in keywords):
        return []
    names = ", ".join(SCHWARTZ_VALUES[k].label for k in top_values if k in SCHWARTZ_VALUES)
    message = f"none of the values ({', '.join(values)}) expresses the top values ({names})."
    return [issue("values_misaligned", message)]


def _distinct(items: Iterable[str]) -> int:
    return len({i.strip().lower() for i in items if i and i.strip()})


def _name_story_issues(story: str, first_name: str, last_name: str) -> list[Issue]:
    given = first_name.split()[0] if first_name.split() else ""
    for m in _CALLED.finditer(story):
        if _about_someone_else(story, m.start(), m.start()):
            continue
        if given and fold(m.group(1)) != fold(given):
            message = f"the story says '{m.group(0)}' but the persona is {first_name}."
            return [issue("story_name_mismatch", message)]
    if not given or not last_name:
        return []
    surname = fold(last_name.split()[0])
    stem = surname[: max(3, len(surname) - 3)]
    for m in re.finditer(rf"\b{re.escape(given)}[ \t]+([A-ZĄĆĘŁŃÓŚŹŻ]\w+)", story):
        after = m.group(1)
        if not fold(after).startswith(stem) and first_name_sex(after) is None:
            message = f"the story calls the persona '{m.group(0)}' but the surname is {last_name}."
            return [issue("story_name_mismatch", message)]
    return []


_JOB_CUE = re.compile(r"\b(?:pracuj\w*|pracowal\w*|zatrudnion\w*|z zawodu|zawodowo)\b\W+")
JOB_WINDOW = 40  # characters after a cue ("pracuje jako ...") where the job is named


def _story_occupation_issues(story: str, occupation: str, age: int, education: str) -> list[Issue]:
    """The story says the persona works as something else, which their profile rules out.

    Only a job named right after "pracuje (jako)", "z zawodu" and the like counts, so other
    people's jobs and passing mentions ("jeździ do lekarzy") do not; a job the profile allows
    (a side job) is not flagged either.
    """
    own = {o.masculine for o in match_occupations(occupation)}
    folded = fold(story)
    for cue in _JOB_CUE.finditer(folded):
        named = match_occupations(folded[cue.end() : cue.end() + JOB_WINDOW])
        if not named or named[0].masculine in own:
            continue
        if occupation_issues(named[0].masculine, age, education, ""):
            message = (
                f"the story says the persona works as {named[0].masculine!r}, not {occupation!r}."
            )
            return [issue("story_occupation_mismatch", message)]
    return []


_SECOND_PERSON = re.compile(r"\b\w+(?:esz|isz|ysz|asz)\b|\bjeste[mś]\b", re.IGNORECASE)
MAX_OTHER_PERSON_FORMS = 1


def _person_issues(story: str) -> list[Issue]:
    """A third-person story that talks to the reader ("możesz", "masz") or as "jestem"."""
    forms = []
    for m in _SECOND_PERSON.finditer(story):
        word = m.group().lower()
        lemma = simplemma.lemmatize(word, lang="pl")
        if word.startswith("jeste") or (lemma != word and lemma.endswith(("ć", "c"))):
            forms.append(m.group())
    if len(forms) <= MAX_OTHER_PERSON_FORMS:
        return []
    said = ", ".join(f"'{w}'" for w in forms[:3])
    return [issue("story_person_mismatch", f"the story is not in the third person: {said}.")]


def _text_issues(narrative: Mapping[str, Any], prompt: str, data: str = "") -> list[Issue]:
    """Degenerate text (loops, echoes, placeholders, English) in the story and the lists."""
    story = str(narrative.get("background_story") or "")
    named = [str(narrative.get(k) or "") for k in ("first_name", "last_name", "occupation")]
    # The story's language keeps its own code (API clients filter on "story_not_polish").
    problems = [
        TextProblem("story_not_polish", p.message) if p.code == "text_not_polish" else p
        for p in text_problems(story, prompt, data)
    ]
    for field in ("values", "interests"):
        problems += item_problems(list(narrative.get(field) or []))
    problems += [p for n in named for p in (*echo_problems(n), *placeholder_problems(n))]
    return [issue(p.code, p.message) for p in problems]


def narrative_issues(
    narrative: Mapping[str, Any], profile: Mapping[str, Any], prompt: str = "", data: str = ""
) -> list[Issue]:
    """Check a persona's narrative against its profile; return every issue found.

    ``prompt`` is the instruction text the model was given and ``data`` the persona's facts
    as the prompt put them: an answer copying either is an echo.
    """
    story = str(narrative.get("background_story") or "")
    first, last = str(narrative.get("first_name") or ""), str(narrative.get("last_name") or "")
    gender, age = profile.get("gender", ""), profile.get("age")
    birth_year = profile.get("birth_year")
    education, income = profile.get("education", ""), profile.get("income_bracket", "")
    found = name_issues(first, last, gender, birth_year or 0)
    found += occupation_issues(str(narrative.get("occupation") or ""), age or 0, education, income)
    found += _text_issues(narrative, prompt, data)
    found += _person_issues(story)
    found += _story_occupation_issues(
        story, str(narrative.get("occupation") or ""), age or 0, education
    )
    if (length := len(story.strip())) < MIN_STORY_CHARS:
        message = f"the story has {length} characters, fewer than {MIN_STORY_CHARS}."
        found.append(issue("story_too_short", message))
    found += _gender_issues(story, gender)
    found += _age_issues(story, age, birth_year)
    found += _location_issues(story, profile.get("location"))
    values, interests = list(narrative.get("values") or []), list(narrative.get("interests") or [])
    found += _values_issues(values, list(profile.get("top_values") or []))
    if min(n_values := _distinct(values), n_interests := _distinct(interests)) < MIN_ITEMS:
        message = (
            f"the persona has {n_values} distinct values and {n_interests} distinct interests; "
            f"at least {MIN_ITEMS} of each are expected."
        )
        found.append(issue("too_few_items", message))
    found += _name_story_issues(story, first, last)
    return found
