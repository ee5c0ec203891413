"""Plots of a seed-consistency study (:func:`attnscope.run._consistency.run_consistency`).

Like the figures of Yadav & Subbian (CHIL 2025): the spread, across variants, of the
weight each of a sample's top cells gets, and the distribution over samples of per-sample
consistency for every method.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from attnscope.errors import DataError
from attnscope.pl._common import axes_or_new

__all__ = ["cell_weight_spread", "consistency_distribution", "consistency_overview"]

_METRIC_LABELS = {
    "spearman": "mean pairwise Spearman",
    "kendall": "mean pairwise Kendall tau-b",
    "jaccard": "top-k Jaccard",
    "top_agreement": "share agreeing on the top cell",
    "cv_top": "CV of the top cells",
}


def cell_weight_spread(
    weights: Any,
    *,
    cells: Sequence[str] | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Box plot of each top cell's weight across variants, for one sample.

    Parameters
    ----------
    weights : array-like of shape (n_variants, k)
        The share of the map's total (magnitude) each cell gets in each variant, e.g.
        ``result["examples"]["methods"]["attention"]["weights"][i]``.
    cells : sequence of str, length k, optional
        Cell names (``t=31h GCS``).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise DataError(f"weights must have shape (n_variants, k), got {w.shape}.")
    ax = axes_or_new(ax, (max(4.0, 0.5 * w.shape[1] + 2), 3.5))
    ax.boxplot(w, vert=True, showfliers=True, flierprops={"markersize": 2})
    labels = list(cells) if cells is not None else [str(i + 1) for i in range(w.shape[1])]
    ax.set_xticks(np.arange(1, w.shape[1] + 1), labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("share of the map")
    ax.set_title(title or f"weight of the top cells across {w.shape[0]} variants", fontsize=9)
    return ax


def consistency_distribution(
    per_sample: dict[str, dict[str, Any]],
    *,
    metric: str = "spearman",
    ax: Any = None,
) -> Any:
    """Violins of a per-sample consistency metric, one per method.

    Parameters
    ----------
    per_sample : dict
        method -> metric -> array of shape (n_samples,) (``result["per_sample"]``).
    metric : str, default "spearman"
        ``spearman``, ``kendall``, ``jaccard``, ``top_agreement`` or ``cv_top``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    methods = [m for m in per_sample if metric in per_sample[m]]
    if not methods:
        raise DataError(f"no method has the metric {metric!r}; got {list(per_sample)}.")
    data = []
    for m in methods:
        v = np.asarray(per_sample[m][metric], dtype=float)
        v = v[np.isfinite(v)]
        data.append(v if v.size else np.array([np.nan]))
    ax = axes_or_new(ax, (1.6 * len(methods) + 2, 3.5))
    finite = [d for d in data if np.isfinite(d).any()]
    if finite:
        pos = [i + 1 for i, d in enumerate(data) if np.isfinite(d).any()]
        ax.violinplot(finite, positions=pos, showmedians=True)
    ax.set_xticks(np.arange(1, len(methods) + 1), methods, rotation=20, fontsize=8)
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.set_title(f"per-sample consistency: {metric}", fontsize=9)
    return ax


def consistency_overview(
    result: dict[str, Any],
    *,
    metrics: Sequence[str] = ("spearman", "jaccard", "top_agreement"),
    n_samples: int = 3,
) -> Any:
    """One figure: top-cell spreads of a few samples per method, then metric violins.

    Parameters
    ----------
    result : dict
        Output of :func:`attnscope.run._consistency.run_consistency`.
    metrics : sequence of str
    n_samples : int, default 3

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    examples = result["examples"]["methods"]
    methods = list(examples)
    shown = min(n_samples, len(result["examples"]["sample_ids"]))
    cols = max(shown, len(metrics))
    fig, axes = plt.subplots(
        len(methods) + 1, cols, figsize=(3.6 * cols, 3.0 * (len(methods) + 1)), squeeze=False
    )
    for r, method in enumerate(methods):
        for c in range(cols):
            ax = axes[r][c]
            if c >= shown:
                ax.set_axis_off()
                continue
            sid = result["examples"]["sample_ids"][c]
            cell_weight_spread(
                examples[method]["weights"][c],
                cells=examples[method]["cells"][c],
                title=f"{method}, sample {sid}",
                ax=ax,
            )
    for c in range(cols):
        ax = axes[-1][c]
        if c < len(metrics):
            consistency_distribution(result["per_sample"], metric=metrics[c], ax=ax)
        else:
            ax.set_axis_off()
    fig.tight_layout()
    return fig
