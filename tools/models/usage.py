"""Token and cost accounting for one run, and the run's token budget.

A failed attempt is charged too: what the provider reported if the error carries it (a
refusal keeps the answer, and its usage, in ``raw_message``), and for a timeout at least the
prompt's estimated tokens, since the model read it before the call was cut off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage

from sight.errors import BudgetExceededError
from tools.models.classify import retry_reason

# Used only when a provider reports no usage: ~4 characters per token.
_CHARS_PER_TOKEN = 4


@dataclass
class ModelUsage:
    """What one `provider/model` spent within a run."""

    calls: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass
class RunUsage:
    """Tokens, cost and calls of one run, in total and per model."""

    by_model: dict[str, ModelUsage] = field(default_factory=dict)

    def _model(self, ref: str) -> ModelUsage:
        return self.by_model.setdefault(ref, ModelUsage())

    def add_call(self, ref: str, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
        """Record one answered call."""
        usage = self._model(ref)
        usage.calls += 1
        usage.input_tokens += input_tokens
        usage.output_tokens += output_tokens
        usage.cost_usd += cost_usd

    def add_failure(
        self, ref: str, input_tokens: int = 0, output_tokens: int = 0, cost_usd: float = 0.0
    ) -> None:
        """Record one failed attempt and what it consumed (see ``failed_attempt_tokens``)."""
        usage = self._model(ref)
        usage.failures += 1
        usage.input_tokens += input_tokens
        usage.output_tokens += output_tokens
        usage.cost_usd += cost_usd

    def merge(self, other: RunUsage) -> None:
        """Add another usage record (a part of the run accounted on its own) to this one."""
        for ref, part in other.by_model.items():
            usage = self._model(ref)
            usage.calls += part.calls
            usage.failures += part.failures
            usage.input_tokens += part.input_tokens
            usage.output_tokens += part.output_tokens
            usage.cost_usd += part.cost_usd

    @property
    def input_tokens(self) -> int:
        return sum(u.input_tokens for u in self.by_model.values())

    @property
    def output_tokens(self) -> int:
        return sum(u.output_tokens for u in self.by_model.values())

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_usd(self) -> float:
        return sum(u.cost_usd for u in self.by_model.values())

    @property
    def calls(self) -> int:
        return sum(u.calls for u in self.by_model.values())

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (for logs, run records and the API)."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": round(self.cost_usd, 8),
            "calls": self.calls,
            "by_model": {
                ref: {
                    "calls": u.calls,
                    "failures": u.failures,
                    "input_tokens": u.input_tokens,
                    "output_tokens": u.output_tokens,
                    "cost_usd": round(u.cost_usd, 8),
                }
                for ref, u in self.by_model.items()
            },
        }


def estimate_tokens(chars: int) -> int:
    """Tokens of a text of ``chars`` characters, for providers that report none."""
    return -(-chars // _CHARS_PER_TOKEN)


def token_counts(message: AIMessage, prompt: list[BaseMessage]) -> tuple[int, int]:
    """Return (input, output) tokens of a call; estimate them if the provider reported none."""
    usage = message.usage_metadata
    if usage:
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    return estimate_tokens(sum(len(m.text) for m in prompt)), estimate_tokens(len(message.text))


def _reported_usage(exc: BaseException) -> Mapping[str, object] | None:
    """Usage the provider reported with an error: on the error or on the message it carries."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for holder in (current, getattr(current, "raw_message", None)):
            usage = getattr(holder, "usage_metadata", None)
            if isinstance(usage, Mapping) and usage:
                return usage
        current = current.__cause__ or current.__context__
    return None


def failed_attempt_tokens(exc: BaseException, prompt: list[BaseMessage]) -> tuple[int, int]:
    """(input, output) tokens a failed attempt consumed, as far as anyone can tell.

    The provider's report when the error carries one; for a timeout, the prompt's estimate
    (the output is unknown, so none); otherwise nothing (refused or unreachable: no work done).
    """
    usage = _reported_usage(exc)
    if usage is not None:
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    if retry_reason(exc) == "timeout":
        return estimate_tokens(sum(len(m.text) for m in prompt)), 0
    return 0, 0


def call_cost(
    prices: Mapping[str, tuple[float, float]], ref: str, input_tokens: int, output_tokens: int
) -> float:
    """USD for a call, from USD-per-1k (input, output) prices; unknown models cost nothing."""
    price_in, price_out = prices.get(ref, (0.0, 0.0))
    return input_tokens / 1000 * price_in + output_tokens / 1000 * price_out


@dataclass(frozen=True)
class TokenBudget:
    """A named cap on the tokens of one run; ``limit=None`` means no cap."""

    name: str
    limit: int | None

    def ensure_left(self, usage: RunUsage) -> None:
        """Raise before a call when the budget is already spent."""
        if self.limit is not None and usage.total_tokens >= self.limit:
            raise BudgetExceededError(self.name, self.limit, usage.total_tokens)

    def ensure_within(self, usage: RunUsage) -> None:
        """Raise after a call when the run went over the budget."""
        if self.limit is not None and usage.total_tokens > self.limit:
            raise BudgetExceededError(self.name, self.limit, usage.total_tokens)
