"""Plots of attributions from any method: top features per class, samples x features map.

Every function returns a matplotlib Figure or Axes; nothing is shown or saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.errors import DataError
from attnscope.pl._common import label_runs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "attention_matrix",
    "attribution_heatmap",
    "class_importance",
    "feature_labels",
    "top_features_per_class",
]


def feature_labels(attribution: Any) -> np.ndarray:
    """One label per flattened feature of an Attribution.

    Parameters
    ----------
    attribution : Attribution
        ``values`` of shape (n_samples, *feature_shape).

    Returns
    -------
    ndarray of str, shape (prod(feature_shape),)
        ``feature_names`` when they name every feature; with several feature axes and
        names along the last one, ``"i:name"`` (``i`` the index along the first axes);
        else the flat index.
    """
    values = np.asarray(attribution.values)
    shape = values.shape[1:]
    m = int(np.prod(shape)) if shape else 1
    names = getattr(attribution, "feature_names", None)
    if names is not None:
        flat = np.asarray(names).astype(str).reshape(-1)
        if flat.size == m:
            return flat
        if shape and flat.size == shape[-1]:
            outer = np.arange(m // shape[-1]).astype(str)
            return np.char.add(
                np.char.add(np.repeat(outer, flat.size), ":"), np.tile(flat, outer.size)
            )
    return np.arange(m).astype(str)


def class_importance(attribution: Any, *, n_classes: int | None = None) -> np.ndarray:
    """Mean absolute attribution per explained class.

    Parameters
    ----------
    attribution : Attribution
        ``values`` of shape (n_samples, *feature_shape), ``target`` of shape (n_samples,).
    n_classes : int, optional
        Default ``target.max() + 1``.

    Returns
    -------
    ndarray of shape (n_classes, prod(feature_shape))
        Row ``c`` averages ``|values|`` over the samples whose ``target`` is ``c`` (NaN
        where no sample explains class ``c``).
    """
    values = np.asarray(attribution.values, dtype=np.float64)
    target = np.asarray(attribution.target).reshape(-1).astype(np.int64)
    if values.shape[0] != target.shape[0]:
        raise DataError(f"target has {target.shape[0]} entries for {values.shape[0]} samples.")
    flat = np.abs(values.reshape(values.shape[0], -1))
    k = int(n_classes) if n_classes is not None else int(target.max(initial=-1)) + 1
    out = np.full((k, flat.shape[1]), np.nan)
    for c in range(k):
        rows = target == c
        if rows.any():
            out[c] = flat[rows].mean(axis=0)
    return out


def top_features_per_class(
    attributions: Any,
    *,
    class_names: Sequence[str] | None = None,
    k: int = 10,
    max_classes: int = 8,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Bar charts of the ``k`` features with the largest mean |attribution| per class.

    Parameters
    ----------
    attributions : Attribution or mapping of str -> Attribution
        One panel row per method (key), one column per class.
    class_names : sequence of str, optional
        Names of the classes (``target`` codes); default the codes.
    k : int, default 10
    max_classes : int, default 8
        Panels for the first ``max_classes`` classes only (a figure stays readable).
    figsize : (float, float), optional

    Returns
    -------
    matplotlib Figure
        Axes in row-major order (method, class); each holds one bar container whose
        widths are :func:`class_importance` of the top ``k`` features, largest on top.
        A class no sample explains gets an empty panel saying so.
    """
    import matplotlib.pyplot as plt

    attrs: Mapping[str, Any] = (
        attributions
        if isinstance(attributions, Mapping)
        else {str(getattr(attributions, "method", "attribution")): attributions}
    )
    if not attrs:
        raise DataError("no attributions to plot; run 'attnscope explain' first.")
    if k < 1:
        raise DataError(f"k must be positive, got {k}.")
    n_classes = max(int(np.asarray(a.target).max(initial=-1)) + 1 for a in attrs.values())
    names = [str(c) for c in class_names] if class_names is not None else None
    if names is not None:
        if len(names) < n_classes:
            raise DataError(f"class_names has {len(names)} entries; targets reach {n_classes}.")
        n_classes = len(names)
    else:
        names = [str(c) for c in range(n_classes)]
    n_classes = min(n_classes, max(1, int(max_classes)))
    rows = len(attrs)
    size = figsize or (min(3.4 * n_classes, 16.0), (0.22 * k + 1.1) * rows)
    fig, axes = plt.subplots(rows, n_classes, figsize=size, squeeze=False)
    for r, (method, attr) in enumerate(attrs.items()):
        imp = class_importance(attr, n_classes=n_classes)
        labels = feature_labels(attr)
        for c in range(n_classes):
            ax = axes[r, c]
            ax.set_title(f"{method} · {names[c]}", fontsize=9)
            if not np.isfinite(imp[c]).any():
                ax.text(0.5, 0.5, "no sample explains\nthis class", ha="center", va="center")
                ax.set_axis_off()
                continue
            top = np.argsort(-np.nan_to_num(imp[c], nan=-np.inf), kind="stable")[:k][::-1]
            ax.barh(np.arange(top.size), imp[c, top], color=f"C{c}")
            ax.set_yticks(np.arange(top.size))
            ax.set_yticklabels([str(labels[j]) for j in top], fontsize=7)
            ax.tick_params(axis="x", labelsize=7)
            ax.set_xlabel("mean |attribution|", fontsize=8)
    fig.tight_layout()
    return fig


def attribution_heatmap(
    attribution: Any,
    *,
    class_names: Sequence[str] | None = None,
    max_samples: int = 60,
    max_features: int = 300,
    ax: Axes | None = None,
    cmap: str | None = None,
) -> Axes:
    """Samples x features map of attributions, samples grouped by explained class.

    Parameters
    ----------
    attribution : Attribution
    class_names : sequence of str, optional
        Names of the ``target`` codes, written beside the sample groups.
    max_samples : int, default 60
        The first samples of each class, in turn, up to this many rows.
    max_features : int, default 300
        With more features, only the ``max_features`` of largest mean |attribution| are
        shown (in their original order).
    ax : matplotlib Axes, optional
    cmap : str, optional
        Default a diverging map centred on 0 for signed values, "viridis" otherwise.

    Returns
    -------
    matplotlib Axes
        The image holds ``values[rows][:, cols]`` (flattened features); the chosen rows
        and columns are in ``ax.attnscope_rows`` / ``ax.attnscope_cols``.
    """
    import matplotlib.pyplot as plt

    values = np.asarray(attribution.values, dtype=np.float64)
    flat = values.reshape(values.shape[0], -1)
    target = np.asarray(attribution.target).reshape(-1).astype(np.int64)
    if max_samples < 1 or max_features < 1:
        raise DataError("max_samples and max_features must be positive.")
    # round-robin over classes so every class appears among the first rows
    groups = [np.flatnonzero(target == c) for c in np.unique(target)]
    take: list[int] = []
    for i in range(max(len(g) for g in groups)):
        take.extend(int(g[i]) for g in groups if i < len(g))
        if len(take) >= max_samples:
            break
    chosen = np.array(take[:max_samples], dtype=np.int64)
    rows = chosen[np.argsort(target[chosen], kind="stable")]
    if flat.shape[1] > max_features:
        score = np.abs(flat).mean(axis=0)
        cols = np.sort(np.argsort(-score, kind="stable")[:max_features])
    else:
        cols = np.arange(flat.shape[1])
    image = flat[np.ix_(rows, cols)]
    signed = bool((image < 0).any())
    if ax is None:
        _, ax = plt.subplots(figsize=(min(max(5.0, 0.06 * cols.size + 3), 14.0), 4.5))
    limit = float(np.abs(image).max()) or 1.0
    im = ax.imshow(
        image,
        aspect="auto",
        interpolation="nearest",
        cmap=cmap or ("RdBu_r" if signed else "viridis"),
        vmin=-limit if signed else None,
        vmax=limit if signed else None,
    )
    labels = feature_labels(attribution)[cols]
    if cols.size <= 40:
        ax.set_xticks(np.arange(cols.size))
        ax.set_xticklabels(labels, rotation=90, fontsize=7)
    else:
        ticks = np.linspace(0, cols.size - 1, 10).astype(int)
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels[ticks], fontsize=7)
    sorted_t = target[rows]
    edges, starts, ends = label_runs(sorted_t)
    for e in edges:
        ax.axhline(e, color="k", lw=0.8)
    names = [str(c) for c in class_names] if class_names is not None else None
    ax.set_yticks((starts + ends - 1) / 2)
    ax.set_yticklabels(
        [
            names[t] if names is not None and t < len(names) else str(t)
            for t in sorted_t[starts.astype(int)]
        ],
        fontsize=8,
    )
    ax.set_xlabel("feature" + (" (top by mean |attribution|)" if cols.size < flat.shape[1] else ""))
    ax.set_ylabel("samples by explained class")
    ax.set_title(f"{attribution.method}: {rows.size} samples x {cols.size} features", fontsize=9)
    ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label="attribution")
    ax.attnscope_rows = rows  # type: ignore[attr-defined]
    ax.attnscope_cols = cols  # type: ignore[attr-defined]
    return ax


def attention_matrix(
    matrix: Any,
    *,
    row_names: Sequence[str] | None = None,
    col_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    cmap: str = "magma",
    title: str | None = None,
) -> Axes:
    """A query x key attention (or any 2-D weight) matrix, averaged over samples first.

    Parameters
    ----------
    matrix : array-like of shape (n_rows, n_cols) or (n_samples, n_rows, n_cols)
        E.g. the values of a "cross_attention" attribution.
    row_names, col_names : sequence of str, optional
        Tick labels (shown when at most 40).
    ax : matplotlib Axes, optional
    cmap : str, default "magma"
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The image holds the (sample-averaged) matrix.
    """
    import matplotlib.pyplot as plt

    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 3:
        m = m.mean(axis=0)
    if m.ndim != 2:
        raise DataError(f"matrix must be 2-D or (n_samples, rows, cols), got shape {m.shape}.")
    for names, size, what in ((row_names, m.shape[0], "row"), (col_names, m.shape[1], "col")):
        if names is not None and len(names) != size:
            raise DataError(f"{what}_names has {len(names)} entries for {size} {what}s.")
    if ax is None:
        _, ax = plt.subplots(
            figsize=(
                min(max(4.0, 0.2 * m.shape[1] + 2), 12),
                min(max(3.0, 0.2 * m.shape[0] + 1.5), 10),
            )
        )
    im = ax.imshow(m, aspect="auto", interpolation="nearest", cmap=cmap)
    if row_names is not None and m.shape[0] <= 40:
        ax.set_yticks(np.arange(m.shape[0]))
        ax.set_yticklabels([str(n) for n in row_names], fontsize=7)
    if col_names is not None and m.shape[1] <= 40:
        ax.set_xticks(np.arange(m.shape[1]))
        ax.set_xticklabels([str(n) for n in col_names], fontsize=7, rotation=90)
    if title:
        ax.set_title(title, fontsize=9)
    ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02, label="mean attention")
    return ax
