"""The one fit loop: a single network, or N seed variants trained as one batched network.

A single model is an ensemble of one. :func:`fit_module` trains a plain network;
:func:`fit_members` trains a network whose parameters carry a leading member axis M
(see :class:`attnscope.models.attn_lstm.AttentionLSTM`). Both run :func:`_train`: each
member draws its own batch order from its own generator, is clipped by its own gradient
norm and early-stops on its own validation score; Adam and weight decay act element-wise,
so one optimiser over the stacked parameters is M independent optimisers. The losses
and member scores live in ``_losses``, the loop's parts (batch fetcher, best weights,
validation, progress, per-member clipping) in ``_loop_parts``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import iter_batches, resolve_device
from attnscope.train._config import TrainConfig
from attnscope.train._history import History, ensemble_history
from attnscope.train._loop_parts import (
    _BestState,
    _clip_per_member,
    _fetcher,
    _has_batchnorm,
    _progress,
    _validate,
)
from attnscope.train._losses import (  # the losses of __all__ are re-exported
    class_weights,  # noqa: F401 (re-exported: attnscope.train)
    cross_entropy_loss,
    member_cross_entropy,
    member_scores,
    weighted_cross_entropy,
)
from attnscope.train._resume import LoopState, current_stage

__all__ = [
    "History",
    "LossFn",
    "cross_entropy_loss",
    "ensemble_history",
    "fit_members",
    "fit_module",
    "member_cross_entropy",
    "member_scores",
    "weighted_cross_entropy",
]

#: ``loss_fn(module, batch_inputs, batch_y, class_weight, epoch) -> scalar loss``; a loss
#: that supports per-sample weights also takes ``sample_weight=`` (a (B,) tensor).
LossFn = Callable[[nn.Module, Sequence[Tensor], Tensor, "Tensor | None", int], Tensor]


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
