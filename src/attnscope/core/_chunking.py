"""Memory-aware batch sizes, so no user has to pick one to avoid running out of memory.

The memory an attribution step needs grows with the number of rows evaluated at once
(samples x integration steps x baselines x perturbations). One probe forward pass on two
samples counts the bytes of every tensor autograd saves for the backward pass; that number
per row, with the inputs themselves, decides how many rows fit in the budget.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import torch
from torch import Tensor

from attnscope.errors import ConfigError

__all__ = ["DEFAULT_MEMORY_BUDGET", "auto_batch_size", "bytes_per_row", "reused_probes"]

#: Bytes one attribution call may use at a time (``ATTNSCOPE_MEMORY_BUDGET`` overrides, in MB).
DEFAULT_MEMORY_BUDGET = 1 << 30


def _budget(memory_budget: int | float | None) -> int:
    if memory_budget is not None:
        if memory_budget <= 0:
            raise ConfigError(
                f"memory_budget must be a positive number of bytes, got {memory_budget}."
            )
        return int(memory_budget)
    env = os.environ.get("ATTNSCOPE_MEMORY_BUDGET")
    if env:
        try:
            return int(float(env) * (1 << 20))
        except ValueError as exc:
            raise ConfigError(
                f"ATTNSCOPE_MEMORY_BUDGET must be a number of megabytes, got {env!r}."
            ) from exc
    return DEFAULT_MEMORY_BUDGET


#: Probe results kept inside :func:`reused_probes` (None outside it).
_PROBES: ContextVar[dict[tuple[Any, ...], int] | None] = ContextVar("_PROBES", default=None)


@contextmanager
def reused_probes() -> Iterator[None]:
    """Probe each (forward, input shapes) once inside the block.

    For loops that change a model's weights but never its shapes, such as the cascade of a
    parameter randomisation test: the bytes per row do not change, so the first step's
    probe serves every later one. A forward is recognised by its code (a spec rebuilt for
    each step makes a new closure of the same function).
    """
    token = _PROBES.set({})
    try:
        yield
    finally:
        _PROBES.reset(token)


def _probe_key(
    forward: Callable[..., Tensor], inputs: Sequence[Tensor], extra: Sequence[Any], grad: bool
) -> tuple[Any, ...] | None:
    code = getattr(getattr(forward, "__func__", forward), "__code__", None)
    if code is None:
        return None
    shapes = tuple(
        (tuple(t.shape[1:]), t.dtype) if torch.is_tensor(t) else type(t) for t in (*inputs, *extra)
    )
    return (code, shapes, grad)


def bytes_per_row(
    forward: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    additional_args: Sequence[Any] = (),
    *,
    grad: bool = True,
) -> int:
    """Memory one input row needs in a forward (and backward) pass.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, *additional_args) -> Tensor``.
    inputs : sequence of Tensor
        Samples first; the first two rows are used as a probe.
    additional_args : sequence
        Extra forward arguments; tensors with the sample axis are sliced alike.
    grad : bool, default True
        Gradient methods also hold the gradients: twice the activations. Without it
        (perturbation methods under ``no_grad``) the activations still bound the peak
        memory; counting all of them is conservative but safe.

    Returns
    -------
    int
        Bytes per row (at least the size of one input row).
    """
    cache = _PROBES.get()
    key = _probe_key(forward, inputs, additional_args, grad) if cache is not None else None
    if cache is not None and key is not None and key in cache:
        return cache[key]
    n = int(inputs[0].shape[0])
    m = min(2, n)
    probe = [t[:m].detach().clone().float() if t.is_floating_point() else t[:m] for t in inputs]
    extra = [
        a[:m] if torch.is_tensor(a) and a.ndim and a.shape[0] == n else a for a in additional_args
    ]
    input_bytes = sum(t.element_size() * t[:1].numel() for t in inputs)
    saved = 0
    for t in probe:
        if t.is_floating_point():
            t.requires_grad_(True)

    def pack(t: Tensor) -> Tensor:
        nonlocal saved
        saved += t.element_size() * t.numel()
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = forward(*probe, *extra)
    saved += out.element_size() * out.numel()
    # Gradients of the inputs and of each saved activation roughly double the footprint.
    per_row = (2 * saved if grad else saved) // max(m, 1) + 2 * input_bytes
    del out
    per_row = max(int(per_row), 1)
    if cache is not None and key is not None:
        cache[key] = per_row
    return per_row


def auto_batch_size(
    forward: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    additional_args: Sequence[Any] = (),
    *,
    grad: bool = True,
    memory_budget: int | float | None = None,
    max_rows: int = 512,
) -> int:
    """Number of rows to evaluate at once within ``memory_budget`` bytes.

    Parameters
    ----------
    forward, inputs, additional_args, grad
        As in :func:`bytes_per_row`.
    memory_budget : int, optional
        Bytes; default ``ATTNSCOPE_MEMORY_BUDGET`` (MB) or :data:`DEFAULT_MEMORY_BUDGET` (1 GiB).
    max_rows : int, default 512
        Upper bound (larger batches run slower per row on a CPU: cache misses).

    Returns
    -------
    int
        Between 1 and ``max_rows``. Pass it as captum's ``internal_batch_size`` (integrated
        gradients) or as the number of perturbed rows per forward pass.

    Examples
    --------
    A 379,000-token input with 36-dim embeddings needs about 55 MB per row before any
    activation, so a 1 GiB budget evaluates a handful of integration steps at a time.
    """
    per_row = bytes_per_row(forward, inputs, additional_args, grad=grad)
    return int(max(1, min(max_rows, _budget(memory_budget) // per_row)))
