"""Explanations and trust computed in shards of samples, one per rank of a process group.

Under ``torchrun`` (or any initialised torch.distributed group) :func:`sharded` gives each
rank a contiguous block of the samples, runs the function on it and gathers every rank's
result on every rank; in a single process it simply calls the function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from attnscope.errors import ConfigError

__all__ = ["concat_results", "shard_indices", "sharded"]


def shard_indices(n: int, rank: int, world: int) -> np.ndarray:
    """Sample indices of ``rank``'s block: ``n`` split into ``world`` contiguous blocks."""
    return np.array_split(np.arange(n), world)[rank]


def sharded(
    fn: Callable[..., Any],
    data: Any,
    *args: Any,
    combine: Callable[[Sequence[Any]], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """``fn(data, *args, **kwargs)``, split by sample over the ranks of a process group.

    Parameters
    ----------
    fn : callable
        Called as ``fn(part, *args, **kwargs)``, e.g. :func:`attnscope.explain.attribute`.
    data : Dataset, ndarray or Tensor
        Samples on the first axis; each rank takes ``shard_indices(len(data), rank,
        world)`` (``Dataset.subset`` or indexing).
    combine : callable, optional
        Joins the per-rank results, in rank order; default :func:`concat_results`
        (Attribution, array, Tensor, list or dict of arrays concatenated along samples).

    Returns
    -------
    The combined result, the same on every rank. Per-sample results equal a single
    process's whenever ``fn`` treats samples independently (deterministic methods such
    as saliency or integrated gradients; methods that draw random numbers draw them per
    call, so their streams differ with the shard).
    """
    import torch.distributed as dist

    from attnscope.train import distributed_context

    ctx = distributed_context()
    if ctx is None:
        return fn(data, *args, **kwargs)
    idx = shard_indices(len(data), ctx.rank, ctx.world)
    part = data.subset(idx) if hasattr(data, "subset") else data[idx]
    result = fn(part, *args, **kwargs)
    gathered: list[Any] = [None] * ctx.world
    dist.all_gather_object(gathered, result)
    return (combine or concat_results)(gathered)


def concat_results(parts: Sequence[Any]) -> Any:
    """Concatenate per-shard results along the sample axis (see :func:`sharded`)."""
    from attnscope.explain import Attribution

    first = parts[0]
    if isinstance(first, Attribution):
        ids = [p.sample_ids for p in parts]
        bases = [p.base_values for p in parts]
        return Attribution(
            values=np.concatenate([p.values for p in parts]),
            method=first.method,
            target=np.concatenate([p.target for p in parts]),
            seconds=max(p.seconds for p in parts),
            feature_names=first.feature_names,
            sample_ids=None if any(i is None for i in ids) else np.concatenate(ids),
            meta={**first.meta, "shards": len(parts)},
            base_values=None if any(b is None for b in bases) else np.concatenate(bases),
        )
    if isinstance(first, np.ndarray):
        return np.concatenate(parts)
    if isinstance(first, list):
        return [item for p in parts for item in p]
    if isinstance(first, dict):
        return {k: concat_results([p[k] for p in parts]) for k in first}
    import torch

    if torch.is_tensor(first):
        return torch.cat(list(parts))
    raise ConfigError(
        f"cannot join results of type {type(first).__name__}; pass combine= to sharded()."
    )
