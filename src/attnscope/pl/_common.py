"""What the plot modules share: the axes a function draws on, the class blocks of a heat map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``figsize`` (inches) when None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def label_runs(sorted_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal labels along a sorted vector (samples grouped by class): the lines
    between runs (at ``i + 0.5``), and each run's first index and end (exclusive), as floats."""
    edges = np.flatnonzero(sorted_labels[1:] != sorted_labels[:-1]) + 0.5
    starts = np.concatenate([[0.0], edges + 0.5])
    ends = np.concatenate([edges + 0.5, [float(len(sorted_labels))]])
    return edges, starts, ends
