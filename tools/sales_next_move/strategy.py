"""The full-strategy panel (five tabs) composed from the knowledge pack and a session's analysis.

The slow path must help with no model at all, so every item is a sentence cut from a pack chunk
(``excerpts``), a quote of the client, a next move or an indicator, and names where it came
from: a pack entry id, ``signal:<id>``, ``move:<id>``, ``key_fact`` or ``indicator:<name>``.
The session is read once (``strategy_session``); the questions tab has its own module
(``strategy_questions``). A model may rewrite the panel afterwards; it starts from this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tools.knowledge.entries import ARCHETYPES, KnowledgeEntry
from tools.knowledge.pack import Pack
from tools.polish_text import fold
from tools.sales_next_move.excerpts import (
    QUOTE,
    body,
    clip,
    fit,
    joined,
    lower_first,
    section,
    sentences,
)
from tools.sales_next_move.strategy_questions import (
    ASKED_OVERLAP,
    GENERIC_SETS,
    GENERIC_TAGS,
    QUESTIONS,
    questions,
)
from tools.sales_next_move.strategy_session import (
    FACETS,
    Pair,
    Session,
    bundled_pack,
    objection_ids,
    read_session,
    words,
)

__all__ = [
    "ASKED_OVERLAP", "CLOSE", "COUNTER", "FACETS", "GENERIC_SETS", "GENERIC_TAGS", "MOTIVES",
    "QUESTIONS", "TABS", "USE_WORDS", "WATCH_OUT", "Pair", "strategy_panel",
]  # fmt: skip

TABS = {
    "podsumowanie": "Podsumowanie i główne motywacje",
    "jezyk_klienta": "Kluczowe zwroty i sposób mówienia",
    "scenariusz": "Scenariusz rozmowy i następne kroki",
    "obiekcje": "Obsługa zastrzeżeń",
    "pytania": "Pytania kwalifikujące",
}
MAX_CHARS = 320  # one item: a panel is read at a glance, between two sentences of the client
MAX_QUOTES, MAX_STEPS, MAX_OBJECTIONS, MAX_FLAGS = 6, 5, 4, 2
CLOSE_SHARE = 0.8  # a runner-up archetype scoring this share of the primary's is worth naming
# Two items sharing this share of the shorter one's words (of at least NEAR_MIN) say one thing.
NEAR_SHARE, NEAR_MIN = 0.75, 5
# The only words of a pack item that are not its chunk's: labels put before a cut sentence.
MOTIVES, CLOSE, USE_WORDS = "Główne motywacje: ", "Blisko też: ", "Używaj słów klienta: "
WATCH_OUT, COUNTER = "Uważaj: ", "Pytanie zwrotne: "
UNKNOWN_CLIENT = (
    "Archetyp klienta nie jest jeszcze rozpoznany: zapytaj o trzy najważniejsze cechy nowego "
    "auta – odpowiedź najpewniej wskaże, z kim rozmawiasz.",
    "question.ranking_priorytetow",
)
GENERIC_STEPS = (
    (
        "Zacznij od potrzeb, nie od auta: obecne auto, codzienne trasy, kto jeszcze decyduje.",
        "question.obecne_auto_i_przebieg",
    ),
    (
        "Przed jazdą próbną ustal, co klient chce podczas niej sprawdzić i kiedy planuje zmianę.",
        "question.kwalifikacja_przed_jazda",
    ),
    (
        "Nie kończ rozmowy bez konkretu: ustal datę i formę kolejnego kontaktu.",
        "objection.musze_przemyslec",
    ),
)
NO_WORDS = (
    "Nie ma jeszcze słów klienta: zapisuj jego zwroty dosłownie, w cudzysłowie, i słuchaj, o czym "
    "mówi najwięcej – koszty, bezpieczeństwo, osiągi, wygląd czy technologia.",
    "question.ranking_priorytetow",
)
NO_OBJECTION = (
    "Klient nie zgłosił jeszcze zastrzeżeń: zapytaj o nie wprost, zanim wyjdzie z wątpliwością, "
    "której nie nazwał.",
    "question.odkrywanie_obiekcji",
)

_SELLER_ERROR = re.compile(r"\bbł[ęą]d", re.IGNORECASE)
_SCRIPT_KEYS = ("zamkniecie", "nastepne kroki")  # folded openings of the sentences a script needs
# The parts of an objection chunk, in order: claim, origin, answer, proof, counter-question, who.
_WHO = ("Najczęściej zgłasza", "Najczęściej dotyczy", "Zgłaszają")
_ANSWER_ENDS = ("Dowody:", "Pytanie zwrotne:", *_WHO)


def strategy_panel(
    analysis: Mapping[str, Any],
    *,
    history: Sequence[Mapping[str, Any]],
    key_facts: Iterable[str] = (),
    pack: Pack | None = None,
) -> dict[str, Any]:
    """Compose the five tabs from rules alone; every item cites its source."""
    s = read_session(analysis, history, pack or bundled_pack())
    seen: list[frozenset[str]] = []

    def keep(pairs: Iterable[Pair], limit: int | None = None) -> list[dict[str, str]]:
        """Items saying what nothing on the panel says yet, at most ``limit``."""
        out: list[dict[str, str]] = []
        for text, source in pairs:
            if limit is not None and len(out) >= limit:
                break
            found = words(text, drop_stopwords=False)
            if found and not any(_same(found, other) for other in seen):
                seen.append(found)
                out.append({"text": text, "source": source})
        return out

    tabs = {
        "podsumowanie": keep(_summary(s, key_facts)),
        "jezyk_klienta": keep(_quotes(s), MAX_QUOTES) + keep(_language(s)),
        "scenariusz": keep(_script(s), MAX_STEPS) + keep(_next_steps(s)),
        "obiekcje": keep(_objections(s)) + keep(_flags(s), MAX_FLAGS),
        "pytania": keep(questions(s), QUESTIONS),
    }
    for tid, fallback in (("jezyk_klienta", NO_WORDS), ("obiekcje", NO_OBJECTION)):
        tabs[tid] = tabs[tid] or keep([fallback])
    return {
        "written_by": "rules",
        "archetype": s.slug,
        "tabs": [{"id": tid, "title": title, "items": tabs[tid]} for tid, title in TABS.items()],
    }


def _summary(s: Session, key_facts: Iterable[str]) -> Iterable[Pair]:
    opis, motives = s.chunk["opis"], s.chunk["motywacje"]
    if s.slug is None or opis is None:
        yield UNKNOWN_CLIENT
    else:
        yield joined(_name(s.slug), sentences(body(opis.text)), MAX_CHARS), opis.id
        if motives is not None:
            yield MOTIVES + fit(sentences(body(motives.text, lead=False)), MAX_CHARS), motives.id
        yield from _runner_up(s)
    for name, indicator in (s.analysis.get("indicators") or {}).items():
        label = indicator.get("label") or name
        yield f"{label}: {indicator['score']}/100 ({indicator['band']})", f"indicator:{name}"
    for fact in key_facts:
        yield fact.strip(), "key_fact"


def _runner_up(s: Session) -> Iterable[Pair]:
    """The second archetype when it scores close to the primary: the reading is not settled."""
    scores = (s.analysis.get("archetype") or {}).get("scores") or {}
    first = scores.get(s.slug, 0.0)
    ranked = sorted(((v, k) for k, v in scores.items() if k != s.slug), reverse=True)
    if ranked and first > 0 and ranked[0][0] >= CLOSE_SHARE * first:
        score, slug = ranked[0]
        opis = s.entries.get(f"archetype.{slug}.opis")
        if opis is not None:
            lead = f"{CLOSE}{_name(slug)} ({round(score * 100)}% wobec {round(first * 100)}%)"
            yield joined(lead, sentences(body(opis.text)), MAX_CHARS), opis.id


def _quotes(s: Session) -> Iterable[Pair]:
    for signal in sorted(s.signals, key=lambda x: -x["turn"]):
        known = s.vocabulary.get(signal["id"])
        label = f" – {known.label}" if known else ""
        text = f"Obserwacja {signal['turn']}: „{signal['evidence']}”{label}"
        yield text, f"signal:{signal['id']}"


def _language(s: Session) -> Iterable[Pair]:
    speech, flags = s.chunk["jak_mowi"], s.chunk["czerwone_flagi"]
    if speech is not None:
        for sentence in sentences(body(speech.text))[:3]:
            if "slow" in fold(sentence.split("„", 1)[0]) and QUOTE.search(sentence):
                quoted = ", ".join(f"„{q}”" for q in QUOTE.findall(sentence))
                yield clip(USE_WORDS + quoted, MAX_CHARS), speech.id
            else:
                yield clip(sentence, MAX_CHARS), speech.id
    if flags is not None and (error := _seller_error(flags)) is not None:
        yield clip(error, MAX_CHARS), flags.id


def _seller_error(flags: KnowledgeEntry) -> str | None:
    """The first seller's error the red flags quote or list: what not to say."""
    for sentence in sentences(body(flags.text)):
        if _SELLER_ERROR.search(sentence) and ("„" in sentence or "(" in sentence):
            return sentence
    return None


def _script(s: Session) -> Iterable[Pair]:
    plan = s.chunk["strategie"]
    if plan is None:
        yield from GENERIC_STEPS
        return
    parts = sentences(body(plan.text))
    # The closing and the next steps are what a script is for: keep them, fill up with the rest.
    key = [i for i, x in enumerate(parts) if fold(x).startswith(_SCRIPT_KEYS)][:MAX_STEPS]
    rest = [i for i in range(len(parts)) if i not in key][: MAX_STEPS - len(key)]
    for i in sorted(key + rest):
        yield clip(parts[i], MAX_CHARS), plan.id


def _next_steps(s: Session) -> Iterable[Pair]:
    for move in s.moves:
        if move.get("kind") in ("action", "question"):
            yield move["text"], f"move:{move['id']}"


def _objections(s: Session) -> Iterable[Pair]:
    for oid in objection_ids(s)[:MAX_OBJECTIONS]:
        entry = s.entries[oid]
        answer = section(entry.text, "Jak odpowiedzieć:", _ANSWER_ENDS)
        if answer:
            claim = entry.title.split(": ", 1)[-1]
            yield (
                joined(f"{claim}:", [fit(sentences(lower_first(answer)), MAX_CHARS)], MAX_CHARS),
                oid,
            )
        counter = section(entry.text, "Pytanie zwrotne:", _WHO).rstrip(".")
        if counter:
            yield clip(COUNTER + counter, MAX_CHARS), oid


def _flags(s: Session) -> Iterable[Pair]:
    flags = s.chunk["czerwone_flagi"]
    if flags is not None:
        error = _seller_error(flags)  # already on the language tab
        for sentence in sentences(body(flags.text)):
            if sentence != error:
                yield WATCH_OUT + clip(lower_first(sentence), MAX_CHARS), flags.id


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    if a == b:
        return True
    shorter = min(len(a), len(b))
    return shorter >= NEAR_MIN and len(a & b) >= NEAR_SHARE * shorter


def _name(slug: str) -> str:
    return ARCHETYPES.get(slug, slug.replace("_", " ").capitalize())
