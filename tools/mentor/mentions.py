"""What a question says about the results it is about: ids, kinds of result, "the latest".

"Co wynika z moich ostatnich grup fokusowych?" names a kind (focus groups) and asks for the
latest; "Dlaczego persona 3f2a…-… ma niski NPS?" names an id; "A dlaczego?" names nothing (the
conversation's results still apply). Matching is on word stems, so Polish inflection
("grupy fokusowej", "grupach fokusowych") is one kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = ("persona", "focus_group", "kpi", "sales_session")

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# KPI snapshot keys are hex digests (16-64 characters), never part of a UUID.
HEX_KEY = re.compile(r"(?<![0-9a-f-])[0-9a-f]{16,64}(?![0-9a-f-])", re.I)

_KIND_WORDS: dict[str, re.Pattern[str]] = {
    "persona": re.compile(r"\bperson\w*", re.I),
    "focus_group": re.compile(
        r"\bfokus\w*|\bfocus\w*|\bgrup\w*\s+badawcz\w*|\bbadani\w*|\bankiet\w*"
        r"|\bresponden\w*|\buczestni\w*",
        re.I,
    ),
    "kpi": re.compile(
        r"\bkpi\b|\bwskaźni\w*|\bnps\b|\bltv\b|\bcac\b|\bkonwersj\w*|\bretencj\w*"
        r"|\bwielkoś\w*\s+segment\w*|\bsegment\w*|\brynk\w*|\bbenchmark\w*",
        re.I,
    ),
    "sales_session": re.compile(
        r"\bsesj\w*|\bsprzeda\w*|\bsalon\w*|\bklien\w*|\bjazd\w*\s+próbn\w*"
        r"|\btransakcj\w*|\bzakup\w*",
        re.I,
    ),
}
_LATEST = re.compile(r"\bostatni\w*|\bnajnowsz\w*|\bśwież\w*|\bdzisiejsz\w*|\bwczorajsz\w*", re.I)
_ALL = re.compile(r"\bwszystki\w*|\bkażd\w*", re.I)
_NUMBER_WORDS = {
    "dwa": 2, "dwie": 2, "dwóch": 2, "trzy": 3, "trzech": 3, "cztery": 4, "czterech": 4,
    "pięć": 5, "pięciu": 5, "sześć": 6, "siedem": 7, "osiem": 8, "dziewięć": 9, "dziesięć": 10,
}  # fmt: skip
_COUNT = re.compile(
    r"\b(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+(?:ostatni\w*|najnowsz\w*)", re.I
)


@dataclass(frozen=True)
class Mentions:
    """What one question names."""

    ids: list[str] = field(default_factory=list)  # UUIDs and hex keys, in order of appearance
    kinds: list[str] = field(default_factory=list)  # in KINDS order
    latest: bool = False  # "ostatnie", "najnowsze": the newest results of the kinds named
    everything: bool = False  # "wszystkie", "każda": as many as fit
    count: int | None = None  # "3 ostatnie grupy"

    @property
    def names_something(self) -> bool:
        return bool(self.ids or self.kinds)


def read_mentions(text: str) -> Mentions:
    """Return the ids, kinds and quantity a question names."""
    ids = list(dict.fromkeys(m.group(0).lower() for m in UUID.finditer(text)))
    ids += [k for k in dict.fromkeys(m.group(0).lower() for m in HEX_KEY.finditer(text))]
    kinds = [kind for kind in KINDS if _KIND_WORDS[kind].search(text)]
    count_match = _COUNT.search(text)
    count = None
    if count_match:
        word = count_match.group(1).lower()
        count = int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return Mentions(
        ids=ids,
        kinds=kinds,
        latest=bool(_LATEST.search(text)),
        everything=bool(_ALL.search(text)),
        count=count if count and count > 0 else None,
    )
