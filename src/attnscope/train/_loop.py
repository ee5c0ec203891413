"""The one fit loop: a single network, or N seed variants trained as one batched network.

A single model is an ensemble of one. :func:`fit_module` trains a plain network;
:func:`fit_members` trains a network whose parameters carry a leading member axis M
(see :class:`attnscope.models.attn_lstm.AttentionLSTM`). Both run :func:`_train`: each
member draws its own batch order from its own generator, is clipped by its own gradient
norm and early-stops on its own validation score; Adam and weight decay act element-wise,
so one optimiser over the stacked parameters is M independent optimisers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import batched_forward, iter_batches, logits_of, resolve_device
from attnscope.errors import DataError
from attnscope.train._config import TrainConfig
from attnscope.train._resume import LoopState, current_stage

__all__ = [
    "History",
    "LossFn",
    "cross_entropy_loss",
    "fit_members",
    "fit_module",
    "member_cross_entropy",
    "member_scores",
    "weighted_cross_entropy",
]

#: ``loss_fn(module, batch_inputs, batch_y, class_weight, epoch) -> scalar loss``; a loss
#: that supports per-sample weights also takes ``sample_weight=`` (a (B,) tensor).
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
    sample_weight: Tensor | None = None,
) -> History:
    """Train ``module`` in place with mini-batches and early stopping.

    Parameters
    ----------
    module : nn.Module
        Its forward returns a ``ModelOutput`` (or logits).
    inputs : sequence of Tensor
        Training inputs, samples on the first axis (kept where they are; batches are
        moved to ``config.device``). A :class:`attnscope.train.RowStream` (a cohort read
        from disk) is read ahead in chunks of the same batches (:mod:`attnscope.train._stream`).
    y : Tensor of shape (n_samples,), int64
    config : TrainConfig
        Optimiser, batch size, epochs, patience, monitored metric, clipping, device. With
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
    sample_weight : Tensor of shape (n_samples,), optional
        Per-sample weights of the training loss, indexed like ``y``; each batch's slice is
        passed to ``loss_fn`` as ``sample_weight=`` (the loss must accept that keyword).
        Validation metrics stay unweighted.

    Returns
    -------
    History
        The best epoch's weights are loaded back into ``module`` before returning; the
        module stays on ``config.device``.
    """
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    return _train(
        module,
        inputs,
        y,
        config=config,
        generators=[gen],
        members=False,
        val_inputs=val_inputs,
        val_y=val_y,
        loss_fn=loss_fn,
        class_weight=class_weight,
        parameters=parameters,
        sample_weight=sample_weight,
    )[0]


def fit_members(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    *,
    seeds: Sequence[int],
    config: TrainConfig,
    val_inputs: Sequence[Tensor] | None = None,
    val_y: Tensor | None = None,
    loss_fn: LossFn = member_cross_entropy,
    class_weight: Tensor | None = None,
) -> list[History]:
    """Train every member of a member-axis ``module`` in place; one History per member.

    Parameters
    ----------
    module : nn.Module
        Every parameter has the member axis M first; ``module(*batch)`` takes inputs of
        shape (M, B, ...) and returns logits (M, B, C).
    inputs : sequence of Tensor
        Training inputs, samples first (shared by all members).
    y : Tensor of shape (n,)
    seeds : sequence of int
        One per member: its batch order (and, in the module, its initialisation).
    config : TrainConfig
    val_inputs, val_y : optional
        Shared validation data for per-member early stopping and best-weight restore.
    loss_fn : callable, default :func:`member_cross_entropy`
        Returns the loss of every member, shape (M,).

    Notes
    -----
    Only dropout masks differ from M standalone runs (they come from one generator).
    """
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    return _train(
        module,
        inputs,
        y,
        config=config,
        generators=generators,
        members=True,
        val_inputs=val_inputs,
        val_y=val_y,
        loss_fn=loss_fn,
        class_weight=class_weight,
    )


def _train(
    module: nn.Module,
    inputs: Sequence[Tensor],
    y: Tensor,
    *,
    config: TrainConfig,
    generators: list[torch.Generator],
    members: bool,
    val_inputs: Sequence[Tensor] | None,
    val_y: Tensor | None,
    loss_fn: LossFn,
    class_weight: Tensor | None,
    parameters: Sequence[nn.Parameter] | Sequence[dict[str, Any]] | None = None,
    sample_weight: Tensor | None = None,
) -> list[History]:
    """The epoch loop shared by :func:`fit_module` (M = 1) and :func:`fit_members`.

    In a process group (``torchrun``; :mod:`attnscope.train._distributed`) the module is
    wrapped in DistributedDataParallel, every rank draws the same batch order and trains
    on its slice of each global batch with its loss rescaled so the averaged gradient is
    the global batch's; validation runs on every rank and rank 0's scores decide.
    """
    from attnscope.train import _distributed as D

    start = time.perf_counter()
    device = resolve_device(config.device)
    ctx = D.distributed_context(device)
    if ctx is not None:
        device = D.local_device(device)
    module.to(device)
    net = D.wrap_ddp(module, device) if ctx is not None else module
    n_members = len(generators)
    groups: list[Any] = list(parameters) if parameters is not None else list(module.parameters())
    params = [p for g in groups for p in (g["params"] if isinstance(g, dict) else [g])]
    opt_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(
        groups, lr=config.lr, weight_decay=config.weight_decay, amsgrad=config.amsgrad
    )
    cw = class_weight.to(device) if class_weight is not None else None
    histories = [History() for _ in range(n_members)]
    has_val = val_inputs is not None and val_y is not None and len(val_y) > 0
    best = np.full(n_members, -np.inf)
    stale = np.zeros(n_members, dtype=int)
    active = np.ones(n_members, dtype=bool)  # a stopped member keeps its best weights
    best_state = _BestState(module, members)
    single_bn = not members and _has_batchnorm(module)
    n = int(y.shape[0])
    if sample_weight is not None and tuple(sample_weight.shape) != (n,):
        raise ValueError(f"sample_weight has shape {tuple(sample_weight.shape)}, expected ({n},).")
    stage = current_stage(_stage_fingerprint(config, n, n_members))
    resumed = stage.restore(module, optimizer, generators) if stage is not None else None
    first_epoch, earlier_seconds = 0, 0.0
    if resumed is not None:  # attnscope fit --resume: continue after the last saved epoch
        loop, best_weights = resumed
        histories = [History(**h) for h in loop.histories]
        if loop.complete:
            module.eval()
            return histories
        best, stale, active, best_state.state = loop.best, loop.stale, loop.active, best_weights
        first_epoch, earlier_seconds = loop.next_epoch, loop.seconds
    progress = _progress(config.verbose, config.epochs)
    if progress is not None and first_epoch:
        progress.update(first_epoch)
    try:
        for epoch in range(first_epoch, config.epochs):
            module.train()
            order = torch.stack([torch.randperm(n, generator=g) for g in generators])
            fetch = _fetcher(inputs, order if members else order[0], config.batch_size, ctx)
            total = torch.zeros(n_members, dtype=torch.float64)
            seen = 0.0
            for sl in iter_batches(n, config.batch_size):
                idx = order[:, sl] if members else order[0, sl]  # (M, B) or (B,)
                if ctx is not None:
                    if single_bn and idx.shape[-1] < 2 * ctx.world:
                        continue  # BatchNorm needs 2 samples per rank: skipped on every rank
                    global_y, local = y[idx], D.shard(idx, ctx)
                    empty = local.shape[-1] == 0  # a short last batch: train on a dummy
                    idx = idx[..., :1] if empty else local  # sample with a zero weight
                elif single_bn and idx.numel() < 2:
                    continue  # BatchNorm cannot train on a single sample
                batch = [t.to(device) for t in fetch(idx)]
                if sample_weight is None:
                    loss = loss_fn(net, batch, y[idx].to(device), cw, epoch)
                else:
                    sw = sample_weight[idx].to(device)
                    loss = loss_fn(  # type: ignore[call-arg]
                        net, batch, y[idx].to(device), cw, epoch, sample_weight=sw
                    )
                optimizer.zero_grad(set_to_none=True)
                if ctx is not None:
                    scale = D.shard_factor(y[idx].to(device), global_y, ctx, cw) * (not empty)
                    (loss * scale.reshape(loss.shape)).sum().backward()
                else:
                    loss.sum().backward()
                if config.clip_grad_norm and members:
                    _clip_per_member(params, config.clip_grad_norm)
                elif config.clip_grad_norm:
                    nn.utils.clip_grad_norm_(params, config.clip_grad_norm)
                optimizer.step()
                count = float(idx.shape[-1])
                if ctx is not None:  # ranks' scaled losses sum to world x the batch loss
                    count = global_y.shape[-1] / ctx.world
                    loss = loss * scale.reshape(loss.shape)
                total += loss.detach().double().cpu().reshape(-1) * count
                seen += count
            if ctx is not None:  # the loss over all ranks' samples
                sums = D.all_sum(torch.cat([total, torch.tensor([float(seen)])]).to(device))
                total, seen = sums[:-1].cpu(), float(sums[-1])
            records = [
                {"epoch": float(epoch), "train_loss": float(t) / max(seen, 1)} for t in total
            ]
            if has_val and val_inputs is not None and val_y is not None:
                scores = _validate(module, val_inputs, val_y, config, cw, records, members)
                if ctx is not None:  # identical weights give identical scores; rank 0 decides
                    scores = D.broadcast_array(scores, device).numpy()
            else:
                scores = np.full(n_members, float(epoch))  # keep the last epoch
            counted = epoch + 1 >= config.min_epochs  # too early to be kept or to count
            improved = (scores > best) & active & counted
            best = np.where(improved, scores, best)
            stale = np.where(improved, 0, stale + int(counted))
            best_state.keep(improved)
            for m in np.flatnonzero(active):
                hist = histories[m]
                hist.epochs.append(records[m])
                if improved[m]:
                    hist.best_epoch = epoch
                    hist.best_score = records[m].get(f"val_{config.monitor}", float("nan"))
            if progress is not None:
                info = {k: round(v, 4) for k, v in records[0].items() if k != "epoch"}
                progress.update(1, **info)
            if has_val:
                newly = active & (stale >= config.patience)
                for stopped in np.flatnonzero(newly):
                    histories[int(stopped)].stopped_early = True
                active &= ~newly
            if stage is not None:
                elapsed = earlier_seconds + time.perf_counter() - start
                loop = LoopState(epoch + 1, False, best, stale, active, _dicts(histories), elapsed)
                stage.save(loop, module, optimizer, generators, best_state.state)
            if has_val and not active.any():
                break
    finally:
        if progress is not None:
            progress.close()
    best_state.restore()
    module.eval()
    seconds = earlier_seconds + time.perf_counter() - start
    for hist in histories:
        hist.seconds = seconds / n_members
    if stage is not None:  # finished: a resumed fit loads these final weights at once
        done = LoopState(config.epochs, True, best, stale, active, _dicts(histories), seconds)
        stage.save(done, module, optimizer, generators, None)
    return histories


def _stage_fingerprint(config: TrainConfig, n: int, n_members: int) -> dict[str, Any]:
    """What a resumed training stage must share with the interrupted one."""
    from dataclasses import asdict

    options = {k: v for k, v in asdict(config).items() if k not in ("device", "verbose")}
    return {**options, "n_train": n, "n_members": n_members}


def _dicts(histories: list[History]) -> list[dict[str, Any]]:
    return [h.to_dict() for h in histories]


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


def _clip_per_member(params: list[nn.Parameter], max_norm: float) -> None:
    """Clip each member's gradient to ``max_norm`` (its own global norm)."""
    grads = [p.grad for p in params if p.grad is not None]
    sq = torch.stack([g.pow(2).flatten(1).sum(1) for g in grads]).sum(0)
    scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(-1, *([1] * (g.dim() - 1))))
