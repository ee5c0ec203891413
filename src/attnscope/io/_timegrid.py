"""Resampling of irregular clinical observations to a fixed grid, and normalisation.

Grid rules (shared by :func:`attnscope.io.read_physionet2012` and
:func:`attnscope.io.read_long_timeseries`):

- bin ``k`` covers ``[k * step_hours, (k + 1) * step_hours)``; an observation at exactly
  ``hours`` falls into the last bin, later ones are dropped; ``times[k]`` is the bin start;
- ``values`` holds the mean of the observations in a cell, ``mask`` is True where a cell has
  at least one observation;
- unobserved cells carry the last observed value of the same stay forward; cells before
  the first observation hold ``fill_value`` (0 in raw units).

:class:`TimeSeriesNormalizer` standardises each variable with the mean and standard
deviation of the **observed** cells of the training data only, then redoes the forward
fill on the normalised scale, so cells before a variable's first observation become 0 (the
training mean). Static columns are imputed with the training median (the most
frequent value for a 0/1 column) where their ``<name>_missing`` indicator column is 1,
and continuous ones (more than two distinct
values) are standardised; binary columns are left as they are.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from attnscope.data import TimeSeriesDataset
from attnscope.errors import DataError

__all__ = ["TimeSeriesNormalizer", "forward_fill", "grid_observations", "parse_times"]


def parse_times(raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """Parse times given as numeric hours, ``HH:MM`` or ``HH:MM:SS`` strings.

    Parameters
    ----------
    raw : array-like of shape (n,)
        Numbers (hours) or strings such as ``"36:15"`` (hours may exceed 24),
        ``"36:15:30"`` or ``"1.5"``.

    Returns
    -------
    hours : ndarray of shape (n,), float64
        NaN where unparsable.
    ok : ndarray of shape (n,), bool
        False where the entry could not be parsed.
    """
    import pandas as pd

    s = pd.Series(np.asarray(raw))
    if s.dtype.kind in "iuf":
        hours = s.to_numpy(dtype=float)
        return hours, np.isfinite(hours)
    s = s.astype(str).str.strip()
    numeric = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    clock = s.str.extract(r"^(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?$")
    h, m, sec = (pd.to_numeric(clock[k], errors="coerce").to_numpy(dtype=float) for k in range(3))
    sec = np.where(np.isnan(sec), 0.0, sec)
    clock_ok = np.isfinite(h) & (m < 60) & (sec < 60)
    hours = np.where(clock_ok, h + m / 60.0 + sec / 3600.0, numeric)
    ok = np.isfinite(hours)
    return np.where(ok, hours, np.nan), ok


def forward_fill(values: np.ndarray, mask: np.ndarray, *, fill_value: float = 0.0) -> np.ndarray:
    """Carry observed values forward along the time axis; fill leading gaps.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_times, n_variables)
        Only cells where ``mask`` is True are read.
    mask : ndarray of shape (n_samples, n_times, n_variables), bool
    fill_value : float, default 0.0
        Value of cells before the first observation of a variable in a stay.

    Returns
    -------
    ndarray of shape (n_samples, n_times, n_variables), float32
    """
    out = np.empty(values.shape, dtype=np.float32)
    prev = np.full(values.shape[:1] + values.shape[2:], fill_value, dtype=np.float32)
    # One vectorised step per time bin (n_times is small): cheaper than index gathers.
    for t in range(values.shape[1]):
        prev = np.where(mask[:, t], values[:, t], prev)
        out[:, t] = prev
    return out


def check_grid(n_samples: int, n_times: float, n_variables: int, *, what: str) -> None:
    """Refuse a grid larger than the memory budget, before it is allocated."""
    from attnscope._utils.memory import check_memory

    # float32 values, bool mask, float64 sums and int64 counts per cell.
    check_memory(
        float(n_samples) * n_times * n_variables * 21.0,
        what=what,
        fix="bound the grid with hours=<length> (and a coarser step_hours=), or fix the time.",
    )


def grid_observations(
    sample_idx: np.ndarray,
    var_idx: np.ndarray,
    times: np.ndarray,
    values: np.ndarray,
    *,
    n_samples: int,
    n_variables: int,
    hours: float,
    step_hours: float = 1.0,
    fill_value: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average long-format observations into (sample, time bin, variable) cells.

    Parameters
    ----------
    sample_idx, var_idx : ndarray of shape (n_obs,), int
        Row of the sample and column of the variable of each observation.
    times : ndarray of shape (n_obs,), float
        Hours since the start of the stay.
    values : ndarray of shape (n_obs,), float
    n_samples, n_variables : int
        Output sizes.
    hours : float
        Length of the grid; observations after it are dropped.
    step_hours : float, default 1.0
        Bin width.
    fill_value : float, default 0.0
        Value of cells before the first observation (see :func:`forward_fill`).

    Returns
    -------
    values : ndarray of shape (n_samples, n_times, n_variables), float32
        Bin means, carried forward where unobserved.
    mask : ndarray of shape (n_samples, n_times, n_variables), bool
        True where the cell holds at least one observation.
    grid_times : ndarray of shape (n_times,), float32
        Start of each bin in hours; ``n_times = ceil(hours / step_hours)``.
    """
    if not (np.isfinite(hours) and hours > 0 and np.isfinite(step_hours) and step_hours > 0):
        raise DataError(f"hours and step_hours must be positive, got {hours}, {step_hours}.")
    n_times = int(np.ceil(hours / step_hours - 1e-9))
    check_grid(
        n_samples,
        n_times,
        n_variables,
        what=f"a time grid of {n_samples} stays x {n_times} steps x {n_variables} variables",
    )
    times = np.asarray(times, dtype=float)
    keep = (times >= 0) & (times <= hours) & np.isfinite(np.asarray(values, dtype=float))
    bins = np.minimum(np.floor(times[keep] / step_hours).astype(np.int64), n_times - 1)
    flat = (np.asarray(sample_idx, np.int64)[keep] * n_times + bins) * n_variables + np.asarray(
        var_idx, np.int64
    )[keep]
    size = n_samples * n_times * n_variables
    sums = np.bincount(flat, weights=np.asarray(values, float)[keep], minlength=size)
    counts = np.bincount(flat, minlength=size)
    shape = (n_samples, n_times, n_variables)
    nz = np.flatnonzero(counts)
    means = np.zeros(size, dtype=np.float32)
    means[nz] = sums[nz] / counts[nz]
    mask = (counts > 0).reshape(shape)
    means = means.reshape(shape)
    grid = forward_fill(means, mask, fill_value=fill_value)
    return grid, mask, (np.arange(n_times) * step_hours).astype(np.float32)


class TimeSeriesNormalizer:
    """Standardise time series with statistics of the training data only.

    Parameters
    ----------
    eps : float, default 1e-6
        Standard deviations below ``eps`` (constant variables) are replaced by 1.

    Attributes
    ----------
    mean_, std_ : ndarray of shape (n_variables,)
        Per-variable mean and standard deviation over observed training cells.
    static_median_, static_mean_, static_std_ : ndarray of shape (n_static,)
        Training median (imputation; the mode for 0/1 columns), mean and standard
        deviation of static columns; binary columns have mean 0 and std 1 (unchanged).

    Examples
    --------
    >>> norm = TimeSeriesNormalizer().fit(train)  # doctest: +SKIP
    >>> train_z, test_z = norm.transform(train), norm.transform(test)  # doctest: +SKIP
    """

    def __init__(self, *, eps: float = 1e-6) -> None:
        self.eps = eps

    def fit(self, data: TimeSeriesDataset) -> TimeSeriesNormalizer:
        """Learn per-variable statistics from the observed cells of ``data``.

        Parameters
        ----------
        data : TimeSeriesDataset
            Training data in raw units (values of shape (n, n_times, n_variables)).

        Returns
        -------
        self
        """
        if data.meta.get("normalized"):
            raise DataError("this data set is already normalised; fit on the raw training data.")
        obs = data.mask
        x = np.where(obs, data.values, 0.0).astype(np.float64)
        counts = obs.sum(axis=(0, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = x.sum(axis=(0, 1)) / counts
            var = (np.where(obs, data.values - mean, 0.0) ** 2).sum(axis=(0, 1)) / counts
        mean = np.where(counts > 0, mean, 0.0)
        std = np.sqrt(np.where(counts > 1, var, 1.0))
        self.mean_ = mean
        self.std_ = np.where(std > self.eps, std, 1.0)
        self.variable_names_ = data.variable_names.copy()
        self.observed_counts_ = counts

        s = data.static.astype(np.float64)
        names = list(data.static_names)
        miss = _missing_indicators(s, names)
        s_obs = np.where(miss, np.nan, s)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
            median = np.nanmedian(s_obs, axis=0) if len(s) else np.zeros(len(names))
            mean_obs = np.nanmean(s_obs, axis=0) if len(s) else np.zeros(len(names))
        median = np.where(np.isfinite(median), median, 0.0)
        binary = np.array(
            [np.isin(s[~miss[:, j], j], (0.0, 1.0)).all() for j in range(s.shape[1])], dtype=bool
        )
        mode = (mean_obs >= 0.5).astype(float)
        median = np.where(binary, mode, median)  # a binary column is imputed with its mode
        filled = np.where(miss, median, s)
        smean = np.where(binary, 0.0, filled.mean(axis=0) if len(s) else 0.0)
        sstd = np.where(binary, 1.0, filled.std(axis=0) if len(s) else 1.0)
        self.static_median_ = median
        self.static_mean_ = smean
        self.static_std_ = np.where(sstd > self.eps, sstd, 1.0)
        self.static_names_ = np.asarray(names, dtype=str)
        return self

    def transform(self, data: TimeSeriesDataset) -> TimeSeriesDataset:
        """Return a normalised copy of ``data`` (the input is left unchanged).

        Parameters
        ----------
        data : TimeSeriesDataset
            Raw values of shape (n, n_times, n_variables) with the fitted variable names.

        Returns
        -------
        TimeSeriesDataset
            Observed cells ``(x - mean_) / std_``; unobserved cells carry the last
            normalised value, 0 before the first observation; static columns imputed and
            standardised. ``meta["normalized"]`` is True.
        """
        if not hasattr(self, "mean_"):
            raise DataError("TimeSeriesNormalizer is not fitted; call fit(train) first.")
        if data.meta.get("normalized"):
            raise DataError("this data set is already normalised; transform the raw data.")
        if list(data.variable_names) != list(self.variable_names_):
            raise DataError(
                f"variables {list(data.variable_names)[:5]}... differ from the fitted ones "
                f"{list(self.variable_names_)[:5]}...; read both sets with the same variables."
            )
        if list(data.static_names) != list(self.static_names_):
            raise DataError(
                f"static columns {list(data.static_names)} differ from the fitted ones "
                f"{list(self.static_names_)}."
            )
        z = ((data.values - self.mean_) / self.std_).astype(np.float32)
        z = forward_fill(z, data.mask, fill_value=0.0)
        s = data.static.astype(np.float64)
        miss = _missing_indicators(s, list(data.static_names))
        s = np.where(miss, self.static_median_, s)
        s = ((s - self.static_mean_) / self.static_std_).astype(np.float32)
        meta = {**data.meta, "normalized": True, "normalizer": self.to_dict()}
        return replace(data, values=z, static=s, meta=meta)

    def fit_transform(self, data: TimeSeriesDataset) -> TimeSeriesDataset:
        """``fit(data)`` then ``transform(data)``."""
        return self.fit(data).transform(data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state, to save with a model (see :meth:`from_dict`)."""
        if not hasattr(self, "mean_"):
            raise DataError("TimeSeriesNormalizer is not fitted; call fit(train) first.")
        return {
            "eps": self.eps,
            "variable_names": self.variable_names_.tolist(),
            "mean": self.mean_.tolist(),
            "std": self.std_.tolist(),
            "static_names": self.static_names_.tolist(),
            "static_median": self.static_median_.tolist(),
            "static_mean": self.static_mean_.tolist(),
            "static_std": self.static_std_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TimeSeriesNormalizer:
        """Rebuild a fitted normaliser from :meth:`to_dict` output."""
        try:
            self = cls(eps=float(state.get("eps", 1e-6)))
            self.variable_names_ = np.asarray(state["variable_names"], dtype=str)
            self.mean_ = np.asarray(state["mean"], dtype=np.float64)
            self.std_ = np.asarray(state["std"], dtype=np.float64)
            self.static_names_ = np.asarray(state["static_names"], dtype=str)
            self.static_median_ = np.asarray(state["static_median"], dtype=np.float64)
            self.static_mean_ = np.asarray(state["static_mean"], dtype=np.float64)
            self.static_std_ = np.asarray(state["static_std"], dtype=np.float64)
        except KeyError as exc:
            raise DataError(f"normaliser state lacks {exc}; was it written by to_dict()?") from exc
        return self


def _missing_indicators(static: np.ndarray, names: list[str]) -> np.ndarray:
    """Bool (n, n_static): True where a column's ``<name>_missing`` indicator is 1."""
    miss = np.zeros(static.shape, dtype=bool)
    for j, name in enumerate(names):
        ind = f"{name}_missing"
        if ind in names:
            miss[:, j] = static[:, names.index(ind)] > 0.5
    return miss
