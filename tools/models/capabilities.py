"""What a configured model can be trusted with, by its ``provider/model`` name.

SmolLM2-135M answers in English or word salad when asked for Polish (measured, see
docs/requirements.md §9): a workflow that needs Polish text does not call it and uses its
deterministic floor instead, saying so. Choosing among fixed options (an occupation from a
table) is left to the hosted providers; the embedded models pick poorly.
"""

from __future__ import annotations

NO_POLISH = frozenset({"local/smollm2-135m"})
CAPABLE_PROVIDERS = frozenset({"gemini", "ollama"})


def writes_polish(chain: list[str]) -> bool:
    """Whether the first model of a role's chain writes usable Polish."""
    return bool(chain) and chain[0] not in NO_POLISH


def is_capable(chain: list[str]) -> bool:
    """Whether the role's first model is a hosted one (Gemini, Ollama)."""
    return bool(chain) and chain[0].partition("/")[0] in CAPABLE_PROVIDERS
