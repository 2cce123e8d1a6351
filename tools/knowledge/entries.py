"""What a knowledge entry is: the validated shape shared by the pack, the tool and the API."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["archetype", "module", "objection", "question", "segment", "rule", "note"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Language = Literal["pl", "en"]
MAX_TEXT_CHARS = 4000  # one chunk; longer knowledge is split by whoever writes it

# The ten customer archetypes of docs/requirements.md §4.2 (slug -> Polish name).
ARCHETYPES: dict[str, str] = {
    "zdobywca_statusu": "Zdobywca Statusu",
    "straznik_rodziny": "Strażnik Rodziny",
    "pragmatyczny_analityk": "Pragmatyczny Analityk",
    "eko_entuzjasta": "Eko-Entuzjasta",
    "pionier_technologii": "Pionier Technologii",
    "techniczny_sceptyk": "Techniczny Sceptyk",
    "lojalista_premium": "Lojalista Premium",
    "lowca_okazji": "Łowca Okazji",
    "niezdecydowany_odkrywca": "Niezdecydowany Odkrywca",
    "entuzjasta_osiagow": "Entuzjasta Osiągów",
}

SLUG = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"


class KnowledgeEntry(BaseModel):
    """One chunk of knowledge: a self-contained text with the metadata search filters on."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(
        pattern=SLUG,
        max_length=120,
        description="Stable id: lowercase ascii words joined by '.', '_' or '-'.",
        examples=["module.zima_zasieg.pompa_ciepla"],
    )
    kind: Kind = Field(description="What the chunk is.", examples=["module"])
    title: str = Field(
        min_length=1,
        max_length=200,
        description="Short title.",
        examples=["Pompa ciepła a zasięg zimą"],
    )
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="The knowledge itself, self-contained (it is retrieved alone).",
        examples=["Pompa ciepła ogranicza zimowy spadek zasięgu samochodu elektrycznego ..."],
    )
    tags: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Topic slugs.",
        examples=[["zima", "zasieg"]],
    )
    language: Language = Field(default="pl", description="Language of the text.")
    archetype: str | None = Field(
        default=None,
        description="Archetype slug it is specific to.",
        examples=["techniczny_sceptyk"],
    )
    module: str | None = Field(
        default=None,
        pattern=SLUG,
        max_length=60,
        description="Knowledge module slug it belongs to.",
        examples=["zima_zasieg"],
    )
    illustrative: bool = Field(
        default=False, description="True when its figures are illustrative, not verified."
    )
    source: str = Field(default="", max_length=300, description="Where the knowledge comes from.")

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        import re

        bad = [t for t in tags if not re.match(SLUG, t) or len(t) > 60]
        if bad:
            raise ValueError(f"tags must be lowercase ascii slugs (a-z, 0-9, '_'): {bad}")
        return list(dict.fromkeys(tags))

    @field_validator("archetype")
    @classmethod
    def _archetype(cls, value: str | None) -> str | None:
        if value is not None and value not in ARCHETYPES:
            raise ValueError(f"unknown archetype {value!r}; one of: {', '.join(ARCHETYPES)}")
        return value

    def searchable_text(self) -> str:
        """What both retrievers see: the title, then the text."""
        return f"{self.title}\n{self.text}"

    def content_hash(self) -> str:
        """Hash of everything stored, to skip re-embedding an unchanged entry."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]
