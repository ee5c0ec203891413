"""Interactive (plotly) versions of the report's figures: zoom, pan and hover offline.

Each function returns a ``plotly.graph_objects.Figure`` (plotly is imported inside the
functions); the HTML report embeds them with one copy of plotly.js per page. Arrays go
in as float32, which plotly serialises as compact base64 typed arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from attnscope.errors import DataError

__all__ = [
    "cluster_order",
    "heatmap_figure",
    "manhattan_figure",
    "roc_pr_figure",
    "tracks_figure",
]

_FONT = {"size": 11}
_PALETTE = ("#1f4e79", "#c0392b", "#1e7b34", "#8e44ad", "#d68910", "#17a589", "#7f8c8d")


def _layout(fig: Any, height: int, **extra: Any) -> Any:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        font=_FONT,
        template="plotly_white",
        **extra,
    )
    return fig


def roc_pr_figure(y_true: Any, proba: Any, *, class_names: Sequence[str] | None = None) -> Any:
    """ROC and precision-recall curves side by side, one line per class (one-vs-rest).

    Parameters
    ----------
    y_true : array-like of int, shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
    class_names : sequence of str, optional

    Returns
    -------
    plotly Figure
        Traces ``ROC <class> (AUC ..)`` and ``PR <class> (AP ..)`` with sklearn's curves.
    """
    from plotly.subplots import make_subplots
    from sklearn import metrics as skm

    from attnscope.pl._metrics import _check_scores, _curve_classes

    y, p, names = _check_scores(y_true, proba, class_names)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("ROC", "precision-recall"))
    for i, c in enumerate(_curve_classes(y, p.shape[1])):
        color = _PALETTE[i % len(_PALETTE)]
        fpr, tpr, _ = skm.roc_curve(y == c, p[:, c])
        auc = skm.roc_auc_score(y == c, p[:, c])
        fig.add_scatter(
            x=fpr.astype(np.float32), y=tpr.astype(np.float32), mode="lines",
            name=f"ROC {names[c]} (AUC {auc:.3f})", line={"color": color}, row=1, col=1,
        )  # fmt: skip
        prec, rec, _ = skm.precision_recall_curve(y == c, p[:, c])
        ap = skm.average_precision_score(y == c, p[:, c])
        fig.add_scatter(
            x=rec.astype(np.float32), y=prec.astype(np.float32), mode="lines",
            name=f"PR {names[c]} (AP {ap:.3f})", line={"color": color, "dash": "dot"},
            row=1, col=2,
        )  # fmt: skip
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", line={"color": "#999", "width": 1, "dash": "dash"},
        name="chance", showlegend=False, row=1, col=1,
    )  # fmt: skip
    fig.update_xaxes(title_text="false positive rate", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="true positive rate", range=[0, 1.02], row=1, col=1)
    fig.update_xaxes(title_text="recall", range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text="precision", range=[0, 1.02], row=1, col=2)
    return _layout(fig, 360)


def cluster_order(matrix: Any, *, method: str = "average") -> np.ndarray:
    """Leaf order of a hierarchical clustering of the rows (scipy, correlation distance).

    Parameters
    ----------
    matrix : array-like of shape (n_rows, n_cols)
    method : str, default "average"
        scipy linkage method.

    Returns
    -------
    ndarray of int, shape (n_rows,)
        A permutation of ``range(n_rows)``; rows that look alike end up adjacent. Constant
        rows (no correlation defined) use the Euclidean distance instead.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage

    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2:
        raise DataError(f"cluster_order needs a 2-D matrix, got shape {m.shape}.")
    if m.shape[0] < 3:
        return np.arange(m.shape[0])
    m = np.nan_to_num(m)
    constant = np.ptp(m, axis=1) == 0
    metric = "euclidean" if constant.any() else "correlation"
    return np.asarray(leaves_list(linkage(m, method=method, metric=metric)), dtype=np.int64)


def heatmap_figure(
    matrix: Any,
    *,
    x: Sequence[str],
    y: Sequence[str],
    groups: Sequence[str] | None = None,
    title: str = "",
    colorbar: str = "attribution",
    diverging: bool = True,
) -> Any:
    """A samples x features heat map with an optional class strip on the left.

    Parameters
    ----------
    matrix : array-like of shape (n_rows, n_cols)
    x, y : sequence of str
        Column and row labels (shown on hover).
    groups : sequence of str, optional
        Class of each row, drawn as a coloured strip (one colour per class).
    title : str
    colorbar : str
        Colour bar title.
    diverging : bool, default True
        Symmetric red-blue scale around 0 (signed attributions); else a sequential one.

    Returns
    -------
    plotly Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    m = np.asarray(matrix, dtype=np.float32)
    if m.ndim != 2 or m.shape != (len(y), len(x)):
        raise DataError(f"heat map of shape {m.shape} needs {len(y)} row and {len(x)} col labels.")
    lim = float(np.nanmax(np.abs(m))) if m.size and np.isfinite(m).any() else 1.0
    scale = {"colorscale": "RdBu_r", "zmid": 0.0, "zmin": -lim, "zmax": lim}
    if not diverging:
        scale = {"colorscale": "Viridis"}
    heat = go.Heatmap(
        z=m, x=list(x), y=list(y), colorbar={"title": {"text": colorbar}}, **scale,
        hovertemplate="sample %{y}<br>feature %{x}<br>value %{z:.3g}<extra></extra>",
    )  # fmt: skip
    height = int(min(700, max(300, 40 + 3 * len(y))))
    if groups is None:
        fig = go.Figure(heat)
    else:
        names = list(dict.fromkeys(str(g) for g in groups))
        codes = np.array([names.index(str(g)) for g in groups], dtype=np.float32)
        colors = [_PALETTE[i % len(_PALETTE)] for i in range(len(names))]
        steps = max(len(names) - 1, 1)
        fig = make_subplots(
            rows=1, cols=2, column_widths=[0.03, 0.97], shared_yaxes=True, horizontal_spacing=0.01
        )
        fig.add_trace(
            go.Heatmap(
                z=codes[:, None], y=list(y), x=["class"], showscale=False, zmin=0, zmax=steps,
                colorscale=[[i / steps, c] for i, c in enumerate(colors)] if len(names) > 1
                else [[0, colors[0]], [1, colors[0]]],
                customdata=np.array(groups, dtype=object)[:, None],
                hovertemplate="sample %{y}<br>class %{customdata}<extra></extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
        fig.add_trace(heat, row=1, col=2)
        legend = " · ".join(
            f'<span style="color:{c}">■</span> {n}' for n, c in zip(names, colors, strict=True)
        )
        title = f"{title}  {legend}" if title else legend
    fig.update_yaxes(showticklabels=False, autorange="reversed")
    fig.update_xaxes(showticklabels=len(x) <= 60)
    return _layout(fig, height, title={"text": title, "font": {"size": 12}})


def tracks_figure(
    tracks: dict[str, Any],
    *,
    sequence: str | None = None,
    truth: Any = None,
    title: str = "",
) -> Any:
    """Attribution along one sequence, one row per method, x axes linked.

    Parameters
    ----------
    tracks : dict of str -> array-like of shape (length,)
    sequence : str, optional
        Bases (one letter per position), shown as the x tick labels and on hover.
    truth : array-like of bool, shape (length,), optional
        Planted positions, shaded grey.
    title : str

    Returns
    -------
    plotly Figure
    """
    from plotly.subplots import make_subplots

    if not tracks:
        raise DataError("tracks_figure needs at least one track.")
    arrays = {k: np.asarray(v, dtype=np.float32).reshape(-1) for k, v in tracks.items()}
    length = {a.size for a in arrays.values()}
    if len(length) != 1 or (sequence is not None and len(sequence) not in length):
        raise DataError("every track (and the sequence) must have one length.")
    n = length.pop()
    pos = np.arange(n)
    letters = list(sequence) if sequence is not None else None
    fig = make_subplots(
        rows=len(arrays), cols=1, shared_xaxes=True, vertical_spacing=0.04,
        subplot_titles=list(arrays),
    )  # fmt: skip
    for r, (name, vals) in enumerate(arrays.items(), start=1):
        fig.add_bar(
            x=pos, y=vals, name=name, showlegend=False, customdata=letters,
            marker={"color": np.where(vals >= 0, "#c0392b", "#1f4e79").tolist()},
            hovertemplate="position %{x}"
            + (" %{customdata}" if letters else "")
            + "<br>%{y:.3g}<extra>" + name + "</extra>",
            row=r, col=1,
        )  # fmt: skip
    if truth is not None:
        mask = np.asarray(truth, dtype=bool).reshape(-1)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
        for a, b in zip(edges[::2], edges[1::2]):
            fig.add_vrect(x0=a - 0.5, x1=b - 0.5, fillcolor="#888", opacity=0.18, line_width=0)
    if letters is not None and n <= 80:  # longer: letters on hover, ticks would overlap
        fig.update_xaxes(
            tickmode="array", tickvals=pos, ticktext=letters, tickfont={"family": "monospace"},
            row=len(arrays), col=1,
        )  # fmt: skip
    fig.update_layout(bargap=0.05)
    return _layout(fig, 90 + 120 * len(arrays), title={"text": title, "font": {"size": 12}})


#: At most this many SNPs are drawn; beyond it the weakest are thinned.
MANHATTAN_POINTS = 20_000


def manhattan_figure(
    scores: Any,
    chromosomes: Any,
    positions: Any,
    *,
    labels: Any = None,
    known: Any = None,
    highlight: Any = None,
    ylabel: str = "mean |attribution|",
) -> Any:
    """Interactive Manhattan plot: SNPs by genome position, hover for id and value.

    Parameters
    ----------
    scores, chromosomes, positions : array-like of shape (n_snps,)
    labels : array-like of str, shape (n_snps,), optional
        SNP ids shown on hover.
    known : array-like of int or bool mask, optional
        Known loci (e.g. planted causal SNPs), drawn as open black diamonds.
    highlight : array-like of int, optional
        Top SNPs, drawn in red.
    ylabel : str

    Returns
    -------
    plotly Figure
        With more than :data:`MANHATTAN_POINTS` SNPs, the top quarter by score plus an even
        subsample of the rest are drawn (highlighted and known SNPs always).
    """
    import plotly.graph_objects as go

    from attnscope.pl._manhattan import _genome_x, _snp_arrays

    y, chrom, pos = _snp_arrays(scores, chromosomes, positions)
    order, rank, span, offset, x = _genome_x(chrom, pos)
    ids = np.asarray(labels).astype(str) if labels is not None else np.arange(y.size).astype(str)

    def _idx(sel: Any) -> np.ndarray:
        if sel is None:
            return np.zeros(0, dtype=np.int64)
        s = np.asarray(sel)
        return np.flatnonzero(s) if s.dtype == bool else s.astype(np.int64).reshape(-1)

    top, marked = _idx(highlight), _idx(known)
    keep = np.arange(y.size)
    if y.size > MANHATTAN_POINTS:
        strong = np.argsort(-y, kind="stable")[: MANHATTAN_POINTS // 4]
        rest = np.setdiff1d(keep, strong)
        budget = MANHATTAN_POINTS - strong.size
        thin = rest[np.unique(np.linspace(0, rest.size - 1, budget).astype(np.int64))]
        keep = np.unique(np.concatenate([strong, thin, top, marked]))
    fig = go.Figure()
    for parity, color in ((0, "#1f4e79"), (1, "#7aa6d6")):
        sel = keep[rank[keep] % 2 == parity]
        fig.add_scatter(
            x=x[sel].astype(np.float32), y=y[sel].astype(np.float32), mode="markers",
            marker={"size": 4, "color": color}, showlegend=False, customdata=ids[sel],
            text=chrom[sel], hovertemplate="%{customdata} (chr %{text})<br>%{y:.3g}<extra></extra>",
        )  # fmt: skip
    for sel, name, marker in (
        (top, "top SNPs", {"size": 7, "color": "#c0392b"}),
        (marked, "known loci", {"size": 10, "symbol": "diamond-open", "color": "#000"}),
    ):
        if sel.size:
            fig.add_scatter(
                x=x[sel].astype(np.float32), y=y[sel].astype(np.float32), mode="markers",
                marker=marker, name=name, customdata=ids[sel],
                hovertemplate="%{customdata}<br>%{y:.3g}<extra>" + name + "</extra>",
            )  # fmt: skip
    fig.update_xaxes(
        tickmode="array", tickvals=(offset + span / 2).tolist(),
        ticktext=np.char.replace(order.astype(str), "chr", "").tolist(), title_text="chromosome",
    )  # fmt: skip
    fig.update_yaxes(title_text=ylabel)
    return _layout(fig, 340, legend={"orientation": "h", "y": 1.1})
