"""Masked-token (MLM) pre-training for any token model.

The model's ``forward(tokens, mlm=True)`` must return a ``ModelOutput`` whose
``extras["mlm_logits"]`` has shape (batch, length, n_token_classes), one prediction per
input token. A random ``mask_fraction`` of the maskable tokens of each batch is replaced by
``mask_token`` and the model is trained to predict the original token there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import iter_batches, resolve_device
from attnscope.errors import ConfigError
from attnscope.train._loop import History
from attnscope.train._loop_parts import _progress
from attnscope.train._stream import batch_fetcher

__all__ = ["mask_tokens", "pretrain_mlm"]


def mask_tokens(
    tokens: Tensor,
    *,
    mask_token: int,
    mask_fraction: float = 0.4,
    maskable: Sequence[int] | None = None,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Hide a random share of tokens.

    Parameters
    ----------
    tokens : Tensor of shape (batch, length), int
    mask_token : int
        Token written where a token is hidden.
    mask_fraction : float, default 0.4
        Probability of hiding each maskable token.
    maskable : sequence of int, optional
        Token ids that may be hidden (e.g. the genotype tokens, not "missing"); default all.
    generator : torch.Generator, optional

    Returns
    -------
    masked : Tensor of shape (batch, length)
        ``tokens`` with hidden positions set to ``mask_token``.
    hidden : Tensor of shape (batch, length), bool
        Where tokens were hidden.
    """
    draw = torch.rand(tokens.shape, generator=generator) < mask_fraction
    if maskable is not None:
        draw &= torch.isin(tokens.cpu(), torch.as_tensor(list(maskable), dtype=tokens.dtype))
    hidden = draw.to(tokens.device)
    return torch.where(hidden, torch.full_like(tokens, mask_token), tokens), hidden


def pretrain_mlm(
    module: nn.Module,
    tokens: Tensor,
    *,
    mask_token: int,
    mask_fraction: float = 0.4,
    maskable: Sequence[int] | None = None,
    epochs: int = 5,
    batch_size: int = 32,
    lr: float = 1e-3,
    weight_decay: float = 0.01,
    clip_grad_norm: float | None = 1.0,
    device: str = "cpu",
    generator: torch.Generator | None = None,
    parameters: Sequence[nn.Parameter] | Sequence[dict[str, Any]] | None = None,
    verbose: bool = False,
) -> History:
    """Stage-1 pre-training: predict hidden tokens (AdamW with AMSGrad).

    Parameters
    ----------
    module : nn.Module
        Token model with ``forward(tokens, mlm=True)`` (see the module docstring).
    tokens : Tensor of shape (n_samples, length), int, or RowStream
        Training tokens (kept on the CPU, or read from disk; batches are moved to
        ``device``).
    mask_token, mask_fraction, maskable
        See :func:`mask_tokens`.
    epochs : int, default 5
    batch_size : int, default 32
    lr, weight_decay : float
    clip_grad_norm : float or None, default 1.0
    device : str, default "cpu"
    generator : torch.Generator, optional
        Seeds the batch order and the masks.
    parameters : sequence of Parameter or of dict, optional
        What to optimise (dicts: optimiser parameter groups); default every trainable
        parameter of ``module``.
    verbose : bool, default False
        Report each epoch (a bar on a terminal, a line on stderr elsewhere).

    Returns
    -------
    History
        One record per epoch with ``mlm_loss`` and ``mlm_accuracy`` (share of hidden tokens
        predicted right); the module keeps its last weights and is left in eval mode.
    """
    if not 0 < mask_fraction < 1:
        raise ConfigError(f"mask_fraction must lie in (0, 1), got {mask_fraction}.")
    if epochs < 0 or batch_size < 1:
        raise ConfigError(f"need epochs >= 0 and batch_size >= 1, got {epochs} and {batch_size}.")
    start = time.perf_counter()
    dev = resolve_device(device)
    module.to(dev)
    groups: list[Any] = (
        list(parameters)
        if parameters is not None
        else [p for p in module.parameters() if p.requires_grad]
    )
    params = [p for g in groups for p in (g["params"] if isinstance(g, dict) else [g])]
    opt = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, amsgrad=True)
    history = History()
    n = int(tokens.shape[0])
    progress = _progress(verbose, epochs, "pre-training (MLM)")
    try:
        for epoch in range(epochs):
            module.train()
            order = torch.randperm(n, generator=generator)
            fetch = batch_fetcher([tokens], order, batch_size)  # a RowStream is read ahead
            loss_sum, correct, count = 0.0, 0, 0
            for sl in iter_batches(n, batch_size):
                (batch,) = fetch(order[sl])
                masked, hidden = mask_tokens(
                    batch,
                    mask_token=mask_token,
                    mask_fraction=mask_fraction,
                    maskable=maskable,
                    generator=generator,
                )
                if not bool(hidden.any()):
                    continue
                logits = module(masked.to(dev), mlm=True).extras["mlm_logits"]
                hid = hidden.to(dev)
                target = batch.to(dev).long()[hid]
                loss = F.cross_entropy(logits[hid], target)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if clip_grad_norm:
                    nn.utils.clip_grad_norm_(params, clip_grad_norm)
                opt.step()
                k = int(target.numel())
                loss_sum += float(loss.detach()) * k
                correct += int((logits[hid].argmax(-1) == target).sum())
                count += k
            history.epochs.append(
                {
                    "epoch": float(epoch),
                    "mlm_loss": loss_sum / max(count, 1),
                    "mlm_accuracy": correct / max(count, 1),
                }
            )
            if progress is not None:
                progress.update(1, mlm_loss=round(loss_sum / max(count, 1), 4))
    finally:
        if progress is not None:
            progress.close()
    history.best_epoch = epochs - 1
    module.eval()
    history.seconds = time.perf_counter() - start
    return history
