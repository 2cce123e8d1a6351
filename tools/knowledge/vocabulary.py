"""What words a knowledge base holds: document frequencies and the word forms seen.

Both backends need it. BM25's IDF and the reranker's term weights come from document
frequencies, and a query word the dictionary does not know (typed without Polish letters, or with
a typo) is resolved to the term of the closest word form seen in the chunks. With a Qdrant server
the vocabulary is rebuilt from the chunks' text at start and kept up to date by this process's
writes (writes by other processes reach it at the next start).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz
from rapidfuzz import process as fuzzy

from tools.knowledge.keyword import term_id
from tools.polish_text import analyze, fold, is_known, language_of, term_of, tokens

FUZZY_MIN_LEN = 5  # shorter unknown words are not spell-corrected
FUZZY_CUTOFF = 84.0  # rapidfuzz ratio (0-100) a correction must reach
FUZZY_MAX_LEN_DIFF = 2  # a correction differs from the word by at most this many letters
MAX_CORRECTIONS = 5  # per query: keeps a long query of unknown words cheap


class Vocabulary:
    """Document frequency per term id, and folded word form -> term."""

    def __init__(self) -> None:
        self._df: Counter[int] = Counter()
        self._n_docs = 0
        self._surface: dict[str, str] = {}
        # word forms by (first letter, length): typo candidates are looked up in 5 small lists
        self._buckets: dict[tuple[str, int], list[str]] = {}

    @property
    def n_forms(self) -> int:
        """Distinct (folded) word forms seen."""
        return len(self._surface)

    @property
    def n_docs(self) -> int:
        """Documents counted."""
        return self._n_docs

    def df(self, tid: int) -> int:
        """Documents containing term id ``tid``."""
        return self._df.get(tid, 0)

    def add_document(self, text: str, language: str = "pl") -> list[int]:
        """Count a document in; returns its sorted distinct term ids."""
        return self.add_pairs(analyze(text, language))

    def add_pairs(self, pairs: Iterable[tuple[str, str]]) -> list[int]:
        """Count a document in from its (word form, term) pairs; returns its term ids."""
        ids: set[int] = set()
        for surface, term in pairs:
            if surface not in self._surface:
                self._surface[surface] = term
                self._buckets.setdefault((surface[0], len(surface)), []).append(surface)
            ids.add(term_id(term))
        self._df.update(ids)
        self._n_docs += 1
        return sorted(ids)

    def remove_document(self, ids: Iterable[int]) -> None:
        """Count out a document given its term ids (word forms stay: they are harmless)."""
        self._df.subtract(ids)
        self._n_docs -= 1

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms of a query, resolving words the dictionary does not know.

        A Polish word typed without Polish letters or with a typo is mapped to the term of the
        closest word form seen in the chunks, when one is close enough; a word the dictionary
        knows is taken as typed (it is no typo, the chunks just lack it). English queries are left
        alone: Polish word forms and typo fixes would only add noise to them.
        """
        out: list[str] = []
        language = language_of(text)
        corrections = 0
        for token in tokens(text):
            term = term_of(token, language)
            surface = fold(token)
            if self._df.get(term_id(term), 0) > 0 or language != "pl":
                out.append(term)
            elif surface in self._surface:
                out.append(self._surface[surface])
            elif (
                len(surface) >= FUZZY_MIN_LEN
                and corrections < MAX_CORRECTIONS
                and not is_known(token, language)
                and (hit := self._closest(surface)) is not None
            ):
                corrections += 1
                out.append(hit)
            else:
                out.append(term)
        return list(dict.fromkeys(out))

    def _closest(self, surface: str) -> str | None:
        """The term of the most similar word form seen, same first letter, about the same length.

        Plain edit-distance ratio, not rapidfuzz's default WRatio: its partial matching would
        map "motocykl" to "oc" because "oc" occurs inside it. Typos in the first letter are
        rare enough that skipping them keeps a lookup to a few hundred forms, not 60,000.
        """
        n = len(surface)
        forms = [
            f
            for size in range(n - FUZZY_MAX_LEN_DIFF, n + FUZZY_MAX_LEN_DIFF + 1)
            for f in self._buckets.get((surface[0], size), ())
        ]
        match = fuzzy.extractOne(surface, forms, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return self._surface[match[0]] if match else None
