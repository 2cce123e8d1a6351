"""What the Dojo's models answer: a draft knowledge entry and an intent, plus the draft's id.

The field descriptions are Polish because they are the model's instructions (the JSON schema is
sent with every structured call). Lenient inputs are normalised before validation: a model that
writes "Pragmatyczny Analityk" or "Zasięg" instead of a slug gets the slug, not a repair round.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.polish_text import fold

DraftKind = Literal["archetype", "module", "objection", "question", "rule", "note"]
DRAFT_KINDS: tuple[str, ...] = DraftKind.__args__  # type: ignore[attr-defined]
ArchetypeSlug = Literal[tuple(ARCHETYPES)]  # type: ignore[valid-type]
Intent = Literal["teach", "correct", "ask", "review_feedback", "review_sessions", "other"]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]

MAX_TITLE_CHARS = 120
MAX_TEXT_CHARS = 1200
MAX_TAGS = 8
MAX_TAG_CHARS = 60
MAX_ID_CHARS = 120  # tools.knowledge.entries.KnowledgeEntry.id
MAX_TITLE_SLUG_CHARS = 60  # keeps ids readable; the hash keeps them distinct
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_NONE_WORDS = frozenset({"", "none", "null", "brak", "nie_dotyczy", "zaden", "zadna", "zadne"})


def slugify(text: str, max_chars: int | None = None) -> str:
    """Fold ``text`` to a lowercase ascii slug of words joined by ``_`` ("Łowca" -> "lowca").

    With ``max_chars`` the slug is cut at a word boundary (a single long word is cut inside).
    """
    slug = _NON_SLUG.sub("_", fold(text)).strip("_")
    if max_chars is not None and len(slug) > max_chars:
        cut = slug[: max_chars + 1]
        slug = cut.rsplit("_", 1)[0] if "_" in cut[:max_chars] else slug[:max_chars]
    return slug.strip("_")


@cache
def module_titles() -> dict[str, str]:
    """Slug -> title of the bundled knowledge modules (the ones the trigger detector knows)."""
    return {m.slug: m.title for m in load_pack().modules}


def _slug_or_none(value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    slug = slugify(value)
    return None if slug in _NONE_WORDS else slug


class DraftEntry(BaseModel):
    """A knowledge entry drafted from a mentor's message, before the mentor confirms it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: DraftKind = Field(
        description=(
            "Rodzaj wpisu: rule (rada lub zasada dla sprzedawcy), objection (wątpliwość klienta "
            "i jak na nią odpowiedzieć), question (pytanie, które warto zadać klientowi), note "
            "(inna wiedza), archetype (opis typu klienta), module (wiedza tematyczna)."
        ),
        examples=["rule"],
    )
    title: str = Field(
        min_length=1,
        max_length=MAX_TITLE_CHARS,
        description="Krótki polski tytuł wpisu (do kilkunastu słów), bez kropki na końcu.",
        examples=["U Pragmatycznego Analityka zacznij od TCO"],
    )
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description=(
            "Treść wpisu po polsku, pełnymi zdaniami, zrozumiała bez rozmowy z mentorem: tylko "
            "to, co mentor powiedział, liczby przepisane dosłownie, bez nowych faktów."
        ),
        examples=["U Pragmatycznego Analityka zacznij rozmowę od całkowitego kosztu posiadania."],
    )
    archetype: ArchetypeSlug | None = Field(  # type: ignore[valid-type]
        default=None,
        description="Identyfikator archetypu klienta, którego dotyczy wpis, albo null.",
        examples=["pragmatyczny_analityk"],
    )
    module: str | None = Field(
        default=None,
        description="Identyfikator modułu wiedzy, do którego należy wpis, albo null.",
        examples=["tco"],
    )
    tags: list[str] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Do 8 tematów wpisu: małe litery bez polskich znaków, słowa łączone '_'.",
        examples=[["tco", "koszty"]],
    )

    @field_validator("archetype", mode="before")
    @classmethod
    def _archetype_slug(cls, value: Any) -> Any:
        # Any inflection-free spelling of a name ("Łowca Okazji", "lowca-okazji") is its slug.
        return _slug_or_none(value)

    @field_validator("module", mode="before")
    @classmethod
    def _module_slug(cls, value: Any) -> Any:
        return _slug_or_none(value)

    @field_validator("module")
    @classmethod
    def _module_known(cls, value: str | None) -> str | None:
        if value is not None and value not in module_titles():
            raise ValueError(f"unknown module {value!r}; one of: {', '.join(module_titles())}")
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_slugs(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        tags = [slugify(t, MAX_TAG_CHARS) if isinstance(t, str) else t for t in value]
        return list(dict.fromkeys(t for t in tags if t != ""))


class IntentChoice(BaseModel):
    """The model's tie-break between intents of a mentor's message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intent: Intent = Field(description="Jedna intencja wiadomości mentora.", examples=["teach"])
    reason: str = Field(
        default="",
        max_length=300,
        description="Jedno krótkie zdanie po polsku: dlaczego ta intencja.",
        examples=["Mentor podaje zasadę do zapamiętania."],
    )


# Every entry the Dojo writes has an id starting so (a meta-rule: "dojo.rule.").
DOJO_PREFIX = "dojo."


def tenant_tag(tenant: str) -> str:
    """Six hex digits of the tenant, for ids that would otherwise be the same in every tenant
    (entry ids are unique across the knowledge base)."""
    return hashlib.sha256(tenant.encode()).hexdigest()[:6]


def entry_id(draft: DraftEntry, tenant: str | None, now: datetime) -> str:
    """Return a stable knowledge id for ``draft``: ``dojo.<kind>.<title slug>.<6 hex>``.

    The hash covers the tenant, the time and the draft's content, so the same teach replayed
    (a resumed graph) gets the same id while two mentors teaching one title do not collide.
    """
    digest = hashlib.sha256(
        "\n".join((tenant or "", now.isoformat(), draft.kind, draft.title, draft.text)).encode()
    ).hexdigest()[:6]
    prefix = f"{DOJO_PREFIX}{draft.kind}."
    room = min(MAX_TITLE_SLUG_CHARS, MAX_ID_CHARS - len(prefix) - len(digest) - 1)
    title = slugify(draft.title, room) or "wpis"
    return f"{prefix}{title}.{digest}"
