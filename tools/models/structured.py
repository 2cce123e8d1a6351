"""Structured output: ask for JSON matching a pydantic schema, validate it, repair once.

Every provider gets the schema in a trailing instruction and, where it has one, its native
JSON mode: llama.cpp turns the schema into a grammar (output always parses), Ollama takes
it as ``format``, Gemini as ``response_json_schema``. We then validate the text ourselves
instead of using ``with_structured_output``: the raw ``AIMessage`` keeps its usage for
accounting, the repair round can quote the exact validation error, and the scripted fake
follows the same path as real providers.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from prompts.structured_output import REPAIR_INSTRUCTION, SCHEMA_INSTRUCTION

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


class InvalidOutput(ValueError):
    """The text held no JSON object matching the schema; ``str()`` says why."""


@lru_cache(maxsize=256)
def _cached_schema(schema: type[BaseModel]) -> dict[str, Any]:
    # Generating a schema costs ~100 µs; schemas are classes defined once per process.
    return schema.model_json_schema()


def json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """Return the JSON schema sent to models for a pydantic class (a copy: safe to mutate)."""
    return copy.deepcopy(_cached_schema(schema))


@lru_cache(maxsize=256)
def _instruction(schema: type[BaseModel]) -> str:
    return SCHEMA_INSTRUCTION.format(schema=json.dumps(_cached_schema(schema), ensure_ascii=False))


def native_json_kwargs(provider: str, schema: type[BaseModel]) -> dict[str, Any]:
    """Return the call kwargs that switch a provider to schema-constrained JSON output."""
    if provider not in ("local", "ollama", "gemini"):
        return {}
    spec = json_schema(schema)
    if provider == "local":
        return {"response_format": {"type": "json_object", "schema": spec}}
    if provider == "ollama":
        return {"format": spec}
    if provider == "gemini":
        return {"response_mime_type": "application/json", "response_json_schema": spec}
    return {}


def with_schema_instruction(
    messages: list[BaseMessage], schema: type[BaseModel]
) -> list[BaseMessage]:
    """Add the JSON instruction for ``schema``: to the system message when there is one, else
    as a last human message.

    In the system message the instruction belongs to the prompt's stable prefix: a local
    model's KV cache then reuses it across calls (4.4 s instead of 7.9 s a persona call on
    Qwen-1.5B, evals/benchmarks/local_model.py --section prefix).
    """
    if messages and isinstance(messages[0], SystemMessage):
        system = SystemMessage(content=f"{messages[0].text}\n\n{_instruction(schema)}")
        return [system, *messages[1:]]
    return [*messages, HumanMessage(content=_instruction(schema))]


def with_repair_request(
    messages: list[BaseMessage], answer: AIMessage, error: InvalidOutput
) -> list[BaseMessage]:
    """Append the invalid answer and a request to correct it, quoting the error."""
    return [*messages, answer, HumanMessage(content=REPAIR_INSTRUCTION.format(error=error))]


def extract_json(text: str) -> str:
    """Return the JSON object inside ``text`` (tolerating code fences and chatter around it)."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise InvalidOutput("no JSON object found in the answer")
    return text[start : end + 1]


def parse_output(text: str, schema: type[T]) -> T:
    """Validate model text against ``schema``; raise InvalidOutput with a short reason.

    Raw control characters (a line break inside a string) are accepted: models emit them,
    llama.cpp's JSON grammar allows them, and their meaning is unambiguous.
    """
    try:
        document = json.loads(extract_json(text), strict=False)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge integers, deep nesting
        raise InvalidOutput(f"(root): invalid JSON: {exc}") from None
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise InvalidOutput(problems) from None
