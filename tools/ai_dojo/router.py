"""Which of six intents a mentor's message carries: an embedding router with fitted thresholds.

Every labelled example of ``tools/data/ai_dojo/intent_examples.json`` is embedded once per
embedder spec as a query (e5 embeds queries and passages differently; a message is a query).
An intent's score is the mean of the ``k`` highest cosine similarities between the message and
that intent's examples (``method="knn"``), or the cosine to the intent's centroid
(``method="centroid"``); ``python -m evals.ai_dojo.fit`` chose between them by leave-one-out
accuracy on the examples and fitted the thresholds (``thresholds.json``).

The top intent is *confident* when its score reaches ``min_score`` and it leads the runner-up
by ``min_margin``; otherwise the graph asks a capable model to break the tie. With no such model
it follows ``fallback_intent``: the top intent, or ``other`` when the fitting found that sending
low scores to ``other`` (``below_min_score="other"``) is the more accurate choice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

INTENTS = ("teach", "correct", "ask", "review_feedback", "review_sessions", "other")
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "ai_dojo"
EXAMPLES_PATH = DATA_DIR / "intent_examples.json"
THRESHOLDS_PATH = DATA_DIR / "thresholds.json"

# Cheap surface cues, written from the intents' definitions (not from the examples): a question
# mark leans to ``ask``, a session number or the word "sesja" to ``review_sessions``, ratings
# to ``review_feedback``, a denial to ``correct``, a greeting or thanks to ``other``.
LEXICAL_CUES: dict[str, re.Pattern[str]] = {
    "ask": re.compile(r"\?\s*$"),
    "review_sessions": re.compile(r"#\s?\d+|\bsesj", re.IGNORECASE),
    "review_feedback": re.compile(r"\bocen|kciuk|łapk|\bfeedback|👍|👎", re.IGNORECASE),
    "correct": re.compile(r"nieprawd|\bpopraw|\bbłęd|\bmylisz|\bmylne", re.IGNORECASE),
    "other": re.compile(r"^\s*(cześć|hej|dzień dobry|dzięki|dziękuję|na razie)", re.IGNORECASE),
}


@dataclass(frozen=True, slots=True)
class RouterThresholds:
    """How the router scores and when it trusts its own answer (fitted, see the module doc)."""

    method: Literal["knn", "centroid"] = "knn"
    k: int = 3
    min_score: float = 0.0
    min_margin: float = 0.0
    lexical_weight: float = 0.0  # added to an intent's score per matching cue; 0 = no cues
    below_min_score: Literal["top", "other"] = "top"  # the no-model path under min_score

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RouterThresholds:
        """Build from the ``router`` object of thresholds.json (unknown keys ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class IntentScore:
    """The router's verdict on one message."""

    intent: str  # the top-scoring intent
    score: float
    margin: float  # top score minus the runner-up's
    scores: dict[str, float]
    confident: bool
    method: str = "embedding"
    fallback_intent: str = ""  # what to follow when not confident and no model can be asked


def lexical_cues(text: str) -> np.ndarray:
    """One 0/1 cue per intent (in ``INTENTS`` order) for the surface of ``text``."""
    return np.array(
        [1.0 if (p := LEXICAL_CUES.get(i)) and p.search(text) else 0.0 for i in INTENTS]
    )


def normalise(vectors: Any) -> np.ndarray:
    """Rows scaled to unit length (zero rows left as they are)."""
    matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def knn_scores(similarities: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per intent, the mean of the ``k`` highest similarities among its examples.

    ``labels`` holds each example's index in ``INTENTS``; a similarity of -inf marks an
    example left out (leave-one-out). An intent with no example scores -1.
    """
    out = np.full(len(INTENTS), -1.0)
    for i in range(len(INTENTS)):
        sims = similarities[(labels == i) & np.isfinite(similarities)]
        if sims.size:
            top = np.sort(sims)[-k:]
            out[i] = float(top.mean())
    return out


def verdict(
    scores: np.ndarray, th: RouterThresholds, cues: np.ndarray | None = None
) -> IntentScore:
    """Turn one score per intent (plus weighted cues) into an :class:`IntentScore`."""
    total = scores + th.lexical_weight * cues if cues is not None else scores
    order = np.argsort(-total, kind="stable")
    top, second = float(total[order[0]]), float(total[order[1]])
    intent = INTENTS[int(order[0])]
    margin = top - second
    confident = top >= th.min_score and margin >= th.min_margin
    low = top < th.min_score and th.below_min_score == "other"
    return IntentScore(
        intent=intent,
        score=round(top, 4),
        margin=round(margin, 4),
        scores={name: round(float(v), 4) for name, v in zip(INTENTS, total, strict=True)},
        confident=bool(confident),
        fallback_intent="other" if low else intent,
    )


class IntentRouter:
    """Score a message vector against the labelled examples."""

    def __init__(
        self, vectors: Any, labels: Sequence[str], thresholds: RouterThresholds | None = None
    ) -> None:
        unknown = sorted(set(labels) - set(INTENTS))
        if unknown:
            raise ValueError(f"unknown intents in the examples: {', '.join(unknown)}")
        self.thresholds = thresholds or RouterThresholds()
        self.matrix = normalise(vectors)
        self.labels = np.array([INTENTS.index(label) for label in labels])
        centroids = [
            self.matrix[self.labels == i].mean(axis=0)
            if (self.labels == i).any()
            else np.zeros(self.matrix.shape[1], dtype=np.float32)
            for i in range(len(INTENTS))
        ]
        self.centroids = normalise(centroids)

    def scores(self, vector: Sequence[float]) -> np.ndarray:
        """One embedding score per intent (in ``INTENTS`` order), without cues."""
        query = normalise(vector)[0]
        if self.thresholds.method == "centroid":
            return self.centroids @ query
        return knn_scores(self.matrix @ query, self.labels, self.thresholds.k)

    def classify(self, vector: Sequence[float], text: str | None = None) -> IntentScore:
        """Classify a message from its query vector (and its text, for the lexical cues)."""
        cues = lexical_cues(text) if text is not None and self.thresholds.lexical_weight else None
        return verdict(self.scores(vector), self.thresholds, cues)


def load_examples(path: Path = EXAMPLES_PATH) -> list[dict[str, Any]]:
    """The labelled examples ``{id, text, intent}`` of an intents file."""
    return json.loads(path.read_text(encoding="utf-8"))["examples"]


def load_router_thresholds(path: Path = THRESHOLDS_PATH) -> RouterThresholds:
    """The fitted router thresholds (the defaults if the file is missing)."""
    if not path.is_file():
        return RouterThresholds()
    return RouterThresholds.from_dict(json.loads(path.read_text(encoding="utf-8"))["router"])


_ROUTERS: dict[str, IntentRouter] = {}  # embedder spec -> router over the bundled examples


def router_for(embedder: Any) -> IntentRouter:
    """The router over the bundled examples for ``embedder``, built once per embedder spec.

    Embeds every example (a few hundred queries: seconds on a CPU, so call it off the event
    loop the first time). Thresholds come from thresholds.json.
    """
    if embedder.spec not in _ROUTERS:
        examples = load_examples()
        vectors = embedder.embed_queries([e["text"] for e in examples])
        router = IntentRouter(vectors, [e["intent"] for e in examples], load_router_thresholds())
        _ROUTERS.setdefault(embedder.spec, router)
    return _ROUTERS[embedder.spec]


def route(embedder: Any, text: str) -> IntentScore:
    """Classify one mentor message with the bundled router (embeds it as a query)."""
    return router_for(embedder).classify(embedder.embed_query(text), text)
