"""Explanations of ``benchmarks/hain.py``: attributions, simulated truth and speed.

Per-sample attributions (the registry's methods, captum otherwise), precision@k of
planted genes and pathways on simulated expression, the checks of what alpha x beta
measures (output covariance, suppressors, flatness), and the explanation speed.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import torch

from _common import row
from _hain_models import hain
from attnscope.data import TabularDataset, kfold_indices
from attnscope.estimators._hain import HAINClassifier

__all__ = ["attribution", "simulated", "speed"]


def attribution(est: HAINClassifier, data: TabularDataset, method: str, **opts: Any) -> np.ndarray:
    """Per-sample attributions; the registry's methods when present, captum otherwise."""
    from attnscope.explain import METHODS, attribute

    if method in ("hierarchical", "contribution", "gradient") or method in METHODS:
        return attribute(est, data, method=method, **opts).values
    spec = est.attribution_spec(data)
    x = spec.inputs[0]
    with torch.no_grad():
        target = spec.forward(x).argmax(1)
    import captum.attr as ca

    if method == "integrated_gradients":
        ig = ca.IntegratedGradients(spec.forward)
        return (
            ig.attribute(
                x, baselines=spec.baselines[0], target=target, n_steps=opts.get("n_steps", 50)
            )
            .detach()
            .numpy()
        )
    n = opts.get("n_samples", 5000)
    if method == "lime":
        from captum._utils.models.linear_model import SkLearnLasso

        algo: Any = ca.Lime(spec.forward, interpretable_model=SkLearnLasso(alpha=0.01))
    elif method == "kernel_shap":
        algo = ca.KernelShap(spec.forward)
    else:
        raise ValueError(method)
    out = [
        algo.attribute(
            x[i : i + 1],
            baselines=spec.baselines[0],
            target=int(target[i]),
            n_samples=n,
            perturbations_per_eval=min(n, 500),
        )
        .detach()
        .numpy()
        for i in range(len(x))
    ]
    return np.concatenate(out)


def precision_at_k(scores: np.ndarray, truth: np.ndarray) -> float:
    """Share of true items among the ``k = truth.sum()`` highest scores."""
    k = int(truth.sum())
    return float(truth[np.argsort(-scores)[:k]].mean())


def output_covariance(est: HAINClassifier, data: TabularDataset) -> np.ndarray:
    """Haufe et al. (2014) activation pattern of the fitted model, per gene.

    ``|corr(x_g, logit_c)|``, maximised over classes ``c``, across the samples: the forward
    model of the network's output. Unlike gradients (a backward model), it gives no weight
    to genes the network uses only to cancel shared pathway noise (suppressor variables),
    which carry no class signal themselves.
    """
    spec = est.attribution_spec(data)
    with torch.no_grad():
        logits = spec.forward(spec.inputs[0]).numpy().astype(np.float64)
    x = data.X.astype(np.float64)
    xc = (x - x.mean(0)) / x.std(0).clip(1e-12)
    lc = (logits - logits.mean(0)) / logits.std(0).clip(1e-12)
    return np.abs(xc.T @ lc / len(x)).max(axis=1)


def suppressor_check(
    est: HAINClassifier, data: TabularDataset, sets: dict[str, list[str]]
) -> tuple[float, float]:
    """Do unshifted members of planted pathways act as suppressors in the fitted model?

    For each planted pathway (class ``c``, direction ``d``), the mean input gradient of
    ``logit_c - mean logit`` (per sd of the gene) times ``d``: positive for its shifted
    genes. Returns the share of its unshifted members with a negative value (noise
    cancelling) and their mean |gradient| relative to the shifted genes'.
    """
    spec = est.attribution_spec(data)
    x = spec.inputs[0].detach().clone().requires_grad_(True)
    out = spec.forward(x)
    grads = []
    for c in range(out.shape[1]):
        (g,) = torch.autograd.grad((out[:, c] - out.mean(1)).sum(), x, retain_graph=True)
        grads.append(g.mean(0).numpy() * data.X.std(0))
    col = {g: j for j, g in enumerate(data.feature_names)}
    opposite, ratio = [], []
    for p in data.meta["informative_pathways"]:
        idx = np.array([col[g] for g in sets[p]])
        aligned = data.meta["pathway_direction"][p] * grads[data.meta["pathway_class"][p]][idx]
        shifted = data.truth[idx]
        if shifted.all():
            continue
        opposite.append(float((aligned[~shifted] < 0).mean()))
        ratio.append(float(np.abs(aligned[~shifted]).mean() / np.abs(aligned[shifted]).mean()))
    return float(np.mean(opposite)), float(np.mean(ratio))


def alpha_flatness(est: HAINClassifier, data: TabularDataset) -> float:
    """Median over samples and groups of (largest gene attention x group size); 1 = uniform."""
    module: Any = est.module_
    module.eval()
    with torch.no_grad():
        pair = module(torch.as_tensor(data.X)).extras["pair_attention"]  # samples x pairs
    si = module.genes.group_index
    peak = pair.new_zeros((pair.shape[0], module.n_groups))
    peak = peak.scatter_reduce(1, si.expand_as(pair), pair, reduce="amax")
    return float((peak * torch.bincount(si, minlength=module.n_groups)).median())


def simulated(args: Any) -> list[dict[str, Any]]:
    """Planted-pathway recovery; see ``markdown`` for the two gene truths."""
    from sklearn.ensemble import RandomForestClassifier

    from attnscope.explain import attribute

    try:
        from attnscope.sim import simulate_expression
    except ImportError:
        from attnscope.sim._expression import simulate_expression
    rows: list[dict[str, Any]] = []
    n_seeds = 1 if args.quick else 3
    res: dict[str, dict[str, list[float]]] = {}
    secs: dict[str, float] = {}
    ks: list[tuple[int, int]] = []
    for seed in range(n_seeds):
        data = simulate_expression(
            400 if args.quick else 600,
            n_genes=1000 if args.quick else 2000,
            n_pathways=40,
            n_informative_pathways=3,
            effect_size=1.0,
            random_state=seed,
        )
        sets = data.meta["gene_sets"]
        pnames = list(sets)
        truth_p = np.isin(pnames, data.meta["informative_pathways"])
        member = np.zeros((len(pnames), data.n_features))
        col = {g: j for j, g in enumerate(data.feature_names)}
        for i, p in enumerate(pnames):
            member[i, [col[g] for g in sets[p]]] = 1.0
        # second gene truth: every member of a planted pathway (shifted or not)
        truth_members = member[truth_p].any(axis=0)
        ks.append((int(data.truth.sum()), int(truth_members.sum())))
        order = np.random.default_rng(seed).permutation(len(data))
        cut = int(0.75 * len(data))
        train, test = data.subset(order[:cut]), data.subset(order[cut:])
        start = time.perf_counter()
        est = hain(sets, args.quick, seed).fit(train)
        secs["fit"] = secs.get("fit", 0.0) + time.perf_counter() - start
        res.setdefault("hain", {}).setdefault("test_accuracy", []).append(est.score(test))
        gene_scores: dict[str, np.ndarray] = {}
        pathway_scores: dict[str, np.ndarray] = {}
        for variant, method in (
            ("alpha_x_beta", "hierarchical"),
            ("alpha_x_beta_x_value_norm", "contribution"),
            ("gradient_x_input", "gradient"),
            ("integrated_gradients", "integrated_gradients"),
        ):
            start = time.perf_counter()
            gene_scores[variant] = np.abs(attribution(est, test, method)).mean(0)
            secs[variant] = secs.get(variant, 0.0) + time.perf_counter() - start
        # signed IG toward each sample's true class, averaged: systematic class evidence
        start = time.perf_counter()
        signed = attribute(est, test, method="integrated_gradients", target=test.y).values
        gene_scores["integrated_gradients_signed_true_class"] = signed.mean(0)
        secs["integrated_gradients_signed_true_class"] = (
            secs.get("integrated_gradients_signed_true_class", 0.0) + time.perf_counter() - start
        )
        start = time.perf_counter()
        gene_scores["output_covariance"] = output_covariance(est, test)
        secs["output_covariance"] = secs.get("output_covariance", 0.0) + time.perf_counter() - start
        opposite, ratio = suppressor_check(est, test, sets)
        supp = res.setdefault("gradient", {})
        supp.setdefault("unshifted_members_opposite_sign", []).append(opposite)
        supp.setdefault("unshifted_over_shifted_gradient", []).append(ratio)
        res.setdefault("alpha_x_beta", {}).setdefault("alpha_peak_x_group_size", []).append(
            alpha_flatness(est, test)
        )
        groups = list(est.group_names_)
        beta = est.pathway_importances_.mean(0)
        pathway_scores["alpha_x_beta"] = np.array(
            [beta[groups.index(p)] if p in groups else 0.0 for p in pnames]
        )
        start = time.perf_counter()
        rf = RandomForestClassifier(500, random_state=seed, n_jobs=1).fit(train.X, train.y)
        gene_scores["random_forest"] = rf.feature_importances_
        secs["random_forest"] = secs.get("random_forest", 0.0) + time.perf_counter() - start
        for variant, g in gene_scores.items():
            # pathway score for gene-level methods: mean score of the set's genes
            pathway_scores.setdefault(variant, member @ g / member.sum(1))
            per = res.setdefault(variant, {})
            per.setdefault("precision_at_k_genes", []).append(precision_at_k(g, data.truth))
            per.setdefault("precision_at_k_pathway_members", []).append(
                precision_at_k(g, truth_members)
            )
            per.setdefault("precision_at_k_pathways", []).append(
                precision_at_k(pathway_scores[variant], truth_p)
            )
        print(
            f"  simulated seed {seed}: "
            + ", ".join(
                f"{v}={r['precision_at_k_genes'][-1]:.2f}/"
                f"{r['precision_at_k_pathway_members'][-1]:.2f}/"
                f"{r['precision_at_k_pathways'][-1]:.2f}"
                for v, r in res.items()
                if "precision_at_k_genes" in r
            ),
            flush=True,
        )
    for variant, per in res.items():
        for metric, vals in per.items():
            extra = (
                {"k_genes": [k[0] for k in ks], "k_members": [k[1] for k in ks]}
                if metric == "precision_at_k_genes"
                else {}
            )
            rows.append(
                row(
                    "simulated_pathways",
                    variant,
                    metric,
                    vals,
                    secs.get(variant, secs["fit"]),
                    **extra,
                )
            )
    return rows


def speed(data: TabularDataset, gene_sets: Any, args: Any, name: str) -> list[dict[str, Any]]:
    """ms/sample on one fitted model and the same samples; ratio to LIME."""
    from attnscope.explain import attribute

    tr, te = kfold_indices(data.y, n_splits=5, random_state=0)[0]
    est = hain(gene_sets, True, 0).fit(data.subset(tr))
    n_slow = 2 if args.quick else 3
    test = data.subset(te[:n_slow])
    ms: dict[str, float] = {}

    def per_sample_hain(sample: TabularDataset) -> None:
        attribute(est, sample, method="hierarchical")
        attribute(est, sample, method="gradient")

    start = time.perf_counter()
    for i in range(len(test)):  # one sample at a time, as LIME runs
        per_sample_hain(test.subset([i]))
    ms["hain_attention_gradient"] = 1e3 * (time.perf_counter() - start) / len(test)
    full = data.subset(te)
    start = time.perf_counter()
    per_sample_hain(full)
    ms["hain_attention_gradient_batched"] = 1e3 * (time.perf_counter() - start) / len(full)
    for variant, method, opts in (
        ("integrated_gradients_50", "integrated_gradients", {"n_steps": 50}),
        ("lime_5000", "lime", {"n_samples": 5000}),
        ("kernel_shap_5000", "kernel_shap", {"n_samples": 5000}),
    ):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            attribution(est, test, method, **opts)
        ms[variant] = 1e3 * (time.perf_counter() - start) / len(test)
        print(f"  speed {variant}: {ms[variant]:.1f} ms/sample", flush=True)
    try:
        import lime  # noqa: F401

        lime_pkg = "installed but not run"
    except ImportError:
        lime_pkg = "not installed"
    rows = []
    for variant, v in ms.items():
        n = len(full) if variant.endswith("batched") else len(test)
        rows.append(row(name, variant, "ms_per_sample", v, v * n / 1e3, lime_package=lime_pkg))
        rows.append(row(name, variant, "speedup_vs_lime", ms["lime_5000"] / v, v * n / 1e3))
    return rows
