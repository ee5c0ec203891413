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
from attnscope.train._distributed import shard_indices

__all__ = ["concat_results", "shard_indices", "sharded"]


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
        from attnscope.trust._shard import concat_attributions

        return concat_attributions(parts)
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
