"""Analyse the stored answers: sentiment, embeddings, SSR anchors, then each question.

The numbers come from tools.focus_group.analysis (pure functions over the answers); this node
gathers what they need: each answer's sentiment (the ``fast`` model in batches when it writes
Polish, the Polish lexicon otherwise or when a batch fails, named per answer), embeddings of
the answers' prose, SSR anchors per likert scale, and theme labels from the ``deep`` model when
a capable one is configured.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from nodes.focus_group.budget import resumed_ledger
from nodes.focus_group.save import mark_failed
from nodes.focus_group.state import FocusGroupContext, FocusGroupState
from prompts import focus_group as prompts
from sight.errors import BudgetWouldExceedError, ModelError
from tools.focus_group.analysis.question import analyse_question
from tools.focus_group.analysis.sentiment import lexicon_sentiment
from tools.focus_group.analysis.ssr import SsrAnchors, build_ssr_anchors
from tools.focus_group.estimate import SENTIMENT_BATCH, SENTIMENT_TOKENS_OUT
from tools.focus_group.quality import answer_quality

log = logging.getLogger(__name__)
SCORES = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
# SSR anchors per (embedder, scale): embedders are process-wide, so are their anchors.
_ANCHORS: dict[tuple[int, int], SsrAnchors] = {}


class SentimentItem(BaseModel):
    id: int = Field(description="Numer wypowiedzi.")
    label: Literal["positive", "neutral", "negative"]


class SentimentBatch(BaseModel):
    items: list[SentimentItem] = Field(description="Ocena każdej wypowiedzi, po kolei.")


class ThemeLabel(BaseModel):
    id: str = Field(description="Id tematu.")
    label: str = Field(min_length=2, max_length=60, description="2-5 słów po polsku.")


class ThemeLabels(BaseModel):
    themes: list[ThemeLabel]


async def _model_sentiment(
    ctx: FocusGroupContext, question: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    """Label a batch with the fast model; a failed batch falls back to the lexicon."""
    items = "\n".join(f"{i}. {r['text']}" for i, r in enumerate(rows, 1))
    messages = [("human", prompts.SENTIMENT.format(question=question["text"], items=items))]
    try:
        batch = await ctx.models.ainvoke(
            "fast",
            messages,
            schema=SentimentBatch,
            max_output_tokens=SENTIMENT_TOKENS_OUT * len(rows) + 16,
        )
        labels = {item.id: item.label for item in batch.items}
    except (ModelError, BudgetWouldExceedError) as exc:
        log.warning("focus group sentiment batch fell back to the lexicon: %s", exc.code)
        labels = {}
    for i, row in enumerate(rows, 1):
        label = labels.get(i)
        if label is None:
            row["sentiment"] = lexicon_sentiment(row["text"])
        else:
            row["sentiment"] = {"label": label, "score": SCORES[label], "method": "model"}


async def _sentiments(
    ctx: FocusGroupContext, questions: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> None:
    prose = {q["id"]: q for q in questions if q["type"] in ("open", "likert")}
    todo = [
        r
        for r in rows
        if r["status"] == "answered"
        and r["question_id"] in prose
        and r["text"]
        and not r.get("sentiment")
    ]
    if not ctx.sentiment_by_model:
        for row in todo:
            row["sentiment"] = lexicon_sentiment(row["text"])
        return
    jobs = []
    for qid, question in prose.items():
        mine = [r for r in todo if r["question_id"] == qid]
        for start in range(0, len(mine), SENTIMENT_BATCH):
            jobs.append(_model_sentiment(ctx, question, mine[start : start + SENTIMENT_BATCH]))
    await asyncio.gather(*jobs)


async def _vectors(ctx: FocusGroupContext, rows: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [r for r in rows if r["status"] == "answered" and r["text"]]
    if ctx.embedder is None or not texts:
        return {}
    vectors = await asyncio.to_thread(ctx.embedder.embed_documents, [r["text"] for r in texts])
    return {r["id"]: v for r, v in zip(texts, vectors, strict=True)}


async def _theme_vectors(
    ctx: FocusGroupContext, questions: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """Open answers embedded as e5 queries: the prefix for clustering (see analyse_question)."""
    opens = {q["id"] for q in questions if q["type"] == "open"}
    texts = [
        r for r in rows if r["status"] == "answered" and r["text"] and r["question_id"] in opens
    ]
    embed = getattr(ctx.embedder, "embed_queries", None)
    if embed is None or not texts:
        return {}
    vectors = await asyncio.to_thread(embed, [r["text"] for r in texts])
    return {r["id"]: v for r, v in zip(texts, vectors, strict=True)}


async def _anchors(ctx: FocusGroupContext, questions: list[dict[str, Any]]) -> dict[int, Any]:
    scales = sorted({q["scale"] for q in questions if q["type"] == "likert"})
    if ctx.embedder is None:
        return {}
    anchors: dict[int, SsrAnchors] = {}
    for scale in scales:
        key = (id(ctx.embedder), scale)
        if key not in _ANCHORS:  # the same embedder always gives the same anchors and check
            embed = ctx.embedder.embed_documents
            _ANCHORS[key] = await asyncio.to_thread(build_ssr_anchors, embed, scale)
        anchors[scale] = _ANCHORS[key]
    return anchors


async def _label_themes(ctx: FocusGroupContext, block: dict[str, Any]) -> None:
    """Ask the deep model for Polish theme names; keep the lemma labels if it fails."""
    themes = block.get("themes") or []
    for theme in themes:
        theme["label_method"] = "lemmas"
    if not ctx.theme_labels_by or len(themes) < 1:
        return
    listed = "\n".join(
        f"- {t['id']}: słowa: {', '.join(t['lemmas'])}; przykład: {t['quote']['text'][:200]}"
        for t in themes
    )
    messages = [("human", prompts.THEME_LABELS.format(question=block["text"], themes=listed))]
    try:
        named = await ctx.models.ainvoke(
            "deep", messages, schema=ThemeLabels, max_output_tokens=200
        )
    except (ModelError, BudgetWouldExceedError) as exc:
        log.warning("focus group theme labels kept the lemma labels: %s", exc.code)
        return
    labels = {t.id: t.label.strip() for t in named.themes}
    for theme in themes:
        if labels.get(theme["id"]):
            theme.update(label=labels[theme["id"]], label_method="model")


def discussion_summary(rows: list[dict[str, Any]], rounds: int) -> list[dict[str, Any]]:
    """Per reaction round: reactions given and answers changed (the stated distribution counts
    each persona's latest answer)."""
    summary = []
    for round_ in range(1, rounds + 1):
        mine = [r for r in rows if r["round"] == round_ and r["status"] == "answered"]
        changed = [r["id"] for r in mine if (r["answer"] or {}).get("changed")]
        summary.append(
            {
                "round": round_,
                "reactions": len(mine),
                "changed": len(changed),
                "changed_ids": changed,
            }
        )
    return summary


async def analyse_answers(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Analyse every question from the stored answers and assemble the report."""
    try:
        return await _analyse(state, runtime)
    except Exception as exc:
        await mark_failed(runtime.context, state, exc)
        raise


async def _analyse(state: FocusGroupState, runtime: Runtime[FocusGroupContext]) -> dict[str, Any]:
    ctx = runtime.context
    request, fg_id = state["request"], state["focus_group_id"]
    await resumed_ledger(ctx, state)
    rows, _ = await ctx.store.answers(fg_id, ctx.tenant)
    questions = request["questions"]
    await _sentiments(ctx, questions, rows)
    await ctx.store.set_sentiments(
        fg_id, {r["id"]: r["sentiment"] for r in rows if r.get("sentiment")}
    )
    vectors, anchors = await _vectors(ctx, rows), await _anchors(ctx, questions)
    theme_vectors = await _theme_vectors(ctx, questions, rows)
    profiles = state["profiles"]
    blocks = []
    for question in questions:
        mine = [r for r in rows if r["question_id"] == question["id"]]
        # What personas said to an open question is their opening answer; their reactions
        # to the others are counted by the discussion summary, not read as new opinions.
        said = [r for r in mine if r["round"] == 0] if question["type"] == "open" else mine
        # The question's own fields (options, labels, unit) let the report name categories.
        block = {
            **question,
            **analyse_question(
                question,
                said,
                profiles,
                vectors,
                ssr_anchors=anchors.get(question.get("scale")),
                theme_vectors=theme_vectors,
            ),
        }
        block["quality"] = answer_quality(mine, vectors)
        if request["mode"] == "discussion":
            block["discussion"] = discussion_summary(mine, request["rounds"])
        if question["type"] == "open":
            await _label_themes(ctx, block)
        blocks.append(block)
        runtime.stream_writer({"event": "analysed", "question_id": question["id"]})
    return {"report": {"questions": blocks, "quality": answer_quality(rows, vectors)}}
