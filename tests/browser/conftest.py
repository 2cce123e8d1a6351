"""Fixtures of the browser tests: `sight serve` as a process of its own, the built agent-chat-ui
on a static server, Debian's Chromium driven by Playwright, screenshots as artefacts.

These tests run only with SIGHT_BROWSER_TESTS=1 (`bash .ci/browser` sets it, installs Chromium
and Playwright and builds the UI); the default `pytest` run skips them and never imports
Playwright. Chromium's flags are the ones that work on a machine with no outside network.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.live import free_port, sse_events

ROOT = Path(__file__).resolve().parents[2]
SIGHT = Path(sys.executable).with_name("sight")
ENABLED = os.environ.get("SIGHT_BROWSER_TESTS") == "1"
CHROMIUM = os.environ.get("SIGHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The mentor's API key: the UI sends it as x-api-key (its "LangSmith API Key" field).
TENANT = "acme"
API_KEY = "acme-mentor-key-0123456789"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test unless SIGHT_BROWSER_TESTS=1 (a CI stage of its own)."""
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="browser tests: run `bash .ci/browser` (SIGHT_BROWSER_TESTS=1)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so the page fixture can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass(frozen=True)
class Served:
    """The running `sight serve`: its base URL and the UI's key."""

    url: str
    api_key: str = API_KEY

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """One authenticated GET to the server."""
        headers = {"x-api-key": self.api_key, **(headers or {})}
        return httpx.get(f"{self.url}{path}", headers=headers, timeout=30)

    def replay(self, thread_id: str) -> list[tuple[str, Any]]:
        """(event, data) of the thread's latest run as it streamed, replayed from the start."""
        runs = self.get(f"/threads/{thread_id}/runs").json()
        latest = max(runs, key=lambda run: run["created_at"])["run_id"]
        body = self.get(f"/threads/{thread_id}/runs/{latest}/stream", {"Last-Event-ID": "-1"}).text
        return sse_events(body)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (SIGHT_BROWSER_ARTIFACTS, default reports/browser)."""
    path = Path(os.environ.get("SIGHT_BROWSER_ARTIFACTS", ROOT / "reports" / "browser"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class _SpaHandler(SimpleHTTPRequestHandler):
    """Static files; any other path is the single-page app's index.html."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.exists():
            self.path = "/index.html"
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: the UI's assets are not the test's business."""


@pytest.fixture(scope="session")
def ui_url() -> Iterator[str]:
    """The built agent-chat-ui (SIGHT_AGENT_CHAT_UI_DIST) on a free loopback port."""
    dist = Path(os.environ.get("SIGHT_AGENT_CHAT_UI_DIST", ""))
    if not (dist / "index.html").is_file():
        pytest.fail(f"no built agent-chat-ui at {dist!s}: run `bash .ci/browser`")
    handler = functools.partial(_SpaHandler, directory=str(dist))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="agent-chat-ui", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def served(ui_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`sight serve` on a free port: a throwaway data dir, CORS for the UI's origin, one key."""
    port = free_port()
    data = tmp_path_factory.mktemp("sight") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHT_")}
    env.update(
        SIGHT_DATA_DIR=str(data),
        # Offline: the unscripted fake model fails at once, so the Dojo drafts by rules; the
        # mentor answers from the results' facts without asking a model.
        SIGHT_PROVIDER="fake",
        SIGHT_MODEL_MAX_RETRIES="0",
        SIGHT_MENTOR_MODEL="off",
        SIGHT_CORS_ALLOW_ORIGINS=ui_url,
        SIGHT_API_KEYS=json.dumps(
            [{"key": API_KEY, "role": "editor", "tenant": TENANT, "name": "mentor"}]
        ),
        SIGHT_LOG_LEVEL="warning",
    )
    log = (data.parent / "serve.log").open("w")
    command = [str(SIGHT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (data.parent / "serve.log").read_text()[-3000:]
                raise RuntimeError(f"sight serve did not start:\n{tail}")
            time.sleep(0.3)
        yield Served(base)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright (never Playwright's own browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught errors of the page (a React render error blanks the whole UI)."""
    return []


@pytest.fixture
def page(
    browser: Any, artifacts: Path, page_errors: list[str], request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A fresh browser context (its own local storage) and page; a screenshot if the test fails.

    The window is wide enough (>= 1024 px) for the UI to show its thread history beside the chat.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="pl-PL")
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()
