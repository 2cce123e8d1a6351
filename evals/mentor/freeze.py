"""Derive the computed parts of the mentor eval's data once, with Sight's own code.

    .venv/bin/python -m evals.mentor.freeze

Fills into ``data/*.json``: each KPI entry's ``snapshot`` (the KPI workflow on the persona's
lookalike segment, its conversion, retention and NPS replaced by the entry's figures and
compared with the industry again: the workflow gives one figure per industry, the eval needs a
persona below and one above it); each focus group's ``request``, ``estimate``, ``spend`` and
``report`` (the focus-group analysis of the hand-written answers with the bundled e5 embedder,
theme names from ``theme_labels``); each sales session's ``analyses`` (the co-pilot's fast path
on rules only, no knowledge base) and ``deep_analysis`` (its slow path, with the hand-written
portrait). Run it again only when the hand-written parts change: questions.json asks about
the numbers frozen here.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from api.personas.kpi import lookalike_segment
from evals.mentor.records import DATA, answer_records, load, tenant_personas
from graphs import kpi_estimation, sales_next_move
from nodes.focus_group.checks import profile_of
from nodes.kpi_estimation.estimate import compare_to_industry
from nodes.kpi_estimation.state import KpiContext
from nodes.sales_next_move.state import SalesContext
from sight.settings import load_settings
from tools.focus_group.analysis.question import analyse_question
from tools.focus_group.analysis.ssr import build_ssr_anchors
from tools.focus_group.quality import answer_quality
from tools.focus_group.request import validate_request
from tools.models.embedders import get_embedder
from tools.sales_next_move.archetypes import pack_profiles

TRANSIENT = ("snapshot_id", "reused", "stored", "age_s", "computed_at")
ANALYSIS_TOKENS = {"cena-abonamentu": 2140, "ladowanie-zasieg": 1380, "serwis-gwarancja": 610}
ANY_TIME = datetime(2026, 1, 1, tzinfo=UTC)
ESTIMATE_MARGIN = 1.12  # the estimate stands in typical lengths: a little above the spend
ANALYSIS_USD_PER_TOKEN = 2e-7  # sentiment and theme-name calls, priced roughly


async def kpi_snapshot(persona: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The workflow's snapshot for people like the persona, with the entry's figures."""
    segment = lookalike_segment(SimpleNamespace(**persona), entry["industry"])
    output = await kpi_estimation.build_graph().compile().ainvoke(segment, context=KpiContext())
    snapshot = {k: v for k, v in output["snapshot"].items() if k not in TRANSIENT}
    snapshot.update(entry["figures"])
    kpis = {k: snapshot[k] for k in ("conversion_rate", "retention_rate", "nps_score")}
    snapshot["benchmarks"] = compare_to_industry({"request": snapshot["request"], "kpis": kpis})[
        "comparison"
    ]
    return snapshot


def _embedded(rows: list[dict[str, Any]], embed: Any) -> dict[str, Any]:
    """Answer id -> vector of its text."""
    vectors = embed([r["text"] for r in rows])
    return dict(zip([r["id"] for r in rows], vectors, strict=True))


def focus_group_report(tenant: str, fg: dict[str, Any], embedder: Any) -> dict[str, Any]:
    """Request, estimate, spend and report of one focus group, as save_report stores them."""
    personas = tenant_personas(tenant)
    rows = answer_records(tenant, fg, started=ANY_TIME)  # times do not enter the report
    ids = list(dict.fromkeys(r["persona_id"] for r in rows))
    request = validate_request(
        {"personas": ids, "questions": fg["questions"], "budget": fg["budget"]}
    )
    answered = [r for r in rows if r["status"] == "answered" and r["text"]]
    vectors = _embedded(answered, embedder.embed_documents)
    opens = {q["id"] for q in fg["questions"] if q["type"] == "open"}
    open_rows = [r for r in answered if r["question_id"] in opens]
    theme_vectors = _embedded(open_rows, embedder.embed_queries)
    profiles = {pid: profile_of(personas[pid]) for pid in ids}
    blocks, warnings = [], []
    for question in request["questions"]:
        mine = [r for r in rows if r["question_id"] == question["id"]]
        anchors = None
        if question["type"] == "likert":
            anchors = build_ssr_anchors(embedder.embed_documents, question["scale"])
        block = {
            **question,
            **analyse_question(
                question,
                mine,
                profiles,
                vectors,
                ssr_anchors=anchors,
                theme_vectors=theme_vectors,
            ),
        }
        block["quality"] = answer_quality(mine, vectors)
        labels = fg["theme_labels"].get(question["id"], {})
        for theme in block.get("themes") or []:
            named = labels.get(theme["id"])
            theme.update(label=named or theme["label"], label_method="model" if named else "lemmas")
        if (block.get("homogeneity") or {}).get("collapsed"):
            warnings.append(
                f"Pytanie {block['id']}: odpowiedzi zlały się w jedno (alarm jednorodności)."
            )
        blocks.append(block)
    failed = sum(r["status"] == "failed" for r in rows)
    cells = {"total": len(rows), "answered": len(rows) - failed, "failed": failed}
    cells["skipped_budget"] = 0
    if failed:
        warnings.insert(
            0,
            f"Nie udało się uzyskać {failed} z {len(rows)} odpowiedzi (kod błędu przy każdej "
            "z nich w liście odpowiedzi).",
        )
    tokens = sum(r["tokens_in"] + r["tokens_out"] for r in rows) + ANALYSIS_TOKENS[fg["slug"]]
    usd = round(sum(r["cost_usd"] for r in rows) + tokens * ANALYSIS_USD_PER_TOKEN, 6)
    spend = {"tokens": tokens, "usd": usd}
    estimate = {
        "tokens": round(tokens * ESTIMATE_MARGIN),
        "usd": round(usd * ESTIMATE_MARGIN, 6),
        "calls": len(rows) + len(opens) + 2,
        "cells": len(rows),
        "model": "gemini/gemini-2.5-flash",
        "counter": "3.0 chars/token",
    }
    report = {
        "focus_group_id": fg["id"],
        "mode": request["mode"],
        "memory": request["memory"],
        "rounds": request["rounds"],
        "personas": len(ids),
        "cells": cells,
        "estimate": estimate,
        "budget": request["budget"],
        "spend": spend,
        "run_spend": spend,
        "questions": blocks,
        "quality": answer_quality(rows, vectors),
        "warnings": warnings,
    }
    return {"request": request, "estimate": estimate, "spend": spend, "report": report}


async def sales_session(session: dict[str, Any], embedder: Any) -> dict[str, Any]:
    """Every note's analysis (fast path) and, when asked, the deep analysis (slow path)."""

    async def profiles() -> Any:
        return pack_profiles(embedder)

    async def embed_query(text: str) -> list[float]:
        return embedder.embed_query(text)

    ctx = SalesContext(profiles=profiles, embed_query=embed_query, model_signals=False)
    graph = sales_next_move.build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    analyses = []
    for note in session["notes"]:
        out = await graph.ainvoke({"text": note}, config, context=ctx)
        analyses.append(out["analysis"])
    result: dict[str, Any] = {"analyses": analyses, "deep_analysis": None}
    if session["deep"]:
        out = await graph.ainvoke({"deep": True}, config, context=ctx)
        deep = {k: v for k, v in out["deep_analysis"].items() if k not in ("computed_at",)}
        deep["seconds"] = 0.04
        if session["portrait"]:
            deep["strategy"]["tabs"][0]["items"].insert(
                0, {"text": session["portrait"], "source": "model"}
            )
            deep["strategy"]["written_by"] = "rules+model"
        result["deep_analysis"] = deep
    return result


COMPACT = ("snapshot", "request", "report", "deep_analysis")
COMPACT_ITEMS = ("analyses",)  # a list: one line per item


def dumps(data: dict[str, Any]) -> str:
    """Indented JSON whose derived parts (COMPACT keys) take one line each: the hand-written
    parts stay readable and the frozen ones stay small."""
    frozen: dict[str, str] = {}

    def freeze(value: Any) -> str:
        token = f"@frozen{len(frozen)}@"
        frozen[f'"{token}"'] = json.dumps(value, ensure_ascii=False)
        return token

    def mark(node: Any) -> Any:
        if isinstance(node, list):
            return [mark(item) for item in node]
        if not isinstance(node, dict):
            return node
        marked = {}
        for key, value in node.items():
            if key in COMPACT and value is not None:
                marked[key] = freeze(value)
            elif key in COMPACT_ITEMS and isinstance(value, list):
                marked[key] = [freeze(item) for item in value]
            else:
                marked[key] = mark(value)
        return marked

    text = json.dumps(mark(data), ensure_ascii=False, indent=1)
    for token, value in frozen.items():
        text = text.replace(token, value, 1)
    return text + "\n"


def _write(name: str, data: dict[str, Any]) -> None:
    path: Path = DATA / f"{name}.json"
    path.write_text(dumps(data), encoding="utf-8")


async def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="sight-mentor-freeze-"))
    settings = load_settings(data_dir=data_dir, provider="fake", _env_file=None)
    embedder = get_embedder(settings)
    personas = json.loads(json.dumps(load("personas")))
    for data in personas.values():
        named = {p["id"]: p for run in data["runs"] for p in run["personas"]}
        for entry in data["kpi"]:
            entry["snapshot"] = await kpi_snapshot(named[entry["persona_id"]], entry)
    _write("personas", personas)
    groups = json.loads(json.dumps(load("focus_groups")))
    for tenant, fgs in groups.items():
        for fg in fgs:
            fg.update(focus_group_report(tenant, fg, embedder))
    _write("focus_groups", groups)
    sales = json.loads(json.dumps(load("sales")))
    for tenant in ("acme", "rival"):
        for session in sales[tenant]:
            session.update(await sales_session(session, embedder))
    sales["rules_version"] = sales["acme"][0]["analyses"][0]["rules_version"]
    _write("sales", sales)


if __name__ == "__main__":
    asyncio.run(main())
