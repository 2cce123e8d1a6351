"""The facts a good mentor answer draws on, read from the data files (never typed twice).

``tenant_facts(tenant)[kind][slug]`` holds raw values (rates as fractions, money as numbers):
the eval's checks format them the Polish way themselves. A focus group's ``topic`` is the
eval's own name for it; Sight stores no title, only the questions.
"""

from __future__ import annotations

from typing import Any

from evals.mentor.records import load


def _persona(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "name": f"{p['first_name']} {p['last_name']}",
        **{k: p[k] for k in ("age", "gender", "location", "occupation", "score")},
        "segment": p["segment_name"],
    }


def _kpi(snapshot: dict[str, Any], persona: dict[str, Any]) -> dict[str, Any]:
    found = {
        "key": snapshot["key"],
        "persona": f"{persona['first_name']} {persona['last_name']}",
        **{
            k: snapshot[k]
            for k in (
                "segment_size",
                "conversion_rate",
                "retention_rate",
                "nps_score",
                "ltv",
                "cac",
                "cac_ltv_ratio",
                "confidence_score",
            )
        },
    }
    for name, bench in snapshot["benchmarks"].items():
        found[f"industry_{name}"] = bench["industry_average"]
        found[f"{name}_direction"] = bench["direction"]
    return found


def _question(block: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"text": block["text"], "type": block["type"], "n": block["n"]}
    distribution = block.get("distribution") or {}
    if block["type"] == "open":
        found["themes"] = [
            {
                "label": t["label"],
                "size": t["size"],
                "share": t["share"],
                "quote": t["quote"]["text"],
            }
            for t in block["themes"]
        ]
    elif block["type"] in ("likert", "numeric"):
        found |= {k: distribution[k] for k in ("mean", "median") if k in distribution}
        found |= {k: distribution[k] for k in ("min", "max", "counts") if k in distribution}
    else:
        names = {o["id"]: o["text"] for o in block["options"]}
        found["counts"] = {names[k]: v for k, v in distribution["counts"].items()}
    if "sentiment" in block:
        found["sentiment"] = block["sentiment"]["counts"]
    return found


def _focus_group(fg: dict[str, Any]) -> dict[str, Any]:
    report = fg["report"]
    return {
        "id": fg["id"],
        "topic": fg["title"],
        "status": fg["status"],
        "personas": report["personas"],
        "cells": report["cells"],
        "spend_tokens": report["spend"]["tokens"],
        "questions": {block["id"]: _question(block) for block in report["questions"]},
    }


def _sale(sale: dict[str, Any]) -> dict[str, Any]:
    last = sale["analyses"][-1]
    indicators = last["indicators"]
    return {
        "id": sale["id"],
        "client": sale["client"]["alias"],
        "status": "closed" if sale["outcome"] else "active",
        "outcome": sale["outcome"],
        "note": sale["outcome_note"],
        "turns": len(sale["notes"]),
        "archetype": last["archetype"]["primary"],
        "readiness": indicators["purchase_readiness"]["score"],
        "churn_risk": indicators["churn_risk"]["score"],
        "key_facts": (sale["memory"] or {}).get("key_facts", []),
    }


def tenant_facts(tenant: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Facts by kind and slug for one tenant's results (deleted panel personas left out)."""
    people = load("personas")[tenant]
    named = {p["slug"]: p for run in people["runs"] for p in run["personas"]}
    by_id = {p["id"]: p for p in named.values()}
    kpis = {}
    for entry in people["kpi"]:
        persona = by_id[entry["persona_id"]]
        kpis[persona["slug"]] = _kpi(entry["snapshot"], persona)
    return {
        "persona": {slug: _persona(p) for slug, p in named.items()},
        "kpi": kpis,
        "focus_group": {fg["slug"]: _focus_group(fg) for fg in load("focus_groups")[tenant]},
        "sales_session": {s["slug"]: _sale(s) for s in load("sales")[tenant]},
    }
