"""The versioned signal vocabulary (``tools/data/sales_next_move/signals.json``), validated.

A signal is something a salesperson's note can reveal about a customer ("pyta o zasięg zimą").
Each one lists the phrases that reveal it, how strongly it points to each archetype, and the
knowledge modules and objections it brings into play. Everything downstream (archetype scores,
indicator rules, next moves) refers to signals by id, so a typo in the file must fail loudly at
load time, with every problem listed at once rather than one per run.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import Pack, load_pack
from tools.polish_text import terms

SIGNALS_PATH = Path(__file__).resolve().parent.parent / "data" / "sales_next_move" / "signals.json"
SIGNAL_ID = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"

Weight = Annotated[float, Field(ge=0.0, le=1.0)]
Phrase = Annotated[str, Field(min_length=1)]


class Signal(BaseModel):
    """One signal: the phrases that reveal it and what it points to."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=SIGNAL_ID, description="snake_case Polish words without diacritics.")
    label: str = Field(min_length=1, description="What the salesperson noticed, in Polish.")
    phrases: tuple[Phrase, ...] = Field(
        min_length=1, description="Base-form words or phrases; matched on lemmas, any inflection."
    )
    archetypes: dict[str, Weight] = Field(
        default_factory=dict, description="Rule weight toward each archetype slug, 0..1."
    )
    modules: tuple[str, ...] = Field(default=(), description="Knowledge modules it implies.")
    objections: tuple[str, ...] = Field(default=(), description="Objection entry ids it hints at.")
    negatable: bool = Field(
        default=True,
        description="A 'nie'/'bez' just before a phrase cancels the match ('nie ma dzieci').",
    )


class Vocabulary(BaseModel):
    """The whole signal vocabulary, in file order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    description: str = ""
    signals: tuple[Signal, ...]

    def ids(self) -> tuple[str, ...]:
        """Signal ids in file order."""
        return tuple(s.id for s in self.signals)

    def get(self, signal_id: str) -> Signal | None:
        """The signal with ``signal_id``, or None."""
        return next((s for s in self.signals if s.id == signal_id), None)


def load_vocabulary(path: Path = SIGNALS_PATH, *, pack: Pack | None = None) -> Vocabulary:
    """Read and validate a vocabulary against a knowledge pack (the bundled one by default).

    The bundled file with the bundled pack is read once per process.
    """
    if path == SIGNALS_PATH and pack is None:
        return _bundled()
    return _load(path, pack if pack is not None else load_pack())


def signal_ids() -> tuple[str, ...]:
    """Ids of the bundled vocabulary's signals (what rule tables may refer to)."""
    return load_vocabulary().ids()


@cache
def _bundled() -> Vocabulary:
    return _load(SIGNALS_PATH, load_pack())


def _load(path: Path, pack: Pack) -> Vocabulary:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputValidationError(
            [{"field": str(path), "message": f"not a readable JSON file: {exc}"}]
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("signals"), list):
        raise InputValidationError(
            [{"field": str(path), "message": "expected an object with a 'signals' list"}]
        )
    problems: list[dict[str, str]] = []
    signals: list[Signal] = []
    for i, item in enumerate(raw["signals"]):
        try:
            signals.append(Signal.model_validate(item))
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, f"signals[{i}]"))
    try:
        Vocabulary.model_validate({**raw, "signals": []})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, "vocabulary"))
    problems.extend(_reference_problems(signals, pack))
    if problems:
        raise InputValidationError(problems)
    return Vocabulary(
        version=raw["version"], description=raw.get("description", ""), signals=tuple(signals)
    )


def _pydantic_problems(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": ".".join([prefix, *(str(x) for x in err["loc"])]), "message": err["msg"]}
        for err in exc.errors()
    ]


def _reference_problems(signals: list[Signal], pack: Pack) -> list[dict[str, str]]:
    """Duplicate ids, and slugs or ids that the archetypes and the pack do not know."""
    modules = {m.slug for m in pack.modules}
    objections = {e.id for e in pack.entries if e.kind == "objection"}
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for s in signals:
        if s.id in seen:
            problems.append({"field": f"{s.id}.id", "message": f"{s.id} repeats"})
        seen.add(s.id)
        for slug in s.archetypes:
            if slug not in ARCHETYPES:
                problems.append(
                    {"field": f"{s.id}.archetypes", "message": f"unknown archetype {slug}"}
                )
        for slug in s.modules:
            if slug not in modules:
                problems.append({"field": f"{s.id}.modules", "message": f"unknown module {slug}"})
        for oid in s.objections:
            if oid not in objections:
                problems.append(
                    {"field": f"{s.id}.objections", "message": f"unknown objection {oid}"}
                )
        for phrase in s.phrases:
            if not terms(phrase, drop_stopwords=False):
                problems.append(
                    {
                        "field": f"{s.id}.phrases",
                        "message": f"phrase {phrase!r} has no words to match",
                    }
                )
    return problems
