"""One statement that saves any number of checkpoints, blobs and writes, and its parameters.

The stock saver's four INSERTs (checkpoint blobs; checkpoint; writes with ON CONFLICT DO
NOTHING; special writes with DO UPDATE), clause for clause, written as data-modifying CTEs
fed by arrays (binary parameters: no text escaping). In autocommit one execution is one
transaction and one round trip, whatever it carries: a superstep of one run, or supersteps
of many runs saved together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

SAVE_SQL = """
WITH blobs AS (
    INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT * FROM unnest(
        %(b_thread_id)b::text[], %(b_checkpoint_ns)b::text[], %(b_channel)b::text[],
        %(b_version)b::text[], %(b_type)b::text[], %(b_blob)b::bytea[]
    )
    ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
), inserted AS (
    INSERT INTO checkpoint_writes
        (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
    SELECT * FROM unnest(
        %(i_thread_id)b::text[], %(i_checkpoint_ns)b::text[], %(i_checkpoint_id)b::text[],
        %(i_task_id)b::text[], %(i_task_path)b::text[], %(i_idx)b::int[],
        %(i_channel)b::text[], %(i_type)b::text[], %(i_blob)b::bytea[]
    )
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING
), upserted AS (
    INSERT INTO checkpoint_writes
        (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
    SELECT * FROM unnest(
        %(u_thread_id)b::text[], %(u_checkpoint_ns)b::text[], %(u_checkpoint_id)b::text[],
        %(u_task_id)b::text[], %(u_task_path)b::text[], %(u_idx)b::int[],
        %(u_channel)b::text[], %(u_type)b::text[], %(u_blob)b::bytea[]
    )
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO UPDATE SET
        channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob
)
INSERT INTO checkpoints
    (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
SELECT * FROM unnest(
    %(c_thread_id)b::text[], %(c_checkpoint_ns)b::text[], %(c_checkpoint_id)b::text[],
    %(c_parent_checkpoint_id)b::text[], %(c_checkpoint)b::jsonb[], %(c_metadata)b::jsonb[]
)
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
    checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
"""

BLOB_COLUMNS = ("thread_id", "checkpoint_ns", "channel", "version", "type", "blob")
WRITE_COLUMNS = (
    "thread_id",
    "checkpoint_ns",
    "checkpoint_id",
    "task_id",
    "task_path",
    "idx",
    "channel",
    "type",
    "blob",
)  # the order of BasePostgresSaver._dump_writes rows
CHECKPOINT_COLUMNS = (
    "thread_id",
    "checkpoint_ns",
    "checkpoint_id",
    "parent_checkpoint_id",
    "checkpoint",
    "metadata",
)

Row = tuple[Any, ...]


def check_text(values: Iterable[Any]) -> None:
    """Refuse, as the stock saver does (same errors), strings no text column can hold."""
    for value in values:
        if isinstance(value, str):
            if "\x00" in value:
                raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
            if not value.isascii():
                value.encode()  # UnicodeEncodeError on a lone surrogate


class SaveParams:
    """Columns of one SAVE_SQL execution, filled row by row."""

    def __init__(self) -> None:
        self._blobs: list[list[Any]] = [[] for _ in BLOB_COLUMNS]
        self._inserts: list[list[Any]] = [[] for _ in WRITE_COLUMNS]
        self._upserts: list[list[Any]] = [[] for _ in WRITE_COLUMNS]
        self._checkpoints: list[list[Any]] = [[] for _ in CHECKPOINT_COLUMNS]

    def __bool__(self) -> bool:
        """Whether there is anything to save."""
        return any(
            columns[0] for columns in (self._blobs, self._inserts, self._upserts, self._checkpoints)
        )

    def add_blobs(self, rows: Iterable[Row]) -> None:
        """Rows as ``BasePostgresSaver._dump_blobs`` makes them."""
        for row in rows:
            for column, value in zip(self._blobs, row, strict=True):
                column.append(value)

    def add_writes(self, rows: Iterable[tuple[Row, bool]]) -> None:
        """``(row, upsert)`` pairs, rows as ``BasePostgresSaver._dump_writes`` makes them."""
        for row, upsert in rows:
            for column, value in zip(self._upserts if upsert else self._inserts, row, strict=True):
                column.append(value)

    def add_checkpoint(
        self,
        thread_id: str,
        checkpoint_ns: str,
        checkpoint_id: str,
        parent_checkpoint_id: str | None,
        checkpoint: dict[str, Any],
        metadata: dict[str, Any],
    ) -> None:
        row = (
            thread_id,
            checkpoint_ns,
            checkpoint_id,
            parent_checkpoint_id,
            Jsonb(checkpoint),
            Jsonb(metadata),
        )
        for column, value in zip(self._checkpoints, row, strict=True):
            column.append(value)

    def as_dict(self) -> dict[str, list[Any]]:
        params: dict[str, list[Any]] = {}
        for prefix, names, columns in (
            ("b", BLOB_COLUMNS, self._blobs),
            ("i", WRITE_COLUMNS, self._inserts),
            ("u", WRITE_COLUMNS, self._upserts),
            ("c", CHECKPOINT_COLUMNS, self._checkpoints),
        ):
            params.update(
                {f"{prefix}_{name}": column for name, column in zip(names, columns, strict=True)}
            )
        return params
