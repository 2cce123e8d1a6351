"""The bundled Polish knowledge pack, and the entry shape every pack and write must satisfy."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES, KINDS, MAX_TEXT_CHARS, KnowledgeEntry
from tools.knowledge.pack import PACK_DIR, load_pack

FACETS = {"opis", "motywacje", "jak_mowi", "co_przekonuje", "czerwone_flagi", "strategie"}
# A figure is a number standing alone ("50%", "VAT-26", "7 dni"); digits inside a code
# such as "V2L", "B2B" or "PM2.5" are names, not figures.
FIGURE = re.compile(r"(?<![^\W\d_])(?<![\d.,])\d+(?:[.,]\d+)?(?![^\W\d_])")


@pytest.fixture(scope="module")
def pack():
    return load_pack()


# --- entries --------------------------------------------------------------------------------


def _entry(**overrides) -> dict:
    return {"id": "note.test", "kind": "note", "title": "Tytuł", "text": "Treść."} | overrides


def _invalid_fields(**overrides) -> list[str]:
    with pytest.raises(ValidationError) as err:
        KnowledgeEntry(**_entry(**overrides))
    return [".".join(str(x) for x in e["loc"]) for e in err.value.errors()]


def test_entry_when_valid_then_defaults_fill_in_and_tags_dedupe() -> None:
    entry = KnowledgeEntry(**_entry(tags=["zima", "zima", "zasieg"]))

    assert (entry.language, entry.archetype, entry.illustrative) == ("pl", None, False)
    assert entry.tags == ["zima", "zasieg"]
    assert entry.searchable_text() == "Tytuł\nTreść."


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"kind": "recipe"}, "kind"),
        ({"tags": ["Zła Etykieta"]}, "tags"),
        ({"archetype": "kosmonauta"}, "archetype"),
        ({"id": "Not A Slug"}, "id"),
        ({"language": "de"}, "language"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_entry_when_a_field_is_bad_then_rejected_naming_the_field(overrides, field) -> None:
    assert _invalid_fields(**overrides) == [field]


def test_entry_when_text_is_exactly_max_then_accepted() -> None:
    assert len(KnowledgeEntry(**_entry(text="x" * MAX_TEXT_CHARS)).text) == MAX_TEXT_CHARS


def test_entry_when_archetype_unknown_then_message_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="lowca_okazji"):
        KnowledgeEntry(**_entry(archetype="kosmonauta"))


def test_content_hash_when_any_field_changes_then_it_changes() -> None:
    entry = KnowledgeEntry(**_entry())

    assert entry.content_hash() == KnowledgeEntry(**_entry()).content_hash()
    assert entry.content_hash() != KnowledgeEntry(**_entry(tags=["zima"])).content_hash()
    assert entry.content_hash() != KnowledgeEntry(**_entry(text="Inna treść.")).content_hash()


# --- the bundled pack -----------------------------------------------------------------------


def test_pack_when_loaded_then_valid_and_large_enough(pack) -> None:
    assert pack.name == "sight-pl" and pack.version
    assert len(pack.entries) >= 150
    assert len({e.id for e in pack.entries}) == len(pack.entries)
    assert {e.kind for e in pack.entries} <= set(KINDS)


def test_pack_when_loaded_then_every_archetype_has_its_six_facets(pack) -> None:
    facets: dict[str, set[str]] = {}
    for e in pack.entries:
        if e.kind == "archetype":
            facets.setdefault(e.archetype, set()).add(e.id.rsplit(".", 1)[-1])

    assert set(facets) == set(ARCHETYPES) and len(ARCHETYPES) == 10
    assert all(f == FACETS for f in facets.values()), facets


def test_pack_when_loaded_then_every_module_has_triggers_and_entries(pack) -> None:
    per_module = Counter(e.module for e in pack.entries if e.module)

    assert len(pack.modules) >= 9
    for module in pack.modules:
        assert module.triggers, module.slug
        assert per_module[module.slug] >= 3, module.slug
    assert set(per_module) == {m.slug for m in pack.modules}


def test_pack_when_an_entry_states_a_figure_then_it_is_marked_illustrative(pack) -> None:
    with_figures = [e for e in pack.entries if FIGURE.search(e.text)]
    unmarked = [e.id for e in with_figures if not e.illustrative]

    assert len(with_figures) >= 50
    assert unmarked == []


def test_figure_pattern_when_digits_are_part_of_a_code_then_not_a_figure() -> None:
    found = [
        m.group()
        for m in FIGURE.finditer("V2L, B2B i PM2.5 to nazwy; 50% VAT-26 w 7 dni, 11 kW, 3,5 t.")
    ]

    assert found == ["50", "26", "7", "11", "3,5"]


# --- a broken pack --------------------------------------------------------------------------


def _broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy)
    path = copy / "objections.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entries"][1]["id"] = data["entries"][0]["id"]  # a repeated id
    data["entries"][2]["kind"] = "recipe"  # an unknown kind
    data["entries"][3]["module"] = "kosmos"  # a module nobody declares
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return copy


def test_load_pack_when_broken_then_every_problem_is_listed(tmp_path) -> None:
    first_id = json.loads((PACK_DIR / "objections.json").read_text("utf-8"))["entries"][0]["id"]
    third_id = json.loads((PACK_DIR / "objections.json").read_text("utf-8"))["entries"][3]["id"]

    with pytest.raises(InputValidationError) as err:
        load_pack(_broken_copy(tmp_path))

    by_field = {p["field"]: p["message"] for p in err.value.problems}
    assert set(by_field) == {
        "objections.json[1].id",
        "objections.json[2].kind",
        f"{third_id}.module",
    }
    assert by_field["objections.json[1].id"] == f"{first_id} repeats"
    assert "kosmos" in by_field[f"{third_id}.module"]
    assert "3 problem(s)" in err.value.message
