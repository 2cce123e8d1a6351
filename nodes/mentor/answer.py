"""Answer the question from the results: the model explains, the guards check, and what the
model could not do is marked.

- Not Polish: asked once more; still not Polish, the answer is the results' facts, saying so.
- A number not in what the model was given: asked once more naming the numbers; still there,
  the answer carries a visible warning naming them.
- The first try streams as the model writes it; a second try streams only once checked, and
  a ``custom`` event ``{"mentor": {"discarded": id, "reason"}}`` tells the client the first was
  replaced. A warning or a note the guards add streams as more of the kept answer.
- A model failure ends the run with the catalogue's Polish message (tools/mentor/errors.py);
  the user's question stays in the thread, so a retry (the run sent again without input, or
  from the parent checkpoint) answers it once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.config import get_stream_writer
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
from tools.mentor.conversation import text_of
from tools.mentor.errors import MentorFailure
from tools.mentor.guard import Check, check_answer
from tools.mentor.text_model import TextModel

log = logging.getLogger(__name__)


async def say(text: str, message_id: str | None = None) -> AIMessage:
    """Stream a text written without a model, as a model's answer streams; with
    ``message_id``, as more of that (already streamed) message."""
    return await TextModel(text=text, message_id=message_id).ainvoke([HumanMessage("")])


def discard(message_id: str | None, reason: str) -> None:
    """Tell the client that a streamed try was replaced (``custom`` stream events); the run's
    values never hold it."""
    get_stream_writer()({"mentor": {"discarded": message_id, "reason": reason}})


async def _ask(ctx: MentorContext, prompt: list[BaseMessage], *, stream: bool) -> AIMessage:
    """One answer of the deep model; streamed to the client only when ``stream``."""
    config = None if stream else {"tags": ["nostream"]}
    try:
        return await ctx.models.ainvoke(
            "deep", prompt, config=config, max_output_tokens=ctx.max_output_tokens
        )
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
    """The model's messages (the summary, then every turn it does not cover, then the
    question), and the text the answer's numbers must come from."""
    turn = state["turn"]
    summary = state.get("summary", "")
    talk = [m for m in state["messages"] if isinstance(m, (HumanMessage, AIMessage))]
    covered = min(state.get("summarized", 0), len(talk) - 1)
    history, question = talk[covered:-1], text_of(talk[-1])
    system = SYSTEM.format(
        results=turn["results"], summary=SUMMARY_PART.format(summary=summary) if summary else ""
    )
    asked = [text_of(m) for m in history if isinstance(m, HumanMessage)]
    # Neither earlier answers nor the summary of them are a source: a number a model invented
    # must not pass later.
    context = "\n".join([turn["results"], *asked, question])
    return [SystemMessage(system), *history, HumanMessage(question)], context


async def answer_question(state: MentorState, runtime: Runtime[MentorContext]) -> dict[str, Any]:
    """Write the answer (see the module docstring). The first try streams as it is written;
    a second one streams only once it is checked, and the client is told the first was
    replaced. What the guards add streams as more of the kept answer."""
    ctx = runtime.context
    turn = state["turn"]
    if not turn["results"] or not ctx.use_model or ctx.models is None:
        mode = "facts" if turn["results"] else "no_results"
        text = f"{turn['facts_body']}\n\n{FACTS_NOTE_OFFLINE}" if turn["results"] else NO_RESULTS
        message = await say(_with_note(turn, text))
        return {"messages": [message], "answer_meta": {"mode": mode, "attempts": 0, **_sizes(turn)}}
    prompt, context = _prompt(state, ctx)
    first = await _ask(ctx, prompt, stream=True)
    tries = [(first, check_answer(first.text, context))]
    instruction = tries[0][1].retry_instruction()
    if instruction is not None:
        retry = [*prompt, AIMessage(first.text), HumanMessage(instruction)]
        try:
            second = await _ask(ctx, retry, stream=False)
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
        discard(first.id, "not_polish")
        message = await say(_with_note(turn, f"{FACTS_NOTE_NOT_POLISH}\n\n{turn['facts_body']}"))
        return {"messages": [message], "answer_meta": {**meta, "mode": "facts_not_polish"}}
    added = ""
    if check.invented:
        added += NUMBERS_WARNING.format(numbers=", ".join(check.invented))
        meta["warning"] = "invented_numbers"
    if turn["note"]:
        added += f"\n\n{turn['note']}"
    if kept is first:
        if added:
            await say(added, message_id=first.id)
        answer = AIMessage(
            first.text + added, id=first.id, response_metadata=kept.response_metadata
        )
    else:
        discard(
            first.id, "not_polish" if not tries[0][1].language.is_polish else "invented_numbers"
        )
        answer = await say(kept.text + added)
        answer.response_metadata = kept.response_metadata
    return {"messages": [answer], "answer_meta": meta}


def _with_note(turn: dict[str, Any], text: str) -> str:
    """The text after the note on ids that were not found, if any."""
    return f"{turn['note']}\n\n{text}" if turn["note"] else text


def _sizes(turn: dict[str, Any]) -> dict[str, Any]:
    return {"facts": turn["facts"], "left_out": turn["left_out"], "results": turn["titles"]}
