"""Dinucleotide-preserving shuffles of one-hot DNA, used as attribution references.

DeepLiftShap, integrated gradients and GradientShap take ``baselines="shuffle"``: each
sequence is compared with ``n_shuffles`` shuffles of itself that keep every dinucleotide
count (the practice of DeepLIFT, TF-MoDISco and tangermeme), so the reference holds the
sequence's composition but not its motifs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope._utils.random import check_random_state
from attnscope.errors import ConfigError, DataError

__all__ = ["dinucleotide_shuffle", "shuffle_references", "shuffled_gradient_shap"]

#: Sequences shuffled together (bounds the (chunk, n_shuffles, 5, length) key array).
_CHUNK = 256


def dinucleotide_shuffle(
    onehot: np.ndarray | Tensor, *, n_shuffles: int = 20, random_state: Any = 0
) -> np.ndarray:
    """Shuffles of one-hot sequences that keep every dinucleotide count.

    The Eulerian-path shuffle of Altschul & Erikson (1985) as implemented by DeepLIFT's
    ``dinuc_shuffle`` and tangermeme's ``dinucleotide_shuffle``: the successors of each
    base are permuted, except each base's last successor, which keeps a valid Eulerian
    path; the walk starts at the first base and ends at the last. All shuffles of all
    sequences walk together (one vectorised step per position).

    An all-zero column (N or padding) is a fifth symbol: its count and every dinucleotide
    that contains it are kept too.

    Parameters
    ----------
    onehot : ndarray or Tensor of shape (n_samples, 4, length)
        One-hot DNA (A, C, G, T rows); every column sums to 1 or 0.
    n_shuffles : int, default 20
    random_state : int, Generator or None, default 0

    Returns
    -------
    ndarray of shape (n_samples, n_shuffles, 4, length), same dtype as ``onehot``

    Examples
    --------
    >>> x = np.eye(4)[[0, 1, 2, 3, 0, 2]].T[None]  # ACGTAG, shape (1, 4, 6)
    >>> dinucleotide_shuffle(x, n_shuffles=3).shape
    (1, 3, 4, 6)
    """
    x = onehot.detach().cpu().numpy() if torch.is_tensor(onehot) else np.asarray(onehot)
    if x.ndim != 3 or x.shape[1] != 4:
        raise DataError(f"one-hot DNA must have shape (n, 4, length), got {x.shape}.")
    sums = x.sum(axis=1)
    if not np.isin(sums, (0, 1)).all() or not np.isin(x, (0, 1)).all():
        raise DataError("one-hot DNA must hold 0/1 values with at most one 1 per position.")
    if int(n_shuffles) < 1:
        raise ConfigError(f"n_shuffles must be a positive integer, got {n_shuffles}.")
    rng = check_random_state(random_state)
    # symbols 0..3 bases, 4 for an all-zero column
    tokens = np.where(sums > 0, x.argmax(axis=1), 4).astype(np.intp)
    walks = [
        _shuffle_tokens(tokens[s : s + _CHUNK], int(n_shuffles), rng)
        for s in range(0, tokens.shape[0], _CHUNK)
    ]
    walked = np.concatenate(walks) if walks else np.zeros((0, int(n_shuffles), x.shape[2]), int)
    out = np.zeros((x.shape[0], int(n_shuffles), 5, x.shape[2]), dtype=x.dtype)
    np.put_along_axis(out, walked[:, :, None, :], 1, axis=2)
    return out[:, :, :4]


def _shuffle_tokens(tokens: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Shuffled symbol strings, (n, k, length), for symbols 0..4 of shape (n, length)."""
    n, length = tokens.shape
    if length < 3:
        return np.repeat(tokens[:, None, :], k, axis=1)
    src = tokens[:, :-1]
    # successors of each symbol, in sequence order: succ[i, c, j] = position of the j-th
    # successor of symbol c in row i (padded with length - 1)
    order = np.argsort(src * length + np.arange(length - 1)[None, :], axis=1)
    sym_sorted = np.take_along_axis(src, order, axis=1)
    counts = np.stack([(src == c).sum(axis=1) for c in range(5)], axis=1)  # (n, 5)
    first = np.concatenate([np.zeros((n, 1), int), np.cumsum(counts, axis=1)[:, :-1]], axis=1)
    rank = np.arange(length - 1)[None, :] - np.take_along_axis(first, sym_sorted, axis=1)
    succ = np.full((n, 5, length - 1), length - 1, dtype=np.intp)
    succ[np.arange(n)[:, None], sym_sorted, rank] = order + 1
    # permute every symbol's successors except its last (key 2), padding after it (key 3)
    j = np.arange(length - 1)
    keys = rng.random((n, k, 5, length - 1))
    last = (j[None, None, :] == counts[:, :, None] - 1)[:, None]
    pad = (j[None, None, :] >= counts[:, :, None])[:, None]
    keys = np.where(last, 2.0, np.where(pad, 3.0, keys))
    perm = np.argsort(keys, axis=-1)
    table = np.take_along_axis(np.broadcast_to(succ[:, None], keys.shape), perm, axis=-1)
    # walk every (row, shuffle) at once
    rows = np.repeat(np.arange(n), k)
    flat = table.reshape(n * k, 5, length - 1)
    walk = np.empty((n * k, length), dtype=np.intp)
    pos = np.zeros(n * k, dtype=np.intp)
    used = np.zeros((n * k, 5), dtype=np.intp)
    idx = np.arange(n * k)
    walk[:, 0] = tokens[rows, 0]
    for step in range(1, length):
        sym = tokens[rows, pos]
        pos = flat[idx, sym, used[idx, sym]]
        used[idx, sym] += 1
        walk[:, step] = tokens[rows, pos]
    return walk.reshape(n, k, length)


def shuffle_references(spec: Any, n_shuffles: int, random_state: Any) -> Tensor:
    """``n_shuffles`` dinucleotide shuffles of each sample of a one-hot DNA spec.

    Returns
    -------
    Tensor of shape (n_samples, n_shuffles, 4, length), the dtype of ``spec.inputs[0]``
    """
    x = spec.inputs[0] if spec.inputs else None
    if not spec.meta.get("one_hot") or len(spec.inputs) != 1 or x is None or x.ndim != 3:
        raise ConfigError(
            "baselines='shuffle' needs a one-hot DNA model input (n, 4, length), such as the "
            "CNN's; this model's input is not one-hot DNA."
        )
    refs = dinucleotide_shuffle(x, n_shuffles=n_shuffles, random_state=random_state)
    return torch.as_tensor(refs, dtype=x.dtype)


def wants_shuffles(baselines: Any) -> bool:
    """True when a method's ``baselines`` option asks for dinucleotide shuffles."""
    return isinstance(baselines, str) and baselines == "shuffle"


def check_baselines_option(baselines: Any) -> None:
    """Reject string ``baselines`` other than ``"shuffle"``."""
    if isinstance(baselines, str) and not wants_shuffles(baselines):
        raise ConfigError(f"baselines={baselines!r} is not known; use 'shuffle' or values.")


def per_reference(
    x: tuple[Tensor, ...],
    target: Tensor,
    extra: tuple[Any, ...],
    refs: Tensor,
    fn: Any,
) -> Any:
    """Run ``fn`` once per (sample, reference) pair and average over the references.

    ``fn(inputs, target, extra, baselines)`` gets ``b * k`` rows: each sample repeated
    ``k`` times beside its own ``k`` references, and returns attributions of the inputs'
    shape, or ``(attributions, delta)`` with one delta per row.

    Parameters
    ----------
    x : tuple of one Tensor of shape (b, 4, length)
    target : Tensor of shape (b,)
    extra : tuple
        Additional forward arguments; tensors with ``b`` rows are repeated like ``x``.
    refs : Tensor of shape (b, k, 4, length)

    Returns
    -------
    Tensor of shape (b, 4, length), or (that, Tensor of shape (b,)) with the mean delta
    """
    b, k = int(refs.shape[0]), int(refs.shape[1])
    xx = x[0].detach().repeat_interleave(k, dim=0).requires_grad_(True)
    ee = tuple(
        a.repeat_interleave(k, dim=0) if torch.is_tensor(a) and a.ndim and a.shape[0] == b else a
        for a in extra
    )
    out = fn((xx,), target.repeat_interleave(k), ee, (refs.reshape(b * k, *refs.shape[2:]),))
    delta = None
    if isinstance(out, tuple) and len(out) == 2 and torch.is_tensor(out[1]):
        out, delta = out
    attr = out[0] if isinstance(out, tuple | list) else out
    mean = attr.detach().reshape(b, k, *attr.shape[1:]).mean(dim=1)
    if delta is None:
        return mean
    return mean, delta.detach().reshape(b, k).mean(dim=1)


def shuffled_gradient_shap(
    spec: Any, target: np.ndarray, shuffles: Tensor, n_samples: int, stdevs: float, rows: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Expected gradients with per-sample references: mean of grad(f)(r + a (x' - r)) (x' - r).

    As captum's GradientShap: ``r`` drawn from the sample's references, ``a ~ U(0, 1)``,
    ``x' = x + N(0, stdevs^2)``; seeded by torch's RNG (``attribute_spec`` seeds it).
    """
    from attnscope.explain._gradient_runs import _run

    k = int(shuffles.shape[1])

    def call(x: tuple[Tensor, ...], t: Tensor, extra: tuple[Any, ...], sl: slice) -> Tensor:
        b = int(x[0].shape[0])
        refs = shuffles[sl]
        pick = torch.randint(k, (b, n_samples))
        ref = refs[torch.arange(b)[:, None], pick].reshape(b * n_samples, *refs.shape[2:])
        xx = x[0].detach().repeat_interleave(n_samples, dim=0)
        if stdevs:
            xx = xx + stdevs * torch.randn_like(xx)
        alpha = torch.rand(b * n_samples, *([1] * (xx.ndim - 1)), dtype=xx.dtype)
        point = (ref + alpha * (xx - ref)).requires_grad_(True)
        ee = tuple(
            a.repeat_interleave(n_samples, 0)
            if torch.is_tensor(a) and a.ndim and a.shape[0] == b
            else a
            for a in extra
        )
        out = spec.forward(point, *ee)
        chosen = out.gather(1, t.repeat_interleave(n_samples).unsqueeze(1)).sum()
        (grad,) = torch.autograd.grad(chosen, point)
        attr = (grad * (xx - ref)).reshape(b, n_samples, *xx.shape[1:]).mean(dim=1)
        return attr.detach()

    values, _ = _run(spec, target, call, max(1, rows // max(1, n_samples)))
    return values, {"n_samples": n_samples, "n_shuffles": k}
