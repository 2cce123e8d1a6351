"""Prompts the model call policy adds for structured output (filled with .format at call time)."""

SCHEMA_INSTRUCTION = (
    "Answer with one JSON object only, no prose and no code fences. "
    "It must match this JSON schema:\n{schema}"
)
REPAIR_INSTRUCTION = (
    "Your previous answer was not valid for the schema:\n{error}\n"
    "Reply with the corrected JSON object only."
)
