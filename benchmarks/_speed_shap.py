"""shap pairs of ``trust_speed.py``: KernelExplainer and DeepExplainer on the MLP."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from _speed_pairs import Logits, attnscope_side, pair, rho


def shap_pairs(est: Any, data: Any, train_x: np.ndarray, n_kernel: int, draws: int) -> None:
    """attnscope KernelSHAP / DeepLiftShap vs shap's KernelExplainer / DeepExplainer (MLP)."""
    import shap
    import torch

    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    mean = est.module_.mean.detach().numpy()[None]
    # a copy: shap's DeepExplainer leaves tensors on the modules it hooks (a ReLU then
    # holds parameters, which the later MPRT pair counted as one more layer)
    net = Logits.wrap(copy.deepcopy(est.module_))
    box: dict[str, Any] = {}

    def theirs_kernel() -> tuple[Any, int]:
        t = box["target"]
        out = []
        for i in range(n_kernel):

            def f(z: np.ndarray, c: int = int(t[i])) -> np.ndarray:
                with torch.no_grad():
                    return net(torch.as_tensor(z, dtype=torch.float32))[:, c].numpy()

            explainer = shap.KernelExplainer(f, mean)
            out.append(explainer.shap_values(x[i : i + 1].numpy(), nsamples=draws, silent=True))
        return np.concatenate(out), n_kernel

    pair(
        "srbct",
        "kernel_shap",
        "shap KernelExplainer",
        attnscope_side(est, data, box, "kernel_shap", n_samples=draws),
        theirs_kernel,
        lambda a, b: {"rho": rho(a[: len(b)], b), "max_abs": float(np.abs(a[: len(b)] - b).max())},
        note=f"{draws} draws, background = the training mean (the removed value)",
    )

    def theirs_deep() -> tuple[Any, int]:
        explainer = shap.DeepExplainer(net, torch.as_tensor(train_x[:20], dtype=torch.float32))
        vals = explainer.shap_values(x, check_additivity=False)
        vals = np.asarray(vals)
        if vals.ndim == 3 and vals.shape[0] == len(x):  # (n, F, classes)
            vals = vals[np.arange(len(x)), :, box["target"]]
        elif vals.ndim == 3:  # (classes, n, F)
            vals = vals[box["target"], np.arange(len(x))]
        return vals, len(x)

    pair(
        "srbct",
        "deeplift_shap",
        "shap DeepExplainer",
        attnscope_side(est, data, box, "deeplift_shap", baselines=train_x[:20]),
        theirs_deep,
        lambda a, b: {"rho": rho(a, b), "max_abs": float(np.abs(a - b).max())},
        note="the same 20 training rows as references",
    )
