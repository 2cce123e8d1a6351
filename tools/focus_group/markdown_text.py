"""Markdown building blocks of the focus-group report: escaped user text, tables, categories.

User text (question and option texts, quotes, theme labels, warnings) is escaped: it stays on
one line, cannot close a table cell, start a list or heading, or pass HTML through.
"""

from __future__ import annotations

import re
from typing import Any

from tools.focus_group.report_format import category_labels

# Brackets escaped, so "(...)" and "!" can no longer form a link or an image.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_LIST_ITEM = re.compile(r"^(\d+)\.")  # "1." opens an ordered list


def md(text: Any) -> str:
    """Escape user text for one Markdown line or table cell (no HTML, no `|`, no line breaks)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A leading "-", "+", "#", "=" or "1." would make a list item or a heading.
    text = "\\" + text if text.startswith(("-", "+", "#", "=")) else text
    return _LIST_ITEM.sub(r"\1\\.", text)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table as lines, then a blank line (cells must be escaped already)."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def category_name(question: dict[str, Any], key: str) -> str:
    """A category for a table cell: "4 raczej tak", "Marka A (a)", a theme's label."""
    label = category_labels(question).get(key)
    if label is None or label == key:
        return md(key)
    if question.get("type") == "likert":
        return f"{md(key)} {md(label)}"
    return md(label) if question.get("type") == "open" else f"{md(label)} ({md(key)})"
