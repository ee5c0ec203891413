"""The one result type every attribution method returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import write_with
from attnscope.errors import DataError

__all__ = ["Attribution"]


@dataclass
class Attribution:
    """Attributions of one method for a set of samples.

    Attributes
    ----------
    values : ndarray of shape (n_samples, *feature_shape)
        Per feature (position, gene, SNP, time x variable cell); positive values push
        the prediction towards ``target``.
    feature_names : ndarray of str, optional
        Names along the last feature axis.
    method : str
    target : ndarray of shape (n_samples,), int
        Class index explained for each sample.
    seconds : float
        Wall time of the computation.
    sample_ids : ndarray of str, optional
    meta : dict
        Method options and diagnostics (e.g. IG convergence delta).
    inputs : dict of str -> ndarray
        What views of the attribution need from the explained data, saved with it
        (``tokens`` of DNA samples, ``truth`` masks, SNP ``chromosomes`` / ``positions``),
        so a report never re-reads the data or reloads the model.
    """

    values: np.ndarray
    method: str
    target: np.ndarray
    seconds: float = 0.0
    feature_names: np.ndarray | None = None
    sample_ids: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values)
        self.target = np.asarray(self.target, dtype=np.int64).reshape(-1)
        if self.target.shape[0] != self.values.shape[0]:
            raise DataError(
                f"target has {self.target.shape[0]} entries for {self.values.shape[0]} samples."
            )

    @property
    def n_samples(self) -> int:
        """Number of explained samples."""
        return int(self.values.shape[0])

    def save(self, path: str | Path) -> Path:
        """Write an ``.npz`` (no pickled objects) atomically."""
        import json

        arrays: dict[str, Any] = {
            "values": self.values,
            "target": self.target,
            "method": np.array(self.method),
            "seconds": np.array(self.seconds),
            "meta_json": np.array(json.dumps(self.meta, default=str)),
        }
        if self.feature_names is not None:
            arrays["feature_names"] = np.asarray(self.feature_names).astype(str)
        if self.sample_ids is not None:
            arrays["sample_ids"] = np.asarray(self.sample_ids).astype(str)
        for key, value in self.inputs.items():
            arrays[f"input_{key}"] = np.asarray(value)

        def _write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

        return write_with(path, _write)

    @classmethod
    def load(cls, path: str | Path) -> Attribution:
        """Read an ``.npz`` written by :meth:`save`."""
        import json

        p = Path(path)
        if not p.is_file():
            raise DataError(f"{p} not found; run 'attnscope explain' first.")
        with np.load(p, allow_pickle=False) as z:
            return cls(
                values=z["values"],
                target=z["target"],
                method=str(z["method"]),
                seconds=float(z["seconds"]),
                feature_names=z["feature_names"] if "feature_names" in z else None,
                sample_ids=z["sample_ids"] if "sample_ids" in z else None,
                meta=json.loads(str(z["meta_json"])),
                inputs={k[len("input_") :]: z[k] for k in z.files if k.startswith("input_")},
            )
