"""Files of the PhysioNet 2012 challenge: record archives and folders, Outcomes tables.

Used by :func:`attnscope.io.read_physionet2012` (see it for the rules).
"""

from __future__ import annotations

import re
import tarfile
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.io._textio import one_line, read_csv

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []

_OUTCOME_COLS = ("RecordID", "SAPS-I", "SOFA", "Length_of_stay", "Survival", "In-hospital_death")


def _archive_records(path: Path) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of the records of one archive, read in memory.

    Only ``<folder>/<RecordID>.txt`` members are stays, ``<folder>`` being the archive's
    name without ``.tar.gz`` (``set-a`` for ``set-a.tar.gz``), or ``.txt`` members at the
    archive root. Members anywhere else are not read (one AttnscopeWarning names them).
    """
    folder = re.sub(r"\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$", "", path.name)
    items: list[tuple[str, bytes]] = []
    outside: list[str] = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if not (member.isfile() and member.name.endswith(".txt")):
                    continue
                parts = member.name.removeprefix("./").split("/")
                if Path(member.name).name.startswith("Outcomes"):
                    continue
                if not (len(parts) == 1 or (len(parts) == 2 and parts[0] == folder)):
                    outside.append(member.name)
                    continue
                fh = tar.extractfile(member)
                if fh is not None:
                    items.append((f"{path}:{member.name}", fh.read()))
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{path} is not a readable tar archive of PhysioNet records ({one_line(exc)}); "
            "re-download it."
        ) from exc
    if outside:
        warnings.warn(
            f"{path}: {len(outside)} .txt members outside the folder {folder}/ were not read "
            f"as stays (e.g. {outside[:3]}).",
            AttnscopeWarning,
            stacklevel=4,
        )
    if not items:
        raise DataError(
            f"{path}: the archive holds no .txt records in {folder}/ (or at its root); is "
            "this a PhysioNet 2012 set archive?"
        )
    items.sort(key=lambda kv: kv[0])
    return items


def _choose_archives(path: Path, sets: Sequence[str] | None) -> list[Path]:
    """The ``set-*.tar.gz`` archives of a folder: all, or those named by ``sets``."""
    found = {
        re.sub(r"\.(tar\.gz|tgz)$", "", p.name).removeprefix("set-"): p
        for p in sorted(path.glob("set-*.tar.gz")) + sorted(path.glob("set-*.tgz"))
    }
    if sets is None:
        return [found[k] for k in sorted(found)]
    if isinstance(sets, str):
        sets = [sets]
    chosen = [str(s).strip().lower().removeprefix("set-") for s in sets]
    absent = [s for s in chosen if s not in found]
    if absent or not chosen:
        raise ConfigError(
            f"sets={list(sets)!r}: no set-<name>.tar.gz for {absent or 'an empty list'} in "
            f"{path}; the sets there are {sorted(found)}."
        )
    return [found[s] for s in dict.fromkeys(chosen)]


def load_records(
    path: Path, sets: Sequence[str] | None
) -> tuple[list[str], list[bytes], list[tuple[Path, int]]]:
    """Record names, raw bytes and the sources ``(archive or folder, n_records)`` in order."""
    if path.is_dir():
        files = sorted(p for p in path.glob("*.txt") if not p.name.startswith("Outcomes"))
        if files and sets is not None:
            raise ConfigError(
                f"sets= chooses set-*.tar.gz archives, but {path} is a folder of .txt records; "
                "drop sets= or point to the folder of archives."
            )
        if not files:
            archives = _choose_archives(path, sets)
            if not archives:
                raise DataError(
                    f"{path}: no per-stay .txt records and no set-*.tar.gz archive found; point "
                    "to the folder of <RecordID>.txt files or to a set archive."
                )
            names: list[str] = []
            blobs: list[bytes] = []
            sources: list[tuple[Path, int]] = []
            for archive in archives:
                items = _archive_records(archive)
                names += [k for k, _ in items]
                blobs += [v for _, v in items]
                sources.append((archive, len(items)))
            return names, blobs, sources
        return [str(p) for p in files], [p.read_bytes() for p in files], [(path, len(files))]
    if not path.is_file():
        raise DataError(f"PhysioNet path {path} not found; give the set-a folder or archive.")
    if sets is not None:
        raise ConfigError(f"sets= chooses archives inside a folder; {path} is one archive.")
    items = _archive_records(path)
    return [k for k, _ in items], [v for _, v in items], [(path, len(items))]


def outcomes_path(records_path: Path) -> Path:
    """``Outcomes-<x>.txt`` of the set ``records_path`` belongs to (``a`` by default)."""
    match = re.search(r"set-([a-z0-9]+)", records_path.name)
    letter = match.group(1) if match else "a"
    folder = records_path.parent
    for base in (records_path if records_path.is_dir() else folder, folder):
        candidate = base / f"Outcomes-{letter}.txt"
        if candidate.is_file():
            return candidate
    raise DataError(
        f"no Outcomes-{letter}.txt found beside {records_path}; pass outcomes=PATH, "
        "or task=None for unlabelled stays."
    )


def outcomes_table(path: Path, need: str) -> pd.DataFrame:
    """One Outcomes file indexed by RecordID (checked: columns, numeric unique ids)."""
    import pandas as pd

    if not path.is_file():
        raise DataError(f"outcomes file {path} not found; pass outcomes=PATH or task=None.")
    try:
        table = read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"outcomes file {path} is not a readable CSV ({one_line(exc)}).") from exc
    table.columns = [str(c).strip() for c in table.columns]
    for name in ("RecordID", need):
        if name not in table.columns:
            raise DataError(
                f"outcomes file {path} has no {name!r} column; expected the columns "
                f"{', '.join(_OUTCOME_COLS)}."
            )
    ids = pd.to_numeric(table["RecordID"], errors="coerce")
    bad = ids.isna().to_numpy() | ~np.isfinite(ids.to_numpy(dtype=float))
    if bad.any():
        line = int(np.argmax(bad)) + 2
        raise DataError(f"{path}, line {line}: RecordID is not a number.")
    dup = ids.duplicated().to_numpy()
    if dup.any():
        first = int(np.argmax(dup))
        raise DataError(
            f"{path}, line {first + 2}: RecordID {int(ids.iloc[first])} has a second row; keep "
            "one row per stay."
        )
    table.index = pd.Index(ids.astype(np.int64))
    return table
