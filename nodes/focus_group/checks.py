"""Check a focus-group request against the database: the shape, the tenant's personas, the
focus group a rerun names. One function for the check at run creation and the graph's own
validation, so both refuse the same input with the same problems, all at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sight.errors import ConflictError, InputValidationError
from store.persona_lookup import PROFILE_FIELDS
from tools.focus_group.request import validate_request

NAMESPACE = uuid.UUID("5b0a6c1e-2f4d-4c8e-9a31-7d2e6f0b8c45")
RERUNNABLE = ("completed", "partial", "failed")
SHOWN_IDS = 20


@dataclass
class Setup:
    """A checked request: its canonical form, the focus group it writes, the personas."""

    request: dict[str, Any]
    focus_group_id: str
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    spent_before: dict[str, Any] = field(default_factory=lambda: {"tokens": 0, "usd": 0.0})


def focus_group_id(tenant: str, run_id: str) -> str:
    """The focus group of a run: the same id when the run resumes."""
    return str(uuid.uuid5(NAMESPACE, f"{tenant}:{run_id}"))


def profile_of(persona: dict[str, Any]) -> dict[str, Any]:
    """What prompts and cuts read of a persona record (as the lookup reads stored ones)."""
    profile = {k: persona.get(k) for k in PROFILE_FIELDS}
    profile["persona_id"] = profile["id"]
    return profile


def _missing(ids: list[str], found: dict[str, Any]) -> dict[str, str] | None:
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if not missing:
        return None
    shown = ", ".join(missing[:SHOWN_IDS]) + (" ..." if len(missing) > SHOWN_IDS else "")
    return {"field": "personas", "message": f"not personas of this tenant: {shown}"}


async def _rerun(
    request: dict[str, Any], store: Any, tenant: str, run_id: str | None
) -> Setup | dict[str, str]:
    source = await store.get(request["rerun_failed"], tenant, with_report=False)
    if source is None:
        return {"field": "rerun_failed", "message": "no focus group of this tenant has this id"}
    resumed = source.status == "running" and source.run_id == run_id
    if source.status not in RERUNNABLE and not resumed:
        raise ConflictError(
            f"focus group {source.id} is {source.status}: only a completed, partial or failed "
            "one can be rerun",
            details={"status": source.status},
        )
    setup = {
        **source.request,
        "budget": request["budget"],
        "estimate_only": request["estimate_only"],
        "personas": list(source.persona_ids),
        "generate": None,
        "rerun_failed": source.id,
    }
    spend = source.spend or {}
    return Setup(setup, source.id, spent_before={"tokens": 0, "usd": 0.0, **spend})


async def check_setup(
    raw: Any,
    *,
    personas: Any,
    store: Any,
    tenant: str,
    run_id: str | None,
    check_generate: Callable[[Any], dict[str, Any]] | None,
) -> Setup:
    """Return the checked setup, or raise InputValidationError with every problem: the shape's
    and the persona ids that are not the tenant's together; ConflictError for a rerun of a
    focus group that is not finished."""
    problems: list[dict[str, str]] = []
    try:
        request = validate_request(raw, check_generate=check_generate)
    except InputValidationError as exc:
        problems, request = list(exc.problems), None
    ids = raw.get("personas") if isinstance(raw, dict) else None
    found: dict[str, Any] = {}
    if isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids):
        found = await personas.persona_profiles(tenant, ids)
        if (missing := _missing(ids, found)) is not None:
            problems.append(missing)
    if request is not None and request.get("rerun_failed"):
        rerun = await _rerun(request, store, tenant, run_id)
        if isinstance(rerun, dict):
            problems.append(rerun)
        else:
            # Personas deleted since keep their answers; their open cells are asked too.
            kept = await personas.persona_profiles(
                tenant, rerun.request["personas"], include_deleted=True
            )
            rerun.profiles = {
                i: profile_of(kept[i]) for i in rerun.request["personas"] if i in kept
            }
            return _or_raise(problems, rerun)
    if problems or request is None:
        raise InputValidationError(problems)
    setup = Setup(request, focus_group_id(tenant, run_id or "check"))
    setup.profiles = {i: profile_of(found[i]) for i in request["personas"] or []}
    return setup


def _or_raise(problems: list[dict[str, str]], setup: Setup) -> Setup:
    if problems:
        raise InputValidationError(problems)
    return setup
