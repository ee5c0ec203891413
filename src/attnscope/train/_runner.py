"""One batched runner for inference: eval mode, no_grad, device moves, batching."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from attnscope.models._output import ModelOutput

__all__ = ["batched_forward", "eval_mode", "iter_batches"]


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Put ``module`` in eval mode and restore its previous mode afterwards."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def iter_batches(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices of at most ``batch_size`` covering ``range(n)``."""
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def batched_forward(
    module: nn.Module,
    inputs: Sequence[Tensor],
    *,
    batch_size: int = 256,
    device: str = "cpu",
    collect: Callable[[ModelOutput], Tensor] = lambda out: out.logits,
) -> Tensor:
    """Run ``module`` over ``inputs`` in batches and concatenate ``collect(output)``.

    Parameters
    ----------
    module : nn.Module
        Returns a :class:`ModelOutput`.
    inputs : sequence of Tensor
        Each with samples on the first axis.
    collect : callable, default ``out.logits``
        What to keep from each batch's output (on the CPU).
    """
    n = int(inputs[0].shape[0])
    parts: list[Tensor] = []
    with eval_mode(module), torch.no_grad():
        for sl in iter_batches(n, batch_size):
            out = module(*(t[sl].to(device) for t in inputs))
            parts.append(collect(out).detach().cpu())
    return torch.cat(parts) if parts else torch.empty(0)
