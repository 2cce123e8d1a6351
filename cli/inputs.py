"""`sight run --input`: inline JSON, ``@file`` or a path to a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

JSON_STARTS = ("{", "[")


def _bad(message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint="'--input'")


def _read_file(path: Path) -> str:
    """The file's text, or a usage error saying what is wrong with the path."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _bad(f"file not found: {path}") from None
    except IsADirectoryError:
        raise _bad(f"{path} is a directory: give a JSON file") from None
    except PermissionError:
        raise _bad(f"cannot read {path}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise _bad(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8 JSON") from None
    except OSError as exc:
        raise _bad(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(
            f"{source} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


def read_input(value: str) -> Any:
    """Parse --input: inline JSON, @path, or a path to a JSON file; BadParameter (exit 2) else."""
    if value.startswith("@"):
        return _parse(_read_file(Path(value[1:])), value[1:])
    if value.lstrip().startswith(JSON_STARTS):
        return _parse(value, "--input")
    path = Path(value)
    if path.exists():
        return _parse(_read_file(path), value)
    try:
        return json.loads(value)  # a bare JSON scalar
    except json.JSONDecodeError:
        raise _bad(
            f"file not found: {value} (and it is not JSON either): give inline JSON, "
            "@file or a path to a JSON file"
        ) from None
