"""The one fit loop every estimator uses."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.train._config import TrainConfig
from attnscope.train._runner import batched_forward, iter_batches

__all__ = ["History", "LossFn", "cross_entropy_loss", "fit_module"]

#: ``loss_fn(module, batch_inputs, batch_y, class_weight, epoch) -> scalar loss``
LossFn = Callable[[nn.Module, Sequence[Tensor], Tensor, "Tensor | None", int], Tensor]


@dataclass
class History:
    """Per-epoch record of a fit and which epoch's weights were kept."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = float("nan")
    stopped_early: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (saved with the model)."""
        return {
            "epochs": self.epochs,
            "best_epoch": self.best_epoch,
            "best_score": self.best_score,
            "stopped_early": self.stopped_early,
            "seconds": self.seconds,
        }


def cross_entropy_loss(
    module: nn.Module, inputs: Sequence[Tensor], y: Tensor, class_weight: Tensor | None, epoch: int
) -> Tensor:
    """Plain (optionally class-weighted) cross-entropy on ``module(*inputs).logits``."""
    return F.cross_entropy(module(*inputs).logits, y, weight=class_weight)


def fit_module(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    *,
    config: TrainConfig,
    val_inputs: Sequence[Tensor] | None = None,
    val_y: Tensor | None = None,
    loss_fn: LossFn = cross_entropy_loss,
    class_weight: Tensor | None = None,
    generator: torch.Generator | None = None,
    parameters: Sequence[nn.Parameter] | Sequence[dict[str, Any]] | None = None,
) -> History:
    """Train ``module`` in place with mini-batches and early stopping.

    Parameters
    ----------
    module : nn.Module
        Its forward returns a ``ModelOutput``.
    inputs : sequence of Tensor
        Training inputs, samples on the first axis (kept on the CPU; batches are moved).
    y : Tensor of shape (n_samples,), int64
    config : TrainConfig
        Optimiser, batch size, epochs, patience, monitored metric, clipping. With
        ``config.min_epochs`` = m > 0, only epochs m, m + 1, ... (counted from 1) can be kept
        or start the patience count, so at least m epochs of training are always kept.
    val_inputs, val_y : optional
        Validation data for early stopping; without them the last epoch is kept.
    loss_fn : callable, default cross-entropy
        ``loss_fn(module, batch_inputs, batch_y, class_weight, epoch)``.
    generator : torch.Generator, optional
        Controls the batch order (seeded by the estimator's ``random_state``).
    parameters : sequence of Parameter or of dict, optional
        What to optimise; default every parameter of ``module``. Dicts are optimiser
        parameter groups (``{"params": [...], "eps": ...}``) whose own settings override
        ``config``'s.

    Returns
    -------
    History
        The best epoch's weights are loaded back into ``module`` before returning.
    """
    import time

    start = time.perf_counter()
    device = torch.device(config.device)
    module.to(device)
    groups: list[Any] = list(parameters) if parameters is not None else list(module.parameters())
    params = [p for g in groups for p in (g["params"] if isinstance(g, dict) else [g])]
    opt_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(
        groups, lr=config.lr, weight_decay=config.weight_decay, amsgrad=config.amsgrad
    )
    cw = class_weight.to(device) if class_weight is not None else None
    history = History()
    has_val = val_inputs is not None and val_y is not None and len(val_y) > 0
    best_state: dict[str, Tensor] | None = None
    best = -math.inf
    stale = 0
    n = int(y.shape[0])
    progress = _progress(config.verbose, config.epochs)
    try:
        for epoch in range(config.epochs):
            module.train()
            order = torch.randperm(n, generator=generator)
            total, seen = 0.0, 0
            for sl in iter_batches(n, config.batch_size):
                idx = order[sl]
                if idx.numel() < 2 and _has_batchnorm(module):
                    continue  # BatchNorm cannot train on a single sample
                batch = [t[idx].to(device) for t in inputs]
                loss = loss_fn(module, batch, y[idx].to(device), cw, epoch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.clip_grad_norm:
                    nn.utils.clip_grad_norm_(params, config.clip_grad_norm)
                optimizer.step()
                total += float(loss.detach()) * idx.numel()
                seen += idx.numel()
            record = {"epoch": float(epoch), "train_loss": total / max(seen, 1)}
            if has_val and val_inputs is not None and val_y is not None:
                record.update(_validate(module, val_inputs, val_y, config, cw))
                score = record[f"val_{config.monitor}"]
                score = -score if config.monitor == "loss" else score
            else:
                score = float(epoch)  # keep the last epoch
            history.epochs.append(record)
            if epoch + 1 < config.min_epochs:
                pass  # too early to be kept or to count towards patience
            elif score > best:
                best, stale = score, 0
                best_state = copy.deepcopy(module.state_dict())
                history.best_epoch = epoch
                history.best_score = record.get(f"val_{config.monitor}", float("nan"))
            else:
                stale += 1
            if progress is not None:
                progress.update(1, **{k: round(v, 4) for k, v in record.items() if k != "epoch"})
            if has_val and stale >= config.patience:
                history.stopped_early = True
                break
    finally:
        if progress is not None:
            progress.close()
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    history.seconds = time.perf_counter() - start
    return history


def _validate(
    module: nn.Module, inputs: Sequence[Tensor], y: Tensor, config: TrainConfig, cw: Tensor | None
) -> dict[str, float]:
    from attnscope.metrics._predictive import classification_metrics

    logits = batched_forward(
        module, inputs, batch_size=max(config.batch_size, 256), device=config.device
    )
    loss = float(F.cross_entropy(logits, y, weight=cw.cpu() if cw is not None else None))
    proba = torch.softmax(logits, dim=1).numpy()
    m = classification_metrics(y.numpy(), proba, metrics=("accuracy", "balanced_accuracy", "auroc"))
    return {"val_loss": loss, **{f"val_{k}": float(v) for k, v in m.items()}}


def _has_batchnorm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


class _RichProgress:
    def __init__(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._p = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
            transient=True,
        )
        self._p.start()
        self._task = self._p.add_task("fit", total=total, info="")

    def update(self, n: int, **info: float) -> None:
        self._p.update(self._task, advance=n, info=" ".join(f"{k}={v}" for k, v in info.items()))

    def close(self) -> None:
        self._p.stop()


def _progress(verbose: bool, total: int) -> _RichProgress | None:
    import sys

    if not verbose or not sys.stderr.isatty():
        return None
    return _RichProgress(total)


def class_weights(y: np.ndarray, n_classes: int) -> Tensor:
    """'balanced' weights: n_samples / (n_classes * count), as in scikit-learn."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    w = len(y) / (n_classes * np.maximum(counts, 1))
    return torch.tensor(w, dtype=torch.float32)
