"""Predictive metrics: binary and multi-class (one-vs-rest), from scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attnscope.errors import DataError

__all__ = ["PREDICTIVE_METRICS", "classification_metrics", "confusion"]

PREDICTIVE_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "auroc",
    "auprc",
    "f1_macro",
    "f1_weighted",
)


def classification_metrics(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    metrics: Sequence[str] = PREDICTIVE_METRICS,
) -> dict[str, float]:
    """Compute predictive metrics from true codes and class probabilities.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,), int
        Class codes (column indices of ``proba``).
    proba : ndarray of shape (n_samples, n_classes)
    metrics : sequence of str
        Any of ``accuracy``, ``balanced_accuracy``, ``auroc``, ``auprc`` (one-vs-rest macro
        for more than two classes), ``f1_macro``, ``f1_weighted``.

    Returns
    -------
    dict of str -> float
        AUROC/AUPRC are NaN when a class is absent from ``y_true``.
    """
    import warnings

    from sklearn import metrics as skm

    y_true = np.asarray(y_true).astype(np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != y_true.shape[0]:
        raise DataError(f"proba must have shape ({y_true.shape[0]}, n_classes), got {proba.shape}.")
    unknown = sorted(set(metrics) - set(PREDICTIVE_METRICS))
    if unknown:
        raise DataError(f"unknown metrics {unknown}; choose from {PREDICTIVE_METRICS}.")
    k = proba.shape[1]
    pred = proba.argmax(axis=1)
    present = np.unique(y_true)
    out: dict[str, float] = {}
    for name in metrics:
        if name == "accuracy":
            out[name] = float(skm.accuracy_score(y_true, pred))
        elif name == "balanced_accuracy":
            with warnings.catch_warnings():  # samples of one class: the recall of that class
                warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
                warnings.filterwarnings("ignore", message="A single label was found")
                out[name] = float(skm.balanced_accuracy_score(y_true, pred))
        elif name in ("f1_macro", "f1_weighted"):
            out[name] = float(
                skm.f1_score(y_true, pred, average=name[3:], labels=np.arange(k), zero_division=0)
            )
        elif name in ("auroc", "auprc"):
            if present.size < 2:
                out[name] = float("nan")
                continue
            if k == 2:
                score = proba[:, 1]
                out[name] = float(
                    skm.roc_auc_score(y_true, score)
                    if name == "auroc"
                    else skm.average_precision_score(y_true, score)
                )
            else:
                onehot = np.eye(k)[y_true]
                cols = [c for c in range(k) if 0 < onehot[:, c].sum() < len(y_true)]
                fn = skm.roc_auc_score if name == "auroc" else skm.average_precision_score
                out[name] = float(np.mean([fn(onehot[:, c], proba[:, c]) for c in cols]))
    return out


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix of shape (n_classes, n_classes): rows true, columns predicted."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
