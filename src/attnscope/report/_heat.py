"""Interactive samples x features heat maps of attribution files (clustered for tables)."""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.report._html import plotly_html

__all__ = ["attribution_heat", "is_tabular"]

#: Rows (samples) and columns (features) a heat map keeps at most.
MAX_ROWS, MAX_COLS = 200, 400
#: Features a clustered (tabular) heat map keeps: the top ones by mean |attribution|.
CLUSTER_COLS = 50


def is_tabular(attr: Any) -> bool:
    """Per-gene / per-feature values without a sequence or genome axis (expression data)."""
    return (
        np.asarray(attr.values).ndim == 2
        and "tokens" not in attr.inputs
        and "chromosomes" not in attr.inputs
    )


def _rows(target: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` rows, balanced over classes, grouped by class (all when they fit)."""
    if target.size <= limit:
        return np.argsort(target, kind="stable").astype(np.int64)
    classes = np.unique(target)
    per = max(1, limit // max(classes.size, 1))
    return np.concatenate([np.flatnonzero(target == c)[:per] for c in classes]).astype(np.int64)


def attribution_heat(key: str, attr: Any, class_names: list[str], *, what: str = "") -> str:
    """A plotly heat map of one attribution file, rows grouped (or clustered) by class.

    Tabular attributions (expression) keep the :data:`CLUSTER_COLS` features with the
    largest mean |attribution| and order samples and features by scipy hierarchical
    clustering, with the class of each sample as a coloured strip; sequences keep their
    positional order (at most :data:`MAX_COLS` features, the strongest).
    """
    from attnscope.pl._attribution import feature_labels
    from attnscope.pl._interactive import cluster_order, heatmap_figure

    values = np.asarray(attr.values, dtype=np.float64).reshape(attr.n_samples, -1)
    target = np.asarray(attr.target).astype(np.int64)
    rows = _rows(target, MAX_ROWS)
    labels = feature_labels(attr)
    strength = np.nan_to_num(np.abs(values).mean(axis=0))
    tabular = is_tabular(attr)
    n_cols = CLUSTER_COLS if tabular else MAX_COLS
    cols = np.sort(np.argsort(-strength, kind="stable")[:n_cols])
    block = values[np.ix_(rows, cols)]
    note = f"{rows.size} of {attr.n_samples} samples, {cols.size} of {values.shape[1]} features"
    if tabular:
        rows = rows[cluster_order(block)]
        col_order = cluster_order(block.T)
        cols = cols[col_order]
        block = values[np.ix_(rows, cols)]
        note += ", samples and features ordered by hierarchical clustering (scipy, average)"
    ids = (
        np.asarray(attr.sample_ids).astype(str)
        if attr.sample_ids is not None
        else np.arange(attr.n_samples).astype(str)
    )
    groups = [class_names[t] if 0 <= t < len(class_names) else str(t) for t in target[rows]]
    fig = heatmap_figure(
        block,
        x=[str(s) for s in labels[cols]],
        y=[str(s) for s in ids[rows]],
        groups=groups,
        title=what or key,
        diverging=bool((block < 0).any()),
    )
    return plotly_html(fig, f"{what or key}: samples x features ({note}); hover for values")
