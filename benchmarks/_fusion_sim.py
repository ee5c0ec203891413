"""Simulated multi-omics with planted features (``benchmarks/fusion.py``): recovery of the
planted features by attention and attributions, and the uninformative modality's rank."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _common import row
from _fusion_models import fit_fusion, scores
from attnscope.data import MultiOmicsDataset

#: How far (as a share of the total, which is 1 for beta) the uninformative modality must
#: sit below every informative one to count as "ranked lowest": an exact tie, or 0.332 vs
#: 0.333, is not a ranking.
LOWEST_MARGIN = 0.02


def lowest_by_margin(values: Any, noise: list[int], margin: float = LOWEST_MARGIN) -> float:
    """1.0 if every ``noise`` entry of ``values`` (as shares of their sum) is below every
    other entry by more than ``margin``, else 0.0 (also when there is no noise modality)."""
    v = np.asarray(values, dtype=float)
    v = v / v.sum() if v.sum() > 0 else v
    rest = [j for j in range(len(v)) if j not in noise]
    if not noise or not rest:
        return 0.0
    return float(v[noise].max() < v[rest].min() - margin)


def precision_at_k(score: np.ndarray, truth: np.ndarray) -> float:
    k = int(truth.sum())
    top = np.argsort(-score, kind="stable")[:k]
    return float(truth[top].mean())


def simulated(
    seeds: list[int], n_samples: int, *, attn: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    from attnscope.sim import simulate_multiomics

    data = simulate_multiomics(
        n_samples,
        modalities={"mRNA": 100, "methylation": 100, "miRNA": 50},
        informative={"mRNA": 20, "methylation": 10, "miRNA": 0},
        random_state=0,
    )
    truth = data.meta["truth"]
    mods = data.modality_names
    n_tr = int(0.75 * n_samples)
    train, test = data.subset(np.arange(n_tr)), data.subset(np.arange(n_tr, n_samples))
    rows: list[dict[str, Any]] = []
    # "fusion_alpha_probe": alpha started at the regression's |coefficients| (alpha_init).
    variants: list[tuple[str, dict[str, Any]]] = [("fusion", {})]
    if attn is not None:  # the attention option chosen on ROSMAP (as a full parameter set)
        variants.append(("fusion_attn", {k: v for k, v in attn.items() if k != "max_features"}))
    for variant, extra in variants:
        rows += _simulated_variant(variant, extra, train, test, truth, mods, seeds)
    return rows


def _simulated_variant(
    variant: str,
    extra: dict[str, Any],
    train: MultiOmicsDataset,
    test: MultiOmicsDataset,
    truth: dict[str, np.ndarray],
    mods: list[str],
    seeds: list[int],
) -> list[dict[str, Any]]:
    from attnscope.explain import attribute

    out: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    for seed in seeds:
        # Planted-feature recovery needs every feature as a token: no feature selection.
        est = fit_fusion(train, seed, max_features=None, **extra)
        out.setdefault("accuracy", []).append(scores(test.y, est.predict_proba(test))["accuracy"])
        att = est.attention_weights(test)
        grad = np.abs(attribute(est, test, method="input_x_gradient").values).mean(axis=0)
        spec = est.attribution_spec(test)
        beta = att["modality"].mean(axis=0)
        total_grad = grad.sum()
        all_truth = np.concatenate([truth[m] for m in mods])
        alpha_all = np.concatenate([att[m].mean(axis=0) * beta[j] for j, m in enumerate(mods)])
        out.setdefault("precision_at_k_alpha_x_beta_all", []).append(
            precision_at_k(alpha_all, all_truth)
        )
        out.setdefault("precision_at_k_gradient_all", []).append(precision_at_k(grad, all_truth))
        # Expected precision at k of a random ranking: the planted share.
        out.setdefault("precision_at_k_random_all", []).append(float(all_truth.mean()))
        # Path and perturbation methods, less sensitive to the local shape of the function.
        for method in ("integrated_gradients", "feature_ablation"):
            vals = np.abs(attribute(est, test, method=method).values).mean(axis=0)
            out.setdefault(f"precision_at_k_{method}_all", []).append(
                precision_at_k(vals, all_truth)
            )
        for j, m in enumerate(mods):
            a, b = spec.meta["slices"][m]
            out.setdefault(f"beta_mean_{m}", []).append(float(beta[j]))
            out.setdefault(f"gradient_share_{m}", []).append(float(grad[a:b].sum() / total_grad))
            if truth[m].any():
                alpha_m = att[m].mean(axis=0)
                out.setdefault(f"precision_at_k_alpha_{m}", []).append(
                    precision_at_k(alpha_m, truth[m])
                )
                out.setdefault(f"precision_at_k_gradient_{m}", []).append(
                    precision_at_k(grad[a:b], truth[m])
                )
                out.setdefault(f"precision_at_k_random_{m}", []).append(float(truth[m].mean()))
        # Is the uninformative modality ranked last by beta and by gradient share?
        noise = [j for j, m in enumerate(mods) if not truth[m].any()]
        shares = np.array([grad[slice(*spec.meta["slices"][m])].sum() for m in mods])
        out.setdefault("noise_modality_lowest_beta", []).append(lowest_by_margin(beta, noise))
        out.setdefault("noise_modality_lowest_gradient", []).append(lowest_by_margin(shares, noise))
        print(f"sim {variant} seed {seed}: { {k: v[-1] for k, v in out.items()} }", flush=True)
    seconds = time.perf_counter() - t0
    return [
        row("sim_multiomics", variant, metric, v, seconds, protocol="planted", n_train=len(train))
        for metric, v in out.items()
    ]
