"""attnscope's own data file: any Dataset as one ``.npz`` (arrays + JSON metadata).

``attnscope simulate`` writes it and every command reads it, so simulated data, with its
planted truth, moves between commands without loss. Nothing is pickled.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import write_with
from attnscope.data import (
    Dataset,
    GenotypeDataset,
    MultiOmicsDataset,
    SequenceDataset,
    TabularDataset,
    TimeSeriesDataset,
)
from attnscope.errors import DataError

__all__ = ["read_dataset", "write_dataset"]

_TYPES: dict[str, type[Dataset]] = {
    cls.modality: cls
    for cls in (
        SequenceDataset,
        TabularDataset,
        GenotypeDataset,
        TimeSeriesDataset,
        MultiOmicsDataset,
    )
}
_FORMAT = "attnscope-dataset-1"


def write_dataset(data: Dataset, path: str | Path) -> Path:
    """Write ``data`` to ``path`` (``.npz``) atomically.

    Parameters
    ----------
    data : Dataset
        Any attnscope container; ``meta`` must be JSON-serialisable (numpy values are
        converted).
    path : str or Path
    """
    from attnscope._utils.files import _json_default

    arrays: dict[str, np.ndarray] = {}
    header: dict[str, Any] = {"format": _FORMAT, "modality": data.modality, "dicts": []}
    for f in fields(data):
        value = getattr(data, f.name)
        if f.name in ("meta", "class_names") or value is None:
            continue
        if isinstance(value, dict):
            header["dicts"].append(f.name)
            for key, arr in value.items():
                arrays[f"{f.name}__{key}"] = np.asarray(arr)
        else:
            arrays[f.name] = np.asarray(value)
    header["class_names"] = list(data.class_names)
    header["meta"] = data.meta
    arrays["__header__"] = np.array(json.dumps(header, default=_json_default))

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    return write_with(path, _write)


def read_dataset(path: str | Path) -> Dataset:
    """Read a file written by :func:`write_dataset`.

    Raises
    ------
    DataError
        Not an attnscope ``.npz`` file, or a damaged one (the file is named).
    """
    import zipfile
    import zlib

    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p} not found.")
    try:
        return _read_dataset(p)
    except DataError as exc:
        if str(exc).startswith(str(p)):
            raise
        # the containers' checks do not know the file: name it
        raise type(exc)(f"{p}: {exc}") from exc
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        zipfile.BadZipFile,
        zlib.error,
    ) as exc:
        from attnscope.io._textio import one_line

        raise DataError(
            f"{p}: not a readable attnscope .npz data file ({type(exc).__name__}: "
            f"{one_line(exc)}); write it again with attnscope (write_dataset / simulate)."
        ) from exc


def _read_dataset(p: Path) -> Dataset:
    z = np.load(p, allow_pickle=False)
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise DataError(f"{p} is a .npy array, not an attnscope .npz data file.")
    with z:
        if "__header__" not in z:
            raise DataError(f"{p} is an .npz file but not one written by attnscope (no header).")
        header = json.loads(str(z["__header__"]))
        if not (
            isinstance(header, dict)
            and isinstance(header.get("class_names"), list)
            and isinstance(header.get("meta"), dict)
            and isinstance(header.get("dicts"), list)
        ):
            raise DataError(f"{p}: the attnscope header is damaged; write the file again.")
        cls = _TYPES.get(header.get("modality", ""))
        if cls is None:
            raise DataError(f"{p}: unknown modality {header.get('modality')!r}.")
        kwargs: dict[str, Any] = {"class_names": header["class_names"], "meta": header["meta"]}
        for name in header["dicts"]:
            prefix = f"{name}__"
            kwargs[name] = {k[len(prefix) :]: z[k] for k in z.files if k.startswith(prefix)}
        for f in fields(cls):
            if f.name in kwargs or f.name not in z.files:
                continue
            kwargs[f.name] = z[f.name]
        kwargs.setdefault("labels", None)
        kwargs.setdefault("truth", None)
    return cls(**kwargs)
