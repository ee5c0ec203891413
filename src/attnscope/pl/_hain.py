"""Plots of a fitted HAIN model: pathway attention, top genes per class, prototypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from attnscope.errors import DataError
from attnscope.pl._common import axes_or_new, label_runs

__all__ = ["pathway_attention_heatmap", "prototype_view", "top_genes_per_class"]


def pathway_attention_heatmap(
    attention: np.ndarray,
    *,
    pathway_names: Sequence[str],
    labels: Sequence[str] | np.ndarray | None = None,
    top: int = 20,
    ax: Any = None,
    cmap: str = "viridis",
) -> Any:
    """Heat map of pathway attention beta, pathways x samples (samples sorted by label).

    Parameters
    ----------
    attention : ndarray of shape (n_samples, n_pathways)
        E.g. ``meta["pathway_attention"]`` of the "hierarchical" attribution, or
        ``output.attention["pathway"]``.
    pathway_names : sequence of str, length n_pathways
    labels : array-like of shape (n_samples,), optional
        Class of each sample; columns are grouped by it and the groups marked.
    top : int, default 20
        Pathways with the largest mean attention shown.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    a = np.asarray(attention, dtype=float)
    if a.ndim != 2 or a.shape[1] != len(pathway_names):
        raise DataError(
            f"attention must be (n_samples, {len(pathway_names)}) to match pathway_names, "
            f"got shape {a.shape}."
        )
    order = np.arange(a.shape[0])
    lab = None
    if labels is not None:
        lab = np.asarray(labels).astype(str)
        order = np.argsort(lab, kind="stable")
    keep = np.argsort(-a.mean(axis=0))[: max(1, top)]
    ax = axes_or_new(ax, (8, 0.3 * len(keep) + 2))
    im = ax.imshow(a[np.ix_(order, keep)].T, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_yticks(range(len(keep)))
    ax.set_yticklabels([str(pathway_names[k]) for k in keep], fontsize=7)
    ax.set_xlabel("samples" + (" (grouped by class)" if lab is not None else ""))
    if lab is not None:
        sorted_lab = lab[order]
        edges, starts, ends = label_runs(sorted_lab)
        for e in edges:
            ax.axvline(e, color="white", lw=1)
        ax.set_xticks((starts + ends - 1) / 2)
        ax.set_xticklabels([sorted_lab[int(s)] for s in starts])
    ax.figure.colorbar(im, ax=ax, label="pathway attention β")
    ax.set_title("HAIN pathway attention")
    return ax


def top_genes_per_class(
    importances: np.ndarray,
    *,
    feature_names: Sequence[str],
    class_names: Sequence[str],
    k: int = 10,
) -> Any:
    """Bar charts of the ``k`` genes with the largest global importance in each class.

    Parameters
    ----------
    importances : ndarray of shape (n_classes, n_features)
        E.g. ``HAINClassifier.feature_importances_``.
    feature_names : sequence of str, length n_features
    class_names : sequence of str, length n_classes
    k : int, default 10

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    imp = np.asarray(importances, dtype=float)
    if imp.shape != (len(class_names), len(feature_names)):
        raise DataError(
            f"importances must be ({len(class_names)}, {len(feature_names)}) (classes x "
            f"features), got {imp.shape}."
        )
    n = len(class_names)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 0.3 * k + 1.5), squeeze=False)
    for c, ax in enumerate(axes[0]):
        top = np.argsort(-imp[c])[:k][::-1]
        ax.barh(range(len(top)), imp[c, top], color=f"C{c}")
        ax.set_yticks(range(len(top)))
        ax.set_yticklabels([str(feature_names[j]) for j in top], fontsize=7)
        ax.set_title(str(class_names[c]))
        ax.set_xlabel("mean α × β")
    fig.tight_layout()
    return fig


def prototype_view(
    similarity: np.ndarray,
    *,
    prototype_ids: Sequence[str],
    prototype_classes: Sequence[str],
    sample_ids: Sequence[str] | None = None,
    max_samples: int = 30,
    ax: Any = None,
) -> Any:
    """Samples x prototypes similarity map, prototypes labelled by their training sample.

    Parameters
    ----------
    similarity : ndarray of shape (n_samples, n_prototypes)
        Values of the "prototypes" attribution.
    prototype_ids, prototype_classes : sequence of str, length n_prototypes
    sample_ids : sequence of str, optional
    max_samples : int, default 30
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The closest prototype of each sample is marked with a dot.
    """
    s = np.asarray(similarity, dtype=float)
    if s.ndim != 2 or s.shape[1] != len(prototype_ids) or len(prototype_classes) != s.shape[1]:
        raise DataError(
            f"similarity must be (n_samples, {len(prototype_ids)}) with one id and class "
            f"per prototype, got shape {s.shape}."
        )
    s = s[:max_samples]
    ax = axes_or_new(ax, (0.5 * s.shape[1] + 3, 0.25 * s.shape[0] + 2))
    im = ax.imshow(s, aspect="auto", cmap="magma", interpolation="nearest")
    best = s.argmax(axis=1)
    ax.scatter(best, np.arange(s.shape[0]), s=12, c="cyan", marker="o")
    ax.set_xticks(range(s.shape[1]))
    ax.set_xticklabels(
        [f"{c}: {i}" for i, c in zip(prototype_ids, prototype_classes)], rotation=90, fontsize=7
    )
    if sample_ids is not None:
        ax.set_yticks(range(s.shape[0]))
        ax.set_yticklabels([str(v) for v in list(sample_ids)[: s.shape[0]]], fontsize=7)
    ax.set_xlabel("prototype (class: training sample)")
    ax.set_ylabel("sample")
    ax.figure.colorbar(im, ax=ax, label="similarity log((d+1)/(d+ε))")
    return ax
