"""Train many seed variants of one network as a single batched computation.

The network's parameters carry a leading member axis M (see
:class:`attnscope.models.attn_lstm.AttentionLSTM`). Each member draws its own batch
order from its own seed, is clipped by its own gradient norm and early-stops on its own
validation score; Adam and weight decay act element-wise, so one optimiser over the
stacked parameters is M independent optimisers. Only dropout masks differ from
standalone runs (they come from one generator).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.train._config import TrainConfig
from attnscope.train._loop import History

__all__ = ["fit_ensemble", "member_scores"]


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
    return torch.stack(scores).mean(0).numpy()


def fit_ensemble(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    *,
    seeds: Sequence[int],
    config: TrainConfig,
    val_inputs: Sequence[Tensor] | None = None,
    val_y: Tensor | None = None,
    class_weight: Tensor | None = None,
) -> list[History]:
    """Train every member of ``module`` in place; return one History per member.

    Parameters
    ----------
    module : nn.Module
        Every parameter has the member axis first; ``module(*batch)`` takes inputs of
        shape (M, B, ...) and returns logits (M, B, C).
    inputs : sequence of Tensor
        Training inputs, samples first (shared by all members).
    y : Tensor of shape (n,)
    seeds : sequence of int
        One per member: its batch order (and, in the module, its initialisation).
    config : TrainConfig
    val_inputs, val_y : optional
        Shared validation data for per-member early stopping and best-weight restore.
    """
    start = time.perf_counter()
    n_members = len(seeds)
    params = list(module.parameters())
    opt_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(
        params, lr=config.lr, weight_decay=config.weight_decay, amsgrad=config.amsgrad
    )
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    histories = [History() for _ in range(n_members)]
    best = np.full(n_members, -np.inf)
    stale = np.zeros(n_members, dtype=int)
    # A member that has early-stopped keeps its best weights, as a standalone run would.
    active = np.ones(n_members, dtype=bool)
    best_params = [p.detach().clone() for p in params]
    has_val = val_inputs is not None and val_y is not None
    n = int(y.shape[0])
    for epoch in range(config.epochs):
        module.train()
        perms = torch.stack([torch.randperm(n, generator=g) for g in generators])
        total = torch.zeros(n_members)
        for lo in range(0, n, config.batch_size):
            idx = perms[:, lo : lo + config.batch_size]  # (M, B)
            batch = [t[idx] for t in inputs]
            yb = y[idx]
            logits = module(*batch).logits  # (M, B, C)
            per_sample = F.cross_entropy(
                logits.transpose(1, 2), yb, weight=class_weight, reduction="none"
            )
            if class_weight is not None:
                member_loss = per_sample.sum(1) / class_weight[yb].sum(1)
            else:
                member_loss = per_sample.mean(1)
            optimizer.zero_grad(set_to_none=True)
            member_loss.sum().backward()
            if config.clip_grad_norm:
                _clip_per_member(params, config.clip_grad_norm)
            optimizer.step()
            total += member_loss.detach() * idx.shape[1]
        train_loss = (total / n).numpy()
        if has_val and val_inputs is not None and val_y is not None:
            with torch.no_grad():
                module.eval()
                val_logits = _batched_members(module, val_inputs, n_members)
            scores = member_scores(val_logits, val_y, config.monitor)
            counted = epoch + 1 >= config.min_epochs  # as fit_module: too early to keep
            improved = (scores > best) & active & counted
            best = np.where(improved, scores, best)
            stale = np.where(improved, 0, stale + int(counted))
        else:
            scores = np.full(n_members, float(epoch))
            improved = np.ones(n_members, dtype=bool)
        mask = torch.as_tensor(improved)
        for p, kept in zip(params, best_params):
            sel = mask.view(-1, *([1] * (p.dim() - 1)))
            kept.copy_(torch.where(sel, p.detach(), kept))
        for m, hist in enumerate(histories):
            if not active[m]:
                continue
            hist.epochs.append(
                {
                    "epoch": float(epoch),
                    "train_loss": float(train_loss[m]),
                    f"val_{config.monitor}": float(scores[m]),
                }
            )
            if improved[m]:
                hist.best_epoch, hist.best_score = epoch, float(scores[m])
        if has_val:
            newly = active & (stale >= config.patience)
            for stopped in np.flatnonzero(newly):
                histories[int(stopped)].stopped_early = True
            active &= ~newly
            if not active.any():
                break
    with torch.no_grad():
        for p, kept in zip(params, best_params):
            p.copy_(kept)
    module.eval()
    seconds = time.perf_counter() - start
    for hist in histories:
        hist.seconds = seconds / n_members
    return histories


def _clip_per_member(params: list[nn.Parameter], max_norm: float) -> None:
    """Clip each member's gradient to ``max_norm`` (its own global norm)."""
    grads = [p.grad for p in params if p.grad is not None]
    sq = torch.stack([g.pow(2).flatten(1).sum(1) for g in grads]).sum(0)
    scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(-1, *([1] * (g.dim() - 1))))


def _batched_members(
    module: nn.Module, inputs: Sequence[Tensor], n_members: int, size: int = 512
) -> Tensor:
    """Logits (M, n, C) on shared inputs, in sample batches.

    Modules with ``accepts_shared_inputs`` take the batch once for every member;
    others get it expanded along a new member axis (a view, no copy).
    """
    n = int(inputs[0].shape[0])
    shared = bool(getattr(module, "accepts_shared_inputs", False))
    parts = []
    for lo in range(0, n, size):
        batch = [t[lo : lo + size] for t in inputs]
        if not shared:
            batch = [t.unsqueeze(0).expand(n_members, *t.shape) for t in batch]
        logits = module(*batch).logits
        parts.append(logits if logits.dim() == 3 else logits.unsqueeze(0))
    return torch.cat(parts, dim=1)
