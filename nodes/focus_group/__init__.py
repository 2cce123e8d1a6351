"""Nodes of the focus-group workflow."""

from nodes.focus_group.analyse import analyse_answers
from nodes.focus_group.answer import answer_cells
from nodes.focus_group.plan import (
    after_estimate,
    after_validate,
    estimate_cost,
    generate_personas,
    validate_input,
)
from nodes.focus_group.save import save_report

__all__ = [
    "after_estimate",
    "after_validate",
    "analyse_answers",
    "answer_cells",
    "estimate_cost",
    "generate_personas",
    "save_report",
    "validate_input",
]
