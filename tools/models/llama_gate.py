"""One decoding call at a time per local ``Llama``, queued in asyncio rather than in threads.

Each Llama (by :data:`LlamaKey`) has one ``asyncio.Lock`` per event loop (asyncio locks are
loop-bound; the Llama's ``threading.Lock`` still guards it across loops and sync callers).
:func:`hold` takes the lock for the calls a task makes inside it, so a caller can wait for
the model *before* starting its call timeout. :func:`start` runs a call's worker thread
under the lock; the lock is released only when that thread has stopped, so the next call
never waits inside an executor thread for the previous one to finish.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

LlamaKey = tuple[str, int, int | None]

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[LlamaKey, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_gates_lock = threading.Lock()


@dataclass
class _Turn:
    """The Llama a task holds through :func:`hold`, and the worker thread of its last call."""

    key: LlamaKey
    worker: asyncio.Future[None] | None = None


_held: ContextVar[_Turn | None] = ContextVar("sight_llama_turn", default=None)


def _gate(key: LlamaKey) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _gates_lock:  # loops in other threads may add their entries at the same time
        if loop not in _gates:
            # A used lock refers to its loop, which keeps the loop alive as a weak key.
            for closed in [old for old in _gates if old.is_closed()]:
                del _gates[closed]
        return _gates.setdefault(loop, {}).setdefault(key, asyncio.Lock())


def _release_when_stopped(lock: asyncio.Lock, worker: asyncio.Future[None] | None) -> None:
    if worker is None or worker.done():
        lock.release()
    else:
        worker.add_done_callback(lambda _: lock.release())


@asynccontextmanager
async def hold(key: LlamaKey) -> AsyncIterator[None]:
    """Wait until the Llama is free, then hold it for the calls this task makes inside.

    Re-entrant within one task. On exit the Llama is released once the last call's worker
    thread has stopped, not merely when the block exits.
    """
    held = _held.get()
    if held is not None and held.key == key:
        yield
        return
    lock = _gate(key)
    await lock.acquire()
    turn = _Turn(key)
    token = _held.set(turn)
    try:
        yield
    finally:
        _held.reset(token)
        _release_when_stopped(lock, turn.worker)


async def start(key: LlamaKey, produce: Callable[[], None]) -> None:
    """Run ``produce`` in the default executor while holding the Llama.

    Inside :func:`hold` the held turn is used; otherwise the Llama is taken here (and the
    wait then counts as call time for whoever times the call).
    """
    loop = asyncio.get_running_loop()
    turn = _held.get()
    if turn is not None and turn.key == key:
        if turn.worker is not None:  # an earlier call of this turn may still be stopping
            await asyncio.wait([turn.worker])
        turn.worker = loop.run_in_executor(None, produce)
        return
    lock = _gate(key)
    await lock.acquire()
    worker = None
    try:
        worker = loop.run_in_executor(None, produce)
    finally:
        _release_when_stopped(lock, worker)
