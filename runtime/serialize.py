"""JSON for the wire: orjson with the conversions LangGraph state and chunks need."""

from __future__ import annotations

from typing import Any

import orjson
from langgraph.types import Send
from pydantic import BaseModel

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):  # LangChain messages are pydantic models
        return obj.model_dump()
    if isinstance(obj, Send):
        return {"node": obj.node, "args": obj.arg}
    if isinstance(obj, BaseException):
        return {"error": type(obj).__name__, "message": str(obj)}
    if isinstance(obj, set | frozenset):
        return list(obj)
    if hasattr(obj, "_asdict"):  # NamedTuple (e.g. StateSnapshot parts)
        return obj._asdict()
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    # Anything else becomes its string form rather than breaking a live stream.
    return str(obj)


def dumps(obj: Any) -> bytes:
    """Serialise to compact JSON bytes (one line: safe inside an SSE data field)."""
    return orjson.dumps(obj, default=_default, option=OPTIONS)


def to_jsonable(obj: Any) -> Any:
    """Round-trip through JSON: plain dicts/lists for storing in JSON columns."""
    return orjson.loads(dumps(obj))
