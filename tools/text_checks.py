"""Checks that catch degenerate model text in Polish: loops, echoes, placeholders, English.

Small models fail in a few recognisable ways: they repeat one word or phrase until the token
cap ("Polish, Polish, Polish, ..."), copy the prompt or the schema's descriptions ("Polish
first name.", "3-5 zdań"), leave placeholders ("[imię]", "XYZ"), drift into English, or list
the same item twice in other words. Every workflow runs its model text through
:func:`text_problems` (and list fields through :func:`item_problems`); a text with a problem
is regenerated or replaced by the deterministic floor, never passed off as the model's answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tools.polish_text import STOPWORDS, fold, is_known, language_of, term_of, tokens

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
MIN_WORDS_FOR_SHARES = 12
DOMINANT_SHARE = 0.2  # one content word above this share of all words is a loop
DOMINANT_MIN_COUNT = 5
NGRAM = 3
NGRAM_MAX_REPEATS = 2  # a 3-word phrase may appear twice, not three times
LOOP_NGRAM = 5  # a run of 5 words said twice is a loop ("możesz być w stanie pomóc")
ECHO_NGRAM = 6  # a run of this many prompt words copied into the answer is an echo
MIN_POLISH_SHARE = 0.5
ENGLISH_SENTENCE_WORDS = 4
_SENTENCE_END = '.!?…"”)»'
_BRACKETED = re.compile(r"\(([^()]{3,120})\)")
# Phrases that only a prompt or a schema says (folded, lower case).
ECHO_PHRASES = tuple(
    fold(p)
    for p in (
        "polish first name",
        "polish surname",
        "first name",
        "last name",
        "surname",
        "in polish",
        "third person",
        "background story",
        "background_story",
        "first_name",
        "last_name",
        "json",
        "schema",
        "3-5 zdań",
        "3-4 zdania",
        "3-4 zdaniach",
        "3-6 zainteresowań",
        "3-5 wartości",
        "w trzeciej osobie",
        "imię i nazwisko",
        "persona:",
        "wielka piątka",
        "hofstede",
        "schwartz",
        # the persona prompt's field labels
        "pasujące zainteresowania",
        "hobby (przykłady)",
        "pasujące zawody",
        "najważniejsze wartości (schwartz)",
        "wymiary kulturowe",
        "dochód netto miesięcznie:",
        "miejsce zamieszkania:",
        "płeć:",
    )
)
# Words run together ("a takżeNetworking"): a decoding slip no writer makes on purpose.
_GLUED = re.compile(r"\b[a-ząćęłńóśźż]{2,}[A-ZĄĆĘŁŃÓŚŹŻ][a-ząćęłńóśźż]+")
# Cyrillic, Greek and CJK letters: a small model's tokens leaking into Polish words.
_FOREIGN_SCRIPT = re.compile(r"\w*[\u0370-\u04ff\u3040-\u9fff]\w*")
# A place label pasted after a preposition: "w wieś Cisna", "z woj. podkarpackie".
_RAW_PLACE = re.compile(r"\b(?:w|we|z|ze|do)\s+(?:wieś|woj\.)", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\[[^\]]{0,40}\]|\{[^}]{0,40}\}|<[^>]{0,40}>|\b(?:xyz|xxx+|lorem ipsum|todo|tbd|n/a)\b"
    r"|_{3,}|\.{4,}|\b(?:imię|nazwisko|miasto|zawód)\s*(?:\d|x)\b",
    re.IGNORECASE,
)
_ENGLISH_MARKERS = frozenset(
    "the and is are was were with for this that from have has his her their who which "
    "works lives likes loves she he they".split()
)


@dataclass(frozen=True)
class TextProblem:
    """One thing wrong with a text: a machine code and a sentence saying what and where."""

    code: str
    message: str


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def repetition_problems(text: str) -> list[TextProblem]:
    """A word that dominates the text, a phrase repeated 3+ times, a sentence said twice."""
    words = _words(text)
    found: list[TextProblem] = []
    content = [w for w in words if w not in STOPWORDS and len(w) > 2]
    if len(words) >= MIN_WORDS_FOR_SHARES and content:
        word, count = Counter(content).most_common(1)[0]
        if count >= DOMINANT_MIN_COUNT and count / len(words) > DOMINANT_SHARE:
            share = round(100 * count / len(words))
            found.append(
                TextProblem("text_repetitive", f"'{word}' is {share}% of the words ({count}x).")
            )
            return found
    grams = Counter(tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1))
    if grams and (top := grams.most_common(1)[0])[1] > NGRAM_MAX_REPEATS:
        message = f"the phrase '{' '.join(top[0])}' repeats {top[1]} times."
        return [TextProblem("text_repetitive", message)]
    loops = Counter(tuple(words[i : i + LOOP_NGRAM]) for i in range(len(words) - LOOP_NGRAM + 1))
    if loops and (twice := loops.most_common(1)[0])[1] > 1:
        message = f"the words '{' '.join(twice[0])}' are said {twice[1]} times."
        return [TextProblem("text_repetitive", message)]
    sentences = [fold(s.strip().lower()) for s in _SENTENCE.split(text) if len(s.split()) >= 3]
    repeated = [s for s, n in Counter(sentences).items() if n > 1]
    if repeated:
        found.append(TextProblem("text_repetitive", f"a sentence repeats: '{repeated[0][:60]}'."))
    return found


@lru_cache(maxsize=32)
def _prompt_runs(prompt: str) -> frozenset[tuple[str, ...]]:
    """Every run of ``ECHO_NGRAM`` folded words of a prompt (once per prompt, not per answer)."""
    source = [fold(w) for w in _words(prompt)]
    return frozenset(tuple(source[i : i + ECHO_NGRAM]) for i in range(len(source) - ECHO_NGRAM + 1))


def echo_problems(text: str, prompt: str = "") -> list[TextProblem]:
    """Prompt or schema wording copied into the answer (labels, place labels, instructions)."""
    if m := _RAW_PLACE.search(text):
        message = f"a place label pasted undeclined: '{text[m.start() : m.end() + 20]}'."
        return [TextProblem("text_echoes_prompt", message)]
    folded = fold(text.lower())
    for phrase in ECHO_PHRASES:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded):
            return [
                TextProblem("text_echoes_prompt", f"the text says '{phrase}' (prompt wording).")
            ]
    if prompt:
        runs = _prompt_runs(prompt)
        words = [fold(w) for w in _words(text)]
        for i in range(len(words) - ECHO_NGRAM + 1):
            if tuple(words[i : i + ECHO_NGRAM]) in runs:
                copied = " ".join(words[i : i + ECHO_NGRAM])
                return [
                    TextProblem("text_echoes_prompt", f"the text copies the prompt: '{copied}'.")
                ]
    return []


def placeholder_problems(text: str) -> list[TextProblem]:
    """Template slots left unfilled ("[imię]", "{name}", "XYZ", "N/A"), words run together,
    or letters of another script inside Polish words ("kultурą")."""
    if m := _FOREIGN_SCRIPT.search(text):
        return [TextProblem("text_placeholder", f"letters of another script: '{m.group(0)}'.")]
    if m := _GLUED.search(text):
        return [TextProblem("text_placeholder", f"words run together: '{m.group(0)}'.")]
    m = _PLACEHOLDER.search(text)
    if m is None:
        return []
    return [TextProblem("text_placeholder", f"the text holds a placeholder: '{m.group(0)}'.")]


def language_problems(text: str) -> list[TextProblem]:
    """Text that is not Polish, or Polish with English sentences mixed in."""
    words = [t for t in tokens(text, drop_stopwords=False) if not t.isdigit()]
    if not words:
        return []
    if language_of(text[:240]) != "pl" or sum(map(is_known, words)) / len(words) < MIN_POLISH_SHARE:
        return [TextProblem("text_not_polish", "the text is not written in Polish.")]
    for sentence in _SENTENCE.split(text):
        lowered = _words(sentence)
        english = [w for w in lowered if w in _ENGLISH_MARKERS]
        if len(english) >= 2 and len(lowered) >= ENGLISH_SENTENCE_WORDS:
            return [TextProblem("text_mixed_language", f"an English sentence: '{sentence[:60]}'.")]
    return []


def truncation_problems(text: str) -> list[TextProblem]:
    """Text that stops mid-sentence: the model ran into its token cap."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] in _SENTENCE_END:
        return []
    return [TextProblem("text_truncated", f"the text stops mid-sentence: '…{stripped[-40:]}'.")]


def copied_data_problems(text: str, data: str) -> list[TextProblem]:
    """A bracketed gloss copied from the prompt's data ("(tolerancja i troska o ludzi)")."""
    for m in _BRACKETED.finditer(text):
        if len(m.group(1).split()) >= 2 and m.group(0) in data:
            return [TextProblem("text_echoes_prompt", f"the text copies '{m.group(0)[:60]}'.")]
    return []


def text_problems(text: str, prompt: str = "", data: str = "") -> list[TextProblem]:
    """Every degenerate-text check on one piece of Polish model text.

    ``prompt`` is the instruction wording (copying six words of it is an echo); ``data`` the
    facts the prompt gave (copying a bracketed gloss of them is an echo too).
    """
    return [
        *repetition_problems(text),
        *echo_problems(text, prompt),
        *copied_data_problems(text, data),
        *placeholder_problems(text),
        *language_problems(text),
        *truncation_problems(text),
    ]


def _key(item: str) -> frozenset[str]:
    return frozenset(term_of(t) for t in tokens(item)) or frozenset({fold(item.lower())})


def item_problems(items: Iterable[str]) -> list[TextProblem]:
    """List items that repeat each other ("zdrowie", "Zdrowie rodziny" count as one), or that
    echo schema wording or hold placeholders."""
    keys = [(item, _key(item)) for item in items if item and item.strip()]
    for i, (item, key) in enumerate(keys):
        for other, other_key in keys[:i]:
            if key <= other_key or other_key <= key:
                message = f"'{item}' repeats '{other}'."
                return [TextProblem("items_repeat", message)]
    for item, _ in keys:
        for problem in (*echo_problems(item), *placeholder_problems(item)):
            return [problem]
    return []
