"""The versioned Polish knowledge pack shipped in ``tools/data/knowledge`` (manifest + files)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import KnowledgeEntry

PACK_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge"


@dataclass(frozen=True, slots=True)
class Module:
    """A contextual knowledge module and the words that activate it."""

    slug: str
    title: str
    triggers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pack:
    """A validated knowledge pack."""

    name: str
    version: str
    entries: tuple[KnowledgeEntry, ...]
    modules: tuple[Module, ...]


def load_pack(directory: Path = PACK_DIR) -> Pack:
    """Read and validate a pack; every problem in every file is reported at once."""
    try:
        return _load(directory)
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputValidationError(
            [
                {
                    "field": str(directory),
                    "message": f"not a readable knowledge pack (manifest.json listing JSON files with "
                    f"an 'entries' list): {type(exc).__name__}: {exc}",
                }
            ]
        ) from exc


def _load(directory: Path) -> Pack:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    entries: list[KnowledgeEntry] = []
    modules: list[Module] = []
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for filename in manifest["files"]:
        data = json.loads((directory / filename).read_text(encoding="utf-8"))
        for m in data.get("modules", []):
            modules.append(Module(m["slug"], m["title"], tuple(m["triggers"])))
        for i, raw in enumerate(data["entries"]):
            try:
                entry = KnowledgeEntry.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(x) for x in err["loc"])
                    problems.append({"field": f"{filename}[{i}].{loc}", "message": err["msg"]})
                continue
            if entry.id in seen:
                problems.append({"field": f"{filename}[{i}].id", "message": f"{entry.id} repeats"})
            seen.add(entry.id)
            entries.append(entry)
    slugs = {m.slug for m in modules}
    for e in entries:
        if e.module is not None and e.module not in slugs:
            problems.append({"field": f"{e.id}.module", "message": f"unknown module {e.module}"})
    if problems:
        raise InputValidationError(problems)
    return Pack(manifest["name"], manifest["version"], tuple(entries), tuple(modules))
