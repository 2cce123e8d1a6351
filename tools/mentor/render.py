"""Render a tenant's results as the mentor's blocks of Polish facts (pure: records in, blocks out).

One function per kind: :func:`render_persona` here, :func:`render_kpi`,
:func:`render_focus_group` and :func:`render_sales_session` in their own modules. Records come
from the store; their JSON parts (a report, an analysis, a snapshot) may be partial or from an
older version, so every field is read defensively and a fact whose data is missing is left out.
"""

from __future__ import annotations

from typing import Any

from store.persona_records import PersonaRecord
from tools.mentor.polish_format import age, day, listing, num, number_of, quote, score
from tools.mentor.refs import CORE, DETAIL, USEFUL, Fact, ResultBlock, ResultRef, ranked, topics
from tools.mentor.render_focus_group import render_focus_group
from tools.mentor.render_kpi import KPI, industry_label, kpi_facts, render_kpi, segment_text
from tools.mentor.render_sales import render_sales_session
from tools.persona.narrative import SCHWARTZ_VALUES

__all__ = ["render_focus_group", "render_kpi", "render_persona", "render_sales_session"]

WHO = ("kim", "kto", "wiek", "płeć", "zawód", "zawod", "prac", "mieszk", "miejsc", "demograf")
MONEY = ("wykszt", "eduk", "dochod", "dochód", "zarob", "pensj", "zamożn", "finans")
SEGMENT = ("segment", "grup", "docelow")
SCORE = ("ocen", "jakoś", "score", "punkt", "wiarygod", "realist", "błęd")
VALUES = ("wartoś", "zainteres", "hobby", "pasj", "motyw", "styl", "lubi", "priorytet")
PERSONALITY = ("osobow", "cech", "charakter", "psycholog", "temperament", "big", "otwart")
CULTURE = ("kultur", "hofstede", "społecz")
STORY = ("histori", "biograf", "opis", "życi", "kim")
BIG_FIVE = {
    "openness": "otwartość",
    "conscientiousness": "sumienność",
    "extraversion": "ekstrawersja",
    "agreeableness": "ugodowość",
    "neuroticism": "neurotyczność",
}
HOFSTEDE = {
    "power_distance": "dystans władzy",
    "individualism": "indywidualizm",
    "masculinity": "męskość",
    "uncertainty_avoidance": "unikanie niepewności",
    "long_term_orientation": "orientacja długoterminowa",
    "indulgence": "pobłażliwość",
}
# The persona checks' codes (tools/persona/issues.py) in Polish.
ISSUES = {
    "text_repetitive": "powtarzający się tekst",
    "text_echoes_prompt": "tekst powtarza polecenie",
    "text_placeholder": "tekst z wypełniaczami",
    "text_not_polish": "tekst nie po polsku",
    "text_mixed_language": "mieszane języki",
    "text_truncated": "urwany tekst",
    "items_repeat": "powtarzające się pozycje list",
    "story_not_polish": "historia nie po polsku",
    "model_error": "błąd modelu",
    "model_not_used": "model nie był użyty",
    "structured_output_invalid": "niepoprawna odpowiedź modelu",
    "story_name_mismatch": "imię w historii inne niż persony",
    "story_occupation_mismatch": "zawód w historii inny niż persony",
    "story_person_mismatch": "historia o innej osobie",
    "occupation_not_offered": "zawód spoza podpowiedzi",
    "name_gender_mismatch": "imię niezgodne z płcią",
    "surname_gender_mismatch": "nazwisko niezgodne z płcią",
    "occupation_education_mismatch": "zawód niezgodny z wykształceniem",
    "story_gender_mismatch": "płeć w historii niezgodna",
    "story_age_mismatch": "wiek w historii niezgodny",
    "name_unknown": "nietypowe imię",
    "occupation_age_mismatch": "zawód niezgodny z wiekiem",
    "story_too_short": "za krótka historia",
    "story_location_mismatch": "miejsce w historii niezgodne",
    "values_misaligned": "wartości niezgodne z profilem",
    "too_few_items": "za mało wartości lub zainteresowań",
}
STATUSES = {"accepted": "zaakceptowana", "below_threshold": "poniżej progu jakości"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _issue(reason: Any) -> str:
    if not isinstance(reason, dict):
        return str(reason)
    code = str(reason.get("code") or "")
    text = ISSUES.get(code, code.replace("_", " "))
    penalty = number_of(reason.get("penalty"))
    return f"{text} (−{num(penalty, 0)} pkt)" if penalty else text


def _scores(values: Any, labels: dict[str, str], scale: float) -> str:
    found = _dict(values)
    parts = [
        f"{label} {num(number_of(found[key]) * scale, 0)}"
        for key, label in labels.items()
        if number_of(found.get(key)) is not None
    ]
    return ", ".join(parts)


def _top_values(p: PersonaRecord) -> list[str]:
    top = _dict(p.quality).get("top_values")
    if not isinstance(top, list):
        values = {k: number_of(v) for k, v in _dict(p.schwartz).items()}
        top = sorted((k for k, v in values.items() if v is not None), key=lambda k: -values[k])[:3]
    return [SCHWARTZ_VALUES[k].label if k in SCHWARTZ_VALUES else str(k) for k in top]


def _quality(p: PersonaRecord) -> str | None:
    quality = _dict(p.quality)
    writer = quality.get("writer")
    if writer not in ("model", "template"):
        return None
    text = "Historię napisał " + ("model językowy" if writer == "model" else "szablon Sight")
    if number_of(quality.get("attempts")):
        text += f" (prób: {num(quality['attempts'], 0)})"
    reasons = [ISSUES.get(str(r), str(r)) for r in quality.get("writer_reasons") or []]
    if writer == "template" and reasons:
        text += f", bo: {listing(dict.fromkeys(reasons), 4)}"
    status = STATUSES.get(str(quality.get("status")))
    return text + (f"; status: {status}." if status else ".")


def persona_title(p: PersonaRecord) -> str:
    """ "Persona „Anna Nowak” (34 lata, Kraków)"."""
    name = " ".join(str(n) for n in (p.first_name, p.last_name) if n) or "bez imienia"
    about = [age(p.age)] if number_of(p.age) is not None else []
    about += [str(p.location)] if p.location else []
    return f"Persona „{name}”" + (f" ({', '.join(about)})" if about else "")


def render_persona(p: PersonaRecord) -> ResultBlock:
    """The block of one stored persona, with its KPI snapshot's facts when it has one."""
    facts: list[Fact] = []

    def add(text: str, weight: float, *groups: tuple[str, ...]) -> None:
        facts.append(Fact(text, topics(*groups), weight))

    name = " ".join(str(n) for n in (p.first_name, p.last_name) if n)
    who = [name] if name else []
    who += [age(p.age)] if number_of(p.age) is not None else []
    who += [str(x) for x in (p.gender, p.occupation) if x]
    where = f"; mieszka: {p.location}" if p.location else ""
    add(f"Kim jest: {', '.join(who)}{where}.", CORE, WHO)
    money = [f"wykształcenie {p.education}"] if p.education else []
    money += [f"dochód netto {p.income_bracket} miesięcznie"] if p.income_bracket else []
    if money:
        add(f"{_sentence('; '.join(money))}.", USEFUL, MONEY)
    if number_of(p.score) is not None:
        reasons = [_issue(r) for r in p.score_reasons or []]
        why = f"; obniżona za: {listing(reasons, 5)}" if reasons else "; bez zastrzeżeń"
        add(f"Ocena jakości persony: {score(p.score)}{why}.", USEFUL, SCORE)
    if p.values or p.interests:
        parts = [f"wartości: {listing(p.values)}"] if p.values else []
        parts += [f"zainteresowania: {listing(p.interests)}"] if p.interests else []
        add(f"{_sentence('; '.join(parts))}.", CORE, VALUES)
    if top := _top_values(p):
        add(f"Najważniejsze wartości wg Schwartza: {listing(top)}.", USEFUL, VALUES)
    if traits := _scores(p.big_five, BIG_FIVE, 100):
        add(f"Osobowość (Big Five, skala 0–100): {traits}.", USEFUL, PERSONALITY)
    if culture := _scores(p.hofstede, HOFSTEDE, 1):
        add(f"Wymiary kulturowe Hofstede (0–100): {culture}.", DETAIL, CULTURE)
    if p.background_story:
        add(f"Historia: {quote(p.background_story)}", USEFUL, STORY)
    if p.segment_name or p.segment:
        label = f"„{p.segment_name}”" if p.segment_name else str(p.segment_id or "")
        add(f"Segment {label}: {segment_text(_dict(p.segment))}.", DETAIL, SEGMENT)
    if quality := _quality(p):
        add(quality, DETAIL, SCORE)
    snapshot = _dict(p.kpi_snapshot)
    if snapshot:
        request = _dict(snapshot.get("request"))
        label = industry_label(snapshot)
        industry = f"; branża {label}" if label else ""
        add(
            "KPI persony to szacunek dla osób do niej podobnych ("
            f"{segment_text(_dict(request.get('segment')))}{industry}).",
            CORE,
            KPI,
        )
        facts += kpi_facts(snapshot, whose=" osób podobnych do persony")
    if created := day(p.created_at):
        add(f"Persona utworzona {created}.", DETAIL, ("kiedy", "utworz", "powsta"))
    return ResultBlock(ResultRef("persona", p.id), persona_title(p), ranked(facts), p.created_at)
