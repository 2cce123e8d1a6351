"""Sight: AI workflows as LangGraph state machines, checkpointed and served over SSE."""

__version__ = "0.1.0"
