"""Interactive (plotly) views of a seed-consistency study, for the HTML report.

The same content as :mod:`attnscope.pl._consistency` (violins of per-sample consistency,
the spread across variants of each top cell's weight), plus each variant's AUROC against
its mean agreement with the other variants; hover names the sample, cell or variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from attnscope.errors import DataError
from attnscope.pl._interactive import _PALETTE, _layout

__all__ = ["agreement_auroc_figure", "cell_spread_figure", "consistency_violins_figure"]

#: Short panel titles (the metrics of :mod:`attnscope.metrics._consistency`).
_TITLES = {
    "spearman": "Spearman",
    "kendall": "Kendall tau-b",
    "jaccard": "top-k Jaccard",
    "top_agreement": "top cell agreement",
    "cv_top": "CV of top cells",
}


def consistency_violins_figure(
    per_sample: dict[str, dict[str, Any]],
    *,
    sample_ids: Sequence[str] | None = None,
    metrics: Sequence[str] = ("spearman", "kendall", "jaccard", "top_agreement", "cv_top"),
) -> Any:
    """Per-sample consistency, one panel per metric, one violin per method.

    Parameters
    ----------
    per_sample : dict
        method -> metric -> array of shape (n_samples,) (``per_sample.tsv`` columns).
    sample_ids : sequence of str, length n_samples, optional
        Shown on hover over each sample's point.
    metrics : sequence of str
        Metrics drawn (those no method has are left out).

    Returns
    -------
    plotly Figure
    """
    from plotly.subplots import make_subplots

    shown = [m for m in metrics if any(m in v for v in per_sample.values())]
    if not shown:
        raise DataError(f"no consistency metric among {list(metrics)} in the study.")
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=[_TITLES.get(m, m) for m in shown])
    for c, metric in enumerate(shown, start=1):
        for i, (method, values) in enumerate(per_sample.items()):
            if metric not in values:
                continue
            v = np.asarray(values[metric], dtype=np.float32)
            fig.add_violin(
                y=v, name=method, legendgroup=method, showlegend=c == 1, points="all",
                pointpos=0, jitter=0.3, marker={"size": 3}, box_visible=True,
                line={"color": _PALETTE[i % len(_PALETTE)]}, spanmode="hard",
                customdata=list(sample_ids) if sample_ids is not None else None,
                hovertemplate=(("sample %{customdata}<br>" if sample_ids is not None else "")
                               + "%{y:.3f}<extra>" + method + "</extra>"),
                row=1, col=c,
            )  # fmt: skip
        fig.update_xaxes(showticklabels=False, row=1, col=c)
    _layout(fig, 400, legend={"orientation": "h", "y": -0.08})
    return fig.update_layout(margin={"t": 60})


def cell_spread_figure(
    weights: Any, cells: Sequence[Sequence[str]], sample_ids: Sequence[str], *, method: str = ""
) -> Any:
    """Each top cell's weight across the variants, one panel per example sample.

    Parameters
    ----------
    weights : array-like of shape (n_examples, n_variants, k)
        Share of each variant's map (in magnitude) that each top cell gets
        (``consistency.json``: ``examples.methods.<method>.weights``).
    cells : sequence of sequence of str, shape (n_examples, k)
        Cell names per example (``t=31h GCS``).
    sample_ids : sequence of str, length n_examples
    method : str

    Returns
    -------
    plotly Figure
    """
    from plotly.subplots import make_subplots

    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 3 or len(cells) != w.shape[0] or len(sample_ids) != w.shape[0]:
        raise DataError(f"weights of shape {w.shape} need one cell list and id per example.")
    fig = make_subplots(rows=1, cols=w.shape[0], subplot_titles=[f"sample {s}" for s in sample_ids])
    variant = np.arange(w.shape[1])
    for e in range(w.shape[0]):
        for j, cell in enumerate(cells[e]):
            fig.add_box(
                y=w[e, :, j], name=str(cell), showlegend=False, boxpoints="all", jitter=0.4,
                pointpos=0, marker={"size": 3, "color": _PALETTE[0]}, line={"width": 1},
                customdata=variant,
                hovertemplate="variant %{customdata}<br>%{y:.3f}<extra>" + str(cell) + "</extra>",
                row=1, col=e + 1,
            )  # fmt: skip
        fig.update_xaxes(tickangle=-60, tickfont={"size": 9}, row=1, col=e + 1)
    fig.update_yaxes(title_text="share of the map", row=1, col=1)
    title = f"{method}: weight of each sample's top cells across {w.shape[1]} variants"
    _layout(fig, 400, title={"text": title, "font": {"size": 12}, "y": 0.98})
    return fig.update_layout(margin={"t": 70})


def agreement_auroc_figure(
    auroc: Any, per_variant: dict[str, Any], *, seeds: Sequence[int] | None = None
) -> Any:
    """Each variant's test AUROC against its mean agreement with the other variants.

    Parameters
    ----------
    auroc : array-like of shape (n_variants,)
    per_variant : dict of str -> array-like of shape (n_variants,)
        Mean Spearman agreement of each variant's maps with the others', per method.
    seeds : sequence of int, optional
        Seed of each variant, shown on hover.

    Returns
    -------
    plotly Figure
    """
    import plotly.graph_objects as go

    a = np.asarray(auroc, dtype=np.float32)
    fig = go.Figure()
    ids = list(seeds) if seeds is not None else list(range(a.size))
    for i, (method, values) in enumerate(per_variant.items()):
        v = np.asarray(values, dtype=np.float32)
        if v.shape != a.shape:
            raise DataError(f"{method}: {v.size} agreements for {a.size} variants.")
        fig.add_scatter(
            x=v, y=a, mode="markers", name=method, customdata=ids,
            marker={"size": 6, "color": _PALETTE[i % len(_PALETTE)], "opacity": 0.8},
            hovertemplate="seed %{customdata}<br>agreement %{x:.3f}<br>AUROC %{y:.3f}"
            "<extra>" + method + "</extra>",
        )  # fmt: skip
    fig.update_xaxes(title_text="mean Spearman agreement with the other variants")
    fig.update_yaxes(title_text="test AUROC")
    return _layout(fig, 340, legend={"orientation": "h", "y": 1.12})
