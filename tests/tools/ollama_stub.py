"""A stand-in Ollama server for tests: ``POST /api/chat`` answered as streamed NDJSON.

It speaks what the ``ollama`` client (under langchain-ollama) sends and expects: a JSON body
with ``model``, ``messages``, ``stream``; a chunked ``application/x-ndjson`` reply with one
``{"message": {"role": "assistant", "content": ...}, "done": false}`` line per piece and a
final ``done: true`` line carrying ``prompt_eval_count``/``eval_count``; errors as
``{"error": ...}`` with an HTTP status. Runs on 127.0.0.1 in a daemon thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED_AT = "2026-11-01T12:00:00.000000Z"


@dataclass
class StubRequest:
    """One request the stub received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class OllamaStub:
    """Behaviour and recorded traffic of the stub.

    ``statuses[model]`` lists HTTP error statuses to answer, in order, before answering
    normally; ``always_fail[model]`` answers that status every time; ``replies[model]`` is
    the text to stream (default ``reply``).
    """

    reply: str = "Hello from the stub"
    replies: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    always_fail: dict[str, int] = field(default_factory=dict)
    requests: list[StubRequest] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def models_called(self) -> list[str]:
        """Model names of the /api/chat requests, in arrival order."""
        return [r.body.get("model", "") for r in self.requests if r.path == "/api/chat"]

    def decide(self, model: str) -> int:
        """HTTP status for the next request to ``model`` (200 means answer)."""
        with self._lock:
            if model in self.always_fail:
                return self.always_fail[model]
            queued = self.statuses.get(model)
            return queued.pop(0) if queued else 200


def _handler(stub: OllamaStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            return

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _write_chunk(self, payload: dict[str, Any]) -> None:
            line = json.dumps(payload).encode() + b"\n"
            self.wfile.write(f"{len(line):X}\r\n".encode() + line + b"\r\n")
            self.wfile.flush()

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            stub.requests.append(StubRequest(self.path, headers, body))
            if self.path != "/api/chat":
                self._send_json(404, {"error": "404 page not found"})
                return
            model = body.get("model", "")
            status = stub.decide(model)
            if status == 404:
                self._send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
                return
            if status != 200:
                self._send_json(status, {"error": f"stub error {status}"})
                return
            text = stub.replies.get(model, stub.reply)
            pieces = text.split(" ")
            if not body.get("stream", True):
                self._send_json(200, _final(model, text, len(pieces)))
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i, piece in enumerate(pieces):
                content = piece if i == len(pieces) - 1 else piece + " "
                self._write_chunk(
                    {
                        "model": model,
                        "created_at": CREATED_AT,
                        "message": {"role": "assistant", "content": content},
                        "done": False,
                    }
                )
            self._write_chunk(_final(model, "", len(pieces)))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def _final(model: str, content: str, eval_count: int) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": CREATED_AT,
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": "stop",
        "total_duration": 1_000_000,
        "load_duration": 1_000,
        "prompt_eval_count": 12,
        "prompt_eval_duration": 10_000,
        "eval_count": eval_count,
        "eval_duration": 100_000,
    }


@contextmanager
def running_stub(stub: OllamaStub | None = None) -> Iterator[OllamaStub]:
    """Serve ``stub`` on a free loopback port for the duration of the block."""
    stub = stub or OllamaStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
