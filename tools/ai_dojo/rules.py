"""A pattern the mentor confirmed, as a meta-rule entry the co-pilot retrieves.

The rule's text is what the co-pilot shows as a move (tools/sales_next_move/moves.py scores a
``rule`` entry as a candidate when its archetype and module apply), so it says what to do and
why: the library move the pattern names, then the evidence in numbers.
"""

from __future__ import annotations

from typing import Any

from tools.ai_dojo.miner import Pattern
from tools.ai_dojo.schemas import tenant_tag
from tools.ai_dojo.session_facts import SEQUENCE, Labels, bundled_labels, family

TITLE_CHARS = 120


def _value(features: tuple[str, ...], name: str) -> str | None:
    return next((f.partition(":")[2] for f in features if family(f) == name), None)


def _action(feature: str, labels: Labels) -> str | None:
    """What to do, from the pattern's move: the library move's text, or its kind."""
    if family(feature) == "sequence":
        feature = feature.split(SEQUENCE, 1)[1]
    value = feature.partition(":")[2]
    if family(feature) == "strategy":
        from tools.sales_next_move.moves import default_move_library

        move = next((m for m in default_move_library().moves if m.id == value), None)
        return move.text if move is not None else labels.of(feature)
    if family(feature) == "move":
        return f"Zaproponuj ruch typu „{labels.of(feature)}”."
    return None


def _when(features: tuple[str, ...], labels: Labels) -> list[str]:
    parts = []
    for feature in features:
        kind = family(feature)
        if kind == "sequence":
            feature, kind = feature.split(SEQUENCE, 1)[0], family(feature.split(SEQUENCE, 1)[0])
        label = labels.of(feature)
        phrase = {
            "archetype": f"klient to {label}",
            "signal": f"pojawia się sygnał „{label}”",
            "objection": f"klient zgłasza obawę „{label}”",
            "module": f"rozmowa dotyczy tematu „{label}”",
            "rule": f"stosujecie regułę „{label}”",
        }.get(kind)
        if phrase and phrase not in parts:
            parts.append(phrase)
    return parts


def rule_id(pattern_id: str, tenant: str) -> str:
    """The id of the tenant's meta-rule for a pattern."""
    return f"dojo.rule.{tenant_tag(tenant)}.{pattern_id}"


def rule_from_pattern(
    pattern: Pattern, tenant: str, labels: Labels | None = None
) -> dict[str, Any]:
    """The meta-rule entry (id, kind, title, text, archetype, module, tags) for a pattern."""
    labels = labels or bundled_labels()
    action = next((a for f in pattern.features if (a := _action(f, labels))), None)
    when = _when(pattern.features, labels)
    evidence = (
        f"W {pattern.support} zakończonych sesjach z tym wzorcem zakupem skończyło się "
        f"{round(100 * pattern.rate)}% rozmów wobec {round(100 * pattern.baseline)}% średnio "
        f"(dolna granica 95% przedziału: {round(100 * pattern.wilson_low)}%)."
    )
    condition = f"Gdy {' i '.join(when)}: " if when else ""
    text = f"{condition}{action or 'zwróć uwagę na ten wzorzec.'} {evidence}"
    head = action.rstrip(".") if action else " i ".join(when)
    return {
        "id": rule_id(pattern.id, tenant),
        "kind": "rule",
        "title": _cut(f"Wzorzec z sesji: {head}", TITLE_CHARS),
        "text": text[:4000],
        "archetype": _value(pattern.features, "archetype"),
        "module": _value(pattern.features, "module"),
        "tags": ["wzorzec", "sesje"],
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
