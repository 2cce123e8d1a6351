"""Feedback on suggested moves: a user's rating (+1 / -1) of a move shown for an interaction.

Rating the same move again replaces the user's earlier rating (200 instead of 201), so a
changed mind never counts twice. A first rating of a move that is one of the team's meta-rules
(the AI Dojo's) counts for it (up: agree +1) or against it (down: remove -1), once per user.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from api.ai_dojo.deps import RuleBookDep
from api.auth import EditorDep, Principal
from api.errors import ErrorBody
from api.knowledge.deps import actor_of
from api.sales_next_move.deps import FeedbackDep, InteractionId
from api.sales_next_move.schemas import FeedbackOut, FeedbackRequest, feedback_out
from sight.clock import utc_now
from sight.errors import SightError
from tools.ai_dojo.schemas import DOJO_PREFIX

log = logging.getLogger(__name__)
router = APIRouter(tags=["sales"])


async def _count_rule(who: Principal, body: FeedbackRequest, feedback, book) -> None:
    """A team meta-rule shown as a move: a user's first rating of it (in any interaction)
    agrees with it or counts against it. The rating is stored whatever happens here."""
    if await feedback.ratings_by(who.tenant, who.name, body.suggestion_id) > 1:
        return  # one salesperson moves a rule's count once, however often it is shown
    op = "agree" if body.rating > 0 else "remove"
    try:
        await (await book()).count(who.tenant, body.suggestion_id, op, actor_of(who), utc_now())
    except SightError as exc:
        log.warning("feedback on rule %s not counted: %s", body.suggestion_id, exc.code)


@router.post(
    "/interactions/{interaction_id}/feedback",
    summary="Rate a suggested move (editor)",
    status_code=201,
    responses={
        200: {"model": FeedbackOut, "description": "Replaced the user's earlier rating."},
        422: {
            "model": ErrorBody,
            "description": "The move was not shown for this interaction (the message lists the "
            "shown ones), or the rating is not 1 or -1.",
        },
    },
)
async def rate_move(
    interaction_id: InteractionId,
    body: FeedbackRequest,
    who: EditorDep,
    feedback: FeedbackDep,
    book: RuleBookDep,
    response: Response,
) -> FeedbackOut:
    """Rate a move shown for the interaction: 201 for the user's first rating of it, 200 when
    it replaced their earlier one."""
    record, created = await feedback.put(
        who.tenant,
        interaction_id,
        user=who.name,
        suggestion_id=body.suggestion_id,
        rating=body.rating,
        comment=body.comment,
        now=utc_now(),
    )
    if created and body.suggestion_id.startswith(DOJO_PREFIX):
        await _count_rule(who, body, feedback, book)
    response.status_code = 201 if created else 200
    return feedback_out(record)
