"""Mine concluded sessions for feature combinations that precede a purchase, and ask about them.

An itemset is one feature or a pair from two families (see ``session_facts``). It is kept when
at least ``min_support`` sessions have it and the Wilson lower bound of their purchase rate
beats the purchase rate of all sessions. The bound's z is Bonferroni-corrected for the itemsets
tested, counted as Tarone does: an itemset whose support is too small to beat the baseline even
if every one of its sessions ended in a purchase cannot be significant, so it is not a test.
That keeps a pure-noise table silent without making a strong pattern on 300 sessions invisible.
A pair is kept only when it beats both of its items alone (else it adds nothing to them).
Pure and deterministic: the same facts give the same patterns, ids and questions.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.stats import norm

from tools.ai_dojo.session_facts import (
    SEQUENCE,
    Labels,
    SessionFacts,
    bundled_labels,
    components,
    family,
)
from tools.stats import wilson

MAX_CITED = 10
EXAMPLES = 3  # sessions named in the question itself


@dataclass(frozen=True, slots=True)
class Pattern:
    """A combination that preceded purchases more often than the average, with its evidence.

    ``sessions``: sessions with the pattern, purchases first (at most 10); ``turns``: the turn
    each of them first had every feature of it. ``tested``: the itemsets the z was corrected for.
    ``equivalent``: other feature sets found in exactly the same sessions (the same evidence).
    """

    id: str
    features: tuple[str, ...]
    support: int
    successes: int
    rate: float
    wilson_low: float
    baseline: float
    lift: float
    sessions: tuple[str, ...]
    turns: tuple[int, ...]
    tested: int
    question: str
    equivalent: tuple[tuple[str, ...], ...] = ()


def wilson_lower(successes: int, n: int, z: float) -> float:
    """The lower end of the Wilson score interval for ``successes`` out of ``n``."""
    return wilson(successes, n, z)[0]


def pattern_id(features: Sequence[str]) -> str:
    """A stable id of a feature set (order does not matter)."""
    return hashlib.sha256("\n".join(sorted(features)).encode()).hexdigest()[:16]


def mine(
    facts: Sequence[SessionFacts],
    *,
    min_support: int = 5,
    max_items: int = 2,
    confidence: float = 0.95,
    labels: Labels | None = None,
) -> list[Pattern]:
    """Patterns whose purchase rate beats the baseline, most convincing first.

    ``confidence`` is family-wise: 0.95 means a 5% chance that a table where the outcome is
    independent of every feature yields any pattern. ``labels`` name features in the question
    (the bundled data's names by default).
    """
    if max_items not in (1, 2):
        raise ValueError("max_items must be 1 or 2")
    y = np.array([f.purchased for f in facts], dtype=np.int64)
    baseline = float(y.mean()) if len(y) else 0.0
    counts = Counter(feature for f in facts for feature in f.features)
    items = sorted(f for f, c in counts.items() if c >= min_support)
    if not items or not 0.0 < baseline < 1.0:
        return []
    column = {f: i for i, f in enumerate(items)}
    cells = [(i, column[x]) for i, f in enumerate(facts) for x in f.features if x in column]
    rows, cols = zip(*cells, strict=True)
    m = sparse.csr_matrix((np.ones(len(cells), dtype=np.int64), (rows, cols)), (len(y), len(items)))
    # Two random session weights fingerprint the set of sessions an itemset covers: itemsets
    # covering the very same sessions are one test, and one question.
    weights = np.random.default_rng(0).integers(0, 2**40, size=(2, len(y)))
    columns = np.vstack([np.ones_like(y), y, weights])
    candidates = [((i,), *map(int, sums)) for i, sums in enumerate(m.T @ columns.T)]
    if max_items == 2:
        candidates += _pairs(m, columns, items, min_support)
    groups = {tuple(c[1:]) for c in candidates}
    z, tested = _corrected_z([key[0] for key in groups], baseline, 1 - confidence)
    low1 = [wilson_lower(k, n, z) for _, n, k, *_ in candidates[: len(items)]]
    kept: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for index, n, k, *fingerprint in candidates:
        low = wilson_lower(k, n, z)
        if low <= baseline or (len(index) > 1 and low <= max(low1[i] for i in index)):
            continue
        kept.setdefault((n, k, *fingerprint), []).append(index)
    names = labels if labels is not None else bundled_labels()
    by_column = m.tocsc()
    patterns = []
    for (n, k, *_), members in kept.items():
        named = [([items[i] for i in index], index) for index in members]
        first, *others = sorted(named, key=lambda f: (len(f[0]), [_rank(x) for x in f[0]], f[0]))
        rows = _rows(by_column, first[1])
        having = [facts[r] for r in rows]
        pattern = _pattern(having, first[0], n, k, wilson_lower(k, n, z), baseline, tested, names)
        patterns.append(replace(pattern, equivalent=tuple(tuple(o[0]) for o in others)))
    return sorted(patterns, key=lambda p: (-(p.wilson_low - p.baseline), p.id))


CONTEXT = ("archetype", "signal", "objection", "module", "rule")
MOMENTS = ("sequence", "strategy", "move")


def _rank(feature: str) -> int:
    """Which of equivalent features names a pattern best: a strategy after a concern, then a
    strategy, then the situation; a move kind (shown nearly every turn) last."""
    naming = ("sequence", "strategy", *CONTEXT, "move")
    kind = family(feature)
    if kind == "sequence" and "strategy:" not in feature:
        return len(naming)  # a move kind after a concern: often just the concern itself
    return naming.index(kind)


def _pairs(
    m: sparse.csr_matrix, columns: np.ndarray, items: list[str], min_support: int
) -> list[tuple[Any, ...]]:
    """Every pair of a situation (archetype, signal, objection, module, rule) and what was
    done in it (move, strategy, sequence), sharing no feature: (index, support, then the sums
    of ``columns[1:]`` over its sessions)."""
    together = sparse.triu(m.T @ m, k=1).tocoo()
    context = np.array([family(f) in CONTEXT for f in items])
    keep = (together.data >= min_support) & (context[together.row] != context[together.col])
    rows, cols, support = together.row[keep], together.col[keep], together.data[keep]
    if not len(rows):
        return []
    sums = [
        np.asarray(((sparse.diags(column, dtype=np.int64) @ m).T @ m).tocsr()[rows, cols]).ravel()
        for column in columns[1:]
    ]
    parts = [components(f) for f in items]
    pairs = [
        ((i, j), n, *values)
        for i, j, n, *values in zip(
            rows.tolist(), cols.tolist(), support.tolist(), *(s.tolist() for s in sums), strict=True
        )
        if not parts[i] & parts[j]
    ]
    return sorted(pairs)


def _corrected_z(supports: list[int], baseline: float, alpha: float) -> tuple[float, int]:
    """The Bonferroni z over the testable itemsets (Tarone's count), and that count.

    An itemset of support n can beat ``baseline`` only if n / (n + z^2) > baseline (all of
    its sessions purchases); the number that can, at the z for k tests, falls as k grows,
    so the least k with count(k) <= k is found by bisection.
    """
    ordered = np.sort(np.asarray(supports, dtype=np.float64))

    def testable(k: int) -> int:
        z = float(norm.ppf(1 - alpha / k))
        least = z * z * baseline / (1 - baseline)
        return int(len(ordered) - np.searchsorted(ordered, least, side="right"))

    lo, hi = 1, max(1, len(ordered))
    while lo < hi:
        mid = (lo + hi) // 2
        if testable(mid) <= mid:
            hi = mid
        else:
            lo = mid + 1
    return float(norm.ppf(1 - alpha / lo)), lo


def _rows(by_column: sparse.csc_matrix, index: tuple[int, ...]) -> np.ndarray:
    """The sessions (row numbers, ascending) having every item of ``index``."""
    columns = [by_column.indices[by_column.indptr[i] : by_column.indptr[i + 1]] for i in index]
    return functools.reduce(np.intersect1d, columns[1:], np.sort(columns[0]))


def _pattern(
    having: Sequence[SessionFacts],
    features: list[str],
    n: int,
    k: int,
    low: float,
    baseline: float,
    tested: int,
    labels: Labels,
) -> Pattern:
    cited = sorted(having, key=lambda f: not f.purchased)[:MAX_CITED]  # stable: input order kept
    turns = tuple(max(f.first_turn.get(x, 0) for x in features) for f in cited)
    rate = k / n
    examples = [(f.session_id, t) for f, t in zip(cited, turns, strict=True) if f.purchased]
    return Pattern(
        id=pattern_id(features),
        features=tuple(features),
        support=n,
        successes=k,
        rate=rate,
        wilson_low=low,
        baseline=baseline,
        lift=rate / baseline if baseline > 0 else math.inf,
        sessions=tuple(f.session_id for f in cited),
        turns=turns,
        tested=tested,
        question=question(features, n, k, baseline, examples[:EXAMPLES], labels),
    )


def question(
    features: Sequence[str],
    support: int,
    successes: int,
    baseline: float,
    examples: Sequence[tuple[str, int]],
    labels: Labels,
) -> str:
    """The question to the mentor, in the words of seed 001's example."""
    cited = "; ".join(f"#{sid[:8]}, tura {turn}" for sid, turn in examples)
    opening = f"Przeanalizowałem {successes} {_sessions_word(successes)} zakupem"
    opening += f" (np. {cited})." if cited else "."
    moments = [_moment(f, labels) for f in features if family(f) in MOMENTS]
    context = [_clause(f, labels) for f in features if family(f) not in MOMENTS]
    if moments:
        noticed = "kluczowym momentem było " + " i ".join(moments)
        noticed += f", gdy {' i '.join(context)}" if context else ""
        ask = "Czy to jest wzorzec, który powinniśmy stosować częściej?"
    else:
        noticed = "zakupem częściej kończyły się sesje, w których " + " i ".join(context)
        ask = "Czy to jest wzorzec, który powinniśmy uwzględniać w rozmowach?"
    figures = (
        f"skuteczność {round(100 * successes / support)}% wobec "
        f"{round(100 * baseline)}% średnio, n={support}"
    )
    return f"{opening} Zauważyłem, że {noticed} ({figures}). {ask}"


def _sessions_word(n: int) -> str:
    """'sesję zakończoną' / 'sesje zakończone' / 'sesji zakończonych' as Polish counts need."""
    if n == 1:
        return "sesję zakończoną"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "sesje zakończone"
    return "sesji zakończonych"


def _quoted(text: str) -> str:
    return text if text.startswith("„") else f"„{text}”"


def _clause(feature: str, labels: Labels) -> str:
    """The feature as a clause: what happened in the session."""
    kind, label = family(feature), labels.of(feature)
    if kind == "sequence":
        concern, move = feature.split(SEQUENCE, 1)
        return f"{_clause(move, labels)} po tym, jak {_clause(concern, labels)}"
    return {
        "archetype": f"klientem był {label}",
        "signal": f"pojawił się sygnał {_quoted(label)}",
        "objection": f"klient wyraził obawę {_quoted(label)}",
        "module": f"rozmowa dotyczyła tematu {_quoted(label)}",
        "rule": f"zastosowano regułę zespołu {_quoted(label)}",
        "move": f"zaproponowano ruch typu {_quoted(label)}",
        "strategy": f"użyto strategii {_quoted(label)}",
    }.get(kind, f"wystąpiło {_quoted(feature)}")


def _moment(feature: str, labels: Labels) -> str:
    """A move (or a move after a concern) as a noun phrase: 'użycie strategii X po tym, jak…'."""
    if family(feature) == "sequence":
        concern, move = feature.split(SEQUENCE, 1)
        return f"{_moment(move, labels)} po tym, jak {_clause(concern, labels)}"
    label = _quoted(labels.of(feature))
    if family(feature) == "move":
        return f"zaproponowanie ruchu typu {label}"
    return f"użycie strategii {label}"
