"""The model's own cost: a floor under any implementation of an attribution method.

An explanation method that needs ``k`` forward passes (and input gradients) per sample
cannot run faster than those ``k`` evaluations of the network, whatever library runs it.
:func:`model_floor` times exactly that work, on the data's own inputs and at attnscope's
rows per pass, so a pair in ``trust_speed.py`` can say how far each side sits above the
floor and what speed ratio any implementation making the same evaluations could reach
(``peer_over_floor``).
"""

from __future__ import annotations

import time
from typing import Any


def model_floor(est: Any, data: Any, per_sample: int, *, grad: bool, n: int) -> float:
    """Seconds per sample of ``per_sample`` model evaluations for each of ``n`` samples.

    Parameters
    ----------
    est : fitted attnscope estimator
    data : its data set; the first ``n`` samples are used
    per_sample : int
        Rows through the network per explained sample (e.g. 50 for integrated gradients
        with 50 steps, ``draws + 2`` for KernelSHAP).
    grad : bool
        Also back-propagate the target logit to the inputs (gradient methods).
    n : int

    Returns
    -------
    float
        Wall seconds per sample (the best of two repeats).
    """
    import torch

    from attnscope.core import auto_batch_size, frozen, iter_batches

    spec = est.attribution_spec(data.subset(range(min(n, len(data)))))
    n = int(spec.inputs[0].shape[0])
    rows = auto_batch_size(spec.forward, spec.inputs, spec.additional_args, grad=grad)
    idx = torch.arange(n).repeat_interleave(int(per_sample))

    def take(a: Any, sel: Any) -> Any:
        return a[sel] if torch.is_tensor(a) and a.ndim and a.shape[0] == n else a

    def once() -> float:
        start = time.perf_counter()
        with frozen(est.module_):
            for sl in iter_batches(len(idx), rows):
                sel = idx[sl]
                xs = tuple(t[sel].detach().requires_grad_(grad) for t in spec.inputs)
                extra = tuple(take(a, sel) for a in spec.additional_args)
                with torch.set_grad_enabled(grad):
                    out = spec.forward(*xs, *extra)
                    if grad:
                        torch.autograd.grad(out[:, 0].sum(), xs)
        return time.perf_counter() - start

    return min(once(), once()) / n
