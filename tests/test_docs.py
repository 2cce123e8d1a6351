"""The README and docs/ stay true to the repository: paths, links, sections and examples exist.

Checks what a newcomer would trip on: a path named in the docs that moved, a link or anchor that
leads nowhere, a `docs/requirements.md §N` citation in the code with no such section, a Python
example that cannot run as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# docs/protocol.md names the official server's files, relative to that package's root.
OWN_PATH_DOCS = [d for d in DOCS if d.name != "protocol.md"]
TOP_DIRS = (
    "cli",
    "api",
    "runtime",
    "graphs",
    "nodes",
    "tools",
    "store",
    "sight",
    "prompts",
    "evals",
    "tests",
    "docs",
    ".ci",
)
SOURCE_SUFFIXES = {".py", ".json", ".md", ".toml", ".yml"}


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def named_paths(doc: Path) -> list[str]:
    """Repository paths a doc names in backticks (placeholders like <name> left out)."""
    found = []
    for token in re.findall(r"`([^`\s]+)`", doc.read_text(encoding="utf-8")):
        path = token.split(":")[0]
        if path.startswith(tuple(d + "/" for d in TOP_DIRS)) and not re.search(
            r"[<>{}*]|SUITE", path
        ):
            found.append(path)
    return found


@pytest.mark.parametrize("doc", OWN_PATH_DOCS, ids=lambda d: d.name)
def test_docs_when_they_name_a_repo_path_then_it_exists(doc: Path) -> None:
    missing = [p for p in named_paths(doc) if not (ROOT / p).exists()]
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_docs_when_they_link_a_file_or_anchor_then_it_exists(doc: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(target)
    assert broken == []


def _source_files() -> list[Path]:
    skip = {".venv", ".git", "node_modules", ".sight", ".schemathesis"}
    return [
        p
        for p in ROOT.rglob("*")
        if p.suffix in SOURCE_SUFFIXES and p.is_file() and not skip & set(p.relative_to(ROOT).parts)
    ]


def test_requirements_when_code_cites_a_section_then_the_section_exists() -> None:
    requirements = (ROOT / "docs" / "requirements.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", requirements, flags=re.M))
    # Inside requirements.md every "§N" is a citation; elsewhere those after "requirements".
    cited = {("requirements.md", s) for s in re.findall(r"§(\d+(?:\.\d+)?)", requirements)}
    citation = r"requirements(?:\.md)?`?(?:'s)?\s+((?:§\d+(?:\.\d+)?[\s,and]*)+)"
    for path in _source_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for block in re.findall(citation, text):
            cited |= {(path.name, s) for s in re.findall(r"§(\d+(?:\.\d+)?)", block)}
    unknown = sorted(f"{name}: §{s}" for name, s in cited if s not in sections)
    assert cited and unknown == []


def test_repo_when_scanned_then_nothing_points_at_the_source_documents() -> None:
    # The requirements are restated in docs/requirements.md; the repo must not need the originals.
    where = "/".join(("shared", "seeds"))  # spelled so this file does not match itself
    pointing = [
        str(p.relative_to(ROOT))
        for p in _source_files()
        if where in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert pointing == []


def test_readme_when_python_examples_compiled_then_they_run_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks
    for block in blocks:
        compile(block, "README.md", "exec")  # a top-level await is a SyntaxError here
