"""Exhaustive perturbations batched over samples x perturbations.

``ablation_values`` removes one mask of features at a time (a feature group for feature
ablation, a sliding window for occlusion) for many samples in one forward pass;
``ism_values`` evaluates only the alternative bases of one-hot DNA.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.core import iter_batches

__all__ = ["MaskBlock", "ablation_values", "group_masks", "ism_values", "window_masks"]


MaskBlock = Callable[[slice], Tensor]


def group_masks(ids: np.ndarray) -> MaskBlock:
    """Masks of the groups ``block``: (len(block), *feature_shape), True = removed.

    Made per block of groups, so a wide input (hundreds of thousands of SNPs) never holds
    an n_groups x n_features matrix.
    """
    gid = torch.as_tensor(ids, dtype=torch.long)

    def make(block: slice) -> Tensor:
        wanted = torch.arange(block.start, block.stop).view(-1, *([1] * gid.ndim))
        return gid.unsqueeze(0) == wanted

    return make


def window_masks(
    shape: tuple[int, ...], window: tuple[int, ...], strides: tuple[int, ...]
) -> tuple[int, MaskBlock]:
    """Sliding windows as captum's ``Occlusion`` places them.

    Along each axis the window starts at ``0, s, 2s, ...`` for ``ceil((L - w) / s) + 1``
    steps; a last window that passes the end is cut there.

    Returns
    -------
    n_windows : int
    make : callable
        ``make(block) -> bool Tensor (len(block), *shape)``, True = removed.
    """
    starts = [
        [i * s for i in range(int(np.ceil((size - w) / s)) + 1)]
        for size, w, s in zip(shape, window, strides)
    ]
    combos = list(itertools.product(*starts))

    def make(block: slice) -> Tensor:
        masks = torch.zeros((block.stop - block.start, *shape), dtype=torch.bool)
        for j, start in enumerate(combos[block]):
            index: tuple[Any, ...] = (j, *(slice(a, a + w) for a, w in zip(start, window)))
            masks[index] = True
        return masks

    return len(combos), make


def ablation_values(
    spec: Any, target: np.ndarray, n_masks: int, masks: MaskBlock, *, rows: int
) -> np.ndarray:
    """Drop in the target logit when each mask's features are removed, spread back.

    Every (sample, mask) pair is one row of a forward pass; chunks hold about ``rows``
    of them. A feature's value averages the drops of the masks that cover it (1 mask for
    a partition into groups, several for overlapping windows), as captum's
    ``FeatureAblation`` and ``Occlusion`` define it.

    Parameters
    ----------
    spec : AttributionSpec
    target : ndarray of shape (n,)
    n_masks : int
        K, the number of masks.
    masks : callable
        ``masks(block) -> bool Tensor (len(block), *feature_shape)`` for a slice of
        ``range(K)`` (see :func:`group_masks`, :func:`window_masks`).
    rows : int
        Rows per forward pass.

    Returns
    -------
    ndarray of shape (n, *feature_shape), float32
    """
    k = int(n_masks)
    fshape = tuple(masks(slice(0, 1)).shape[1:])
    size = int(np.prod(fshape))
    n = int(spec.raw_inputs[0].shape[0])
    tgt_all = torch.as_tensor(np.asarray(target), dtype=torch.long)
    out = np.empty((n, *fshape), dtype=np.float32)
    per_chunk = max(1, rows // k)
    block = max(1, rows // per_chunk)
    counts = torch.zeros(size, dtype=torch.float64)
    with torch.no_grad():
        for c, sl in enumerate(iter_batches(n, per_chunk)):
            b = sl.stop - sl.start
            raw_b = tuple(t[sl] for t in spec.raw_inputs)
            tgt = tgt_all[sl].view(-1, 1)
            ref = spec.raw_forward(*raw_b).gather(1, tgt.to(raw_b[0].device)).double().cpu()
            total = torch.zeros(b, size, dtype=torch.float64)
            for kb in iter_batches(k, block):
                mk = masks(kb)
                m = int(mk.shape[0])
                raw = tuple(t.repeat_interleave(m, dim=0) for t in raw_b)
                mask = mk.unsqueeze(0).expand(b, *mk.shape).reshape(b * m, *fshape)
                logits = spec.raw_forward(*spec.remove(raw, mask.to(raw[0].device)))
                t = tgt.repeat_interleave(m, dim=0).to(logits.device)
                drops = ref - logits.gather(1, t).double().cpu().view(b, m)
                flat = mk.reshape(m, -1).double()
                total += drops @ flat
                if c == 0:
                    counts += flat.sum(0)
            out[sl] = (total / counts.clamp_min(1)).reshape(b, *fshape).float().numpy()
    return out


def ism_values(
    forward: Any, x: Tensor, target: np.ndarray, *, rows: int, reduce: str
) -> np.ndarray:
    """In-silico mutagenesis of one-hot DNA, only the alternative bases evaluated.

    For a chunk of samples x positions the variants are the (sample, position, base)
    triples whose base is not the observed one (3 per position; 4 at a position with no
    observed base, e.g. N), built by indexing and run in one forward pass.

    Parameters
    ----------
    forward : callable
        ``forward(x) -> logits`` on one-hot input of shape (m, 4, length).
    x : Tensor of shape (n, 4, length)
    target : ndarray of shape (n,)
    rows : int
        Variants per forward pass (about).
    reduce : {"mean", "mean_abs", "max_abs"}
        Per-position score from ``d = logit(ref) - logit(alt)`` over the alternatives.

    Returns
    -------
    ndarray of shape (n, length), float32
    """
    n, _, length = (int(s) for s in x.shape)
    per_sample = 3 * length
    if rows >= per_sample:
        n_chunk, block = rows // per_sample, length
    else:
        n_chunk, block = 1, max(1, rows // 3)
    eye = torch.eye(4, dtype=x.dtype, device=x.device)
    tgt_all = torch.as_tensor(np.asarray(target), dtype=torch.long).to(x.device)
    out = np.zeros((n, length), dtype=np.float32)
    with torch.no_grad():
        for sl in iter_batches(n, n_chunk):
            xb, tb = x[sl], tgt_all[sl]
            b = int(xb.shape[0])
            ref = forward(xb).gather(1, tb.view(-1, 1))[:, 0]  # (b,)
            for ps in iter_batches(length, block):
                pos = torch.arange(ps.start, ps.stop, device=x.device)
                p = len(pos)
                alt = ~(xb[:, :, pos].transpose(1, 2) > 0.5)  # (b, P, 4): True = alternative
                s_i, p_i, base = alt.nonzero(as_tuple=True)
                var = xb[s_i]  # (R, 4, L), a copy
                var[torch.arange(len(s_i), device=x.device), :, pos[p_i]] = eye[base]
                logit = forward(var).gather(1, tb[s_i].view(-1, 1))[:, 0]
                d = torch.zeros(b, p, 4, dtype=logit.dtype, device=x.device)
                d[s_i, p_i, base] = ref[s_i] - logit
                cnt = alt.sum(2).clamp_min(1)
                if reduce == "mean":
                    score = d.sum(2) / cnt
                elif reduce == "mean_abs":
                    score = d.abs().sum(2) / cnt
                else:
                    score = d.abs().amax(2)
                out[sl, ps] = score.float().cpu().numpy()
    return out
