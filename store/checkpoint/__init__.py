"""Sight's PostgreSQL checkpointer; :mod:`store.checkpointer` opens the one to use."""

from store.checkpoint.fast_postgres_saver import CheckpointFlushError, FastPostgresSaver

__all__ = ["CheckpointFlushError", "FastPostgresSaver"]
