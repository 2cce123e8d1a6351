"""Sight's PostgreSQL checkpointer; :mod:`store.checkpoint.factory` opens the one to use."""

from store.checkpoint.fast_postgres_saver import FastPostgresSaver
from store.checkpoint.save_queue import CheckpointFlushError

__all__ = ["CheckpointFlushError", "FastPostgresSaver"]
