"""Results a question names by a person's name or a client's alias, in any Polish case.

"Dlaczego Katarzyna ma niski NPS?", "Porównaj Katarzynę i Tomasza", "tego pana od BMW": a
name matches a question word when they share all but the name's last two letters (at least
four), so "Katarzyny", "Tomasza" and "Kamińskiej" find Katarzyna, Tomasz and Kamińska. Words
every alias has ("pan", "pani", "klient") and short words do not count; acronyms do ("BMW").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tools.polish_text import fold

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_PREFIX = 4
IGNORED = frozenset(
    {
        "pan", "pani", "pana", "panu", "panem", "panią", "państwo", "państwa", "klient",
        "klientka", "firma", "transport", "student", "studentka", "rodzina", "lekarka",
        "lekarz", "sesja", "persona", "grupa", "dzień", "dobry",
    }
)  # fmt: skip


def _name_words(name: str) -> list[str]:
    """The words of a name or alias that can identify it, lower-cased (acronyms kept upper)."""
    words = []
    for word in _WORD.findall(name):
        lower = word.lower()
        if lower in IGNORED or word.isdigit() or len(word) < 3:
            continue
        words.append(word if word.isupper() else lower)
    return words


def _matches(name_word: str, question_word: str) -> bool:
    """Whether a question word is this name word in some case ("Katarzyny" for Katarzyna).
    Short names must be capitalised in the question: "nowa" is not the Nowaks."""
    if name_word.isupper():  # an acronym ("BMW"), only as it is
        return question_word.upper() == name_word and question_word[:1].isupper()
    lower, name_word = fold(question_word.lower()), fold(name_word)
    if abs(len(lower) - len(name_word)) > 3:
        return False
    if len(name_word) < 6 and not question_word[:1].isupper():
        return False
    if len(name_word) <= 3:  # "Ola": "Oli", "Olę" (folded "ole"), "Olu"
        stem = name_word[:-1] if name_word.endswith("a") else name_word
        return lower == name_word or (stem != name_word and lower in {stem + e for e in "aeiouy"})
    need = len(name_word) - 1 if len(name_word) <= 5 else len(name_word) - 2
    if name_word[-2:] in ("ek", "ec"):  # the e drops: Marek -> Marka, Marku; Jacek -> Jacka
        stem = name_word[:-2] + name_word[-1]
        if lower.startswith(stem):
            return True
    return lower[:need] == name_word[:need]


def named_in(question: str, candidates: Sequence[tuple[Any, str]]) -> list[Any]:
    """The refs whose name (or alias) has a word the question uses, in candidates' order."""
    words = set(_WORD.findall(question))
    found = []
    for ref, name in candidates:
        if any(_matches(n, w) for n in _name_words(name) for w in words):
            found.append(ref)
    return found
