"""captum pairs of ``trust_speed.py``: LIME / KernelSHAP at equal draws and groups, and
integrated gradients at equal rows per pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from _floor import model_floor
from _speed_pairs import attnscope_side, pair, rho


def _presence_captum(spec: Any, cls: Any, target: np.ndarray, n: int, **kw: Any) -> np.ndarray:
    """captum's Lime / KernelShap on feature presence, one sample at a time (the old path)."""
    import torch

    from attnscope.explain._core import feature_shape

    shape = feature_shape(spec)

    def forward(z: Any, *raw: Any) -> Any:
        return spec.raw_forward(*spec.remove(tuple(raw), (z < 0.5).reshape(z.shape[0], *shape)))

    method = cls(forward, **kw.pop("init", {}))
    out = []
    with torch.no_grad():
        for i in range(n):
            raw = tuple(t[i : i + 1] for t in spec.raw_inputs)
            z = torch.ones(1, *shape)
            out.append(
                method.attribute(
                    z, baselines=0.0, target=int(target[i]), additional_forward_args=raw, **kw
                )
                .reshape(1, *shape)
                .numpy()
            )
    return np.concatenate(out)


def surrogate_pairs(name: str, est: Any, data: Any, n_peer: int, draws: int) -> None:
    """attnscope LIME / KernelSHAP vs captum at equal draws and equal feature groups."""
    import torch
    from captum._utils.models.linear_model import SkLearnLasso
    from captum.attr import KernelShap, Lime
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    from attnscope.explain import attribute
    from attnscope.explain._perturbation import _surrogate_groups

    spec = est.attribution_spec(data)
    # KernelSHAP's default windows (<= draws / 4 groups), given to both methods and to captum
    ids, n_groups = _surrogate_groups(spec, None, None, min(100, max(2, draws // 4)))
    mask = torch.as_tensor(ids).unsqueeze(0)
    box: dict[str, Any] = {}
    for method, cls, init in (
        ("kernel_shap", KernelShap, {}),
        (
            "lime",
            Lime,
            {
                "interpretable_model": SkLearnLasso(alpha=0.01),
                "similarity_func": get_exp_kernel_similarity_function(
                    "euclidean", kernel_width=0.75 * np.sqrt(n_groups)
                ),
            },
        ),
    ):
        ours = attnscope_side(est, data, box, method, n_samples=draws, groups=ids)

        def theirs(
            cls: Any = cls, init: dict[str, Any] = init, box: dict[str, Any] = box
        ) -> tuple[Any, int]:
            t = box["target"]
            vals = _presence_captum(
                spec,
                cls,
                t,
                n_peer,
                init=init,
                feature_mask=mask,
                n_samples=draws,
                perturbations_per_eval=draws,
            )
            return vals, n_peer

        pair(
            name,
            method,
            "captum",
            ours,
            theirs,
            lambda a, b, method=method: {
                "rho": rho(a[: len(b)], b),
                "rho_own_reseed": rho(
                    a[: len(b)],
                    attribute(
                        est,
                        data.subset(np.arange(len(b))),
                        method=method,
                        n_samples=draws,
                        groups=ids,
                        random_state=1,
                    ).values,
                ),
            },
            note=f"{draws} draws, {n_groups} feature groups; captum's Lime fits a Lasso, ours "
            "a ridge; rho_own_reseed: ours vs ours with other draws (the noise ceiling)",
            floor=lambda method=method: model_floor(
                est, data, draws + 2 * (method == "kernel_shap"), grad=False, n=n_peer
            ),
        )


def ig_pair(est: Any, data: Any, n_peer: int, threads: int | None = None) -> None:
    """attnscope integrated gradients (50 steps) vs captum's, same rows per pass.

    ``threads``: torch threads for this pair (both sides and the floor); default as set.
    """
    import torch
    from captum.attr import IntegratedGradients

    from attnscope.core import auto_batch_size

    spec = est.attribution_spec(data)
    box: dict[str, Any] = {}

    def theirs() -> tuple[Any, int]:
        rows = auto_batch_size(spec.forward, spec.inputs)
        ig = IntegratedGradients(spec.forward)
        x = spec.inputs[0][:n_peer].detach()
        t = torch.as_tensor(box["target"][:n_peer])
        chunk = max(1, rows // 50)
        parts = [
            ig.attribute(
                x[i : i + chunk],
                baselines=spec.baselines[0],
                target=t[i : i + chunk],
                n_steps=50,
                internal_batch_size=rows,
            )
            for i in range(0, n_peer, chunk)
        ]
        return spec.to_features((torch.cat(parts),)), n_peer

    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        pair(
            "ctcf",
            "integrated_gradients",
            "captum IntegratedGradients",
            attnscope_side(est, data, box, "integrated_gradients", n_steps=50),
            theirs,
            lambda a, b: {"max_abs": float(np.abs(a[: len(b)] - b).max())},
            note="50 Gauss-Legendre steps from the all-zero baseline; captum with "
            f"internal_batch_size = attnscope's memory-budget rows; {torch.get_num_threads()} "
            "torch thread(s)",
            floor=lambda: model_floor(est, data, 50, grad=True, n=n_peer),
        )
    finally:
        torch.set_num_threads(before)
