"""Plots of multi-omics fusion attention: modality weights and cross-attention maps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.errors import DataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["cross_attention_heatmap", "modality_weights"]


def _values(obj: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """Values and meta of an Attribution, or an array with empty meta."""
    if hasattr(obj, "values") and hasattr(obj, "meta"):
        return np.asarray(obj.values), dict(obj.meta)
    return np.asarray(obj), {}


def modality_weights(
    beta: Any,
    *,
    modalities: list[str] | None = None,
    groups: np.ndarray | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Box plots of the per-sample modality weights (beta), optionally per group.

    Parameters
    ----------
    beta : Attribution or array-like of shape (n_samples, n_modalities)
        E.g. ``attnscope.explain.attribute(est, data, method="modality_weights")``.
    modalities : list of str, optional
        Names; default ``beta.meta["modalities"]`` or ``m0, m1, ...``.
    groups : array-like of shape (n_samples,), optional
        Group of each sample (class, sex, site); one box per group and modality.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    values, meta = _values(beta)
    if values.ndim != 2:
        raise DataError(f"beta must be 2-D (samples, modalities), got shape {values.shape}.")
    k = values.shape[1]
    names = list(modalities or meta.get("modalities") or [f"m{i}" for i in range(k)])
    if len(names) != k:
        raise DataError(f"{len(names)} modality names for {k} columns of beta.")
    labels = np.zeros(len(values), dtype=str) if groups is None else np.asarray(groups).astype(str)
    if labels.shape != (len(values),):
        raise DataError(f"groups must have one entry per sample ({len(values)}).")
    uniq = list(np.unique(labels))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 1.1 * k * max(1, len(uniq)) ** 0.5, 3.2))
    width = 0.8 / len(uniq)
    colors = plt.get_cmap("tab10")
    for g, name in enumerate(uniq):
        pos = np.arange(k) - 0.4 + width * (g + 0.5)
        parts = ax.boxplot(
            [values[labels == name, j] for j in range(k)],
            positions=pos,
            widths=width * 0.9,
            patch_artist=True,
            showfliers=False,
        )
        for box in parts["boxes"]:
            box.set_facecolor(colors(g))
            box.set_alpha(0.6)
        if groups is not None:
            ax.plot([], [], color=colors(g), lw=6, alpha=0.6, label=name)
    ax.set_xticks(np.arange(k))
    ax.set_xticklabels(names)
    ax.set_ylabel("modality weight (beta)")
    ax.set_ylim(0, 1)
    if groups is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax


def cross_attention_heatmap(
    cross: Any,
    *,
    sample: int | None = None,
    row_names: list[str] | None = None,
    col_names: list[str] | None = None,
    top: int | None = 30,
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Heat map of a cross-attention map: which features of B each feature of A attends to.

    Parameters
    ----------
    cross : Attribution or array-like of shape (n_samples, n_A, n_B) or (n_A, n_B)
        E.g. ``attribute(est, data, method="cross_attention", pair="mRNA->miRNA")``.
    sample : int, optional
        Row of one sample to show; default the mean over samples.
    row_names, col_names : list of str, optional
        Default ``cross.meta["row_names"]`` / ``["col_names"]``.
    top : int or None, default 30
        Show only the ``top`` rows and columns with the largest total weight.
    ax : Axes, optional
    cmap : str, default "viridis"

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    values, meta = _values(cross)
    if values.ndim == 3:
        mat = values.mean(axis=0) if sample is None else values[int(sample)]
    elif values.ndim == 2:
        mat = values
    else:
        raise DataError(f"cross-attention must be 2-D or 3-D, got shape {values.shape}.")
    rows = np.asarray(row_names or meta.get("row_names") or np.arange(mat.shape[0]).astype(str))
    cols = np.asarray(col_names or meta.get("col_names") or np.arange(mat.shape[1]).astype(str))
    if rows.shape != (mat.shape[0],) or cols.shape != (mat.shape[1],):
        raise DataError(f"names do not match the map's shape {mat.shape}.")
    ri = np.arange(mat.shape[0])
    ci = np.arange(mat.shape[1])
    if top is not None:
        ri = np.sort(np.argsort(-mat.sum(axis=1), kind="stable")[:top])
        ci = np.sort(np.argsort(-mat.sum(axis=0), kind="stable")[:top])
    sub = mat[np.ix_(ri, ci)]
    if ax is None:
        _, ax = plt.subplots(figsize=(2 + 0.18 * len(ci), 1.5 + 0.18 * len(ri)))
    im = ax.imshow(sub, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_yticks(np.arange(len(ri)))
    ax.set_yticklabels(rows[ri], fontsize="x-small")
    ax.set_xticks(np.arange(len(ci)))
    ax.set_xticklabels(cols[ci], rotation=90, fontsize="x-small")
    a, _, b = str(meta.get("pair", "A->B")).partition("->")
    ax.set_ylabel(f"{a} feature (query)")
    ax.set_xlabel(f"{b or 'B'} feature (key)")
    ax.figure.colorbar(im, ax=ax, label="attention")
    return ax
