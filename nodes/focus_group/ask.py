"""Ask one cell: call the model through the policy, check the answer, store it durably."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from nodes.focus_group.state import FocusGroupContext
from prompts import focus_group as prompts
from sight.errors import BudgetWouldExceedError, ModelError, StructuredOutputError
from tools.focus_group.estimate import filler
from tools.focus_group.prompting import instruction
from tools.focus_group.questions import (
    ANSWER_CHARS,
    REACTION_CHARS,
    answer_fields,
    answer_prose,
)
from tools.text_checks import text_problems

log = logging.getLogger(__name__)
ROLE = "fast"
CELL_NAMESPACE = uuid.UUID("0c7f3e52-9a1d-4b6e-8f20-3d5a7c9e1b64")
JSON_OVERHEAD_TOKENS = 24  # braces, keys and quotes around the answer's own text
# Problems of an answer's prose worth one more call (tools.text_checks codes).
RETRY_CODES = frozenset(
    {
        "text_repetitive",
        "text_echoes_prompt",
        "text_placeholder",
        "text_not_polish",
        "text_mixed_language",
    }
)


def cell_id(fg_id: str, persona_id: str, question_id: str, round_: int) -> str:
    """The answer row's id: one per cell, the same when a run resumes or reruns."""
    return str(uuid.uuid5(CELL_NAMESPACE, f"{fg_id}:{persona_id}:{question_id}:{round_}"))


@dataclass
class Tally:
    """Cells of the run by outcome, for progress events and the report."""

    total: int = 0
    answered: int = 0
    failed: int = 0
    skipped_budget: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "answered": self.answered,
            "failed": self.failed,
            "skipped_budget": self.skipped_budget,
        }


def output_cap(ctx: FocusGroupContext, ref: str, kind: str, reaction: bool = False) -> int:
    """The answer's token cap: its type's longest text in the model's tokens, plus JSON."""
    chars = REACTION_CHARS + ANSWER_CHARS[kind] // 2 if reaction else ANSWER_CHARS[kind]
    return ctx.models.counter(ref).count_text(filler(chars)) + JSON_OVERHEAD_TOKENS


# What a cell's error says to clients: the provider's own error text stays in the server log.
OUTCOME_MESSAGES = {
    "budget_would_exceed": "the budget had no room left for this answer",
    "structured_output_invalid": "the model gave no answer in the required format, even after "
    "a repair request",
    "model_error": "the model did not answer after the policy's retries and fallbacks",
}


def _outcome(exc: BaseException) -> tuple[str, dict[str, str]]:
    code = getattr(exc, "code", "model_error")
    message = OUTCOME_MESSAGES.get(code, OUTCOME_MESSAGES["model_error"])
    status = "skipped_budget" if isinstance(exc, BudgetWouldExceedError) else "failed"
    return status, {"code": code, "message": message}


async def ask_cell(
    ctx: FocusGroupContext,
    fg_id: str,
    persona_id: str,
    question: dict[str, Any],
    round_: int,
    messages: list[tuple[str, str]],
    schema: Any,
    *,
    base_answer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Ask the model for one cell and store the outcome; return the stored record.

    A spent budget makes the cell ``skipped_budget``, a model failure (after the policy's
    retries and fallbacks) ``failed``; either is stored too, so the cell is not asked again
    on resume (``rerun_failed`` asks it). Any other error propagates and ends the run.
    ``base_answer``: a discussion round's answer before this reaction.
    """
    ref = ctx.models.router.chain(ROLE)[0]
    part = ctx.models.part()
    record: dict[str, Any] = {
        "id": cell_id(fg_id, persona_id, question["id"], round_),
        "focus_group_id": fg_id,
        "persona_id": persona_id,
        "question_id": question["id"],
        "round": round_,
    }
    cap = output_cap(ctx, ref, question["type"], reaction=base_answer is not None)
    try:
        answer = await part.ainvoke(ROLE, messages, schema=schema, max_output_tokens=cap)
    except (BudgetWouldExceedError, StructuredOutputError, ModelError) as exc:
        status, error = _outcome(exc)
        record.update(status=status, error=error)
    else:
        record.update(status="answered", **_answer_record(question, answer, base_answer))
        record.update(await _checked(part, question, messages, schema, cap, record, base_answer))
    finally:
        ctx.models.usage.merge(part.usage)
    used = part.usage
    models = [m for m, u in used.by_model.items() if u.calls]
    record.update(
        model=models[-1] if models else None,
        tokens_in=used.input_tokens,
        tokens_out=used.output_tokens,
        cost_usd=round(used.cost_usd, 8),
        created_at=ctx.clock(),
    )
    await ctx.writer.write(record)
    return record


async def _checked(
    part: Any,
    question: dict[str, Any],
    messages: list[tuple[str, str]],
    schema: Any,
    cap: int,
    record: dict[str, Any],
    base: dict[str, Any] | None,
) -> dict[str, Any]:
    """Check the answer's prose; ask once more when it is degenerate (echoes the question, is
    not Polish, repeats itself...), and keep the attempt with fewer problems. A retry the
    budget or the model refuses keeps the first answer, flagged."""
    problems = text_problems(record["text"], prompt=_asked(question, messages, base))
    if not RETRY_CODES & {p.code for p in problems}:
        return {"checks": sorted({p.code for p in problems}), "attempts": 1}
    listed = "\n".join(f"- {p.message}" for p in problems)
    again = [*messages, ("human", prompts.RETRY.format(problems=listed))]
    try:
        answer = await part.ainvoke(ROLE, again, schema=schema, max_output_tokens=cap)
    except (BudgetWouldExceedError, StructuredOutputError, ModelError):
        return {"checks": sorted({p.code for p in problems}), "attempts": 2}
    second = _answer_record(question, answer, base)
    second_problems = text_problems(second["text"], prompt=_asked(question, messages, base))
    if len(second_problems) < len(problems):
        return {**second, "checks": sorted({p.code for p in second_problems}), "attempts": 2}
    return {"checks": sorted({p.code for p in problems}), "attempts": 2}


def _asked(
    question: dict[str, Any], messages: list[tuple[str, str]], base: dict[str, Any] | None
) -> str:
    """What an answer must not copy: the question and its instruction. Not the persona's own
    earlier answers in its memory (repeating oneself is consistency, not an echo); a
    reaction's whole message, the others' quoted answers included."""
    if base is not None:
        return messages[-1][1]
    return f"{question['text']}\n{instruction(question)}"


def _answer_record(
    question: dict[str, Any], answer: Any, base: dict[str, Any] | None
) -> dict[str, Any]:
    if base is None:
        doc = answer_fields(answer)
        return {"answer": doc, "text": answer_prose(question, doc)}
    # A reaction: what the persona said to the others, and its answer, changed or kept.
    said = answer.model_dump()
    changed = bool(said.get("changed")) and question["type"] != "open"
    doc = dict(base)
    if changed:
        new = {k: v for k, v in answer_fields(answer).items() if k != "text" and v is not None}
        changed = bool(new) and new != {k: base.get(k) for k in new}
        doc.update(new)
    return {"answer": {**doc, "changed": changed, "reaction": said["text"]}, "text": said["text"]}
