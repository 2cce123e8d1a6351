"""Turn a mentor's Polish teaching message into a draft knowledge entry: by rules or by a model.

The rules never invent: the text is the mentor's message, cleaned of lead-ins ("Zapamiętaj:")
and put into sentences; kind, archetype, module and tags are read off its words. The model writes
a better entry but may add to it, so a model draft with a number the mentor did not write is
refused (the caller then falls back to the rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from prompts.ai_dojo import DRAFT_CONTEXT, DRAFT_SYSTEM, DRAFT_USER, KINDS_HELP
from sight.errors import InputValidationError, ModelError
from tools.ai_dojo.cues import content_tags, detect_archetype, detect_kind
from tools.ai_dojo.schemas import MAX_TEXT_CHARS, DraftEntry, module_titles
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.entries import MAX_TEXT_CHARS as ENTRY_MAX_CHARS
from tools.knowledge.triggers import bundled_detector
from tools.polish_text import STOPWORDS, fold, token_spans, tokens

MAX_TITLE = 80
MIN_CLAUSE = 25  # a shorter first clause ("Gdy klient mówi") takes the next one with it
MAX_CORRECTION = 1200
DRAFT_MAX_TOKENS = 1024
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE = re.compile(r"\s*(?:[,;:]|\s[—–-])\s+")
_ENDS = ".!?…"
_DANGLING = STOPWORDS | {"u", "w", "z", "o", "i", "a"}
_CLOSERS = "”\"»)'’"
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Lead-ins addressed to Sight, not knowledge: "Zapamiętaj:", "Słuchaj,", "Pamiętaj, że ...".
_PREAMBLE = re.compile(r"^([^:.!?\n]{1,60}):\s*")
# What a preamble before a colon may consist of to be dropped ("Chcę cię nauczyć jednej
# rzeczy:"); one other word ("Ważne dla Łowców Okazji:") and it is content.
_PREAMBLE_WORDS = frozenset(
    "zapamiętaj pamiętaj zanotuj zapisz sobie to naucz się chcę chciałbym chciałabym cię ciebie "
    "nauczyć czegoś jednej jedną rzeczy rzecz posłuchaj słuchaj dodaj do bazy wiedzy nowa nowy "
    "nowe zasada lekcja wskazówka rada porada uwaga ważne ważna mam dla sight ok okej dobra hej "
    "więc no jeszcze jedno jedna jeden kolejna kolejny kolejne następna taka oto i a teraz".split()
)
_THAT = re.compile(
    r"^(?:zapami[eę]taj(?:\s+sobie)?|pami[eę]taj(?:\s+o\s+tym)?|naucz\s+si[eę]|"
    r"(?:chc[eę]|chcia[lł]bym|chcia[lł]abym)\s+ci[eę]\s+nauczy[cć]|wiedz|"
    r"(?:musisz|powiniene[sś]|warto)\s+wiedzie[cć]|zanotuj(?:\s+sobie)?|zapisz(?:\s+sobie)?)"
    r"\s*,?\s*(?:że|żeby|aby)\s+",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(
    r"^(?:pos[lł]uchaj|s[lł]uchaj|dobra|okej|ok|hej|sight|no\s+wi[eę]c)"
    r"\s*[,!:–—-]\s*",
    re.IGNORECASE,
)
_CORRECTION_LEAD = re.compile(r"^(?:korekta|poprawka|popraw|sprostowanie)\s*[:,–—-]\s*", re.I)
_CORRECTION_TAIL = re.compile(
    r"[\s,;:–—-]*(?:prosz[eę]\s+)?(?:popraw|zmie[nń]|zaktualizuj)(?:\s+to)?(?:\s+we\s+wpisie)?"
    r"[.!]*\s*$",
    re.IGNORECASE,
)


class DraftRejectedError(ModelError):
    """The model's draft broke a content rule (a number the mentor did not write)."""

    code = "draft_rejected"


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft entry, how it was made, and what could not be inferred (Polish notes)."""

    entry: DraftEntry
    method: Literal["rules", "model"]
    notes: tuple[str, ...] = ()


def clean_message(message: str) -> str:
    """Return the message without lead-ins to Sight, as capitalised, terminated sentences."""
    text = message.strip()
    for _ in range(4):  # "Słuchaj, zapamiętaj: ..." has two
        before = text
        preamble = _PREAMBLE.match(text)
        if preamble and set(tokens(preamble.group(1), drop_stopwords=False)) <= _PREAMBLE_WORDS:
            text = text[preamble.end() :]
        text = _THAT.sub("", _INTERJECTION.sub("", text, count=1), count=1).strip()
        if text == before:
            break
    return _as_sentences(text)


def draft_by_rules(message: str) -> Draft:
    """Draft an entry from ``message`` with no model; ``notes`` say what was not inferred.

    Raise InputValidationError when nothing is left once the lead-ins are removed.
    """
    text = clean_message(message)
    if not text:
        raise InputValidationError(
            [{"field": "message", "message": "the message holds nothing to learn"}]
        )
    notes: list[str] = []
    if len(text) > MAX_TEXT_CHARS:
        text = _cut(text, MAX_TEXT_CHARS)
        notes.append(f"Treść skrócona do {MAX_TEXT_CHARS} znaków: reszta wiadomości pominięta.")
    spans = token_spans(text, drop_stopwords=False)
    archetypes, archetype_tokens = detect_archetype([fold(t) for t, _, _ in spans])
    archetype = archetypes[0] if len(archetypes) == 1 else None
    if len(archetypes) > 1:
        names = ", ".join(ARCHETYPES[a] for a in archetypes)
        notes.append(f"Wiadomość wymienia kilka archetypów ({names}): nie przypisałem żadnego.")
    elif not archetypes:
        notes.append("Nie rozpoznałem archetypu klienta: wpis jest bez archetypu.")
    modules = bundled_detector().detect(text)
    module = modules[0].slug if modules else None
    if not modules:
        notes.append("Nie rozpoznałem modułu wiedzy: wpis jest bez modułu.")
    elif len(modules) > 1:
        others = ", ".join(m.slug for m in modules[1:])
        notes.append(f"Wybrałem moduł {module}; wiadomość dotyczy też: {others}.")
    kind = detect_kind(text, [t for t, _, _ in spans], archetype_tokens)
    if kind == "note":
        notes.append("Nie rozpoznałem rady, obiekcji ani pytania: rodzaj wpisu to notatka.")
    skip = {spans[i][0] for i in archetype_tokens}
    tags = content_tags(text, skip)
    if not tags:
        notes.append("Nie znalazłem słów kluczowych na tagi.")
    entry = DraftEntry(
        kind=kind, title=title_of(text), text=text, archetype=archetype, module=module, tags=tags
    )
    entry, moved = archetype_rule(entry)
    if moved:
        notes.append(
            f"Reguła dotyczy archetypu, więc moduł {moved} zapisałem jako tag: co-pilot użyje jej "
            "przy każdym takim kliencie, nie tylko gdy rozmowa dotknie tego tematu."
        )
    return Draft(entry, "rules", tuple(notes))


def archetype_rule(entry: DraftEntry) -> tuple[DraftEntry, str | None]:
    """A rule for an archetype names its topic as a tag, not as its module.

    The co-pilot applies a rule only where its archetype and its module (when set) apply, and
    "U Pragmatycznego Analityka zacznij od TCO" is meant for every such client, not only when
    the talk has turned to TCO already. Returns the entry and the module moved, if any.
    """
    if entry.kind != "rule" or not entry.archetype or not entry.module:
        return entry, None
    tags = list(dict.fromkeys([entry.module, *entry.tags]))[:8]
    return entry.model_copy(update={"module": None, "tags": tags}), entry.module


def title_of(text: str) -> str:
    """A short title: the first clause (or two when the first is very short), <= 80 chars."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    title = sentence
    for cut in [m.start() for m in _CLAUSE.finditer(sentence)]:
        title = sentence[:cut]
        if len(title) >= MIN_CLAUSE:
            break
    else:
        title = sentence
    words = _cut_words(title, MAX_TITLE).split()
    if len(title) > MAX_TITLE:  # cut inside the clause: do not end on "od" or "i"
        while len(words) > 1 and words[-1].lower() in _DANGLING:
            words.pop()
    title = " ".join(words).rstrip(" ,;:.!?…—–-")
    if title.count("„") > title.count("”"):
        title += "”"
    return _capitalise(title)


def draft_messages(message: str, context: str = "") -> list[BaseMessage]:
    """The system and user messages of the drafting call."""
    archetypes = "\n".join(f"- {slug}: {name}" for slug, name in ARCHETYPES.items())
    modules = "\n".join(f"- {slug}: {title}" for slug, title in module_titles().items())
    block = DRAFT_CONTEXT.format(context=context.strip()) if context.strip() else ""
    return [
        SystemMessage(
            DRAFT_SYSTEM.format(kinds=KINDS_HELP, archetypes=archetypes, modules=modules)
        ),
        HumanMessage(DRAFT_USER.format(context=block, message=message.strip())),
    ]


async def draft_by_model(models: Any, message: str, context: str = "") -> Draft:
    """Draft an entry with the ``deep`` model (``models`` is a tools.models.RunModels).

    Raise what the models layer raises on a failure (StructuredOutputError, ModelError, a
    budget error) and DraftRejectedError when the draft holds a number the message lacks.
    """
    entry = await models.ainvoke(
        "deep",
        draft_messages(message, context),
        schema=DraftEntry,
        max_output_tokens=DRAFT_MAX_TOKENS,
        config={"tags": ["nostream"]},  # structured output is not chat: keep it off the stream
    )
    invented = invented_numbers(f"{entry.title}\n{entry.text}", message)
    if invented:
        raise DraftRejectedError(
            f"the model's draft holds numbers the mentor did not write: {', '.join(invented)}",
            details={"reason": "invented_number", "numbers": invented},
        )
    return Draft(archetype_rule(entry)[0], "model")


def invented_numbers(draft: str, source: str) -> list[str]:
    """The numbers written in ``draft`` whose value is not in ``source`` ("2,5" = "2.5")."""
    known = {_value(m) for m in _NUMBER.findall(source)}
    return list(dict.fromkeys(m for m in _NUMBER.findall(draft) if _value(m) not in known))


def correction_text(existing_text: str, message: str, when: str) -> str:
    """Append the mentor's correction to an entry's text, within the entry's 4000 chars.

    ``when`` is a date or an ISO timestamp (its date is kept). The correction is kept whole
    (up to 1200 chars); when the sum is too long, the existing text gives way at its end.
    """
    text = _CORRECTION_LEAD.sub("", message.strip())
    text = clean_message(_CORRECTION_TAIL.sub("", text))
    if not text:
        raise InputValidationError(
            [{"field": "message", "message": "the correction holds nothing to store"}]
        )
    date = when[:10] if _ISO_DATE.match(when) else when.strip()
    tail = f"Korekta mentora ({date}): {_cut(text, MAX_CORRECTION)}"
    head = existing_text.strip()
    if not head:
        return tail
    room = ENTRY_MAX_CHARS - len(tail) - 2
    if len(head) > room:
        head = _cut(head, room - 4).rstrip(_ENDS + " ") + " […]"
    return f"{head}\n\n{tail}"


def _value(number: str) -> Decimal:
    return Decimal(re.sub(r"[ \u00a0\u202f]", "", number).replace(",", "."))


def _capitalise(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
        if char.isdigit():
            break
    return text


def _as_sentences(text: str) -> str:
    """Each line as capitalised sentences that end with a stop; blank lines dropped."""
    out = []
    for raw in text.splitlines():
        line = re.sub(r"\s+", " ", raw).strip().rstrip(",;:—–- ")
        if not line:
            continue
        line = " ".join(_capitalise(s) for s in _SENTENCE_END.split(line))
        if line.rstrip(_CLOSERS)[-1:] not in _ENDS:
            line += "."
        out.append(line)
    return " ".join(out)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` chars at a sentence end, else at a word (with an ellipsis)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.start() for m in _SENTENCE_END.finditer(head + " ")]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]].rstrip()
    return _cut_words(text, limit - 1) + "…"


def _cut_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else text[:limit]).rstrip()
