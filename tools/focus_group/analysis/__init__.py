"""Focus-group analysis: pure functions over answer records, persona profiles and embeddings."""

from tools.focus_group.analysis.cuts import cuts
from tools.focus_group.analysis.distributions import (
    choice_distribution,
    likert_distribution,
    numeric_distribution,
)
from tools.focus_group.analysis.homogeneity import homogeneity
from tools.focus_group.analysis.question import analyse_question, counted_answers
from tools.focus_group.analysis.sentiment import aggregate_sentiment, lexicon_sentiment
from tools.focus_group.analysis.ssr import SsrAnchors, build_ssr_anchors, check_ssr
from tools.focus_group.analysis.themes import find_themes

__all__ = [
    "SsrAnchors",
    "aggregate_sentiment",
    "analyse_question",
    "build_ssr_anchors",
    "check_ssr",
    "choice_distribution",
    "counted_answers",
    "cuts",
    "find_themes",
    "homogeneity",
    "lexicon_sentiment",
    "likert_distribution",
    "numeric_distribution",
]
