"""The pair machinery of ``trust_speed.py`` and its captum, shap and tangermeme pairs.

:func:`pair` times attnscope and a peer on the same model and data, records the speed ratio,
an agreement figure and (with ``floor``) the model's own cost; every pair function below
appends one row per comparison to :data:`PAIRS`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from _floor import model_floor

PAIRS: list[dict[str, Any]] = []


#: How a pair is timed: both sides alike, after one warm-up call each.
WARM_BUDGET_S = 2.0
WARM_REPEATS = 5
TIMING = (
    "each side: one warm-up call, then the median of "
    f"{WARM_REPEATS} calls when both warm-up calls took under "
    f"{WARM_BUDGET_S / WARM_REPEATS:g} s, else one call (the same rule for both sides)"
)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def timed_pair(ours: Callable[[], Any], theirs: Callable[[], Any]) -> tuple[Any, float, Any, float]:
    """Outputs and seconds per call of both sides, by the rule in :data:`TIMING`.

    Each side's first call is a warm-up (caches, lazy imports, allocator) and is not timed;
    short calls are repeated, and the number of timed calls is the same on both sides.
    """
    a, first_a = timed(ours)
    b, first_b = timed(theirs)
    k = WARM_REPEATS if max(first_a, first_b) * WARM_REPEATS <= WARM_BUDGET_S else 1
    s_a = float(np.median([timed(ours)[1] for _ in range(k)]))
    s_b = float(np.median([timed(theirs)[1] for _ in range(k)]))
    return a, s_a, b, s_b


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    from attnscope.metrics._agreement import rank_correlation_rows

    a2 = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b2 = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    return float(np.nanmean(rank_correlation_rows(a2, b2)))


def pair(
    model: str,
    task: str,
    peer: str,
    ours: Callable[[], tuple[Any, int]],
    theirs: Callable[[], tuple[Any, int]],
    agree: Callable[[Any, Any], dict[str, float]],
    note: str = "",
    floor: Callable[[], float] | None = None,
) -> None:
    """Time both sides (each returns (values, n_samples)), record one row.

    ``floor`` returns the seconds per sample of the model evaluations the method needs
    (:func:`_floor.model_floor`); the row then carries ``ours_over_floor`` and
    ``peer_over_floor``, the largest speed ratio an implementation making the same
    evaluations could reach.
    """
    import torch

    entry: dict[str, Any] = {
        "model": model,
        "task": task,
        "peer": peer,
        "note": note,
        "threads": torch.get_num_threads(),  # both sides and the floor run at these
    }
    try:
        (a, n_ours), s_ours, (b, n_peer), s_peer = timed_pair(ours, theirs)
        per_ours, per_peer = s_ours / n_ours, s_peer / n_peer
        entry.update(
            n_ours=n_ours,
            n_peer=n_peer,
            seconds_ours=s_ours,
            seconds_peer=s_peer,
            per_sample_ours=per_ours,
            per_sample_peer=per_peer,
            speed_ratio=per_peer / per_ours,
            **agree(a, b),
        )
        if floor is not None:
            per_floor = floor()
            entry.update(
                floor_per_sample=per_floor,
                ours_over_floor=per_ours / per_floor,
                peer_over_floor=per_peer / per_floor,
            )
    except Exception as exc:  # a peer that fails is a result too
        entry["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    PAIRS.append(entry)
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in entry.items()}, flush=True)


class Logits:
    """An ``nn.Module`` returning the estimator module's logits (peers want a Tensor)."""

    @staticmethod
    def wrap(module: Any, reshape: tuple[int, ...] | None = None) -> Any:
        from torch import nn

        class _Logits(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = module

            def forward(self, x: Any) -> Any:
                if reshape is not None:
                    x = x.reshape(x.shape[0], *reshape)
                return self.net(x).logits

        return _Logits().eval()


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

        def ours(method: str = method, box: dict[str, Any] = box) -> tuple[Any, int]:
            attr = attribute(est, data, method=method, n_samples=draws, groups=ids)
            box["target"] = attr.target
            return attr.values, len(data)

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
                "rho": _rho(a[: len(b)], b),
                "rho_own_reseed": _rho(
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
    from attnscope.explain import attribute

    spec = est.attribution_spec(data)
    box: dict[str, Any] = {}

    def ours() -> tuple[Any, int]:
        attr = attribute(est, data, method="integrated_gradients", n_steps=50)
        box["target"] = attr.target
        return attr.values, len(data)

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
            ours,
            theirs,
            lambda a, b: {"max_abs": float(np.abs(a[: len(b)] - b).max())},
            note="50 Gauss-Legendre steps from the all-zero baseline; captum with "
            f"internal_batch_size = attnscope's memory-budget rows; {torch.get_num_threads()} "
            "torch thread(s)",
            floor=lambda: model_floor(est, data, 50, grad=True, n=n_peer),
        )
    finally:
        torch.set_num_threads(before)


def tangermeme_pairs(est: Any, data: Any, n_ism: int, n_dls: int) -> None:
    """attnscope ISM / DeepLiftShap vs tangermeme on the DNA CNN."""
    import torch

    from attnscope.explain import attribute

    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    net = Logits.wrap(est.module_)
    box: dict[str, Any] = {}

    def ours_ism() -> tuple[Any, int]:
        attr = attribute(est, data, method="ism", reduce="mean")
        box["target"] = attr.target
        return attr.values, len(data)

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
        ours_ism,
        theirs_ism,
        lambda a, b: {"max_abs": float(np.abs(a[: len(b)] - b).max()), "rho": _rho(a[: len(b)], b)},
        note="saturation mutagenesis, mean change over the 3 alternative bases",
        floor=lambda: model_floor(est, data, 3 * int(x.shape[-1]) + 1, grad=False, n=n_ism),
    )

    def ours_dls() -> tuple[Any, int]:
        attr = attribute(est, data, method="deeplift_shap", n_baselines=10)
        box["target"] = attr.target
        return attr.values, len(data)

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
        ours_dls,
        theirs_dls,
        lambda a, b: {"rho": _rho(a[: len(b)], b)},
        note="10 references each: ours random data rows, tangermeme dinucleotide shuffles "
        "(agreement is of the maps, not of equal numbers)",
        floor=lambda: model_floor(est, data, 10, grad=True, n=n_dls),
    )


def shap_pairs(est: Any, data: Any, train_x: np.ndarray, n_kernel: int, draws: int) -> None:
    """attnscope KernelSHAP / DeepLiftShap vs shap's KernelExplainer / DeepExplainer (MLP)."""
    import shap
    import torch

    from attnscope.explain import attribute

    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach()
    mean = est.module_.mean.detach().numpy()[None]
    # a copy: shap's DeepExplainer leaves tensors on the modules it hooks (a ReLU then
    # holds parameters, which the later MPRT pair counted as one more layer)
    net = Logits.wrap(copy.deepcopy(est.module_))
    box: dict[str, Any] = {}

    def ours_kernel() -> tuple[Any, int]:
        attr = attribute(est, data, method="kernel_shap", n_samples=draws)
        box["target"] = attr.target
        return attr.values, len(data)

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
        ours_kernel,
        theirs_kernel,
        lambda a, b: {"rho": _rho(a[: len(b)], b), "max_abs": float(np.abs(a[: len(b)] - b).max())},
        note=f"{draws} draws, background = the training mean (the removed value)",
    )

    def ours_deep() -> tuple[Any, int]:
        attr = attribute(est, data, method="deeplift_shap", baselines=train_x[:20])
        box["target"] = attr.target
        return attr.values, len(data)

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
        ours_deep,
        theirs_deep,
        lambda a, b: {"rho": _rho(a, b), "max_abs": float(np.abs(a - b).max())},
        note="the same 20 training rows as references",
    )
