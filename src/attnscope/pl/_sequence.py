"""Plots of per-position attributions on DNA and of masking curves.

Every function draws on ``ax`` (a new one when None) and returns it; nothing is shown
or saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.errors import DataError
from attnscope.pl._common import axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["attribution_logo", "masking_curves", "motif_logo", "saliency_track"]

_BASES = "ACGT"


def _values_1d(values: Any, index: int) -> np.ndarray:
    """One sequence's attributions from an Attribution, a 2-D or a 1-D array."""
    arr = np.asarray(getattr(values, "values", values), dtype=float)
    if arr.ndim == 2:
        if not -arr.shape[0] <= index < arr.shape[0]:
            raise DataError(f"index {index} is out of range for {arr.shape[0]} sequences.")
        arr = arr[index]
    if arr.ndim != 1:
        raise DataError(
            f"expected attributions of shape (length,) or (n_samples, length), got {arr.shape}."
        )
    return arr


def _bases(sequence: Any, length: int) -> list[str]:
    """Sequence as a list of one-letter bases (tokens 1..5 or a string)."""
    if sequence is None:
        return []
    if isinstance(sequence, str):
        letters = list(sequence.upper())
    else:
        lut = np.array(["", "A", "C", "G", "T", "N"], dtype=object)
        letters = [str(b) for b in lut[np.asarray(sequence, dtype=np.int64)]]
    if len(letters) != length:
        raise DataError(
            f"the sequence has {len(letters)} bases but the attributions {length} positions."
        )
    return letters


def saliency_track(
    values: Any,
    *,
    index: int = 0,
    sequence: str | Sequence[int] | np.ndarray | None = None,
    truth: Sequence[bool] | np.ndarray | None = None,
    top_k: int | None = None,
    ax: Axes | None = None,
    color: str = "C0",
    label: str | None = None,
) -> Axes:
    """Attribution (or attention) along one sequence.

    Parameters
    ----------
    values : Attribution or array of shape (length,) or (n_samples, length)
    index : int, default 0
        Which sequence when ``values`` holds several.
    sequence : str or array of shape (length,), optional
        Bases (string or token codes) written on the x axis when the sequence is short
        (at most 120 bp).
    truth : array of shape (length,), bool, optional
        Known signal (planted motif, motif match) shaded in the background.
    top_k : int, optional
        Mark the ``top_k`` positions with the largest absolute value.
    ax : matplotlib Axes, optional
    color, label : str, optional

    Returns
    -------
    matplotlib Axes
    """
    vals = _values_1d(values, index)
    length = vals.shape[0]
    ax = axes_or_new(ax, (max(6.0, min(length / 12, 16.0)), 2.5))
    pos = np.arange(length)
    ax.fill_between(pos, 0, vals, step="mid", color=color, alpha=0.35)
    ax.plot(pos, vals, drawstyle="steps-mid", color=color, lw=1, label=label)
    if truth is not None:
        mask = np.asarray(truth, dtype=bool).reshape(-1)
        if mask.shape[0] != length:
            raise DataError(f"truth has {mask.shape[0]} positions, the attributions {length}.")
        edges = np.diff(np.r_[0, mask.astype(int), 0])
        for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            ax.axvspan(start - 0.5, stop - 0.5, color="0.85", zorder=0)
    if top_k:
        top = np.argsort(-np.abs(vals))[: int(top_k)]
        ax.scatter(top, vals[top], color="C3", s=14, zorder=3, label=f"top {int(top_k)}")
    bases = _bases(sequence, length)
    if bases and length <= 120:
        ax.set_xticks(pos)
        ax.set_xticklabels(bases, fontsize=7, family="monospace")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_xlabel("position")
    ax.set_ylabel(getattr(values, "method", None) or "attribution")
    if label or top_k:
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    return ax


def attribution_logo(
    values: Any,
    sequence: str | Sequence[int] | np.ndarray,
    *,
    index: int = 0,
    start: int = 0,
    stop: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Sequence logo whose letter heights are the attributions of the observed bases.

    Positive attributions stand above the axis, negative ones below (logomaker).
    Ambiguous bases (N) and padding get no letter.

    Parameters
    ----------
    values : Attribution or array of shape (length,) or (n_samples, length)
    sequence : str or array of shape (length,)
        The explained sequence (string or token codes).
    index : int, default 0
    start, stop : int, optional
        Window to draw (default the whole sequence).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import logomaker
    import pandas as pd

    vals = _values_1d(values, index)
    bases = _bases(sequence, vals.shape[0])
    stop = vals.shape[0] if stop is None else int(stop)
    if not 0 <= start < stop <= vals.shape[0]:
        raise DataError(f"window {start}:{stop} lies outside the {vals.shape[0]} positions.")
    window = np.arange(start, stop)
    matrix = np.zeros((window.size, 4))
    letters = np.array(bases)[window]
    for j, b in enumerate(_BASES):
        matrix[letters == b, j] = vals[window][letters == b]
    frame = pd.DataFrame(matrix, columns=list(_BASES), index=window)
    ax = axes_or_new(ax, (max(4.0, min(window.size / 4, 18.0)), 2.2))
    logomaker.Logo(frame, ax=ax, color_scheme="classic")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xlabel("position")
    ax.set_ylabel(getattr(values, "method", None) or "attribution")
    return ax


def motif_logo(
    matrix: Any,
    *,
    information: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Logo of a motif matrix (a CWM, or a PPM drawn in bits) with logomaker.

    Parameters
    ----------
    matrix : array of shape (width, 4)
        A, C, G, T columns: contributions (CWM; negative letters below the axis) or
        base frequencies (PPM).
    information : bool, default False
        Scale frequencies by the column's information content (bits), for a PPM.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import logomaker
    import pandas as pd

    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[1] != 4 or m.shape[0] == 0:
        raise DataError(f"a motif matrix must have shape (width, 4), got {m.shape}.")
    if information:
        p = np.clip(m, 0, None) / np.maximum(np.clip(m, 0, None).sum(1, keepdims=True), 1e-12)
        bits = 2 + (p * np.log2(np.where(p > 0, p, 1))).sum(axis=1)
        m = p * bits[:, None]
    ax = axes_or_new(ax, (max(4.0, m.shape[0] / 3), 2.0))
    logomaker.Logo(pd.DataFrame(m, columns=list(_BASES)), ax=ax, color_scheme="classic")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_ylabel("bits" if information else "contribution")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def masking_curves(
    m: Sequence[int] | np.ndarray,
    curves: Mapping[str, Any],
    *,
    ax: Axes | None = None,
    xlabel: str = "masked positions m",
    ylabel: str = "accuracy",
) -> Axes:
    """Accuracy against the number of masked positions, with +- 1 std bands.

    Parameters
    ----------
    m : array of shape (n_points,)
        Numbers of masked positions.
    curves : mapping of str -> array or (mean, std)
        Per label either an array of shape (n_seeds, n_points) (mean and std over seeds
        are drawn), a pair ``(mean, std)`` of arrays of shape (n_points,), or one curve
        of shape (n_points,) (no band).
    ax : matplotlib Axes, optional
    xlabel, ylabel : str

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = masking_curves([0, 5, 10], {"top": ([0.9, 0.7, 0.6], [0.01, 0.02, 0.02])})
    """
    x = np.asarray(m, dtype=float)
    ax = axes_or_new(ax, (5.0, 3.5))
    for i, (label, curve) in enumerate(curves.items()):
        if isinstance(curve, tuple) and len(curve) == 2:
            mean, std = np.asarray(curve[0], float), np.asarray(curve[1], float)
        else:
            arr = np.asarray(curve, dtype=float)
            if arr.ndim == 2:
                mean = arr.mean(axis=0)
                std = arr.std(axis=0, ddof=1) if arr.shape[0] > 1 else np.zeros_like(mean)
            else:
                mean, std = arr, None
        if mean.shape != x.shape:
            raise DataError(f"curve {label!r} has {mean.shape[0]} points, m has {x.shape[0]}.")
        color = f"C{i}"
        ax.plot(x, mean, marker="o", ms=3, color=color, label=label)
        if std is not None:
            ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    return ax
