"""Quantus 0.6 pairs of ``trust_speed.py``: pixel flipping, MPRT and max-sensitivity."""

from __future__ import annotations

from typing import Any

import numpy as np

from _floor import model_floor
from _speed_pairs import Logits, pair


def quantus_pairs(name: str, est: Any, data: Any, steps: int, n_sens: int) -> None:
    """attnscope's trust metrics vs Quantus 0.6 (input x gradient maps).

    Tables: x of shape (n, 1, F); one-hot DNA: (n, 4, L) with the attribution (n, 1, L),
    so a removed position has all four channels at 0 (attnscope's padding).
    """
    import torch

    if not hasattr(np, "trapz"):
        setattr(np, "trapz", np.trapezoid)  # noqa: B010  # Quantus 0.6 on numpy >= 2.4
    import quantus

    from attnscope.explain import attribute
    from attnscope.trust import (
        deletion_curve,
        layer_order,
        max_sensitivity,
        parameter_randomisation,
    )

    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    n = int(x.shape[0])
    if x.ndim == 2:  # a table: Quantus wants a channel axis
        f = int(x.shape[1])
        net = Logits.wrap(est.module_, reshape=(f,))
        x3 = x.numpy()[:, None, :]
        unit = "genes"
    else:  # one-hot DNA (n, 4, L)
        f = int(x.shape[-1])
        net = Logits.wrap(est.module_)
        x3 = x.numpy()
        unit = "positions"
    channels = int(x3.shape[1])
    attr = attribute(est, data, method="input_x_gradient")
    y = attr.target
    # Quantus wants the map in the input's shape: each position's value on every channel
    # (Spearman and norm ratios are unchanged by repeating every feature alike)
    a3 = np.repeat(attr.values[:, None, :], channels, axis=1)

    def ixg(model: Any, inputs: Any, targets: Any, **_: Any) -> np.ndarray:
        inp = torch.as_tensor(inputs, dtype=torch.float32).requires_grad_(True)
        out = model(inp)
        grad = torch.autograd.grad(out[torch.arange(len(inp)), torch.as_tensor(targets)].sum(), inp)
        a = (grad[0] * inp).sum(1, keepdim=True)
        return a.expand(-1, inp.shape[1], -1).detach().numpy()

    def run_ixg(metric: Any, m: int, a_batch: np.ndarray) -> np.ndarray:
        """A Quantus metric that re-explains with input x gradient, on the first m samples."""
        res = metric(
            model=net,
            x_batch=x3[:m],
            y_batch=y[:m],
            a_batch=a_batch,
            explain_func=ixg,
            device="cpu",
            channel_first=True,
        )
        return np.asarray(res, dtype=float)

    if f % steps:  # Quantus needs equal steps: one feature per step
        steps = f
    per = f // steps
    fractions = np.arange(0, steps + 1) / steps

    def ours_del() -> tuple[Any, int]:
        c = deletion_curve(est, data, attr, fractions=fractions, order="signed")
        return c.scores[:, 1:], n

    def theirs_del() -> tuple[Any, int]:
        metric = quantus.PixelFlipping(
            features_in_step=per,
            perturb_baseline=0.0,
            disable_warnings=True,
            display_progressbar=False,
        )
        curves = metric(
            model=net, x_batch=x3, y_batch=y, a_batch=a3, device="cpu", channel_first=True
        )
        return np.asarray(curves), n

    pair(
        name,
        "deletion_curve",
        "Quantus PixelFlipping",
        ours_del,
        theirs_del,
        # Quantus flips one channel element per step on one-hot DNA: every 4th step of
        # its curve is one whole position removed
        lambda a, b: {"max_abs": float(np.abs(a - b[:, channels - 1 :: channels]).max())},
        note=f"{steps} steps of {per} {unit}, removed = 0 (the standardised training mean "
        "or an all-zero one-hot column)"
        + (
            f"; Quantus removes one of the {channels} channels per step ({channels}x the "
            "forward passes), compared at whole positions"
            if channels > 1
            else ""
        ),
        floor=lambda: model_floor(est, data, len(fractions), grad=False, n=n),
    )

    def ours_mprt() -> tuple[Any, int]:
        res = parameter_randomisation(est, data, method="input_x_gradient", attribution=attr)
        return np.asarray(res.correlations), n

    def theirs_mprt() -> tuple[Any, int]:
        metric = quantus.MPRT(
            similarity_func=quantus.similarity_func.correlation_spearman,
            layer_order="top_down",
            abs=True,
            normalise=False,
            disable_warnings=True,
            display_progressbar=False,
            return_last_correlation=True,
        )
        return run_ixg(metric, n, a3), n

    pair(
        name,
        "parameter_randomisation",
        "Quantus MPRT",
        ours_mprt,
        theirs_mprt,
        lambda a, b: {"ours_last": float(a[-1]), "peer_last": float(np.nanmean(b))},
        note=f"cascading over {len(layer_order(est.module_, spec))} layers, output layer "
        "first, Spearman of |a|; both re-initialise with their own draws (figures: the "
        "correlation after the last layer)",
        floor=lambda: model_floor(est, data, len(layer_order(est.module_, spec)), grad=True, n=n),
    )

    lo = float((x.max() - x.min()) * 0.02)
    m = min(n, n_sens)
    head = data.subset(np.arange(m))
    attr_m = attribute(est, head, method="input_x_gradient")
    a3m = np.repeat(attr_m.values[:, None, :], channels, axis=1)

    def ours_sens() -> tuple[Any, int]:
        s = max_sensitivity(
            est, head, method="input_x_gradient", attribution=attr_m, n_perturb=10, radius=0.02
        )
        return s, m

    def theirs_sens() -> tuple[Any, int]:
        metric = quantus.MaxSensitivity(
            nr_samples=10,
            lower_bound=lo,
            norm_numerator=quantus.norm_func.fro_norm,
            norm_denominator=quantus.norm_func.fro_norm,
            similarity_func=quantus.similarity_func.difference,
            normalise=False,
            abs=False,
            disable_warnings=True,
            display_progressbar=False,
        )
        return run_ixg(metric, m, a3m), m

    pair(
        name,
        "max_sensitivity",
        "Quantus MaxSensitivity",
        ours_sens,
        theirs_sens,
        lambda a, b: {"rho_over_samples": float(np.corrcoef(a, b)[0, 1])},
        note="10 uniform-noise copies, radius 2% of the input range; different noise draws",
        floor=lambda: model_floor(est, head, 10, grad=True, n=m),
    )
