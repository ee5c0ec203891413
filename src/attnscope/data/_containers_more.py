"""Containers of time series, several omics per sample, and any array (a user's network).

The other modalities, the :class:`Dataset` base and the shared checks are in
:mod:`._containers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from attnscope.data._containers import Dataset, _check_finite, _check_names, _check_rows
from attnscope.errors import DataError

__all__ = ["ArrayDataset", "MultiOmicsDataset", "TimeSeriesDataset"]


@dataclass
class TimeSeriesDataset(Dataset):
    """Multivariate time series on a fixed grid, with observed-value masks.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_times, n_variables), float32
        Values (normalised or raw; unobserved cells hold the carried or fill value).
    mask : ndarray of shape (n_samples, n_times, n_variables), bool
        True where the value was observed in that cell.
    static : ndarray of shape (n_samples, n_static), float32
        Per-stay descriptors (age, sex, ...); may have zero columns.
    truth : ndarray of shape (n_times, n_variables) or (n_samples, n_times, n_variables)
    """

    modality: ClassVar[str] = "timeseries"
    _sample_fields: ClassVar[tuple[str, ...]] = ("values", "mask", "static")
    _truth_sample_ndim: ClassVar[int] = 3

    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float32))
    mask: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), bool))
    static: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    variable_names: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    static_names: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32)
        if self.values.ndim != 3:
            raise DataError(
                f"values must be 3-D (samples, times, variables), got {self.values.shape}."
            )
        self.mask = np.asarray(self.mask, dtype=bool)
        if self.mask.shape != self.values.shape:
            raise DataError(
                f"mask shape {self.mask.shape} differs from values {self.values.shape}."
            )
        _check_finite(self.values, self.sample_ids)
        n, t, v = self.values.shape
        self.static = np.asarray(self.static, dtype=np.float32).reshape(n, -1)
        _check_finite(self.static, self.sample_ids)
        _check_rows(self.values, self.sample_ids, "values")
        self.variable_names = _check_names(self.variable_names, v, "variable")
        self.static_names = _check_names(self.static_names, self.static.shape[1], "static")
        self.times = np.asarray(self.times, dtype=np.float32)
        if self.times.shape != (t,):
            raise DataError(f"times must have {t} entries, one per grid step.")
        self._validate_common()
        self._check_truth((t, v))

    def describe(self) -> dict[str, Any]:
        _, t, v = self.values.shape
        observed = float(self.mask.mean()) if self.mask.size else 0.0
        return {**super().describe(), "n_times": t, "n_variables": v, "observed_fraction": observed}


@dataclass
class MultiOmicsDataset(Dataset):
    """Several omics tables over the same samples; a sample may lack a modality.

    Parameters
    ----------
    omics : dict of str -> ndarray of shape (n_samples, n_features_m), float32
        Rows of absent modalities are zeros (see ``present``).
    feature_names : dict of str -> ndarray of shape (n_features_m,), str
    present : ndarray of shape (n_samples, n_modalities), bool
        Column order follows ``omics``.
    truth : dict-free; per-modality truth masks live in ``meta["truth"]`` when simulated.
    """

    modality: ClassVar[str] = "multiomics"
    _sample_fields: ClassVar[tuple[str, ...]] = ("omics", "present")

    omics: dict[str, np.ndarray] = field(default_factory=dict)
    feature_names: dict[str, np.ndarray] = field(default_factory=dict)
    present: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))

    def __post_init__(self) -> None:
        if not self.omics:
            raise DataError("a multi-omics data set needs at least one modality.")
        n = np.asarray(self.sample_ids).shape[0]
        for name, mat in list(self.omics.items()):
            mat = np.asarray(mat, dtype=np.float32)
            if mat.ndim != 2 or mat.shape[0] != n:
                raise DataError(
                    f"modality {name!r} has shape {mat.shape}; expected ({n}, n_features)."
                )
            _check_finite(mat, self.sample_ids, where=f"modality {name!r}")
            self.omics[name] = mat
            self.feature_names[name] = _check_names(
                self.feature_names.get(
                    name, np.array([f"{name}_{j}" for j in range(mat.shape[1])])
                ),
                mat.shape[1],
                f"{name} feature",
            )
        present = np.asarray(self.present, dtype=bool)
        if present.size == 0:
            present = np.ones((n, len(self.omics)), bool)
        if present.shape != (n, len(self.omics)):
            raise DataError(
                f"present must have shape ({n}, {len(self.omics)}), got {present.shape}."
            )
        self.present = present
        self._validate_common()

    @property
    def modality_names(self) -> list[str]:
        """Modality names in column order of ``present``."""
        return list(self.omics)

    def describe(self) -> dict[str, Any]:
        dims = {k: int(v.shape[1]) for k, v in self.omics.items()}
        missing = {k: int((~self.present[:, j]).sum()) for j, k in enumerate(self.omics)}
        return {**super().describe(), "n_features": dims, "missing_per_modality": missing}


@dataclass
class ArrayDataset(Dataset):
    """A samples-first array of any shape and dtype: what a user's own network takes.

    Used by :func:`attnscope.explain.wrap_module`, so that a plain ``nn.Module`` gets the
    same attribution and trust machinery as attnscope's own estimators.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        One-hot DNA, token ids, a table or a (time x variable) series.
    truth : ndarray of shape (n_samples, *feature_shape), bool, optional
        Per-sample mask of the features that carry the signal.
    """

    modality: ClassVar[str] = "array"
    _sample_fields: ClassVar[tuple[str, ...]] = ("X",)

    X: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X)
        if self.X.ndim < 2:
            raise DataError(f"X must have a sample axis and features, got shape {self.X.shape}.")
        if self.X.dtype.kind == "f":
            _check_finite(self.X, np.asarray(self.sample_ids))
        _check_rows(self.X, np.asarray(self.sample_ids), "X")
        self._validate_common()

    @property
    def _truth_sample_ndim(self) -> int:  # type: ignore[override]
        t = self.truth
        return t.ndim if t is not None and t.ndim >= 2 and t.shape[0] == len(self) else -1
