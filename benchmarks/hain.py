"""HAIN (arXiv 2510.21820) on real expression data, simulated truth, speed and biomarkers.

Usage: ``python benchmarks/hain.py [--quick] [--folds 5] [--datasets kidney,golub]``

1. Stratified k-fold CV of HAIN vs Random Forest, L1 / L2 logistic regression and an MLP
   (scikit-learn) on seven real sets: accuracy, balanced accuracy, macro F1, AUROC.
2. Simulated expression with planted pathways (``attnscope.sim.simulate_expression``):
   precision@k of planted genes and pathways by alpha x beta, gradient x input, IG and RF.
3. Explanation speed on one fitted model and the same samples: HAIN attention + gradient,
   IG (50 steps), captum Lime and KernelShap (5,000 perturbations per sample).
4. Biomarkers: top-k genes vs OncoKB (hypergeometric p against the measured genes), the
   best-enriched gene set, and for ER status the rank of known ER genes per method.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results
from attnscope._utils.paths import shared_data_dir
from attnscope.data import TabularDataset, kfold_indices
from attnscope.estimators._hain import HAINClassifier, gene_set_pairs
from attnscope.metrics import classification_metrics

GMTS = {
    "hallmark": "h.all.v7.0.symbols.gmt",
    "kegg": "c2.cp.kegg.v7.5.1.symbols.gmt",
    "reactome": "c2.cp.reactome.v6.0.symbols.from_c2.all.gmt",
}
ER_GENES = ["ESR1", "GATA3", "FOXA1", "XBP1", "TFF1", "PGR", "AGR2", "TFF3", "CA12", "SLC39A6"]
METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "auroc")
TOP_K = 50


# -- data ------------------------------------------------------------------------------------
def _mrna(data: Any) -> TabularDataset:
    """The mRNA modality of a MOGONET-style MultiOmicsDataset as a TabularDataset."""
    return TabularDataset(
        labels=data.labels,
        sample_ids=data.sample_ids,
        class_names=list(data.class_names),
        truth=None,
        meta=dict(data.meta),
        X=data.omics["mRNA"],
        feature_names=data.feature_names["mRNA"],
    )


def _log_golub(data: TabularDataset) -> TabularDataset:
    """Usual Golub preprocessing: floor 20, ceiling 16,000, log2."""
    return replace(data, X=np.log2(np.clip(data.X, 20, 16000)).astype(np.float32))


def load(name: str) -> TabularDataset:
    """Real data set ``name`` through :mod:`attnscope.datasets`."""
    import attnscope.datasets as ds

    loaders = {
        "kidney": lambda: _mrna(ds.load_kidney("all")),
        "rosmap": lambda: _mrna(ds.load_rosmap("all")),
        "tcga_er": lambda: ds.load_tcga_pam50("er"),
        "tcga_luma_basal": lambda: ds.load_tcga_pam50("luma_basal"),
        "genefu_er": lambda: ds.load_genefu_expos("er"),
        "golub": lambda: _log_golub(ds.load_golub()),
        "srbct": ds.load_srbct,
    }
    return loaders[name]()


def read_gmt(path: Path) -> dict[str, list[str]]:
    from attnscope.io import read_gmt as public

    return dict(public(path))


def pick_gene_sets(names: np.ndarray) -> tuple[str | None, dict[str, list[str]] | None, float]:
    """The GMT covering the most features (sets of >= 3 measured genes); None below 5%."""
    best: tuple[str | None, dict[str, list[str]] | None, float] = (None, None, 0.0)
    for key, fname in GMTS.items():
        sets = read_gmt(shared_data_dir() / "reference" / "genesets" / fname)
        gi, si, groups = gene_set_pairs(sets, names)
        in_sets = gi[si != groups.index("OTHER")] if "OTHER" in groups else gi
        cov = float(np.unique(in_sets).size / len(names))
        if cov > best[2] + 0.02:  # prefer the smaller collection unless clearly better
            best = (key, sets, cov)
    return best if best[2] >= 0.05 else (None, None, best[2])


# -- models ----------------------------------------------------------------------------------
def hain(gene_sets: dict[str, list[str]] | None, quick: bool, seed: int) -> HAINClassifier:
    return HAINClassifier(
        gene_sets=gene_sets,
        dim=32,
        n_heads=4,
        epochs=40 if quick else 100,
        patience=10 if quick else 20,
        batch_size=32,
        random_state=seed,
    )


def baselines(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "random_forest": RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1),
        "logreg_l1": make_pipeline(
            StandardScaler(),
            LogisticRegression(penalty="l1", C=0.1, solver="liblinear", max_iter=2000),
        ),
        "logreg_l2": make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        "mlp": make_pipeline(
            StandardScaler(),
            MLPClassifier(
                (256, 64), alpha=1e-3, max_iter=300, early_stopping=False, random_state=seed
            ),
        ),
    }


def _fold_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    m = classification_metrics(y, proba, metrics=METRICS)
    return {k: float(m[k]) for k in METRICS}


def _ovr_liblinear(model: Any, n_classes: int) -> Any:
    if n_classes > 2 and hasattr(model, "steps"):  # liblinear L1 is one-vs-rest
        from sklearn.multiclass import OneVsRestClassifier

        return OneVsRestClassifier(model)
    return model


def cross_validate(
    name: str, data: TabularDataset, gene_sets: dict[str, list[str]] | None, args: Any
) -> list[dict[str, Any]]:
    folds = kfold_indices(data.y, n_splits=args.folds, random_state=0)
    scores: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, float] = {}
    for k, (tr, te) in enumerate(folds):
        train, test = data.subset(tr), data.subset(te)
        models: dict[str, Any] = {"hain": hain(gene_sets, args.quick, k), **baselines(k)}
        for variant, model in models.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if variant == "hain":
                    proba = model.fit(train).predict_proba(test)
                else:
                    if variant == "logreg_l1":
                        model = _ovr_liblinear(model, data.n_classes)
                    proba = model.fit(train.X, train.y).predict_proba(test.X)
            seconds[variant] = seconds.get(variant, 0.0) + time.perf_counter() - start
            for metric, v in _fold_metrics(test.y, proba).items():
                scores.setdefault(variant, {}).setdefault(metric, []).append(v)
        print(
            f"  {name} fold {k}: "
            + ", ".join(f"{v}={s['accuracy'][-1]:.3f}" for v, s in scores.items()),
            flush=True,
        )
    return [
        row(name, variant, metric, vals, seconds[variant])
        for variant, per in scores.items()
        for metric, vals in per.items()
    ]


# -- explanations ----------------------------------------------------------------------------
def attribution(est: HAINClassifier, data: TabularDataset, method: str, **opts: Any) -> np.ndarray:
    """Per-sample attributions; the registry's methods when present, captum otherwise."""
    from attnscope.explain import METHODS, attribute

    if method in ("hierarchical", "gradient") or method in METHODS:
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
    k = int(truth.sum())
    return float(truth[np.argsort(-scores)[:k]].mean())


def simulated(args: Any) -> list[dict[str, Any]]:
    from sklearn.ensemble import RandomForestClassifier

    try:
        from attnscope.sim import simulate_expression
    except ImportError:
        from attnscope.sim._expression import simulate_expression
    rows: list[dict[str, Any]] = []
    n_seeds = 1 if args.quick else 3
    res: dict[str, dict[str, list[float]]] = {}
    secs: dict[str, float] = {}
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
            ("gradient_x_input", "gradient"),
            ("integrated_gradients", "integrated_gradients"),
        ):
            start = time.perf_counter()
            gene_scores[variant] = np.abs(attribution(est, test, method)).mean(0)
            secs[variant] = secs.get(variant, 0.0) + time.perf_counter() - start
        groups = list(est.group_names_)
        beta = est.pathway_importances_.mean(0)
        pathway_scores["alpha_x_beta"] = np.array(
            [beta[groups.index(p)] if p in groups else 0.0 for p in pnames]
        )
        start = time.perf_counter()
        rf = RandomForestClassifier(500, random_state=seed, n_jobs=1).fit(train.X, train.y)
        gene_scores["random_forest"] = rf.feature_importances_
        secs["random_forest"] = time.perf_counter() - start
        for variant, g in gene_scores.items():
            # pathway score for gene-level methods: mean score of the set's genes
            pathway_scores.setdefault(variant, member @ g / member.sum(1))
            res.setdefault(variant, {}).setdefault("precision_at_k_genes", []).append(
                precision_at_k(g, data.truth)
            )
            res[variant].setdefault("precision_at_k_pathways", []).append(
                precision_at_k(pathway_scores[variant], truth_p)
            )
        print(
            f"  simulated seed {seed}: "
            + ", ".join(
                f"{v}={r['precision_at_k_genes'][-1]:.2f}/{r['precision_at_k_pathways'][-1]:.2f}"
                for v, r in res.items()
                if "precision_at_k_genes" in r
            ),
            flush=True,
        )
    for variant, per in res.items():
        for metric, vals in per.items():
            rows.append(
                row("simulated_pathways", variant, metric, vals, secs.get(variant, secs["fit"]))
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


# -- biomarkers ------------------------------------------------------------------------------
def oncokb() -> set[str]:
    path = shared_data_dir() / "reference" / "oncokb_cancerGeneList_2022-05.tsv"
    return set(pd.read_csv(path, sep="\t")["Hugo Symbol"].astype(str).str.upper())


def hypergeom_p(hits: int, k: int, successes: int, population: int) -> float:
    from scipy.stats import hypergeom

    return float(hypergeom.sf(hits - 1, population, successes, k))


def biomarkers(
    name: str, data: TabularDataset, gene_sets: dict[str, list[str]] | None, args: Any
) -> list[dict[str, Any]]:
    from sklearn.ensemble import RandomForestClassifier

    genes = np.char.upper(data.feature_names.astype(str))
    order = np.random.default_rng(0).permutation(len(data))
    cut = int(0.8 * len(data))
    train, test = data.subset(order[:cut]), data.subset(order[cut:])
    start = time.perf_counter()
    est = hain(gene_sets, args.quick, 0).fit(train)
    fit_s = time.perf_counter() - start
    scores = {
        "alpha_x_beta": est.feature_importances_.mean(0),
        "gradient_x_input": np.abs(attribution(est, test, "gradient")).mean(0),
        "integrated_gradients": np.abs(attribution(est, test, "integrated_gradients")).mean(0),
        "random_forest": RandomForestClassifier(500, random_state=0, n_jobs=1)
        .fit(train.X, train.y)
        .feature_importances_,
    }
    onc = oncokb()
    measured_onc = int(np.isin(genes, list(onc)).sum())
    k = min(TOP_K, len(genes) // 4)
    rows = []
    all_sets = read_gmt(shared_data_dir() / "reference" / "genesets" / GMTS["hallmark"])
    for variant, s in scores.items():
        rank = np.argsort(-s)
        top = genes[rank[:k]]
        hits = int(np.isin(top, list(onc)).sum())
        p = hypergeom_p(hits, k, measured_onc, len(genes))
        rows += [
            row(
                name,
                variant,
                f"oncokb_hits_top{k}",
                hits,
                fit_s,
                measured=len(genes),
                measured_in_oncokb=measured_onc,
            ),
            row(name, variant, f"oncokb_hypergeom_p_top{k}", p, fit_s),
        ]
        # enrichment: the Hallmark set with the smallest hypergeometric p among the top genes
        best_p, best_set = 1.0, ""
        top_set = set(top)
        for set_name, members in all_sets.items():
            m = set(g.upper() for g in members) & set(genes)
            if len(m) < 3:
                continue
            p_set = hypergeom_p(len(m & top_set), k, len(m), len(genes))
            if p_set < best_p:
                best_p, best_set = p_set, set_name
        rows.append(
            row(
                name,
                variant,
                f"best_hallmark_p_top{k}",
                best_p,
                fit_s,
                gene_set=best_set,
                n_sets_tested=len(all_sets),
            )
        )
        if "er" in name:
            pos = np.empty(len(genes), dtype=int)
            pos[rank] = np.arange(1, len(genes) + 1)
            for g in ER_GENES:
                if g in genes:
                    rows.append(
                        row(
                            name,
                            variant,
                            f"rank_{g}",
                            int(pos[genes == g].min()),
                            fit_s,
                            n_genes=len(genes),
                        )
                    )
    return rows


# -- README section --------------------------------------------------------------------------
def markdown(results: dict) -> str:
    """README section generated from ``benchmarks/results/hain.json``."""
    df = pd.DataFrame(results["rows"])
    out = [
        "## HAIN: hierarchical attention genes -> pathways -> class",
        "",
        f"Produced by `{results['command']}` ({results['environment']['date']}, "
        f"{results['environment']['threads']} CPU threads). Data: see "
        "`../shared/data/README.md` for sources (MOGANet kidney, MOGONET ROSMAP, TCGA BRCA "
        "PAM50 via vennemeyers/Example1, genefu expO, Golub 1999, Khan 2001 SRBCT; MSigDB "
        "Hallmark/KEGG/Reactome; OncoKB).",
        "",
    ]
    cv = df[df.metric.isin(METRICS) & ~df.dataset.str.startswith(("simulated", "speed"))]
    if len(cv):
        out += ["### Cross-validated accuracy (mean ± std over folds)", ""]
        sets = results.get("gene_sets", {})
        for metric in ("accuracy", "auroc"):
            tab = cv[cv.metric == metric].pivot(
                index="dataset", columns="variant", values=["mean", "std"]
            )
            variants = list(tab["mean"].columns)
            out += [
                f"**{metric}**",
                "",
                "| dataset | gene sets | " + " | ".join(variants) + " |",
                "|---|---|" + "---|" * len(variants),
            ]
            for ds in tab.index:
                cells = [
                    f"{tab['mean'].loc[ds, v]:.3f} ± {tab['std'].loc[ds, v]:.3f}" for v in variants
                ]
                out.append(f"| {ds} | {sets.get(ds, '')} | " + " | ".join(cells) + " |")
            out.append("")
            if "hain" in variants:
                best = tab["mean"].drop(columns="hain").idxmax(axis=1)
                verdict = []
                for ds in tab.index:
                    b = best[ds]
                    ok = (
                        tab["mean"].loc[ds, "hain"]
                        >= tab["mean"].loc[ds, b] - tab["std"].loc[ds, b]
                    )
                    verdict.append(f"{ds} {'yes' if ok else 'no'} (best: {b})")
                out += [
                    f"HAIN {metric} within one std of the best baseline: " + "; ".join(verdict),
                    "",
                ]
    sim = df[df.dataset == "simulated_pathways"]
    if len(sim):
        out += [
            "### Planted-truth recovery (simulated, precision@k)",
            "",
            "| method | genes | pathways |",
            "|---|---|---|",
        ]
        for v in sim.variant.unique():
            sub = sim[sim.variant == v].set_index("metric")
            if "precision_at_k_genes" in sub.index:
                g, p = sub.loc["precision_at_k_genes"], sub.loc["precision_at_k_pathways"]
                out.append(
                    f"| {v} | {g['mean']:.2f} ± {g['std']:.2f} | {p['mean']:.2f} ± {p['std']:.2f} |"
                )
        out.append("")
    sp = df[df.metric == "ms_per_sample"]
    if len(sp):
        out += [
            "### Explanation speed (same model, same samples)",
            "",
            "| data | method | ms/sample | LIME time / method time |",
            "|---|---|---|---|",
        ]
        ratio = df[df.metric == "speedup_vs_lime"].set_index(["dataset", "variant"])["mean"]
        for _, r in sp.iterrows():
            out.append(
                f"| {r.dataset} | {r.variant} | {r['mean']:.2f} | "
                f"{ratio.loc[(r.dataset, r.variant)]:.0f}x |"
            )
        out.append("")
    bio = df[df.metric.str.startswith(("oncokb", "rank_", "best_hallmark"))]
    if len(bio):
        out += [
            "### Biomarkers",
            "",
            'The paper\'s "84.7% correlation to literature" is undefined; these figures are: '
            "OncoKB genes among the top-k (hypergeometric p against the measured genes), the "
            "best Hallmark set among the top-k, and for ER status the rank of known ER genes.",
            "",
            "| data | method | metric | value |",
            "|---|---|---|---|",
        ]
        for _, r in bio.iterrows():
            extra = f" ({r['gene_set']})" if isinstance(r.get("gene_set"), str) else ""
            out.append(f"| {r.dataset} | {r.variant} | {r.metric} | {r['mean']:.3g}{extra} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--folds", type=int, default=None)
    parser.add_argument(
        "--datasets", default="kidney,rosmap,tcga_er,tcga_luma_basal,genefu_er,golub,srbct"
    )
    parser.add_argument("--skip", default="", help="comma list of parts: cv,sim,speed,bio")
    parser.add_argument("--cv", default=None, help="datasets to cross-validate (default all)")
    parser.add_argument(
        "--keep-existing",
        action="store_true",
        help="keep rows of results/hain.json for datasets this run does not produce",
    )
    args = parser.parse_args(argv)
    args.folds = args.folds or (3 if args.quick else 5)
    torch.set_num_threads(1)
    skip = set(args.skip.split(","))
    rows: list[dict[str, Any]] = []
    chosen: dict[str, str] = {}
    kept: dict[str, Any] = {}
    if args.keep_existing:
        from _common import load_results

        old = load_results("hain")
        kept = {"earlier_runs": [*old.get("earlier_runs", []), old["command"]]}
        chosen.update(old.get("gene_sets", {}))
        rows = list(old["rows"])
    loaded: dict[str, tuple[TabularDataset, Any]] = {}
    for name in args.datasets.split(","):
        data = load(name)
        key, sets, cov = pick_gene_sets(data.feature_names)
        chosen[name] = f"{key} ({cov:.0%} of genes)" if key else f"soft clusters ({cov:.0%})"
        loaded[name] = (data, sets)
        print(f"{name}: {len(data)} x {data.n_features}, {chosen[name]}", flush=True)
        if "cv" not in skip and (args.cv is None or name in args.cv.split(",")):
            rows += cross_validate(name, data, sets, args)
            write_results("hain", rows, gene_sets=chosen, complete=False, **kept)
    if "sim" not in skip:
        rows += simulated(args)
        write_results("hain", rows, gene_sets=chosen, complete=False, **kept)
    if "speed" not in skip and "kidney" in loaded:
        rows += speed(*loaded["kidney"], args, "speed_kidney")
        write_results("hain", rows, gene_sets=chosen, complete=False, **kept)
    if "bio" not in skip:
        for name in ("kidney", "genefu_er", "tcga_er"):
            if name in loaded:
                rows += biomarkers(name, *loaded[name], args)
    write_results("hain", rows, gene_sets=chosen, complete=True, **kept)


if __name__ == "__main__":
    main()
