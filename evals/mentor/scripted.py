"""The mentor's deterministic checks, with a scripted model over the stored results: which
results a question gets, the grounding and language guards, the error path, a retried turn
answered once, and tenant isolation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.mentor.answers import ENGLISH, correct, invented, rounded, script_of
from evals.mentor.harness import Harness
from graphs.mentor import check_input_payload
from sight.errors import InputValidationError
from tools.mentor.errors import CATALOGUE, MentorFailure
from tools.mentor.numbers import grounded


class ResourceExhausted(Exception):  # noqa: N818 - named as google-genai names its 429
    """A provider's quota error, as its SDK names it."""


# One exception per catalogue code, each with text that must never reach the user.
FAILURES = {
    "timeout": TimeoutError("Read timed out. (read timeout=600) key=sk-live-123"),
    "rate_limit": ResourceExhausted("429 Quota exceeded for generate_content sk-live-123"),
    "provider_down": ConnectionError("Connection refused: 127.0.0.1:11434 sk-live-123"),
    "context_too_long": ValueError("This model's maximum context length is 8192 tokens"),
    "refused": RuntimeError("Response was blocked due to SAFETY sk-live-123"),
}


def expects_met(answer: str, expects: Sequence[str]) -> list[bool]:
    """Whether each expected item (alternatives split by "|") is in the answer: words
    case-blind, numbers by value (tools.mentor.numbers)."""
    met = []
    lower = answer.lower()
    for item in expects:
        alternatives = [alt.strip() for alt in item.split("|") if alt.strip()]
        met.append(
            any(
                alt.lower() in lower
                or (grounded(alt, answer).found and not grounded(alt, answer).violations)
                for alt in alternatives
            )
        )
    return met


def carried_kpis(h: Harness, ids: set[str]) -> set[str]:
    """The KPI keys the chosen personas carry (a persona's facts include its snapshot)."""
    acme = h.fixtures.ids["acme"]
    return {key for slug, key in acme["kpi"].items() if acme["persona"].get(slug) in ids}


async def choice_checks(h: Harness, questions: Sequence[dict[str, Any]]) -> tuple[dict, list]:
    """Each question's results (offline: no model), and what its facts answer holds."""
    cases, met_all, chosen = [], [], []
    for q in questions:
        if q.get("tenant", "acme") != "acme":
            continue
        asked = await h.ask("acme", q["question"], [], offline=True)
        refs = (asked.output or {}).get("refs", [])
        ids = {r["id"] for r in refs}
        ids |= carried_kpis(h, ids)
        kinds = {r["kind"] for r in refs}
        ok = set(q["ids"]) <= ids if q["ids"] else set(q["kinds"]) & kinds == set(q["kinds"])
        met = expects_met(asked.output["messages"][-1].text, q["expects"]) if asked.output else []
        met_all += met
        chosen.append(len(refs))
        cases.append(
            {"id": f"choice.{q['id']}", "kind": "choice", "passed": ok, "refs": len(refs),
             "expects_met": sum(met), "expects": len(met),
             "failures": [] if ok else [f"missing {sorted(set(q['ids']) - ids) or q['kinds']}"]}
        )  # fmt: skip
    metrics = {
        "choice_recall": sum(c["passed"] for c in cases) / len(cases),
        "choice_mean_results": sum(chosen) / len(chosen),
        "offline_expects_met": sum(met_all) / max(1, len(met_all)),
    }
    return metrics, cases


async def grounding_checks(h: Harness, questions: Sequence[dict[str, Any]]) -> tuple[dict, list]:
    """Correct answers kept; an invented number asked again, then warned about."""
    kept, caught, cases = [], [], []
    for q in [q for q in questions if q.get("tenant", "acme") == "acme"]:
        for name, step in (("verbatim", correct), ("rounded", rounded)):
            asked = await h.ask("acme", q["question"], script_of(step))
            expected = step(asked.model.calls[0]) if asked.model.calls else None
            out = asked.output or {}
            ok = (
                bool(out)
                and out["messages"][-1].text == expected
                and out["answer_meta"]["attempts"] == 1
            )
            kept.append(ok)
            cases.append({"id": f"grounded.{name}.{q['id']}", "kind": "grounded", "passed": ok})
        asked = await h.ask("acme", q["question"], script_of(lambda p: invented(p)[0], correct))
        out = asked.output or {}
        retry_names = (
            bool(asked.model.calls)
            and invented(asked.model.calls[0])[1] in asked.model.calls[-1][-1].text
        )
        ok = (
            bool(out)
            and out["answer_meta"]["attempts"] == 2
            and "⚠️" not in out["messages"][-1].text
            and retry_names
        )
        caught.append(ok)
        cases.append({"id": f"invented.once.{q['id']}", "kind": "invented", "passed": ok})
        twice = script_of(lambda p: invented(p)[0], lambda p: invented(p)[0])
        asked = await h.ask("acme", q["question"], twice)
        out = asked.output or {}
        new = invented(asked.model.calls[0])[1] if asked.model.calls else "?"
        text = out["messages"][-1].text if out else ""
        ok = "⚠️" in text and new in text.split("⚠️", 1)[1]
        caught.append(ok)
        cases.append({"id": f"invented.twice.{q['id']}", "kind": "invented", "passed": ok})
    metrics = {
        "grounded_kept": sum(kept) / len(kept),
        "invented_caught": sum(caught) / len(caught),
    }
    return metrics, cases  # fmt: skip


async def language_checks(h: Harness, questions: Sequence[dict[str, Any]]) -> tuple[dict, list]:
    """English once: answered again in Polish; English twice: the facts, never the English."""
    cases = []
    for q in [q for q in questions if q.get("tenant", "acme") == "acme"][:5]:
        asked = await h.ask("acme", q["question"], script_of(lambda p: ENGLISH, correct))
        out = asked.output or {}
        ok = bool(out) and out["messages"][-1].text == correct(asked.model.calls[0])
        cases.append({"id": f"language.once.{q['id']}", "kind": "language", "passed": ok})
        asked = await h.ask("acme", q["question"], script_of(lambda p: ENGLISH, lambda p: ENGLISH))
        out = asked.output or {}
        text = out["messages"][-1].text if out else ENGLISH
        ok = ENGLISH not in text and out.get("answer_meta", {}).get("mode") == "facts_not_polish"
        cases.append({"id": f"language.twice.{q['id']}", "kind": "language", "passed": ok})
    return {"language_guard": sum(c["passed"] for c in cases) / len(cases)}, cases


async def error_checks(h: Harness, question: str) -> tuple[dict, list]:
    """Each failure: its catalogue code and Polish message, nothing of the exception's text;
    then three ways to retry, each leaving one question and one answer."""
    cases = []
    for code, exc in FAILURES.items():
        asked = await h.ask("acme", question, [exc])
        failure = asked.error
        ok = (
            isinstance(failure, MentorFailure)
            and failure.code == code
            and failure.message == CATALOGUE[code].message
            and "sk-live" not in failure.message
            and str(exc) not in str(failure)
        )
        cases.append({"id": f"error.{code}", "kind": "error", "passed": ok})
    error_path = sum(c["passed"] for c in cases) / len(cases)
    retries = []
    for how in ("no_input", "resent", "parent_checkpoint"):
        asked = await h.ask("acme", question, [ConnectionError("down")])
        thread = asked.thread
        if how == "no_input":
            await h.ask("acme", None, script_of(correct), thread=thread)
        elif how == "resent":
            await h.ask("acme", question, script_of(correct), thread=thread)
        else:
            history = [
                s async for s in h.graph.aget_state_history({"configurable": {"thread_id": thread}})
            ]
            parent = next(s for s in history if s.next == ("answer_question",))
            await h.ask("acme", None, script_of(correct), thread=thread, config=parent.config)
        types = [m.type for m in await h.messages(thread)]
        ok = types == ["human", "ai"]
        retries.append({"id": f"retry.{how}", "kind": "retry", "passed": ok, "messages": types})
    metrics = {
        "error_path": error_path,
        "retry_single_answer": sum(c["passed"] for c in retries) / len(retries),
    }
    return metrics, cases + retries  # fmt: skip


async def isolation_checks(h: Harness, questions: Sequence[dict[str, Any]]) -> tuple[dict, list]:
    """A rival's questions about acme's results: none of acme's facts reach its prompt or
    answer, and acme's ids named as the thread's results are refused before a run."""
    rival_ids = {i for kind in h.fixtures.ids["rival"].values() for i in kind.values()}
    cases = []
    for q in [q for q in questions if q.get("tenant") == "rival"]:
        for offline in (True, False):
            asked = await h.ask("rival", q["question"], script_of(correct), offline=offline)
            out = asked.output or {}
            seen = " ".join(m.text for call in asked.model.calls for m in call)
            seen += " " + (out["messages"][-1].text if out else "")
            leaked = [s for s in q["must_not_contain"] if s.lower() in seen.lower()]
            foreign = [r["id"] for r in out.get("refs", []) if r["id"] not in rival_ids]
            ok = bool(out) and not leaked and not foreign
            cases.append({"id": f"isolation.{q['id']}.{'offline' if offline else 'model'}",
                          "kind": "isolation", "passed": ok, "failures": leaked + foreign})  # fmt: skip
        payload = {
            "messages": [{"type": "human", "content": q["question"]}],
            "context": {"persona_ids": list(h.fixtures.ids["acme"]["persona"].values())[:1]},
        }
        try:
            await check_input_payload(payload, h.resources, "rival")
            refused = False
        except InputValidationError as exc:
            refused = exc.problems[0]["field"] == "input.context.persona_ids.0"
        cases.append({"id": f"isolation.{q['id']}.context", "kind": "isolation", "passed": refused})
    return {"isolation": sum(c["passed"] for c in cases) / len(cases)}, cases
