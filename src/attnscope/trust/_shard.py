"""The trust table under ``torchrun``: per-sample work split by rank, results gathered.

Attributions and the deletion/insertion curves treat samples independently, so each rank
computes them for its contiguous block of the explained samples
(:func:`attnscope.train._distributed.shard_indices`) and every rank gathers all blocks;
the metrics are then computed from the gathered values on every rank, identically. For
deterministic methods (saliency, integrated gradients, feature ablation, ...) the table
equals a one-process table; methods that draw random numbers draw them per block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError

__all__ = [
    "concat_attributions",
    "per_rank",
    "sharded_attribution",
    "sharded_masked_scores",
    "spec_attribution",
]


def _gathered(n: int, whole: Callable[[], Any], block: Callable[[np.ndarray], Any]) -> list[Any]:
    """``[whole()]`` in one process (or with fewer than one sample per rank), else every
    rank's ``block(idx)`` on its contiguous block ``idx`` of ``n`` samples, in rank order.

    A ConfigError or DataError on any rank is raised on every rank (no rank waits for a
    failed one).
    """
    from attnscope.train._distributed import distributed_context, shard_indices

    ctx = distributed_context()
    if ctx is None or n < ctx.world:
        return [whole()]
    import torch.distributed as dist

    try:
        out: tuple[bool, Any] = (True, block(shard_indices(n, ctx.rank, ctx.world)))
    except (ConfigError, DataError) as exc:
        out = (False, exc)
    gathered: list[Any] = [None] * ctx.world
    dist.all_gather_object(gathered, out)
    for ok, value in gathered:
        if not ok:
            raise value
    return [value for _, value in gathered]


def per_rank(
    estimator: Any,
    data: Any,
    spec: Any,
    device: Any,
    fn: Callable[[Any, Any, np.ndarray], Any],
) -> list[Any]:
    """``fn(part, part_spec, idx)`` on this rank's samples; every rank's result, in order.

    Without a process group (or with fewer samples than ranks) it is ``[fn(data, spec,
    all)]``; ``part_spec`` is built from ``part`` by the estimator.
    """

    def block(idx: np.ndarray) -> Any:
        part = data.subset(idx)
        return fn(part, estimator.attribution_spec(part).to(device), idx)

    return _gathered(len(data), lambda: fn(data, spec, np.arange(len(data))), block)


def spec_attribution(
    estimator: Any, spec: Any, *, method: str, target: np.ndarray | None = None, **options: Any
) -> Any:
    """``attribute_spec`` of ``spec``'s samples, one block of rows per rank, gathered.

    What the sanity and stability checks attribute (a randomised model, noisy copies)
    exists only as a spec, so its rows (:meth:`AttributionSpec.rows`) are split; every
    rank returns the whole Attribution, equal to one process's for deterministic methods.
    ``target`` has shape (spec.n_samples,) when given.
    """
    from attnscope.explain import attribute_spec

    def run(part: Any, idx: np.ndarray | None) -> Any:
        t = target if target is None or idx is None else np.asarray(target)[idx]
        return attribute_spec(estimator, part, method=method, target=t, **options)

    blocks = _gathered(spec.n_samples, lambda: run(spec, None), lambda i: run(spec.rows(i), i))
    return concat_attributions(blocks)


def concat_attributions(parts: Sequence[Any]) -> Any:
    """One Attribution from per-rank blocks (in rank order); seconds = the slowest block."""
    from attnscope.explain import Attribution

    if len(parts) == 1:
        return parts[0]
    first = parts[0]
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


def sharded_attribution(
    estimator: Any,
    data: Any,
    spec: Any,
    device: Any,
    *,
    method: str,
    target: np.ndarray,
    **options: Any,
) -> Any:
    """``attribute_spec`` of ``method`` on every sample of ``data``, one block per rank.

    ``target`` has shape (len(data),); returns the gathered Attribution.
    """
    from attnscope.explain import attribute_spec, without_base_values

    def run(part: Any, part_spec: Any, idx: np.ndarray) -> Any:
        with without_base_values():  # the trust table ranks values; it never adds them up
            return attribute_spec(
                estimator,
                part_spec,
                method=method,
                target=target[idx],
                sample_ids=part.sample_ids,
                **options,
            )

    return concat_attributions(per_rank(estimator, data, spec, device, run))


def sharded_masked_scores(
    estimator: Any,
    data: Any,
    spec: Any,
    device: Any,
    target: np.ndarray,
    ranks: np.ndarray,
    counts: np.ndarray,
    *,
    keep_top: bool,
) -> np.ndarray:
    """:func:`attnscope.trust._faithfulness.masked_scores`, one block of samples per rank.

    Returns the gathered scores, shape (len(data), len(counts)).
    """
    from attnscope.trust._faithfulness import masked_scores

    def run(part: Any, part_spec: Any, idx: np.ndarray) -> np.ndarray:
        return masked_scores(part_spec, target[idx], ranks[idx], counts, keep_top=keep_top)

    return np.concatenate(per_rank(estimator, data, spec, device, run))
