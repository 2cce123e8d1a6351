"""A sales session as the mentor's facts: outcome, readiness and why, archetype, what was said.

The session row keeps the outcome, memory (summary, key facts) and the deep analysis; each
interaction keeps one observation's analysis (docs/sales_next_move.md). The latest turn's
analysis speaks for the session's state at its end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from sight.errors import InputValidationError
from store.sales_next_move.interactions import InteractionRecord, readiness_of
from store.sales_next_move.sessions import SessionRecord
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.mentor.polish_format import clip, counted, day, listing, num, number_of, quote, score
from tools.mentor.refs import CORE, DETAIL, USEFUL, Fact, ResultBlock, ResultRef, ranked, topics
from tools.persona.narrative import SCHWARTZ_VALUES

OUTCOME = ("wynik", "sprzeda", "zakup", "kupi", "zamkn", "zakończ", "konkurenc", "odłoż", "decyz")
SUCCESS = ("sukces", "udan", "porażk", "przegr", "wygra", "status")
COURSE = ("przebieg", "obserwac", "rozmow", "notat", "spotka", "wizyt")
READINESS = ("gotow", "szans", "prawdopodob", "zakup", "kupi")
TREND = ("zmian", "trend", "rosł", "spad", "rozw")
RISK = ("ryzyk", "utrat", "odej", "strac", "churn", "konkurenc")
TEST_DRIVE = ("jazd", "próbn", "test")
ARCHETYPE = ("archetyp", "typ", "kim", "profil", "osobow", "charakter")
CLIENT = ("fakt", "klient", "potrzeb", "rodzin", "sygnał", "mówi", "powiedzi")
SUMMARY = ("streszcz", "podsumow", "przebieg", "histori")
OBJECTIONS = ("zastrzeż", "obiekc", "wątpliw", "obaw", "barier", "problem")
MOVES = ("ruch", "sugest", "porad", "krok", "następn", "zrobi", "strateg")
DEEP = ("analiz", "pogłęb", "psycholog", "wartoś", "profil", "strateg")
OUTCOMES = {
    "purchased": ("klient kupił", "zakup"),
    "not_purchased": ("klient nie kupił", "bez zakupu"),
    "postponed": ("klient odłożył decyzję", "decyzja odłożona"),
    "lost_to_competitor": ("klient wybrał konkurencję", "wybrał konkurencję"),
}
INDICATORS = (
    ("purchase_readiness", "Gotowość do zakupu", CORE, READINESS),
    ("churn_risk", "Ryzyko utraty klienta", USEFUL, RISK),
    ("test_drive_value", "Wartość jazdy próbnej", DETAIL, TEST_DRIVE),
)
SIGNALS_SHOWN, MOVES_SHOWN = 8, 2
_GLOSS = re.compile(r"\(([^()]+)\)\s*$")


@cache
def objection_names() -> dict[str, str]:
    """Objection ids of the knowledge pack -> short Polish names ("lęk o zasięg")."""
    try:
        pack = load_pack()
    except InputValidationError:  # no readable pack: the ids stand in
        return {}
    names = {}
    for entry in pack.entries:
        if entry.kind == "objection":
            gloss = _GLOSS.search(entry.title)
            names[entry.id] = gloss[1] if gloss else entry.title.removeprefix("Obiekcja: ")
    return names


def _objection(entry_id: Any) -> str:
    known = objection_names().get(str(entry_id))
    return known or str(entry_id).removeprefix("objection.").replace("_", " ")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _archetype(slug: Any) -> str:
    return ARCHETYPES.get(str(slug), str(slug).replace("_", " "))


def _outcome(s: SessionRecord) -> str:
    data = _dict(s.outcome_data)
    if s.status != "closed" or not data:
        when = day(s.last_activity_at)
        return "Sesja w toku, bez wyniku" + (f" (ostatnia aktywność {when})." if when else ".")
    said, _ = OUTCOMES.get(str(data.get("outcome")), (str(data.get("outcome")), ""))
    when = day(data.get("concluded_at"))
    text = f"Wynik sesji: {said}" + (f" (zamknięta {when})" if when else "")
    if data.get("note"):
        return f"{text}; notatka sprzedawcy: {quote(data['note'])}"
    return text + "."


def _indicator(analysis: dict[str, Any], key: str, label: str) -> str | None:
    found = _dict(_dict(analysis.get("indicators")).get(key))
    if number_of(found.get("score")) is None:
        return None
    band = f" ({found['band']})" if found.get("band") else ""
    rules = [r for r in found.get("rules") or [] if _dict(r).get("because")]
    rules.sort(key=lambda r: -abs(number_of(r.get("points")) or 0))
    why = "; ".join(str(r["because"]).rstrip(".") for r in rules[:2])
    return f"{label}: {score(found['score'])}{band}" + (f"; dlaczego: {why}." if why else ".")


def _signals(analysis: dict[str, Any]) -> list[str]:
    said = [_dict(s).get("evidence") for s in analysis.get("session_signals") or []]
    return list(dict.fromkeys(clip(e, 60) for e in said if e))


def _deep(deep: dict[str, Any]) -> list[tuple[str, float, tuple[str, ...]]]:
    found = []
    turn = f" (po obserwacji {num(deep['turn'], 0)})" if number_of(deep.get("turn")) else ""
    tabs = _dict(deep.get("strategy")).get("tabs")
    items = _dict(tabs[0]).get("items") if isinstance(tabs, list) and tabs else None
    items = items if isinstance(items, list) else []
    if items and _dict(items[0]).get("text"):
        found.append((f"Analiza pogłębiona{turn}: {quote(items[0]['text'])}", USEFUL, DEEP))
    values = _dict(_dict(_dict(deep.get("psychometrics")).get("frameworks")).get("schwartz"))
    scored = {k: number_of(_dict(v).get("score")) for k, v in values.items()}
    top = sorted((k for k, v in scored.items() if v is not None), key=lambda k: -scored[k])[:3]
    if top:
        parts = [
            f"{SCHWARTZ_VALUES[k].label if k in SCHWARTZ_VALUES else k} {score(scored[k])}"
            for k in top
        ]
        found.append((f"Najważniejsze wartości klienta{turn}: {', '.join(parts)}.", DETAIL, DEEP))
    return found


def session_title(s: SessionRecord) -> str:
    """ "Sesja sprzedażowa z klientem „Pan Tomasz” (7.12.2026; zakup)"."""
    who = f" z klientem „{s.client_alias}”" if s.client_alias else " bez przypisanego klienta"
    data = _dict(s.outcome_data)
    state = OUTCOMES.get(str(data.get("outcome")), ("", "zamknięta"))[1] if data else "w toku"
    when = day(s.started_at)
    return f"Sesja sprzedażowa{who} ({when + '; ' if when else ''}{state})"


def render_sales_session(
    s: SessionRecord, interactions: Sequence[InteractionRecord] = ()
) -> ResultBlock:
    """The block of a sales session with its turns (`interactions` in turn order)."""
    facts: list[Fact] = []

    def add(text: str, weight: float, *groups: tuple[str, ...]) -> None:
        facts.append(Fact(text, topics(*groups), weight))

    turns = sorted(interactions, key=lambda i: i.turn)
    last = _dict(turns[-1].analysis) if turns else {}
    add(_outcome(s), CORE, OUTCOME, SUCCESS)
    if number_of(s.turns) is not None:
        span = [d for d in (day(s.started_at), day(s.last_activity_at)) if d]
        when = f" (od {span[0]} do {span[-1]})" if span else ""
        add(
            f"Przebieg: {counted(s.turns, 'obserwacja', 'obserwacje', 'obserwacji')}{when}.",
            USEFUL,
            COURSE,
        )
    for key, label, weight, stems in INDICATORS:
        if text := _indicator(last, key, label):
            add(text, weight, stems)
        elif key == "purchase_readiness" and number_of(s.latest_readiness) is not None:
            add(f"{label} (ostatnia): {score(s.latest_readiness)}.", weight, stems)
    trend = [readiness_of(_dict(i.analysis)) for i in turns]
    if len([r for r in trend if r is not None]) > 1:
        shown = ", ".join(num(r, 0) for r in trend if r is not None)
        add(
            f"Gotowość do zakupu w kolejnych obserwacjach: {shown} (na 100).",
            USEFUL,
            READINESS,
            TREND,
        )
    archetype = _dict(last.get("archetype"))
    if archetype.get("primary"):
        second = [a for a in archetype.get("top2") or [] if a != archetype["primary"]]
        also = f" (drugi w kolejności: {_archetype(second[0])})" if second else ""
        add(f"Archetyp klienta: {_archetype(archetype['primary'])}{also}.", CORE, ARCHETYPE)
    if s.key_facts:
        add(f"Kluczowe fakty o kliencie: {listing(s.key_facts)}.", CORE, CLIENT)
    if said := _signals(last):
        quoted = ", ".join(f"„{e}”" for e in said[:SIGNALS_SHOWN])
        add(f"Słowa klienta, na których opiera się analiza: {quoted}.", USEFUL, CLIENT)
    if s.summary:
        add(f"Streszczenie rozmowy: {quote(s.summary, 300)}", USEFUL, SUMMARY)
    objections = [_dict(o).get("id") for o in last.get("objections") or []]
    if named := [_objection(o) for o in objections if o]:
        add(f"Zastrzeżenia klienta: {listing(named)}.", USEFUL, OBJECTIONS)
    moves = [clip(_dict(m).get("text"), 140) for m in last.get("next_moves") or []]
    if moves := [m for m in moves if m]:
        add(f"Ostatnio proponowane ruchy: {'; '.join(moves[:MOVES_SHOWN])}", DETAIL, MOVES)
    if turns and turns[-1].text:
        note = f"Ostatnia notatka sprzedawcy (obserwacja {num(turns[-1].turn, 0)}): "
        add(note + quote(turns[-1].text), USEFUL, COURSE)
    for text, weight, stems in _deep(_dict(s.deep_analysis)):
        add(text, weight, stems)
    ref = ResultRef("sales_session", s.id)
    return ResultBlock(ref, session_title(s), ranked(facts), s.started_at)
