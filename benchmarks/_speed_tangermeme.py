"""tangermeme pairs of ``trust_speed.py``: ISM and DeepLiftShap on the DNA CNN."""

from __future__ import annotations

from typing import Any

import numpy as np

from _floor import model_floor
from _speed_pairs import Logits, attnscope_side, pair, rho


def tangermeme_pairs(est: Any, data: Any, n_ism: int, n_dls: int) -> None:
    """attnscope ISM / DeepLiftShap vs tangermeme on the DNA CNN."""
    import torch

    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    net = Logits.wrap(est.module_)
    box: dict[str, Any] = {}

    def theirs_ism() -> tuple[Any, int]:
        from tangermeme.saturation_mutagenesis import saturation_mutagenesis

        res = saturation_mutagenesis(net, x[:n_ism], batch_size=256, device="cpu", raw_outputs=True)
        y0 = torch.as_tensor(res.y0).numpy()  # (n, n_classes)
        yh = torch.as_tensor(res.y_hat).numpy()  # (n, 4, L, n_classes)
        t = box["target"][:n_ism]
        d = y0[np.arange(n_ism), t][:, None, None] - yh[np.arange(n_ism), ..., t]
        alt = x[:n_ism].numpy() < 0.5
        return (d * alt).sum(1) / np.maximum(alt.sum(1), 1), n_ism

    pair(
        "ctcf",
        "ism",
        "tangermeme",
        attnscope_side(est, data, box, "ism", reduce="mean"),
        theirs_ism,
        lambda a, b: {"max_abs": float(np.abs(a[: len(b)] - b).max()), "rho": rho(a[: len(b)], b)},
        note="saturation mutagenesis, mean change over the 3 alternative bases",
        floor=lambda: model_floor(est, data, 3 * int(x.shape[-1]) + 1, grad=False, n=n_ism),
    )

    def theirs_dls() -> tuple[Any, int]:
        from tangermeme.deep_lift_shap import deep_lift_shap

        t = torch.as_tensor(box["target"][:n_dls])
        vals = []
        for i in range(n_dls):
            a = deep_lift_shap(
                net,
                x[i : i + 1],
                target=int(t[i]),
                n_shuffles=10,
                device="cpu",
                random_state=0,
                verbose=False,
            )
            vals.append((torch.as_tensor(a) * x[i : i + 1]).sum(1).numpy())
        return np.concatenate(vals), n_dls

    pair(
        "ctcf",
        "deeplift_shap",
        "tangermeme",
        attnscope_side(est, data, box, "deeplift_shap", n_baselines=10),
        theirs_dls,
        lambda a, b: {"rho": rho(a[: len(b)], b)},
        note="10 references each: ours random data rows, tangermeme dinucleotide shuffles "
        "(agreement is of the maps, not of equal numbers)",
        floor=lambda: model_floor(est, data, 10, grad=True, n=n_dls),
    )
