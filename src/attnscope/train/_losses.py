"""Losses and scores of the fit loop: class weights, (member) cross-entropy, member scores.

``loss_fn`` defaults of :func:`attnscope.train.fit_module` (:func:`cross_entropy_loss`) and
:func:`attnscope.train.fit_members` (:func:`member_cross_entropy`), the 'balanced' class
weights, and the vectorised validation score of every member (:func:`member_scores`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import logits_of
from attnscope.errors import DataError

__all__ = [
    "class_weights",
    "cross_entropy_loss",
    "member_cross_entropy",
    "member_scores",
    "weighted_cross_entropy",
]


def cross_entropy_loss(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    class_weight: Tensor | None,
    epoch: int,
    sample_weight: Tensor | None = None,
) -> Tensor:
    """Plain (optionally class- and sample-weighted) cross-entropy on the module's logits.

    With ``sample_weight`` (shape (B,)) the loss is the weighted mean
    ``sum(w_i c_{y_i} l_i) / sum(w_i c_{y_i})`` (c: class weights, 1 without them), which
    equals the unweighted loss when every weight is 1.
    """
    logits = logits_of(module(*inputs))
    if sample_weight is None:
        return F.cross_entropy(logits, y, weight=class_weight)
    return weighted_cross_entropy(logits, y, class_weight, sample_weight)


def weighted_cross_entropy(
    logits: Tensor, y: Tensor, class_weight: Tensor | None, sample_weight: Tensor
) -> Tensor:
    """Cross-entropy of logits (B, C) weighted per sample (B,) and per class (C,)."""
    per_sample = F.cross_entropy(logits, y, weight=class_weight, reduction="none")
    w = sample_weight if class_weight is None else sample_weight * class_weight[y]
    return (per_sample * sample_weight).sum() / w.sum().clamp_min(1e-12)


def member_cross_entropy(
    module: nn.Module, inputs: Sequence[Tensor], y: Tensor, class_weight: Tensor | None, epoch: int
) -> Tensor:
    """Cross-entropy of every member, shape (M,): logits (M, B, C), labels ``y`` (M, B).

    With class weights each member's loss is its weighted mean, as ``F.cross_entropy``
    computes it for a standalone model.
    """
    logits = logits_of(module(*inputs))
    per_sample = F.cross_entropy(logits.transpose(1, 2), y, weight=class_weight, reduction="none")
    if class_weight is not None:
        return per_sample.sum(1) / class_weight[y].sum(1)
    return per_sample.mean(1)


def class_weights(y: np.ndarray, n_classes: int) -> Tensor:
    """'balanced' weights: n_samples / (n_classes * count), as in scikit-learn."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    w = len(y) / (n_classes * np.maximum(counts, 1))
    return torch.tensor(w, dtype=torch.float32)


def member_scores(logits: Tensor, y: Tensor, monitor: str) -> np.ndarray:
    """Validation score of every member; higher is better (loss is negated).

    Parameters
    ----------
    logits : Tensor of shape (M, n, C)
    y : Tensor of shape (n,)
    """
    if monitor == "loss":
        losses = F.cross_entropy(
            logits.transpose(1, 2), y.expand(logits.shape[0], -1), reduction="none"
        )
        return -losses.mean(dim=1).numpy()
    pred = logits.argmax(dim=-1)
    if monitor == "accuracy":
        return (pred == y).float().mean(dim=1).numpy()
    if monitor == "balanced_accuracy":
        classes = torch.unique(y)
        recalls = [((pred == c) & (y == c)).sum(1).float() / (y == c).sum() for c in classes]
        return torch.stack(recalls).mean(0).numpy()
    # AUROC of the positive class (binary) or one-vs-rest mean, via ranks (vectorised).
    proba = torch.softmax(logits, dim=-1)
    n_classes = logits.shape[-1]
    cols = [1] if n_classes == 2 else list(range(n_classes))
    scores = []
    for c in cols:
        pos = y == c
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        if n_pos == 0 or n_neg == 0:
            continue
        ranks = proba[..., c].argsort(dim=1).argsort(dim=1).float() + 1
        scores.append((ranks[:, pos].sum(1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    if not scores:
        raise DataError(
            f"the {y.numel()} validation samples hold one class only, so their AUROC (the "
            "early-stopping monitor) is undefined; give more samples of the rare class, a "
            "larger validation share (--set val_size=...), or --set monitor=loss."
        )
    return torch.stack(scores).mean(0).numpy()
