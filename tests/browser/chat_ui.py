"""Driving agent-chat-ui (create-agent-chat-app 0.1.6, templates/vite) as a user does: its setup
form, the chat box, the thread history panel, the human-in-the-loop Accept button.

Selectors are the template's own markup (labels, button texts, lucide icon classes); the
template is pinned, so they only change with a new template version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ANSWER_TIMEOUT_MS = 120_000
_ANSWERS = "div.group.mr-auto .py-1"  # the assistant messages' text
# The run ended with its answer, or the UI shows an error (a sonner toast).
_ANSWERED_OR_FAILED = """([answers, sel]) => {
  if (document.querySelector("[data-sonner-toast][data-type=error]")) return true;
  const nodes = document.querySelectorAll(sel);
  const last = nodes[nodes.length - 1];
  const idle = [...document.querySelectorAll("button")].some(b => b.innerText.trim() === "Send");
  return idle && nodes.length >= answers && last.innerText.trim().length > 0;
}"""


def shot(page: Any, artifacts: Path, name: str) -> Path:
    """Save a screenshot of the window as ``<name>.png``; return its path."""
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def configure(
    page: Any, ui_url: str, api_url: str, assistant: str, api_key: str, artifacts: Path
) -> None:
    """Fill the UI's setup form (deployment URL, assistant id, API key) and continue to the chat."""
    page.goto(ui_url)
    page.locator("#apiUrl").fill(api_url)
    page.locator("#assistantId").fill(assistant)
    page.locator("#apiKey").fill(api_key)
    shot(page, artifacts, f"setup-{assistant}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_placeholder("Type your message...").wait_for()


def ask(page: Any, text: str) -> None:
    """Type a message and send it with Enter."""
    box = page.get_by_placeholder("Type your message...")
    box.fill(text)
    box.press("Enter")


def wait_answer(page: Any, answers: int = 1) -> str:
    """Wait until the run ended (the Send button is back) with ``answers`` assistant messages;
    return the newest one's text. An error the UI shows fails at once."""
    page.wait_for_function(_ANSWERED_OR_FAILED, arg=[answers, _ANSWERS], timeout=ANSWER_TIMEOUT_MS)
    toast = page.locator("[data-sonner-toast][data-type=error]")
    if toast.count():
        raise AssertionError(f"the UI shows an error: {toast.first.inner_text()}")
    return str(page.locator(_ANSWERS).last.inner_text())


@contextmanager
def history_held(page: Any) -> Iterator[None]:
    """Hold the thread history requests (useStream fetches the history once the stream has
    ended) until the block ends: what the page shows meanwhile came from the run's stream."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/threads/*/history", hold)
    try:
        yield
    finally:
        for route in held:
            route.continue_()
        page.unroute("**/threads/*/history")


def wait_streamed_answer(page: Any) -> str:
    """Wait for a non-empty assistant message (inside history_held: from the stream)."""
    page.wait_for_function(
        """(sel) => [...document.querySelectorAll(sel)].some(n => n.innerText.trim())""",
        arg=_ANSWERS,
        timeout=ANSWER_TIMEOUT_MS,
    )
    return str(page.locator(_ANSWERS).last.inner_text())


def thread_id(page: Any) -> str:
    """The thread the UI shows (its threadId URL parameter)."""
    return parse_qs(urlparse(page.url).query)["threadId"][0]


def open_history(page: Any) -> Any:
    """Open the thread history panel; return it."""
    # The header's toggle (the panel, still off-screen, holds one too and comes first).
    page.locator("button:has(svg.lucide-panel-right-close)").last.click()
    panel = page.locator("h1", has_text="Thread History").locator("xpath=../..")
    panel.wait_for()
    # Slid in by a spring animation: settled once its transform is gone.
    page.wait_for_function(
        """() => [...document.querySelectorAll("h1")]
            .filter(h => h.innerText.trim() === "Thread History")
            .some(h => ["none", "translateX(0px)"].includes(h.closest("div.absolute").style.transform))"""
    )
    return panel


def new_thread(page: Any) -> None:
    """Start a new thread (the pen button), leaving the current one."""
    page.locator("button:has(svg.lucide-square-pen)").first.click()
    page.wait_for_function("() => !new URL(location.href).searchParams.get('threadId')")
