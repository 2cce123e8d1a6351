"""Answer the question from the results: the model explains, the guards check, and what the
model could not do is marked.

- Not Polish: asked once more; still not Polish, the answer is the results' facts, saying so.
- A number not in what the model was given: asked once more naming the numbers; still there,
  the answer carries a visible warning naming them.
- A model failure ends the run with the catalogue's Polish message (tools/mentor/errors.py);
  the user's question stays in the thread, so a retry (the run sent again without input, or
  from the parent checkpoint) answers it once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.mentor.state import MentorContext, MentorState
from prompts.mentor import (
    FACTS_NOTE_NOT_POLISH,
    FACTS_NOTE_OFFLINE,
    NO_RESULTS,
    NUMBERS_WARNING,
    SUMMARY_PART,
    SYSTEM,
)
from tools.mentor.conversation import text_of, window
from tools.mentor.errors import MentorFailure
from tools.mentor.guard import Check, check_answer
from tools.mentor.text_model import TextModel

log = logging.getLogger(__name__)


async def say(text: str) -> AIMessage:
    """Stream a text written without a model, as a model's answer streams."""
    return await TextModel(text=text).ainvoke([HumanMessage("")])


async def _ask(ctx: MentorContext, prompt: list[BaseMessage]) -> AIMessage:
    try:
        return await ctx.models.ainvoke("deep", prompt, max_output_tokens=ctx.max_output_tokens)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a catalogue message
        failure = MentorFailure.of(exc)
        log.warning("mentor run %s: the model failed (%s)", ctx.run_id, failure.code, exc_info=exc)
        raise failure from exc


def _better(first: tuple[AIMessage, Check], second: tuple[AIMessage, Check]) -> bool:
    """Whether the second try is the one to keep: Polish first, then fewer invented numbers."""
    (_, a), (_, b) = first, second
    if a.language.is_polish != b.language.is_polish:
        return b.language.is_polish
    return len(b.invented) <= len(a.invented)


def _prompt(state: MentorState, ctx: MentorContext) -> tuple[list[BaseMessage], str]:
    """The model's messages, and the text its numbers must come from."""
    turn = state["turn"]
    summary = state.get("summary", "")
    win = window(state["messages"], ctx.history_turns)
    system = SYSTEM.format(
        results=turn["results"], summary=SUMMARY_PART.format(summary=summary) if summary else ""
    )
    question = text_of(win.question)
    asked = [text_of(m) for m in win.recent if isinstance(m, HumanMessage)]
    # Earlier answers are not a source: a number they invented must not pass later.
    context = "\n".join([turn["results"], summary, *asked, question])
    return [SystemMessage(system), *win.recent, HumanMessage(question)], context


async def answer_question(state: MentorState, runtime: Runtime[MentorContext]) -> dict[str, Any]:
    """Write the answer (see the module docstring)."""
    ctx = runtime.context
    turn = state["turn"]
    if not turn["results"] or not ctx.use_model or ctx.models is None:
        mode = "facts" if turn["results"] else "no_results"
        text = f"{turn['facts_body']}\n\n{FACTS_NOTE_OFFLINE}" if turn["results"] else NO_RESULTS
        message = await say(_with_note(turn, text))
        return {"messages": [message], "answer_meta": {"mode": mode, "attempts": 0, **_sizes(turn)}}
    prompt, context = _prompt(state, ctx)
    first = await _ask(ctx, prompt)
    tries = [(first, check_answer(first.text, context))]
    instruction = tries[0][1].retry_instruction()
    if instruction is not None:
        retry = [*prompt, AIMessage(first.text), HumanMessage(instruction)]
        try:
            second = await _ask(ctx, retry)
            tries.append((second, check_answer(second.text, context)))
        except MentorFailure as failure:  # the first answer, marked, beats no answer
            log.warning("mentor run %s: the second try failed (%s)", ctx.run_id, failure.code)
    kept, check = tries[-1] if len(tries) == 2 and _better(tries[0], tries[1]) else tries[0]
    meta = {
        "mode": "model",
        "attempts": len(tries),
        "checks": [c.as_dict() for _, c in tries],
        "model": kept.response_metadata.get("model_name"),
        **_sizes(turn),
    }
    if not check.language.is_polish:
        message = await say(_with_note(turn, f"{FACTS_NOTE_NOT_POLISH}\n\n{turn['facts_body']}"))
        return {"messages": [message], "answer_meta": {**meta, "mode": "facts_not_polish"}}
    text = _with_note(turn, kept.text.strip())
    if check.invented:
        text += NUMBERS_WARNING.format(numbers=", ".join(check.invented))
        meta["warning"] = "invented_numbers"
    answer = AIMessage(text, id=kept.id, response_metadata=kept.response_metadata)
    return {"messages": [answer], "answer_meta": meta}


def _with_note(turn: dict[str, Any], text: str) -> str:
    """The text after the note on ids that were not found, if any."""
    return f"{turn['note']}\n\n{text}" if turn["note"] else text


def _sizes(turn: dict[str, Any]) -> dict[str, Any]:
    return {"facts": turn["facts"], "left_out": turn["left_out"], "results": turn["titles"]}
