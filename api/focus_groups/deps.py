"""Focus-group route dependencies as Annotated aliases (tests swap them with dependency_overrides)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from api.deps import ResourcesDep
from sight.errors import ConflictError, NotFoundError
from store.focus_groups import FocusGroupRecord, FocusGroupRepository


def focus_group_repository(resources: ResourcesDep) -> FocusGroupRepository:
    return FocusGroupRepository(resources.sessions)


FocusGroupsDep = Annotated[FocusGroupRepository, Depends(focus_group_repository)]
FocusGroupId = Annotated[
    str,
    Path(
        max_length=36,
        description="Focus group id.",
        examples=["3c9e1b7a-52d4-4f0e-8a61-9d2b7c4e1f08"],
    ),
]


async def owned_focus_group(
    groups: FocusGroupRepository, fg_id: str, tenant: str, *, with_report: bool = True
) -> FocusGroupRecord:
    """The tenant's focus group, or NotFoundError (another tenant's too)."""
    found = await groups.get(fg_id, tenant, with_report=with_report)
    if found is None:
        raise NotFoundError(f"Focus group with ID {fg_id} not found")
    return found


def report_of(group: FocusGroupRecord) -> dict[str, Any]:
    """The focus group's report, or ConflictError saying why there is none yet."""
    if group.report is None:
        why = {
            "running": "it is still running",
            "estimated": "it was only estimated (estimate_only): no one was asked",
            "refused": "it was refused: its estimate was over the budget",
        }.get(group.status, f"none was stored (status {group.status})")
        raise ConflictError(
            f"Focus group {group.id} has no report: {why}",
            details={"status": group.status},
        )
    return group.report
