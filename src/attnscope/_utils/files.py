"""Atomic writes and run-directory safety."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError

__all__ = [
    "atomic_dir",
    "atomic_path",
    "check_out_dir",
    "prepare_out_dir",
    "write_json",
    "write_text",
]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Nothing is left behind when the body raises, so a reader never sees half a file.
    """
    target = Path(path)
    if target.is_dir():
        raise ConfigError(
            f"{target} is a directory; give the path of a file to write (a new name, or one "
            "inside that folder)."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder of the path should be, or read-only
        raise ConfigError(
            f"{target}: cannot create its folder ({exc.strerror}: {exc.filename}); move that "
            "file away or write elsewhere."
        ) from exc
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600 files; give the result the permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented JSON atomically (numpy scalars converted)."""
    text = json.dumps(_finite(obj), indent=2, default=_json_default, allow_nan=False)
    return write_text(path, text + "\n")


def _finite(obj: Any) -> Any:
    """NaN and inf become None (JSON null): strict JSON readers reject NaN."""
    import math

    import numpy as np

    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return [_finite(v) for v in obj.tolist()]
    return obj


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def check_writable(path: str | os.PathLike[str], fix: str = "choose another --out.") -> None:
    """ConfigError when ``path`` (or the nearest folder above it that exists) is not writable.

    ``fix`` ends the message (what the user can do).
    """
    out = Path(path).absolute()
    base = out
    while not base.exists() and base != base.parent:
        base = base.parent
    if base.exists() and not base.is_dir():
        raise ConfigError(f"{out}: {base} is a file, not a folder; {fix}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise ConfigError(f"{out}: cannot write there, {base} is read-only for this user; {fix}")


#: What attnscope writes at the top of an output folder (a run, a simulated data set, a
#: consistency study, motifs): ``--force`` replaces only a folder holding one of them.
OUTPUT_MARKERS = frozenset(
    {"model.json", "model.safetensors", "config.toml", "metrics.json", "split.json",
     "test_predictions.npz", "trust.json", "attributions", "report.html", "data.npz",
     "summary.json", "consistency.json", "per_sample.tsv", "plots", "patterns.tsv",
     "patterns.json", "logos"}
)  # fmt: skip


def check_out_dir(
    out: Path, force: bool, inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> None:
    """Refuse a file, a non-empty folder without ``force``, or a place that is not writable.

    With ``force`` a non-empty folder is replaced only when attnscope wrote it (it holds
    one of :data:`OUTPUT_MARKERS`) and holds none of ``inputs`` (the command's data,
    labels, config): ``--force`` never deletes the user's own files.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a directory; choose another --out.")
    for given in inputs:
        if given is None or isinstance(given, bool) or not isinstance(given, str | os.PathLike):
            continue
        where = Path(given).resolve()
        if not where.exists():  # an option that is not a path (a label column, a format)
            continue
        if where == out.resolve() or out.resolve() in where.parents:
            raise ConfigError(
                f"--out {out} holds the input {given}: writing there would replace it; "
                "choose an --out outside the data's folder."
            )
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ConfigError(
                f"{out} already exists and is not empty; pass --force to overwrite it "
                "or choose another --out."
            )
        if not any((out / name).exists() for name in OUTPUT_MARKERS):
            first = sorted(p.name for p in out.iterdir())[:3]
            raise ConfigError(
                f"{out} is not a folder attnscope wrote (it holds {first}); --force replaces "
                "only a run, study or data folder of attnscope: choose another --out, or "
                "move those files away first."
            )
    check_writable(out)


def check_out_file(
    target: Path, inputs: Iterable[str | os.PathLike[str] | None], option: str = "--output"
) -> None:
    """Refuse an output file that would replace one of ``inputs`` (the command's data,
    labels): the file itself, or an existing file inside an input folder; ``--force``
    replaces earlier output, never the user's data."""
    where = target.resolve()
    for given in inputs:
        if given is None or not isinstance(given, str | os.PathLike) or not str(given):
            continue
        src = Path(given).resolve()
        if where == src or (src.is_dir() and src in where.parents and where.exists()):
            what = "is" if where == src else "is a file of"
            raise ConfigError(
                f"{option} {target} {what} the input {given}: writing there would replace "
                f"it, --force or not; choose another {option}."
            )


def prepare_out_dir(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Create an output directory, refusing to reuse a non-empty one without ``force``.

    With ``force`` the folder attnscope wrote before is emptied first: it is replaced
    whole, never mixed with the new files.
    """
    import shutil

    out = Path(path)
    check_out_dir(out, force)
    if force and out.is_dir():
        for old in out.iterdir():
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{out}: cannot create the folder ({exc.strerror}); choose another --out."
        ) from exc
    return out


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


#: A file every complete run directory holds; written last, by :func:`atomic_dir`.
COMPLETE_MARKER = "model.json"


@contextmanager
def atomic_dir(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Iterator[Path]:
    """Build a directory in a hidden sibling folder; rename it onto ``path`` on success.

    A failure or an interrupt (Ctrl-C, SIGTERM turned into an exception) inside the body
    leaves nothing behind: no half-written run ever carries the final name. With ``force``
    an existing ``path`` is replaced whole (moved aside, then deleted), never in part.

    Raises
    ------
    ConfigError
        ``path`` exists (and is not an empty folder) without ``force``, is a file, is a
        folder attnscope did not write or one holding ``inputs``, or its parent folder
        cannot be written (:func:`check_out_dir`).
    """
    import shutil

    out = Path(path)
    check_out_dir(out, force, inputs)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise ConfigError(
            f"{out}: cannot create the folder ({exc.strerror}); choose another --out."
        ) from exc
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
