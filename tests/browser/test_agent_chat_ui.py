"""agent-chat-ui, built unmodified from create-agent-chat-app 0.1.6, against `sight serve` in
headless Chromium: a Polish question streams its answer into the page, the thread is in the
history after a reload, and an AI Dojo teaching is approved with the UI's Accept button and
stored. Screenshots of each step go to the artefacts folder (reports/browser by default).

Run with `bash .ci/browser`; the default `pytest` run skips this module (conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.chat_ui import (
    ask,
    configure,
    history_held,
    new_thread,
    open_history,
    shot,
    thread_id,
    wait_answer,
    wait_streamed_answer,
)
from tests.browser.conftest import Served
from tools.mentor.language import polish_score

# The chat the first test talks to, and what it asks (the mentor answers from the tenant's
# results; offline, from their facts).
CHAT_ASSISTANT = "mentor"
QUESTIONS = {
    "mentor": "Co wynika z mojej ostatniej estymacji KPI?",
    "ai_dojo": "Co wiesz o kliencie flotowym?",
}
TEACH = "Zapamiętaj: przy kliencie flotowym zawsze pytaj o liczbę aut w firmie."
KPI_INPUT = {"age_min": 25, "age_max": 34, "location": "Warszawa", "industry": "automotive"}


@pytest.fixture(scope="module")
def chat_results(served: Served) -> None:
    """Something for the mentor to talk about: a KPI estimation on one of the tenant's threads."""
    if CHAT_ASSISTANT != "mentor":
        return
    headers = {"x-api-key": served.api_key}
    with httpx.Client(base_url=served.url, headers=headers, timeout=120) as http:
        thread = http.post("/threads", json={}).raise_for_status().json()
        run = http.post(
            f"/threads/{thread['thread_id']}/runs/wait",
            json={"assistant_id": "kpi_estimation", "input": KPI_INPUT},
        )
        assert run.status_code == 200, run.text


def test_chat_when_polish_question_sent_then_answer_streams_and_thread_stays_in_history(
    page: Any,
    served: Served,
    ui_url: str,
    artifacts: Path,
    page_errors: list[str],
    chat_results: None,
) -> None:
    question = QUESTIONS[CHAT_ASSISTANT]
    configure(page, ui_url, served.url, CHAT_ASSISTANT, served.api_key, artifacts)

    with history_held(page):  # until then the page has only the run's stream to show
        ask(page, question)
        streamed = wait_streamed_answer(page)
        shot(page, artifacts, f"{CHAT_ASSISTANT}-answer-streamed")
    answer = wait_answer(page)
    shot(page, artifacts, f"{CHAT_ASSISTANT}-answer")

    assert answer == streamed  # the thread's history says what the stream said
    verdict = polish_score(answer)
    assert verdict.is_polish, (answer, verdict.reasons)
    shown = thread_id(page)
    if CHAT_ASSISTANT == "mentor":
        # The answer streamed in pieces (messages-tuple), even offline. Written without a model
        # they come in one network read and the page shows them at once; the run's stream,
        # replayed, has the pieces.
        pieces = [
            data[0]["content"]
            for event, data in served.replay(shown)
            if event == "messages" and data[0]["type"] == "AIMessageChunk"
        ]
        assert len(pieces) >= 2 and answer.splitlines()[0] in "".join(pieces), pieces[:5]

    page.reload()
    assert wait_answer(page) == answer  # the thread comes back from its history
    panel = open_history(page)
    item = panel.get_by_role("button", name=question)
    item.wait_for()
    shot(page, artifacts, f"{CHAT_ASSISTANT}-history-after-reload")

    new_thread(page)
    item.click()
    page.wait_for_url(re.compile(f"threadId={shown}"))
    assert wait_answer(page) == answer
    assert page_errors == []


def test_ai_dojo_when_teaching_accepted_in_the_ui_then_entry_is_stored(
    page: Any, served: Served, ui_url: str, artifacts: Path, page_errors: list[str]
) -> None:
    configure(page, ui_url, served.url, "ai_dojo", served.api_key, artifacts)
    ask(page, TEACH)
    wait_answer(page)
    accept = page.get_by_role("button", name="Accept")
    try:
        accept.wait_for(timeout=10_000)
    finally:
        shot(page, artifacts, "ai_dojo-interrupt")
    entry_id = page.locator("p:text-is('Id') + textarea").input_value()
    assert entry_id.startswith("dojo."), entry_id
    assert served.get(f"/knowledge/{entry_id}").status_code == 404  # nothing before the decision

    accept.click()
    reply = wait_answer(page, answers=2)
    shot(page, artifacts, "ai_dojo-approved")

    assert entry_id in reply and "Zapisałem" in reply, reply
    stored = served.get(f"/knowledge/{entry_id}")
    assert stored.status_code == 200, stored.text
    assert "liczbę aut" in stored.json()["text"]
    events = served.get(f"/knowledge/{entry_id}/history").json()["events"]
    assert [(e["action"], e["source"]["via"]) for e in events] == [("add", "dojo")]
    assert page_errors == []
