"""Batched LIME and KernelSHAP: one forward pass per chunk, one batched solve per chunk.

Both methods explain the *presence* of feature groups (1 = kept, 0 = removed with the
estimator's own ``spec.remove``). For a chunk of ``b`` samples the coalitions
``z`` of shape (b, S, M) are drawn at once, the b x (S + 2) perturbed inputs (plus each
sample's full input and its all-removed input) go through ``spec.raw_forward`` in one
pass, and the b weighted least-squares problems are solved together with
``torch.linalg.solve`` on their normal equations (float64, tiny ridge).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.core import iter_batches

__all__ = ["kernel_shap_values", "lime_values", "shapley_coalitions"]


def enumerates_all(n_groups: int, n_samples: int) -> bool:
    """Whether ``n_samples`` draws cover every proper, non-empty coalition of ``n_groups``
    (then KernelSHAP enumerates them and its values are exact)."""
    return int(n_groups) <= 20 and 2 ** int(n_groups) - 2 <= int(n_samples)


def shapley_coalitions(n_groups: int, n_samples: int, batch: int) -> tuple[Tensor, Tensor]:
    """KernelSHAP coalitions and their regression weights.

    When ``n_samples`` covers every proper, non-empty coalition (2^M - 2) they are all
    enumerated with the exact Shapley kernel weight ``(M-1) / (C(M,k) k (M-k))``, which
    makes the weighted regression give the exact Shapley values. Otherwise the coalition
    size ``k`` is drawn with probability proportional to ``(M-1) / (k (M-k))``, the
    members uniformly, each draw paired with its complement (antithetic sampling, as in
    shap's KernelExplainer), and every row weighs 1 (the kernel is in the sampling).

    Parameters
    ----------
    n_groups : int
        Number of interpretable features M (>= 2).
    n_samples : int
        Coalitions per explained sample S.
    batch : int
        Samples b drawn for at once.

    Returns
    -------
    z : Tensor of shape (b, S', M), float32
        1 = group present.
    weights : Tensor of shape (b, S'), float64
    """
    m = int(n_groups)
    if enumerates_all(m, n_samples):
        codes = torch.arange(1, 2**m - 1)
        z = ((codes[:, None] >> torch.arange(m)) & 1).float()
        k = z.sum(1).double()
        comb = torch.tensor([math.comb(m, int(c)) for c in k.tolist()], dtype=torch.float64)
        w = (m - 1) / (comb * k * (m - k))
        return z.expand(batch, -1, -1), w.expand(batch, -1)
    half = max(1, (int(n_samples) + 1) // 2)
    sizes = torch.arange(1, m, dtype=torch.float64)
    p = (m - 1) / (sizes * (m - sizes))
    k = torch.multinomial((p / p.sum()).float(), batch * half, replacement=True).view(batch, half)
    order = torch.rand(batch, half, m).argsort(dim=2).argsort(dim=2)  # a random rank per group
    z = (order < (k + 1).unsqueeze(2)).float()
    z = torch.cat([z, 1.0 - z], dim=1)[:, : max(int(n_samples), 2)]
    return z, torch.ones(z.shape[:2], dtype=torch.float64)


def _evaluate(spec: Any, ids: Tensor, fshape: tuple[int, ...], sl: slice, z: Tensor) -> Tensor:
    """Logits of every coalition (b, R, M) of the samples ``sl``: (b, R, n_classes)."""
    b, r, _ = z.shape
    raw = tuple(t[sl].repeat_interleave(r, dim=0) for t in spec.raw_inputs)
    absent = (z < 0.5)[:, :, ids.view(-1)].reshape(b * r, *fshape)
    logits = spec.raw_forward(*spec.remove(raw, absent.to(raw[0].device)))
    return logits.reshape(b, r, -1)


def _chunk_rows(spec: Any, rows: int, per_sample: int) -> int:
    n = int(spec.raw_inputs[0].shape[0])
    return max(1, min(n, rows // max(1, per_sample)))


def _solve(x: Tensor, y: Tensor, w: Tensor, ridge: Tensor | float) -> Tensor:
    """Weighted least squares per sample: x (b, R, p), y (b, R), w (b, R) -> (b, p)."""
    xw = x * w.unsqueeze(2)
    a = xw.transpose(1, 2) @ x
    rhs = (xw.transpose(1, 2) @ y.unsqueeze(2))[..., 0]
    eye = torch.eye(a.shape[1], dtype=a.dtype)
    scale = a.diagonal(dim1=1, dim2=2).mean(1).clamp_min(1e-30).view(-1, 1, 1)
    reg = eye * ridge if torch.is_tensor(ridge) else eye * float(ridge)
    return torch.linalg.solve(a + reg * scale + 1e-10 * scale * eye, rhs)


def kernel_shap_values(
    spec: Any,
    target: np.ndarray,
    ids: np.ndarray,
    n_groups: int,
    *,
    n_samples: int,
    rows: int,
) -> np.ndarray:
    """KernelSHAP values of every group, spread to its features.

    Solves the Shapley-kernel weighted regression under the efficiency constraint
    ``sum(phi) = f(x) - f(all removed)`` (the last group is eliminated, as in shap's
    KernelExplainer).

    Parameters
    ----------
    spec : AttributionSpec
    target : ndarray of shape (n,)
    ids : ndarray of shape feature_shape
        Group index per feature, 0..n_groups-1.
    n_groups : int
    n_samples : int
        Coalitions per sample.
    rows : int
        Rows per forward pass.

    Returns
    -------
    ndarray of shape (n, *feature_shape), float32
    """
    fshape = tuple(ids.shape)
    gid = torch.as_tensor(ids, dtype=torch.long)
    n = int(spec.raw_inputs[0].shape[0])
    m = int(n_groups)
    out = np.empty((n, *fshape), dtype=np.float32)
    per = (2**m - 2 if enumerates_all(m, n_samples) else int(n_samples)) + 2
    tgt_all = torch.as_tensor(np.asarray(target), dtype=torch.long)
    with torch.no_grad():
        for sl in iter_batches(n, _chunk_rows(spec, rows, per)):
            b = sl.stop - sl.start
            ends = torch.stack([torch.ones(b, m), torch.zeros(b, m)], dim=1)
            if m >= 2:
                z, w = shapley_coalitions(m, n_samples, b)
                zz = torch.cat([ends, z], dim=1)
            else:
                zz = ends
            logits = _evaluate(spec, gid, fshape, sl, zz)
            tgt = tgt_all[sl].to(logits.device).view(-1, 1, 1).expand(-1, zz.shape[1], 1)
            y = logits.gather(2, tgt)[..., 0].double().cpu()
            fx, fb = y[:, 0], y[:, 1]
            total = fx - fb
            if m == 1:
                phi = total.view(-1, 1)
            else:
                zs, ys = zz[:, 2:].double(), y[:, 2:]
                xd = zs[:, :, :-1] - zs[:, :, -1:]
                yd = ys - fb[:, None] - zs[:, :, -1] * total[:, None]
                head = _solve(xd, yd, w, 0.0)
                phi = torch.cat([head, (total - head.sum(1)).view(-1, 1)], dim=1)
            out[sl] = phi[:, gid.view(-1)].reshape(b, *fshape).float().numpy()
    return out


def lime_values(
    spec: Any,
    target: np.ndarray,
    ids: np.ndarray,
    n_groups: int,
    *,
    n_samples: int,
    rows: int,
    alpha: float,
    kernel_width: float,
) -> np.ndarray:
    """LIME: a weighted ridge surrogate on binary group presence per sample.

    Presence is drawn Bernoulli(1/2) per group; a draw weighs
    ``exp(-d^2 / (2 kernel_width^2))`` with ``d`` the Euclidean distance between the
    original and the perturbed presence over the *features* (d^2 = features removed),
    as captum's ``get_exp_kernel_similarity_function("euclidean")`` computes it. The
    surrogate has an intercept; ``alpha`` is an L2 penalty on the coefficients relative to
    the mean diagonal of the weighted design (0 = plain weighted least squares).

    Returns
    -------
    ndarray of shape (n, *feature_shape), float32
    """
    fshape = tuple(ids.shape)
    gid = torch.as_tensor(ids, dtype=torch.long)
    sizes = torch.bincount(gid.view(-1), minlength=int(n_groups)).double()
    n = int(spec.raw_inputs[0].shape[0])
    m = int(n_groups)
    out = np.empty((n, *fshape), dtype=np.float32)
    tgt_all = torch.as_tensor(np.asarray(target), dtype=torch.long)
    ridge = torch.ones(m + 1, dtype=torch.float64) * float(alpha)
    ridge[0] = 0.0
    ridge_mat = torch.diag(ridge)
    with torch.no_grad():
        for sl in iter_batches(n, _chunk_rows(spec, rows, int(n_samples))):
            b = sl.stop - sl.start
            z = torch.bernoulli(torch.full((b, int(n_samples), m), 0.5))
            logits = _evaluate(spec, gid, fshape, sl, z)
            tgt = tgt_all[sl].to(logits.device).view(-1, 1, 1).expand(-1, z.shape[1], 1)
            y = logits.gather(2, tgt)[..., 0].double().cpu()
            zd = z.double()
            d2 = (1.0 - zd) @ sizes
            w = torch.exp(-d2 / (2.0 * kernel_width**2))
            x = torch.cat([torch.ones(b, zd.shape[1], 1, dtype=torch.float64), zd], dim=2)
            coef = _solve(x, y, w, ridge_mat)[:, 1:]
            out[sl] = coef[:, gid.view(-1)].reshape(b, *fshape).float().numpy()
    return out
