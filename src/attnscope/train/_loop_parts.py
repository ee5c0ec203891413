"""Parts of the fit loop: batch fetching, best-weight keeping, validation, progress, clipping.

Used by :func:`attnscope.train._loop._train` only: the batch fetcher (streamed inputs read
ahead, batches sharded under DDP), the best weights per member, the validation scores of
an epoch, the epoch progress (a bar on a terminal, lines elsewhere) and per-member
gradient clipping.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import batched_forward
from attnscope.train._config import TrainConfig
from attnscope.train._distributed import is_main_process
from attnscope.train._losses import member_scores


def _fetcher(inputs: Sequence[Any], order: Tensor, batch_size: int, ctx: Any) -> Any:
    """``fetch(idx)``: the batch's inputs; streamed inputs are read ahead (train/_stream)."""
    from attnscope.train import _distributed as D
    from attnscope.train._stream import batch_fetcher

    shard = None if ctx is None else (lambda b: D.shard(b, ctx))
    return batch_fetcher(inputs, order, batch_size, shard=shard)


class _BestState:
    """The best weights seen so far, per member (a masked copy when there is a member axis)."""

    def __init__(self, module: nn.Module, members: bool) -> None:
        self.module, self.members = module, members
        self.state: dict[str, Tensor] | None = None
        if members:  # a member that never improves gets its initial weights back
            self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def keep(self, improved: np.ndarray) -> None:
        if not improved.any():
            return
        current = self.module.state_dict()
        if not self.members or self.state is None:
            self.state = {k: v.detach().clone() for k, v in current.items()}
            return
        mask = torch.as_tensor(improved)
        for key, value in current.items():
            kept = self.state[key]
            if value.dim() and value.shape[0] == mask.numel():
                sel = mask.to(value.device).view(-1, *([1] * (value.dim() - 1)))
                kept.copy_(torch.where(sel, value.detach(), kept))
            else:  # shared buffers (no member axis): the latest improvement wins
                kept.copy_(value.detach())

    def restore(self) -> None:
        if self.state is not None:
            self.module.load_state_dict(self.state)


def _validate(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    config: TrainConfig,
    cw: Tensor | None,
    records: list[dict[str, float]],
    members: bool,
) -> np.ndarray:
    """Add validation metrics to each member's record; return the monitored scores (M,).

    A single model records loss, accuracy, balanced accuracy and AUROC
    (:func:`attnscope.metrics.classification_metrics`); members record the monitored
    metric, computed for all of them at once (:func:`member_scores`). Higher is better
    (the loss is negated).
    """
    from attnscope.metrics._predictive import classification_metrics

    batch = max(config.batch_size, 256)
    logits = batched_forward(
        module, inputs, batch_size=batch, members=len(records) if members else None
    )
    if members:
        scores = member_scores(logits, y, config.monitor)
        sign = -1.0 if config.monitor == "loss" else 1.0
        for rec, s in zip(records, scores):
            rec[f"val_{config.monitor}"] = float(sign * s)
        return scores
    loss = float(F.cross_entropy(logits, y, weight=cw.cpu() if cw is not None else None))
    proba = torch.softmax(logits, dim=1).numpy()
    m = classification_metrics(y.numpy(), proba, metrics=("accuracy", "balanced_accuracy", "auroc"))
    records[0].update({"val_loss": loss, **{f"val_{k}": float(v) for k, v in m.items()}})
    score = records[0][f"val_{config.monitor}"]
    return np.array([-score if config.monitor == "loss" else score])


def _has_batchnorm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


class _RichProgress:
    """A transient bar on a terminal: epochs done, elapsed time, the last epoch's losses."""

    def __init__(self, total: int, label: str = "training") -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._p = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
            transient=True,
        )
        self._p.start()
        self._task = self._p.add_task(label, total=total, info="")

    def update(self, n: int, **info: float) -> None:
        self._p.update(self._task, advance=n, info=" ".join(f"{k}={v}" for k, v in info.items()))

    def close(self) -> None:
        self._p.stop()


class _LineProgress:
    """Off a terminal (a log file, a batch job): one plain line per epoch on stderr."""

    def __init__(self, total: int, label: str = "training") -> None:
        self._total, self._label, self._done = total, label, 0
        self._start = time.perf_counter()

    def update(self, n: int, **info: float) -> None:
        self._done += n
        parts = [f"{self._label}: epoch {self._done}/{self._total}"]
        parts += [f"{k}={v}" for k, v in info.items()]
        parts.append(f"({time.perf_counter() - self._start:.0f} s)")
        print(" ".join(parts), file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def _progress(
    verbose: bool, total: int, label: str = "training"
) -> _RichProgress | _LineProgress | None:
    """The epoch progress of a verbose fit: a bar on a terminal, plain lines elsewhere;
    under torchrun only rank 0 reports."""
    if not verbose or not is_main_process():
        return None
    return _RichProgress(total, label) if sys.stderr.isatty() else _LineProgress(total, label)


def _clip_per_member(params: list[nn.Parameter], max_norm: float) -> None:
    """Clip each member's gradient to ``max_norm`` (its own global norm)."""
    grads = [p.grad for p in params if p.grad is not None]
    sq = torch.stack([g.pow(2).flatten(1).sum(1) for g in grads]).sum(0)
    scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(-1, *([1] * (g.dim() - 1))))
