"""Write tools/data/ai_dojo/gate_cases.json: the co-pilot eval's sessions after their last turn.

Runs every session of evals/sales_next_move/sessions.json through the co-pilot's fast path
(no knowledge base, no model: the deterministic floor), keeps what the move composer read after
the last turn, and joins the move labels of evals/ai_dojo/move_labels.json. Half the sessions
(by a hash of their id) are held out: the activation check scores rules on those only.

    python -m evals.ai_dojo.gate_cases
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.sales_next_move.suite import _context, _run, load_sessions
from graphs import sales_next_move
from sight.settings import load_settings
from tools.ai_dojo.gate import DATA, HELD_OUT
from tools.sales_next_move.moves_context import context_of_analysis

LABELS = Path(__file__).with_name("move_labels.json")
VERSION = "2026.12.1"


def split_of(session_id: str) -> str:
    """held_out or dev, fixed by the id (about half each)."""
    return HELD_OUT if hashlib.sha1(session_id.encode()).digest()[0] % 2 else "dev"


async def build() -> dict[str, Any]:
    """Run the sessions and return the cases file's content."""
    settings = load_settings()
    labels = {s["id"]: s for s in json.loads(LABELS.read_text(encoding="utf-8"))["sessions"]}
    ctx = await _context(settings, None)
    graph = sales_next_move.build_graph().compile(checkpointer=InMemorySaver())
    cases = []
    for session in load_sessions():
        if session["id"] not in labels:
            continue
        analyses, _ = await _run(graph, ctx, session)
        context = context_of_analysis(analyses[-1])
        cases.append(
            {
                "id": session["id"],
                "split": split_of(session["id"]),
                "archetype": session.get("archetype"),
                "context": {
                    "signals": [
                        {"id": s["id"], "turn": s.get("turn", context.turn)}
                        for s in context.signals
                    ],
                    "turn": context.turn,
                    "primary_archetype": context.primary_archetype,
                    "archetype_scores": dict(context.archetype_scores),
                    "modules": list(context.modules),
                    "objections": list(context.objections),
                },
                "good": labels[session["id"]]["good"],
                "bad": labels[session["id"]]["bad"],
            }
        )
    return {"version": VERSION, "source": "evals/ai_dojo/gate_cases.py", "cases": cases}


def main() -> None:
    data = asyncio.run(build())
    DATA.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    held = sum(c["split"] == HELD_OUT for c in data["cases"])
    print(f"{len(data['cases'])} cases ({held} held out) written to {DATA}")


if __name__ == "__main__":
    main()
