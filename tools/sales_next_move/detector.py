"""Find vocabulary signals in a salesperson's note by Polish lemma phrases (no model).

A phrase ("zasięg zima") fires when its lemmas occur in the note in order, whatever their
inflection ("pyta o zasięg zimą"), with at most ``max_gap`` other words in between ("zasięg
na mrozie" for "zasięg mróz"). Phrase words the Polish dictionary does not know (brands,
loanwords: "ioniq", "supercharger") also match unknown words they begin ("Ioniqiem",
"superchargerów"), because the dictionary cannot join those forms. A negator ("nie", "bez",
"żaden") just before a phrase, or inside its gap, in the same clause, cancels the match for a
negatable signal ("nie ma dzieci"), unless the phrase itself holds the negation ("nie ma
garażu"). Every match quotes the note verbatim (``evidence == text[start:end]``) so a UI can
highlight it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Literal

from tools.polish_text import LANGS, fold, is_known, term_of, token_spans
from tools.sales_next_move.vocabulary import Vocabulary, load_vocabulary

MAX_GAP = 2  # extra words a multi-word phrase may have between its words, in total
NEGATION_WINDOW = 2  # words before a phrase in which a negator cancels it
NEGATORS = frozenset({"nie", "bez", "zaden"})  # lemmas ("żadnych" -> "zaden")
MIN_PREFIX = 4  # shorter unknown phrase words ("bmw", "kia") match only exactly
# punctuation that ends a clause; "id.4" and "0–100" are words, not breaks
_CLAUSE_BREAK = re.compile(r"[.,;:!?…–—](?!\w)|[()]")


@dataclass(frozen=True, slots=True)
class DetectedSignal:
    """A signal found in one turn's text, with the verbatim words it was found on."""

    id: str
    evidence: str
    start: int
    end: int
    source: Literal["rules", "model", "both"] = "rules"
    turn: int = 0

    def to_dict(self) -> dict[str, object]:
        """The shape a turn's analysis stores: id, evidence, source, turn."""
        return {"id": self.id, "evidence": self.evidence, "source": self.source, "turn": self.turn}


@dataclass(frozen=True, slots=True)
class _Word:
    lemma: str
    prefix: str | None  # set for words the dictionary does not know


@dataclass(frozen=True, slots=True)
class _Pattern:
    signal: int  # index into the vocabulary's signals
    words: tuple[_Word, ...]
    negated_inside: bool  # the phrase carries its own negation


@dataclass(frozen=True, slots=True)
class _Token:
    lemma: str
    surface: str  # folded
    known: bool
    start: int
    end: int


class SignalDetector:
    """Finds the vocabulary's signals in a text (patterns precomputed, indexed by first word)."""

    def __init__(self, vocabulary: Vocabulary, *, max_gap: int = MAX_GAP) -> None:
        self._signals = vocabulary.signals
        self._max_gap = max_gap
        self._by_lemma: dict[str, list[_Pattern]] = defaultdict(list)
        self._by_prefix: list[_Pattern] = []
        for index, signal in enumerate(vocabulary.signals):
            for phrase in signal.phrases:
                pattern = _pattern(index, phrase)
                if pattern is None:
                    continue
                self._by_lemma[pattern.words[0].lemma].append(pattern)
                if pattern.words[0].prefix:
                    self._by_prefix.append(pattern)

    def detect(self, text: str, *, turn: int = 0) -> list[DetectedSignal]:
        """Signals in ``text``, one per id (its first match), in order of position."""
        tokens = _tokens(text)
        best: dict[int, tuple[int, int]] = {}  # signal index -> (first token, last token)
        for i, token in enumerate(tokens):
            for pattern in self._candidates(token):
                if pattern.signal in best and best[pattern.signal][0] < i:
                    continue
                last = self._match(pattern, tokens, text, i)
                if last is None or self._negated(pattern, tokens, text, i, last):
                    continue
                if pattern.signal not in best or last > best[pattern.signal][1]:
                    best[pattern.signal] = (i, last)
        found = []
        for index, (first, last) in sorted(best.items(), key=lambda kv: (kv[1][0], kv[0])):
            start, end = tokens[first].start, tokens[last].end
            found.append(
                DetectedSignal(self._signals[index].id, text[start:end], start, end, turn=turn)
            )
        return found

    def _candidates(self, token: _Token) -> list[_Pattern]:
        patterns = self._by_lemma.get(token.lemma, [])
        if token.known or not self._by_prefix:
            return patterns
        extra = [p for p in self._by_prefix if p not in patterns and _fits(p.words[0], token)]
        return [*patterns, *extra] if extra else patterns

    def _match(self, pattern: _Pattern, tokens: list[_Token], text: str, i: int) -> int | None:
        """Index of the phrase's last word when the phrase starts at token ``i``, else None."""
        limit = min(len(tokens), i + len(pattern.words) + self._max_gap)
        pos = i
        for word in pattern.words[1:]:
            pos = next((j for j in range(pos + 1, limit) if _fits(word, tokens[j])), None)
            if pos is None:
                return None
        if pos > i and _breaks(text, tokens[i].end, tokens[pos].start):
            return None  # a phrase is said within one clause
        return pos

    def _negated(
        self, pattern: _Pattern, tokens: list[_Token], text: str, first: int, last: int
    ) -> bool:
        if pattern.negated_inside or not self._signals[pattern.signal].negatable:
            return False
        if any(t.lemma in NEGATORS for t in tokens[first + 1 : last]):
            return True
        for j in range(first - 1, max(first - 1 - NEGATION_WINDOW, -1), -1):
            if _breaks(text, tokens[j].end, tokens[j + 1].start):
                return False
            if tokens[j].lemma in NEGATORS:
                return not _affirms(tokens, j)
        return False


@cache
def bundled_detector() -> SignalDetector:
    """A detector for the bundled vocabulary (built once)."""
    return SignalDetector(load_vocabulary())


def _breaks(text: str, start: int, end: int) -> bool:
    """Whether a clause ends in ``text[start:end]`` (the next character decides "0–100")."""
    return _CLAUSE_BREAK.search(text, start, end + 1) is not None


def _affirms(tokens: list[_Token], j: int) -> bool:
    """Whether the negator at ``j`` leaves the words after it said.

    "nie tylko zasięg" means "not only range"; "czy nie spada zasięg" asks about range.
    """
    after = tokens[j + 1].surface if j + 1 < len(tokens) else ""
    before = tokens[j - 1].surface if j > 0 else ""
    return after == "tylko" or before == "czy"


def _pattern(signal: int, phrase: str) -> _Pattern | None:
    """A phrase's words as the detector tokenises a note ("0-100" -> "0", "100")."""
    words = tuple(_word(t) for t, _, _ in token_spans(phrase, drop_stopwords=False))
    if not words:
        return None
    return _Pattern(signal, words, any(w.lemma in NEGATORS for w in words))


def _word(token: str) -> _Word:
    lemma = term_of(token)
    unknown = not is_known(token, LANGS[0]) and not token.isdigit()
    return _Word(lemma, fold(token) if unknown and len(token) >= MIN_PREFIX else None)


def _fits(word: _Word, token: _Token) -> bool:
    if token.lemma == word.lemma:
        return True
    return word.prefix is not None and not token.known and token.surface.startswith(word.prefix)


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(term_of(t), fold(t), _known_anywhere(t), start, end)
        for t, start, end in token_spans(text, drop_stopwords=False)
    ]


def _known_anywhere(token: str) -> bool:
    return token.isdigit() or any(is_known(token, lang) for lang in LANGS)
