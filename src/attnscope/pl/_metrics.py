"""Plots of predictive performance: ROC and PR curves, confusion matrix, training history.

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

__all__ = ["confusion_heatmap", "pr_curve", "roc_curve", "training_history"]


def _check_scores(
    y_true: Any, proba: Any, class_names: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Int codes of shape (n,), scores of shape (n, k) and k class names."""
    y = np.asarray(y_true).reshape(-1)
    if y.dtype.kind not in "iub":
        raise DataError(
            f"y_true must hold integer class codes (columns of proba), got dtype {y.dtype}; "
            "map class names to codes first."
        )
    y = y.astype(np.int64)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise DataError(
            f"proba must have shape ({y.shape[0]}, n_classes) or ({y.shape[0]},), "
            f"got {np.shape(proba)}."
        )
    k = p.shape[1]
    if y.size and (y.min() < 0 or y.max() >= k):
        raise DataError(f"y_true codes must lie in [0, {k}); found {y.min()}..{y.max()}.")
    return y, p, _class_names(class_names, k, f"{k} probability columns")


def _class_names(class_names: Sequence[str] | None, k: int, what: str) -> list[str]:
    """``class_names`` as k strings (default "0".."k-1"); ``what`` names the k things."""
    names = [str(c) for c in class_names] if class_names is not None else [str(c) for c in range(k)]
    if len(names) != k:
        raise DataError(f"class_names has {len(names)} entries for {what}.")
    return names


def _curve_classes(y: np.ndarray, k: int) -> list[int]:
    """Class 1 for binary problems, else every class present and absent (one-vs-rest)."""
    if k == 2:
        return [1] if 0 < (y == 1).sum() < y.size else []
    return [c for c in range(k) if 0 < (y == c).sum() < y.size]


def _unit_square(ax: Axes, xlabel: str, ylabel: str, title: str, legend: Any) -> Axes:
    """Finish a curve plot: both axes over [0, 1], labels, title and the legend at ``legend``."""
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc=legend, fontsize=8, frameon=False)
    return ax


def roc_curve(
    y_true: Any,
    proba: Any,
    *,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    chance: bool = True,
) -> Axes:
    """Receiver operating characteristic curves (scikit-learn's ``roc_curve``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), int
        Class codes (columns of ``proba``).
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class probabilities; a 1-D array is the positive-class score of a binary problem.
    class_names : sequence of str, optional
    ax : matplotlib Axes, optional
    chance : bool, default True
        Draw the diagonal of a random classifier (after the curves).

    Returns
    -------
    matplotlib Axes
        One line per curve, in class order: the positive class for a binary problem,
        else one-vs-rest for each class present, labelled with its AUC.
    """
    from sklearn import metrics as skm

    y, p, names = _check_scores(y_true, proba, class_names)
    ax = axes_or_new(ax, (4.0, 3.6))
    for c in _curve_classes(y, p.shape[1]):
        fpr, tpr, _ = skm.roc_curve(y == c, p[:, c])
        auc = skm.auc(fpr, tpr)
        ax.plot(fpr, tpr, color=f"C{c}", lw=1.5, label=f"{names[c]} (AUC {auc:.3f})")
    if chance:
        ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", label="_chance")
    return _unit_square(ax, "false positive rate", "true positive rate", "ROC", "lower right")


def pr_curve(
    y_true: Any,
    proba: Any,
    *,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    chance: bool = True,
) -> Axes:
    """Precision-recall curves (scikit-learn's ``precision_recall_curve``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), int
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
    class_names : sequence of str, optional
    ax : matplotlib Axes, optional
    chance : bool, default True
        Draw each curve's class prevalence (the precision of a random ranking).

    Returns
    -------
    matplotlib Axes
        One line per curve (x recall, y precision) labelled with its average precision,
        in the class order of :func:`roc_curve`.
    """
    from sklearn import metrics as skm

    y, p, names = _check_scores(y_true, proba, class_names)
    ax = axes_or_new(ax, (4.0, 3.6))
    classes = _curve_classes(y, p.shape[1])
    for c in classes:
        precision, recall, _ = skm.precision_recall_curve(y == c, p[:, c])
        ap = skm.average_precision_score(y == c, p[:, c])
        ax.plot(
            recall,
            precision,
            color=f"C{c}",
            lw=1.5,
            drawstyle="steps-post",
            label=f"{names[c]} (AP {ap:.3f})",
        )
    if chance:
        for c in classes:
            ax.axhline(float((y == c).mean()), color=f"C{c}", lw=0.8, ls=":", label="_chance")
    return _unit_square(ax, "recall", "precision", "precision-recall", "lower left")


def confusion_heatmap(
    matrix: Any,
    *,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    ax: Axes | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Confusion matrix as a heat map, rows true and columns predicted classes.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Counts, e.g. ``metrics.json["test"]["confusion_matrix"]``.
    class_names : sequence of str, optional
    normalize : bool, default False
        Colour by the share of each true class (row) instead of the count; cells are
        annotated with both.
    ax : matplotlib Axes, optional
    cmap : str, default "Blues"

    Returns
    -------
    matplotlib Axes
        The image holds the counts (or the row shares when ``normalize``).
    """
    cm = np.asarray(matrix, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise DataError(f"the confusion matrix must be square, got shape {cm.shape}.")
    k = cm.shape[0]
    names = _class_names(class_names, k, f"a {k} x {k} matrix")
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    shown = share if normalize else cm
    size = max(3.2, 0.6 * k + 1.8)
    ax = axes_or_new(ax, (size + 0.8, size))
    im = ax.imshow(shown, cmap=cmap, interpolation="nearest", vmin=0)
    high = shown.max() if shown.size else 0.0
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(
                    j,
                    i,
                    f"{int(cm[i, j])}\n{share[i, j]:.0%}",
                    ha="center",
                    va="center",
                    fontsize=8 if k <= 8 else 6,
                    color="white" if shown[i, j] > 0.6 * high else "black",
                )
    ax.set_xticks(range(k))
    ax.set_xticklabels(names, rotation=45 if k > 3 else 0, ha="right" if k > 3 else "center")
    ax.set_yticks(range(k))
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("confusion matrix")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share" if normalize else "n")
    return ax


def training_history(
    history: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    ax: Axes | None = None,
) -> Axes:
    """Losses per epoch on ``ax`` and validation metrics on a twin axis at the right.

    Parameters
    ----------
    history : dict or sequence of dict
        ``History.to_dict()`` (as in ``metrics.json["history"]``: ``epochs`` holds one
        dict per epoch, ``best_epoch`` the kept one) or the list of per-epoch dicts.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The loss axes; x is the epoch counted from 1; keys ending in ``loss`` are solid
        lines on it, other numeric keys (``val_accuracy``, ``val_auroc``, ...) dashed on
        its twin; the kept epoch is a vertical dotted line.
    """
    kept: list[int] = []  # the epoch(s) whose weights were kept: one, or one per member
    if isinstance(history, Mapping):
        epochs = list(history.get("epochs") or [])
        kept = kept_epochs(history)
    else:
        epochs = list(history)
    if not epochs:
        raise DataError("the history holds no epochs; fit the model first.")
    x = np.arange(1, len(epochs) + 1)
    keys = [k for k in epochs[0] if k != "epoch"]
    losses = [k for k in keys if k.endswith("loss")]
    others = [k for k in keys if not k.endswith("loss")]

    def _series(key: str) -> np.ndarray:
        return np.array([float(e.get(key, np.nan)) for e in epochs], dtype=np.float64)

    ax = axes_or_new(ax, (4.6, 3.4))
    for i, key in enumerate(losses):
        ax.plot(x, _series(key), color=f"C{i}", marker="o", ms=3, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if others:
        twin = ax.twinx()
        for i, key in enumerate(others, start=len(losses)):
            twin.plot(x, _series(key), color=f"C{i}", ls="--", marker=".", ms=4, label=key)
        twin.set_ylabel("validation metric")
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    kept = [e for e in kept if e < len(epochs)]
    for e in kept:
        ax.axvline(e + 1, color="0.5", ls=":", lw=1)
    if kept:
        shown = ", ".join(str(e + 1) for e in kept)
        several = isinstance(history, Mapping) and history.get("members")
        labels = [*labels, f"members' kept epochs {shown}" if several else f"kept epoch {shown}"]
        handles = [*handles, ax.lines[-1]]
    if len(x) <= 20:
        ax.set_xticks(x)
    ax.legend(
        handles,
        labels,
        fontsize=7,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.18 if others else 1.02, 1.0),
    )
    ax.set_title("training history")
    return ax


def kept_epochs(history: Mapping[str, Any]) -> list[int]:
    """The epochs (from 0) whose weights a fit kept: ``best_epoch``, or for a seed ensemble
    (``members``) each member's, sorted and distinct; empty when none was kept."""
    members = history.get("members") or []
    given = [m.get("best_epoch") for m in members] if members else [history.get("best_epoch")]
    return sorted({int(e) for e in given if isinstance(e, int | float) and e >= 0})
