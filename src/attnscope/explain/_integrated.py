"""Batched integrated gradients: every path point of a sample chunk in one backward pass.

captum's ``IntegratedGradients`` expands the inputs by the number of steps and then cuts
them into internal batches, runs a separate forward for the convergence delta and
re-assembles the pieces. Here a chunk of samples x steps rows goes through the model at
once (its size from the memory budget), the gradients are weighted by the quadrature
weights in one reduction and the delta comes from one extra forward of the inputs and the
baselines together. The quadrature nodes and weights are captum's (same names, same
values), so the attributions equal captum's up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.errors import ConfigError

__all__ = ["MAX_STEPS", "path_integral", "quadrature", "target_gradients"]

#: Approximation rules of the path integral (captum's names).
#: Most path points of one integral (the CLI's --ig-steps bound, run._checks.MAX_IG_STEPS).
MAX_STEPS = 10_000

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def quadrature(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``alpha`` in [0, 1] and weights of a path integral with ``n_steps`` points.

    Parameters
    ----------
    method : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", \
"riemann_trapezoid"}
    n_steps : int

    Returns
    -------
    alphas, weights : ndarray of shape (n_steps,)
    """
    n = int(n_steps)
    if n < 1 or (method == "riemann_trapezoid" and n < 2):
        raise ConfigError(f"n_steps must be >= 1 (>= 2 for riemann_trapezoid), got {n_steps}.")
    if n > MAX_STEPS:  # Gauss-Legendre nodes take n x n memory: 1e6 steps were a MemoryError
        raise ConfigError(f"n_steps must be at most {MAX_STEPS}, got {n_steps}.")
    if method == "gausslegendre":
        nodes, w = np.polynomial.legendre.leggauss(n)
        return 0.5 * (nodes + 1.0), 0.5 * w
    if method == "riemann_trapezoid":  # captum's weights: 1/n, halved at both ends
        w = np.full(n, 1.0 / n)
        w[[0, -1]] *= 0.5
        return np.linspace(0.0, 1.0, n), w
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}.get(method)
    if offset is None:
        raise ConfigError(f"method must be one of {RULES}, got {method!r}.")
    return (np.arange(n) + offset) / n, np.full(n, 1.0 / n)


def target_gradients(
    forward: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    target: Tensor,
    extra: tuple[Any, ...] = (),
) -> tuple[Tensor, ...]:
    """Gradient of each row's ``target`` output with respect to ``inputs``, in one backward.

    Backpropagates the sum of the picked outputs. The gradient of a sum is the sum of the
    rows' gradients, so this equals captum's ``compute_gradients``, which asks autograd for
    the gradients of every row's output separately (``torch.unbind``): one seed tensor per
    row, about 8 us each, a third of the time of a small gradient call.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, *extra) -> Tensor`` of shape (b, n_classes).
    inputs : tuple of Tensor, each of shape (b, ...)
        Leaves that require a gradient.
    target : Tensor of shape (b,)
    extra : tuple
        Additional forward arguments.

    Returns
    -------
    tuple of Tensor, shapes of ``inputs``
    """
    with torch.enable_grad():
        out = forward(*inputs, *extra)
        picked = out.gather(1, target.reshape(-1, 1).to(device=out.device, dtype=torch.long))
        return torch.autograd.grad(picked.sum(), inputs)


def _steps(a: Any, s: int, b: int) -> Any:
    """Repeat a per-sample tensor argument for every path point (step-major)."""
    if torch.is_tensor(a) and a.ndim and a.shape[0] == b:
        return a.repeat(s, *([1] * (a.ndim - 1)))
    return a


def path_integral(
    forward: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    baselines: tuple[Tensor, ...],
    target: Tensor,
    extra: tuple[Any, ...],
    *,
    n_steps: int = 50,
    method: str = "gausslegendre",
    rows: int = 512,
) -> tuple[tuple[Tensor, ...], Tensor]:
    """Integrated gradients of ``forward``'s ``target`` logit from ``baselines`` to ``inputs``.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, *extra) -> Tensor`` of shape (b, n_classes).
    inputs : tuple of Tensor, each of shape (b, ...)
    baselines : tuple of Tensor, each of shape (b, ...) or (1, ...)
    target : Tensor of shape (b,)
    extra : tuple
        Additional forward arguments; tensors with ``b`` rows follow their sample.
    n_steps : int, default 50
    method : str, default "gausslegendre"
        Quadrature rule, see :func:`quadrature`.
    rows : int, default 512
        Rows (samples x steps) per forward and backward pass.

    Returns
    -------
    attributions : tuple of Tensor, shapes of ``inputs``
    delta : Tensor of shape (b,)
        Sum of the attributions minus ``f(x) - f(baseline)``.
    """
    alphas, weights = quadrature(method, n_steps)
    b = int(inputs[0].shape[0])
    x = tuple(t.detach() for t in inputs)
    base = tuple(bb.detach().to(t.dtype).expand_as(t) for bb, t in zip(baselines, x))
    diff = tuple(t - bb for t, bb in zip(x, base))
    totals = [torch.zeros_like(t) for t in x]
    per = max(1, int(rows) // max(1, b))  # path points per pass
    tgt = target.reshape(-1).to(torch.long)
    for start in range(0, len(alphas), per):
        al = torch.as_tensor(alphas[start : start + per], dtype=x[0].dtype, device=x[0].device)
        w = torch.as_tensor(weights[start : start + per], dtype=x[0].dtype, device=x[0].device)
        s = int(al.shape[0])
        scaled = tuple(
            (bb.unsqueeze(0) + al.view(-1, *[1] * d.ndim) * d.unsqueeze(0))
            .reshape(s * b, *d.shape[1:])
            .requires_grad_(True)
            for bb, d in zip(base, diff)
        )
        ee = tuple(_steps(a, s, b) for a in extra)
        grads = target_gradients(forward, scaled, tgt.repeat(s), ee)
        for tot, g in zip(totals, grads):
            tot += torch.einsum("s,s...->...", w, g.reshape(s, b, *g.shape[1:]))
    attr = tuple(tot * d for tot, d in zip(totals, diff))
    with torch.no_grad():
        both = tuple(torch.cat([t, bb]) for t, bb in zip(x, base))
        ends = forward(*both, *(_steps(a, 2, b) for a in extra))
        ends = ends.gather(1, tgt.repeat(2).view(-1, 1)).reshape(2, b)
        total = sum(a.reshape(b, -1).sum(1) for a in attr)
        delta = total - (ends[0] - ends[1])
    return attr, delta
