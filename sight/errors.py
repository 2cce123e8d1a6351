"""Typed errors shared by every layer.

Each carries a machine ``code`` (stable, for clients) and a human message (what to fix).
The API boundary translates them to JSON; the CLI prints them.
"""

from __future__ import annotations

from typing import Any


class SightError(Exception):
    """Base of every error Sight raises on purpose."""

    code = "sight_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class SettingsError(SightError):
    code = "invalid_settings"


class InputValidationError(SightError):
    """Input rejected; ``details`` lists every problem as {field, message}."""

    code = "invalid_input"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        lines = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the input: {lines}", details=problems)
        self.problems = problems


class ModelError(SightError):
    """A model call failed after retries and fallbacks."""

    code = "model_error"


class StructuredOutputError(ModelError):
    """The model's output did not match the schema, even after a repair round."""

    code = "structured_output_invalid"


class BudgetExceededError(SightError):
    """The run spent its token budget; the run stops."""

    code = "token_budget_exceeded"

    def __init__(self, budget_name: str, limit: int, used: int) -> None:
        super().__init__(
            f"token budget '{budget_name}' exceeded: {used} of {limit} tokens used",
            details={"budget": budget_name, "limit": limit, "used": used},
        )
        self.budget_name = budget_name
        self.limit = limit
        self.used = used


class BudgetWouldExceedError(SightError):
    """A call was not started: its reservation would take the run past its budget."""

    code = "budget_would_exceed"

    def __init__(
        self, budget_name: str, *, needed: dict[str, Any], spent: dict[str, Any], limit: Any
    ) -> None:
        super().__init__(
            f"budget '{budget_name}' has no room for another call: it needs up to "
            f"{needed['tokens']} tokens / ${needed['usd']}, {spent['tokens']} tokens / "
            f"${spent['usd']} are spent of {limit}",
            details={"budget": budget_name, "needed": needed, "spent": spent, "limit": limit},
        )


class BudgetTooSmallError(SightError):
    """The run's estimate is over its budget, so it does not start."""

    code = "budget_too_small"

    def __init__(self, estimate: dict[str, Any], budget: dict[str, Any]) -> None:
        super().__init__(
            f"the estimate ({estimate['tokens']} tokens, ${estimate['usd']}) is over the budget "
            f"({budget}); raise budget.max_tokens / budget.max_usd or ask fewer questions or "
            "personas",
            details={"estimate": estimate, "budget": budget},
        )


class NotFoundError(SightError):
    code = "not_found"


class BadRequestError(SightError):
    """The request cannot apply to the target as it is (e.g. a thread with no graph yet)."""

    code = "bad_request"


class ConflictError(SightError):
    """The request clashes with current state (exists already, thread busy...)."""

    code = "conflict"


class UnauthorizedError(SightError):
    """No valid credentials were sent."""

    code = "unauthorized"


class ForbiddenError(SightError):
    """The credentials are valid but their role may not do this."""

    code = "forbidden"


class UnavailableError(SightError):
    """A backend the request needs is held or down; retrying later may work (HTTP 503)."""

    code = "unavailable"


class UnsupportedOptionError(SightError):
    """A request option Sight does not support: refused, never silently ignored."""

    code = "unsupported_option"

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(
            f"option '{option}' is not supported: {reason}", details={"option": option}
        )
        self.option = option


class DuplicateEntryError(ConflictError):
    """A new knowledge entry nearly repeats a stored one; ``details`` names it and the score."""

    code = "duplicate_entry"


class UndoWindowExpiredError(ConflictError):
    """A soft delete can no longer be undone: its undo window has passed."""

    code = "undo_window_expired"


class NotDeletedError(ConflictError):
    """A restore was asked for something that is not deleted."""

    code = "not_deleted"
