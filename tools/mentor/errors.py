"""The mentor's model errors: a catalogue of Polish messages and a mapping from exceptions.

A chat UI shows whatever the stream's error event says, so a model failure must reach the user
as a plain Polish sentence saying what to do, never as the exception's own text (raw English,
and possibly a key or a prompt). Exceptions are recognised by what they are: Sight's typed
errors, a status code, LangChain's error classes, the type names of provider SDK exceptions
(no SDK is imported here), and, last, phrases in their text (a Sight ``ModelError`` names the
failures of every model it tried in its message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core import exceptions as lc_exceptions

from sight.errors import (
    BudgetExceededError,
    BudgetTooSmallError,
    BudgetWouldExceedError,
    SightError,
    UnavailableError,
)
from tools.models.classify import exception_chain, status_code


@dataclass(frozen=True)
class MentorError:
    """One kind of model failure: a stable code, a Polish message, and whether a retry may help."""

    code: str
    message: str
    retryable: bool


CATALOGUE: dict[str, MentorError] = {
    e.code: e
    for e in (
        MentorError(
            "timeout",
            "Model nie odpowiedział na czas. Spróbuj ponownie za chwilę.",
            True,
        ),
        MentorError(
            "rate_limit",
            "Wysłano zbyt wiele zapytań do modelu w krótkim czasie. Odczekaj chwilę "
            "i spróbuj ponownie.",
            True,
        ),
        MentorError(
            "provider_down",
            "Usługa modelu jest chwilowo niedostępna. Spróbuj ponownie za kilka minut.",
            True,
        ),
        MentorError(
            "context_too_long",
            "Rozmowa lub dołączone wyniki są zbyt długie dla modelu. Zadaj krótsze pytanie, "
            "wybierz mniej wyników albo zacznij nową rozmowę.",
            False,
        ),
        MentorError(
            "refused",
            "Model odmówił odpowiedzi na to pytanie. Sformułuj je inaczej.",
            False,
        ),
        MentorError(
            "budget_exceeded",
            "Wyczerpano limit tokenów na tę rozmowę. Zacznij nową rozmowę albo poproś "
            "administratora o zwiększenie limitu.",
            False,
        ),
        MentorError(
            "results_unavailable",
            "Nie udało się teraz wczytać Twoich wyników. Spróbuj ponownie za chwilę.",
            True,
        ),
        MentorError(
            "unknown",
            "Nie udało się przygotować odpowiedzi z powodu nieoczekiwanego błędu. "
            "Spróbuj ponownie.",
            True,
        ),
    )
}

# Checked in this order: a rate limit's text often says "tokens", and "connection refused"
# is an outage, not a refusal.
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "rate_limit",
        re.compile(
            r"(?:status|code|error|http)\W{0,12}429\b|rate.?limit|quota"
            r"|resource.?exhausted|too many requests",
            re.I,
        ),
    ),
    (
        "context_too_long",
        re.compile(
            r"context.?(length|window)|maximum context|too many tokens|prompt is too long"
            r"|exceeds? the maximum number of tokens|exceeds? context|contextoverflow",
            re.I,
        ),
    ),
    (
        "provider_down",
        re.compile(
            r"connect|connection|unreachable|name resolution|service unavailable|overloaded"
            r"|(?:status|code|error|http)\W{0,12}5(?:0[0234]|29)\b|bad gateway"
            r"|internal server error",
            re.I,
        ),
    ),
    ("timeout", re.compile(r"timed? ?out|timeout|deadline exceeded", re.I)),
    ("refused", re.compile(r"safety|blocked|refus|content.?filter|content policy", re.I)),
)

# Provider SDK exception type names (openai, anthropic, google-genai, ollama, httpx, grpc).
_TYPE_NAMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("timeout", re.compile(r"timeout|deadlineexceeded", re.I)),
    ("rate_limit", re.compile(r"ratelimit|resourceexhausted|toomanyrequests", re.I)),
    ("context_too_long", re.compile(r"contextoverflow|contextlength|contextwindow", re.I)),
    ("refused", re.compile(r"refusal|contentfilter|safety|blocked", re.I)),
    (
        "provider_down",
        re.compile(r"connect|serviceunavailable|internalserver|overloaded|networkerror", re.I),
    ),
)


def _by_type(err: BaseException) -> str | None:
    """The catalogue code an exception's type or status code names, if any."""
    if isinstance(err, (BudgetExceededError, BudgetWouldExceedError, BudgetTooSmallError)):
        return "budget_exceeded"
    if isinstance(err, UnavailableError):
        return "provider_down"
    # asyncio.TimeoutError is TimeoutError since Python 3.11.
    if isinstance(err, (TimeoutError, lc_exceptions.ModelTimeoutError)):
        return "timeout"
    if isinstance(err, lc_exceptions.ModelRateLimitError):
        return "rate_limit"
    if isinstance(err, lc_exceptions.ContextOverflowError):
        return "context_too_long"
    if isinstance(err, lc_exceptions.ModelRefusalError):
        return "refused"
    if isinstance(err, (ConnectionError, lc_exceptions.ModelConnectionError)):
        return "provider_down"
    for kind in type(err).__mro__:
        for code, pattern in _TYPE_NAMES:
            if kind.__module__ != "builtins" and pattern.search(kind.__name__):
                return code
    status = status_code(err)
    if status == 429:
        return "rate_limit"
    if status in (408, 504):
        return "timeout"
    if status == 413:
        return "context_too_long"
    if status is not None and status >= 500:
        return "provider_down"
    return None


def error_for(exc: BaseException) -> MentorError:
    """Return the catalogue entry for a model failure.

    Types and status codes anywhere in the cause chain decide first; only then the text of
    each exception is searched for known phrases. The text is read, never passed on.
    """
    chain = list(exception_chain(exc))
    for err in chain:
        code = _by_type(err)
        if code is not None:
            return CATALOGUE[code]
    for code, pattern in _PHRASES:
        if any(pattern.search(str(err)) for err in chain):
            return CATALOGUE[code]
    return CATALOGUE["unknown"]


class MentorFailure(SightError):
    """A mentor turn that could not be answered: the catalogue's code and Polish message, so
    the run's error event (runtime.run_execution.run_error) carries them and nothing else."""

    code = "unknown"

    def __init__(self, error: MentorError) -> None:
        super().__init__(error.message, details={"retryable": error.retryable})
        self.code = error.code
        self.retryable = error.retryable

    @classmethod
    def of(cls, exc: BaseException) -> MentorFailure:
        """The failure for a model exception (its text is never passed on)."""
        return cls(error_for(exc))
