"""`sight knowledge load` and `search`: a pack goes in once, reloads skip it, search explains hits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from sight.settings import get_settings
from store.vectors import open_qdrant
from tools.polish_text import sentences

ENTRIES = [
    {
        "id": "module.zima_zasieg.pompa",
        "kind": "module",
        "module": "zima_zasieg",
        "title": "Pompa ciepła",
        "text": "Pompa ciepła ogranicza zimowy spadek zasięgu auta.",
    },
    {
        "id": "objection.cena",
        "kind": "objection",
        "title": "Za drogo",
        "text": "Klient mówi, że samochód elektryczny jest za drogi w porównaniu z benzyną.",
    },
]


def write_pack(folder: Path, entries: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps({"name": "test", "version": "1", "files": ["all.json"]}), encoding="utf-8"
    )
    modules = [{"slug": "zima_zasieg", "title": "Zima", "triggers": ["zima"]}]
    (folder / "all.json").write_text(
        json.dumps({"modules": modules, "entries": entries}), encoding="utf-8"
    )
    return folder


def test_knowledge_load_when_run_twice_then_second_run_skips_unchanged(cli_env: Path):
    pack = write_pack(cli_env / "pack", ENTRIES)

    first = CliRunner().invoke(app, ["knowledge", "load", "--pack", str(pack)])
    second = CliRunner().invoke(app, ["knowledge", "load", "--pack", str(pack)])

    assert first.exit_code == 0, first.output
    assert "added: 2" in first.stderr and "total: 2" in first.stderr
    assert second.exit_code == 0, second.output
    assert "added: 0" in second.stderr and "unchanged: 2" in second.stderr


def test_knowledge_search_when_loaded_then_best_hit_listed_with_terms(cli_env: Path):
    pack = write_pack(cli_env / "pack", ENTRIES)
    CliRunner().invoke(app, ["knowledge", "load", "--pack", str(pack)])

    result = CliRunner().invoke(app, ["knowledge", "search", "spadek zasięgu zimą", "--limit", "1"])

    assert result.exit_code == 0, result.output
    assert "module.zima_zasieg.pompa" in result.stderr
    assert "objection.cena" not in result.stderr
    assert "zasieg" in result.stderr  # the query's lemmas are shown


def test_knowledge_load_when_pack_invalid_then_exit_2_and_nothing_stored(cli_env: Path):
    bad = [ENTRIES[0] | {"kind": "recipe"}, ENTRIES[1] | {"text": ""}]
    pack = write_pack(cli_env / "bad", bad)

    result = CliRunner().invoke(app, ["knowledge", "load", "--pack", str(pack)])

    assert result.exit_code == 2
    assert "kind" in result.stderr and "text" in result.stderr
    assert not (cli_env / "data" / "qdrant").exists()


@pytest.fixture
def held_store(cli_env: Path) -> Iterator[Path]:
    """The embedded Qdrant folder held open, as a running `sight serve` holds it."""
    settings = get_settings()
    holder = open_qdrant(settings)
    yield settings.qdrant_path
    asyncio.run(holder.close())


@pytest.mark.parametrize(
    ("args", "advice"),
    [
        (["knowledge", "search", "zima"], "curl -s http://127.0.0.1:8000/knowledge/search"),
        (["knowledge", "load"], "run the load, then start it again"),
    ],
    ids=["search", "load"],
)
def test_knowledge_when_store_open_in_another_process_then_exit_2_saying_what_to_do(
    held_store: Path, args: list[str], advice: str
):
    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert f"the knowledge base at {held_store.resolve()} is open in another process" in text
    assert "sight serve" in text and "SIGHT_QDRANT_URL" in text
    assert advice in text
    assert "Traceback" not in result.output + result.stderr
    assert isinstance(result.exception, SystemExit)


def test_knowledge_load_when_not_a_terminal_then_plain_progress_lines_with_counts(cli_env: Path):
    pack = write_pack(cli_env / "pack", ENTRIES)
    passages = sum(2 + len(sentences(e["text"])) for e in ENTRIES)

    result = CliRunner().invoke(app, ["knowledge", "load", "--pack", str(pack)])

    assert result.exit_code == 0, result.output
    assert f"embedding: 0/{passages} passages (0%)" in result.stderr
    assert f"embedding: {passages}/{passages} passages (100%)" in result.stderr
    assert "\x1b[" not in result.stderr  # no bar escape codes in a log
