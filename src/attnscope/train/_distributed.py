"""Data-parallel training under ``torchrun`` (or any initialised torch.distributed group).

The fit loop asks :func:`distributed_context` whether it runs in a process group. Under
``torchrun`` (``RANK`` / ``WORLD_SIZE`` / ``MASTER_ADDR`` in the environment) the group is
initialised here on first use: NCCL for a CUDA device, gloo otherwise. Every rank sees
the same data and the same per-epoch batch order; :func:`shard` gives each rank its
contiguous slice of every global batch and :func:`shard_factor` rescales the rank's loss
so that DistributedDataParallel's gradient mean equals the gradient of the global batch
(see :func:`attnscope.train.fit_module`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "DistContext",
    "broadcast_array",
    "distributed_context",
    "is_main_process",
    "shard",
    "shard_factor",
    "shard_indices",
]


@dataclass(frozen=True)
class DistContext:
    """Rank and world size of the current process group (world > 1)."""

    rank: int
    world: int


def _env_world() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def distributed_context(device: torch.device | None = None) -> DistContext | None:
    """The process group this process trains in, or ``None`` for a single process.

    An already initialised group is used as is. Otherwise, when ``torchrun``'s variables
    say ``WORLD_SIZE`` > 1, the default group is initialised from them (``env://``): NCCL
    when ``device`` is CUDA, gloo otherwise.
    """
    import torch.distributed as dist

    if not dist.is_available():
        return None
    if not dist.is_initialized():
        if _env_world() <= 1 or "MASTER_ADDR" not in os.environ:
            return None
        cuda = device is not None and device.type == "cuda"
        dist.init_process_group(backend="nccl" if cuda else "gloo", init_method="env://")
    world = dist.get_world_size()
    if world <= 1:
        return None
    return DistContext(rank=dist.get_rank(), world=world)


def is_main_process() -> bool:
    """True unless this process is a rank other than 0 of a process group (or torchrun)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0") or 0) == 0


def local_device(device: torch.device) -> torch.device:
    """``cuda`` without an index becomes ``cuda:LOCAL_RANK`` (one GPU per rank)."""
    if device.type == "cuda" and device.index is None:
        index = int(os.environ.get("LOCAL_RANK", "0") or 0)
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    return device


def shard(idx: Tensor, ctx: DistContext) -> Tensor:
    """This rank's contiguous slice of a global batch ``idx`` (last axis = samples)."""
    return torch.tensor_split(idx, ctx.world, dim=-1)[ctx.rank]


def shard_indices(n: int, rank: int, world: int) -> Any:
    """Sample indices of ``rank``'s block: ``n`` split into ``world`` contiguous blocks."""
    import numpy as np

    return np.array_split(np.arange(n), world)[rank]


def shard_factor(
    local_y: Tensor, global_y: Tensor, ctx: DistContext, class_weight: Tensor | None
) -> Tensor:
    """Loss scale so the mean over ranks of ``factor * local_loss`` is the global loss.

    A mean-reduced loss over a shard of n_r of N samples times ``n_r * world / N``,
    averaged over ranks (what DDP does to gradients), is the mean over all N; with class
    weights the sums of sample weights replace the counts, which makes the weighted
    cross-entropy exact. A term that does not depend on the batch (a weight penalty) is
    unchanged, since the factors average to 1. Shape: ``local_y.shape[:-1]`` (members).
    """
    if class_weight is None:
        return torch.full(
            local_y.shape[:-1], local_y.shape[-1] * ctx.world / global_y.shape[-1]
        ).to(local_y.device)
    cw = class_weight.to(local_y.device)
    return cw[local_y].sum(-1) * ctx.world / cw[global_y.to(local_y.device)].sum(-1)


def all_sum(t: Tensor) -> Tensor:
    """Sum of ``t`` over all ranks (in place; returned)."""
    import torch.distributed as dist

    if dist.get_backend() == "nccl" and t.device.type != "cuda":
        return all_sum(t.cuda()).cpu()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def broadcast_array(values: Any, device: torch.device) -> Tensor:
    """Rank 0's ``values`` (float64) on every rank: one decision everywhere."""
    import torch.distributed as dist

    t = torch.as_tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.to(device if device.type == "cuda" else torch.device("cuda"))
    dist.broadcast(t, src=0)
    return t.cpu()


def wrap_ddp(module: nn.Module, device: torch.device) -> nn.Module:
    """``module`` in DistributedDataParallel; attributes still reach the inner module."""
    ids = [device.index] if device.type == "cuda" else None
    # Losses may skip a branch in some epochs (masked logits): let DDP find unused ones.
    return _DDP(module, device_ids=ids, find_unused_parameters=True)


class _DDP(nn.parallel.DistributedDataParallel):
    """DDP whose missing attributes (``module.prototypes``...) come from the wrapped net."""

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)
