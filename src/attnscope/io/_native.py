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
    """Read a file written by :func:`write_dataset`."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p} not found.")
    try:
        z = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{p} is not an attnscope .npz data file ({exc}).") from exc
    with z:
        if "__header__" not in z:
            raise DataError(f"{p} is an .npz file but not one written by attnscope (no header).")
        header = json.loads(str(z["__header__"]))
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
