"""Trust at speed: attnscope side by side with captum, shap, Quantus and tangermeme.

Three models are trained once in the run and every pair runs on the same model and data:

- ``ctcf``: baseline CNN on CTCF ChIP-seq peaks vs shuffled negatives (101 bp);
- ``srbct``: MLP on the SRBCT expression set (the 50 most variable genes, standardised
  on the training rows so the "removed" value of a gene is 0 for every library);
- ``physionet``: attention-LSTM on PhysioNet 2012 set-a (in-hospital mortality).

Each pair reports seconds per explained sample for both sides, the speed ratio
(peer / attnscope, > 1 = attnscope faster) and an agreement figure: the mean per-sample
Spearman correlation of the values (``rho``) or the largest absolute difference
(``max_abs``). Slow peers explain fewer samples (``n_peer``); the per-sample times are
compared. Peers: captum 0.9 (Lime, KernelShap at equal draws), shap (KernelExplainer,
DeepExplainer), Quantus 0.6 (pixel flipping, model-parameter randomisation,
max-sensitivity; ``np.trapz`` is aliased to ``np.trapezoid`` for it), tangermeme
(``deep_lift_shap``, ``saturation_mutagenesis``). Install them with
``pip install -c constraints.txt --no-deps quantus shap tangermeme`` plus the ``bench``
extra's pure dependencies.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_results
from _floor import model_floor

PAIRS: list[dict[str, Any]] = []


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


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
    entry: dict[str, Any] = {"model": model, "task": task, "peer": peer, "note": note}
    try:
        (a, n_ours), s_ours = _timed(ours)
        (b, n_peer), s_peer = _timed(theirs)
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
    ids, n_groups = _surrogate_groups(spec, None, None, 100)
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
            attr = attribute(est, data, method=method, n_samples=draws)
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


def ig_pair(est: Any, data: Any, n_peer: int) -> None:
    """attnscope integrated gradients (50 steps) vs captum's, same rows per pass."""
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

    pair(
        "ctcf",
        "integrated_gradients",
        "captum IntegratedGradients",
        ours,
        theirs,
        lambda a, b: {"max_abs": float(np.abs(a[: len(b)] - b).max())},
        note="50 Gauss-Legendre steps from the all-zero baseline; captum with "
        "internal_batch_size = attnscope's memory-budget rows",
        floor=lambda: model_floor(est, data, 50, grad=True, n=n_peer),
    )


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
    net = Logits.wrap(est.module_)
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
        res = metric(
            model=net,
            x_batch=x3,
            y_batch=y,
            a_batch=a3,
            explain_func=ixg,
            device="cpu",
            channel_first=True,
        )
        return np.asarray(res, dtype=float), n

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
        res = metric(
            model=net,
            x_batch=x3[:m],
            y_batch=y[:m],
            a_batch=a3m,
            explain_func=ixg,
            device="cpu",
            channel_first=True,
        )
        return np.asarray(res, dtype=float), m

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


def models(args: argparse.Namespace) -> dict[str, tuple[Any, Any, dict[str, Any]]]:
    from attnscope.datasets import load_ctcf, load_srbct
    from attnscope.estimators import CNNClassifier, MLPClassifier

    out: dict[str, tuple[Any, Any, dict[str, Any]]] = {}
    rng = np.random.default_rng(args.seed)
    data = load_ctcf("test")
    keep = np.sort(rng.choice(len(data), size=args.n_train + args.n_explain, replace=False))
    data = data.subset(keep)
    order = rng.permutation(len(data))
    tr, te = np.sort(order[args.n_explain :]), np.sort(order[: args.n_explain])
    est, sec = _timed(
        lambda: CNNClassifier(
            n_filters=32, epochs=args.epochs, patience=3, random_state=args.seed
        ).fit(data.subset(tr))
    )
    test = data.subset(te)
    out["ctcf"] = (est, test, {"train_seconds": sec, "accuracy": est.score(test)})

    expr = load_srbct()
    top = np.argsort(-expr.X.var(axis=0))[:50]
    order = rng.permutation(len(expr))
    n_te = len(expr) // 3
    tr, te = np.sort(order[n_te:]), np.sort(order[:n_te])
    mu, sd = expr.X[tr][:, top].mean(0), expr.X[tr][:, top].std(0) + 1e-6
    from dataclasses import replace

    expr = replace(
        expr,
        X=((expr.X[:, top] - mu) / sd).astype(np.float32),
        feature_names=np.asarray(expr.feature_names)[top],
    )
    est, sec = _timed(
        lambda: MLPClassifier(hidden=(64,), epochs=60, random_state=args.seed).fit(expr.subset(tr))
    )
    test = expr.subset(te)
    out["srbct"] = (
        est,
        test,
        {"train_seconds": sec, "accuracy": est.score(test), "train_x": expr.X[tr]},
    )

    try:
        out["physionet"] = _physionet(args, rng)
    except Exception as exc:  # recorded, the other models still run
        print(f"physionet skipped: {type(exc).__name__}: {exc}", flush=True)
    return out


def _physionet(args: argparse.Namespace, rng: np.random.Generator) -> tuple[Any, Any, dict]:
    from attnscope.datasets import load_physionet2012
    from attnscope.estimators import AttnLSTMClassifier

    ts = load_physionet2012("mortality")
    keep = np.sort(rng.choice(len(ts), size=args.n_ts, replace=False))
    ts = ts.subset(keep)
    order = rng.permutation(len(ts))
    n_te = len(ts) // 4
    tr, te = np.sort(order[n_te:]), np.sort(order[:n_te])
    est, sec = _timed(
        lambda: AttnLSTMClassifier(window=1, epochs=args.ts_epochs, random_state=args.seed).fit(
            ts.subset(tr)
        )
    )
    test = ts.subset(te)
    return est, test, {"train_seconds": sec, "accuracy": est.score(test)}


def trust_table_time(est: Any, data: Any) -> dict[str, Any]:
    """Wall time of the trust table (the issue's method set) on the CTCF test set."""
    from attnscope.trust import trust_table

    methods = [
        "random",
        "saliency",
        "input_x_gradient",
        "integrated_gradients",
        "deeplift",
        "deeplift_shap",
        "occlusion",
        "ism",
        "lime",
        "kernel_shap",
    ]
    rows, sec = _timed(
        lambda: trust_table(est, data, methods=methods, n_samples=len(data), random_state=0)
    )
    return {
        "seconds": sec,
        "n_samples": len(data),
        "methods": methods,
        "per_method_seconds": {r["method"]: round(r.get("seconds", float("nan")), 2) for r in rows},
        "lime_samples": next(r["n_samples"] for r in rows if r["method"] == "lime"),
        "kernel_shap_samples": next(r["n_samples"] for r in rows if r["method"] == "kernel_shap"),
    }


#: Why a pair can favour the peer (shown under the table for every pair with ratio < 1).
SLOWER = {
    "integrated_gradients": "both sides run the same forward and backward passes over "
    "samples x 50 steps (captum given attnscope's rows per pass); the network's own "
    "arithmetic is the cost, and timings this close move with the load of the shared machine.",
    "parameter_randomisation": "every cascade step re-attributes all samples under the "
    "randomised network on both sides: the same work; on a few samples the fixed cost of "
    "each attnscope call (spec rebuilt for the randomised network, memory probe) weighs.",
    "max_sensitivity": "both attribute the same noisy copies; on a few samples the fixed "
    "cost of one attnscope call weighs.",
}


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}x"


def markdown(results: dict) -> str:
    """README section generated from ``benchmarks/results/trust_speed.json``."""
    out = [
        "## Trust at speed: attnscope beside captum, shap, Quantus and tangermeme",
        "",
        "Same trained models and data in one run; seconds per explained sample, speed ratio "
        "= peer / attnscope (> 1: attnscope faster); agreement: mean per-sample Spearman ρ "
        "or max |difference|. Slow peers explain fewer samples (n peer). *Floor*: the "
        "seconds per sample of the network evaluations the method needs (the same rows "
        "through the model, nothing else; `benchmarks/_floor.py`); *ceiling* = peer / "
        "floor, the largest ratio any implementation making those evaluations could reach.",
        "",
        "| model | task | peer | n ours | n peer | s/sample ours | s/sample peer | ratio "
        "| ours / floor | ceiling | agreement | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for p in results.get("rows") or results.get("pairs", []):
        if "error" in p:
            out.append(
                f"| {p['model']} | {p['task']} | {p['peer']} | – | – | – | – | – "
                f"| – | – | – | failed: {p['error']} |"
            )
            continue
        agree = ", ".join(
            f"{k} " + ("nan" if p[k] is None else f"{p[k]:.3f}")
            for k in (
                "rho",
                "rho_own_reseed",
                "max_abs",
                "rho_over_samples",
                "ours_last",
                "peer_last",
            )
            if k in p
        )
        out.append(
            f"| {p['model']} | {p['task']} | {p['peer']} | {p['n_ours']} | {p['n_peer']} "
            f"| {p['per_sample_ours']:.2e} | {p['per_sample_peer']:.2e} "
            f"| {p['speed_ratio']:.1f}x | {_x(p.get('ours_over_floor'))} "
            f"| {_x(p.get('peer_over_floor'))} | {agree} | {p['note']} |"
        )
    slower = [p for p in results.get("rows") or [] if "error" not in p and p["speed_ratio"] < 1.0]
    if slower:
        out += ["", "Where attnscope is slower:", ""]
        out += [
            f"- {p['model']} {p['task']} vs {p['peer']} ({p['speed_ratio']:.2f}x): "
            + SLOWER.get(p["task"], "see the note.")
            for p in slower
        ]
    table = results.get("trust_table") or {}
    before = results.get("trust_table_before", "236-252 s, LIME and KernelSHAP on 100")
    if "seconds" in table:
        out += [
            "",
            f"Trust table ({', '.join(table['methods'])}) on {table['n_samples']} CTCF "
            f"sequences, LIME and KernelSHAP on all of them: {table['seconds']:.0f} s "
            f"(before batching: {before}).",
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1: on a shared 2-core machine, 2 threads wait on each other)",
    )
    parser.add_argument("--skip-table", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    args.n_explain = 100 if args.quick else 1000
    args.n_train = 500 if args.quick else 3000
    args.epochs = 2 if args.quick else 8
    args.n_ts = 400 if args.quick else 800
    args.ts_epochs = 1 if args.quick else 4
    slow = 3 if args.quick else 20
    trained = models(args)
    info = {k: {kk: vv for kk, vv in v[2].items() if kk != "train_x"} for k, v in trained.items()}
    print(info, flush=True)
    table = None
    try:  # an interrupted run (Ctrl-C, timeout -s INT) still writes the pairs it has
        from attnscope.explain import attribute

        for est_w, test_w, _ in trained.values():  # first calls build kernels: not timed
            attribute(est_w, test_w.subset(np.arange(4)), method="input_x_gradient")
        est, test, _ = trained["ctcf"]
        ig_pair(est, test, 10 * slow)
        quantus_pairs("ctcf", est, test.subset(np.arange(min(len(test), 10 * slow))), 10, slow)
        surrogate_pairs("ctcf", est, test, slow, 200)
        tangermeme_pairs(est, test, 4 * slow, max(2, slow // 2))
        est_e, test_e, meta_e = trained["srbct"]
        surrogate_pairs("srbct", est_e, test_e, slow, 200)
        shap_pairs(est_e, test_e, meta_e["train_x"], slow, 200)
        quantus_pairs("srbct", est_e, test_e, 10, len(test_e))
        if "physionet" in trained:
            est_t, test_t, _ = trained["physionet"]
            surrogate_pairs("physionet", est_t, test_t, max(2, slow // 2), 200)
        if not args.skip_table:
            try:
                table = trust_table_time(est, test)
            except Exception as exc:
                table = {"error": f"{type(exc).__name__}: {exc}"}
            print("trust table", table, flush=True)
    finally:
        write_results(
            "trust_speed",
            PAIRS,
            device="cpu",
            trust_table=table,
            trust_table_before="188 s for these 10 methods with LIME and KernelSHAP on 100 of "
            "the 1,000 (236 s for the whole 16-method table; benchmarks/results/trust.json "
            "at 36fe902, 1 thread)",
            models=info,
            settings={
                "n_explain_ctcf": args.n_explain,
                "n_train_ctcf": args.n_train,
                "epochs_ctcf": args.epochs,
                "n_physionet": args.n_ts,
                "epochs_physionet": args.ts_epochs,
                "slow_peer_samples": slow,
                "quantus_ctcf_samples": min(args.n_explain, 10 * slow),
                "ig_captum_samples": 10 * slow,
                "draws": 200,
                "threads": args.threads,
                "quick": args.quick,
            },
        )


if __name__ == "__main__":
    main()
