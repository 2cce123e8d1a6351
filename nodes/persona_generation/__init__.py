"""Nodes of the persona generation workflow."""

from nodes.persona_generation.plan import (
    dispatch_writers,
    retrieve_context,
    sample_profiles,
    validate_input,
)
from nodes.persona_generation.report import save_personas, validate_set
from nodes.persona_generation.review import review_personas
from nodes.persona_generation.write import write_personas

__all__ = [
    "dispatch_writers",
    "retrieve_context",
    "review_personas",
    "sample_profiles",
    "save_personas",
    "validate_input",
    "validate_set",
    "write_personas",
]
