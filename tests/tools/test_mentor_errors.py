"""The mentor's error catalogue and the mapping of exceptions to it (tools/mentor/errors.py)."""

from __future__ import annotations

import httpx
import pytest
from langchain_core import exceptions as lc_exceptions

from runtime.run_execution import run_error
from sight.errors import (
    BudgetExceededError,
    BudgetWouldExceedError,
    ModelError,
    StructuredOutputError,
    UnavailableError,
)
from tests.tools.model_fakes import http_error, ollama_error
from tools.mentor.errors import CATALOGUE, MentorError, MentorFailure, error_for
from tools.mentor.language import polish_score

CODES = {
    "timeout",
    "rate_limit",
    "provider_down",
    "context_too_long",
    "refused",
    "budget_exceeded",
    "results_unavailable",
    "unknown",
}


# Named like provider SDK classes, which these tests must not import.
class APITimeoutError(Exception):
    pass


class RateLimitError(Exception):
    pass


class APIConnectionError(Exception):
    pass


class ResourceExhausted(Exception):
    pass


def _wrapped(inner: BaseException) -> ModelError:
    """A Sight ModelError raised from a provider error, as a model policy would raise it."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise ModelError("all models for role 'fast' failed") from exc
    except ModelError as outer:
        return outer


def test_catalogue_when_listed_then_has_every_code_with_polish_message():
    assert set(CATALOGUE) == CODES
    for code, entry in CATALOGUE.items():
        assert entry.code == code
        assert polish_score(entry.message).is_polish, entry.message
        assert entry.message.endswith(".")


def test_catalogue_when_retry_cannot_help_then_not_retryable():
    assert {c for c, e in CATALOGUE.items() if not e.retryable} == {
        "context_too_long",
        "refused",
        "budget_exceeded",
    }


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (TimeoutError(), "timeout"),
        (TimeoutError("read timed out"), "timeout"),
        (httpx.ReadTimeout("read"), "timeout"),
        (APITimeoutError("Request timed out."), "timeout"),
        (lc_exceptions.ModelTimeoutError("slow"), "timeout"),
        (http_error(504), "timeout"),
        (ModelError("ollama/qwen timed out twice (after 30.0 s the second time)"), "timeout"),
        (RateLimitError("Rate limit reached for gpt-4o on tokens per min"), "rate_limit"),
        (ResourceExhausted("quota"), "rate_limit"),
        (http_error(429), "rate_limit"),
        (ollama_error(429), "rate_limit"),
        (ValueError("Error code: 429 - {'error': 'slow down'}"), "rate_limit"),
        (RuntimeError("You exceeded your current quota, please check your plan"), "rate_limit"),
        (lc_exceptions.ModelRateLimitError("429"), "rate_limit"),
        (ValueError("This model's maximum context length is 8192 tokens"), "context_too_long"),
        (ValueError("prompt is too long: 210000 tokens > 200000 maximum"), "context_too_long"),
        (RuntimeError("Requested tokens (5000) exceed context window of 4096"), "context_too_long"),
        (ValueError("too many tokens in the input"), "context_too_long"),
        (http_error(413), "context_too_long"),
        (ValueError("Response blocked by safety filters"), "refused"),
        (ValueError("finish_reason=content_filter"), "refused"),
        (ValueError("The model refused to answer"), "refused"),
        (ConnectionRefusedError(111, "Connection refused"), "provider_down"),
        (httpx.ConnectError("All connection attempts failed"), "provider_down"),
        (APIConnectionError("Connection error."), "provider_down"),
        (ollama_error(503), "provider_down"),
        (http_error(500), "provider_down"),
        (ValueError("Overloaded"), "provider_down"),
        (UnavailableError("the local model is held by another run"), "provider_down"),
        (BudgetExceededError("run", limit=1000, used=1200), "budget_exceeded"),
        (
            BudgetWouldExceedError(
                "run",
                needed={"tokens": 500, "usd": 0.01},
                spent={"tokens": 900, "usd": 0.02},
                limit={"max_tokens": 1000},
            ),
            "budget_exceeded",
        ),
        (StructuredOutputError("gave no valid Answer after a repair round"), "unknown"),
        (ModelError("all models for role 'fast' failed: fake/a -> KeyError: 'x'"), "unknown"),
        (KeyError("x"), "unknown"),
        (ValueError("used 429 tokens and 500 characters"), "unknown"),
    ],
)
def test_error_for_when_exception_given_then_maps_to_catalogue_code(exc, code):
    assert error_for(exc).code == code


def test_error_for_when_sight_error_wraps_provider_error_then_cause_decides():
    assert error_for(_wrapped(APIConnectionError("boom"))).code == "provider_down"
    assert error_for(_wrapped(TimeoutError())).code == "timeout"


def test_error_for_when_model_error_names_failures_in_text_then_text_decides():
    exc = ModelError(
        "all models for role 'fast' failed: gemini/flash -> ClientError: 429 RESOURCE_EXHAUSTED; "
        "ollama/qwen -> ConnectError: All connection attempts failed"
    )
    assert error_for(exc).code == "rate_limit"


def test_error_for_when_connection_refused_text_then_provider_down_not_refused():
    assert error_for(OSError("[Errno 111] Connection refused")).code == "provider_down"


def test_error_for_when_exception_carries_secret_then_message_does_not_repeat_it():
    secret = "sk-live-abcdef123456"
    exc = RuntimeError(f"401 Unauthorized: invalid api key {secret} for https://api.example")
    err = error_for(exc)
    payload = run_error(MentorFailure.of(exc), "run-1")
    assert secret not in str(payload)
    assert "Unauthorized" not in payload["message"]
    assert err is CATALOGUE["unknown"]


def test_run_error_when_mentor_failure_then_the_stream_gets_code_message_and_retryable():
    err = CATALOGUE["rate_limit"]
    assert run_error(MentorFailure(err), "run-1") == {
        "error": "MentorFailure",
        "code": "rate_limit",
        "message": err.message,
        "details": {"retryable": True},
        "retryable": True,
    }


def test_mentor_error_when_created_then_is_immutable():
    err = MentorError("x", "Błąd.", False)
    with pytest.raises(AttributeError):
        err.code = "y"  # type: ignore[misc]
