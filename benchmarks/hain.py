"""HAIN (arXiv 2510.21820) on real expression data, simulated truth, speed and biomarkers.

Usage: ``python benchmarks/hain.py [--quick] [--folds 5] [--datasets kidney,golub] [--jobs 2]``

The parts run in ``--jobs`` worker processes (one torch thread each); the speed part runs
alone afterwards, so that its timings do not share the CPU.

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
import multiprocessing as mp
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results
from _hain_docs import markdown  # noqa: F401 (markdown: readme.py)
from _hain_explain import attribution, simulated, speed
from _hain_models import cross_validate, hain
from attnscope._utils.paths import shared_data_dir
from attnscope.data import TabularDataset
from attnscope.estimators._hain import gene_set_pairs
from attnscope.metrics import geneset_enrichment

GMTS = {
    "hallmark": "h.all.v7.0.symbols.gmt",
    "kegg": "c2.cp.kegg.v7.5.1.symbols.gmt",
    "reactome": "c2.cp.reactome.v6.0.symbols.from_c2.all.gmt",
}
ER_GENES = ["ESR1", "GATA3", "FOXA1", "XBP1", "TFF1", "PGR", "AGR2", "TFF3", "CA12", "SLC39A6"]
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
    hallmark = {n: [g.upper() for g in members] for n, members in all_sets.items()}
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
        # enrichment: the Hallmark set with the smallest hypergeometric p among the top
        # genes, with that p corrected for the number of sets tested (Bonferroni; the
        # minimum over ~50 uncorrected p-values is no evidence on its own)
        enriched = geneset_enrichment(s, hallmark, k=k, feature_names=genes)
        best = enriched[0] if enriched else {"p_value": 1.0, "adjusted_p": 1.0, "set": ""}
        n_tested = len(enriched)
        for metric, value in (("p", best["p_value"]), ("bonferroni_p", best["adjusted_p"])):
            rows.append(
                row(
                    name,
                    variant,
                    f"best_hallmark_{metric}_top{k}",
                    value,
                    fit_s,
                    gene_set=best["set"],
                    n_sets_tested=n_tested,
                    fdr=best.get("fdr", 1.0),
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


#: Minutes each task took at 1 torch thread (orders the --jobs queue; no effect on rows).
EXPECTED_MINUTES: dict[tuple[str, str], float] = {
    ("cv", "golub"): 37.0,
    ("cv", "srbct"): 22.0,
    ("sim", ""): 15.0,
    ("cv", "tcga_er"): 10.0,
    ("cv", "kidney"): 9.0,
    ("cv", "rosmap"): 5.0,
    ("cv", "genefu_er"): 3.5,
    ("cv", "tcga_luma_basal"): 2.7,
}


def _load_with_sets(name: str) -> tuple[TabularDataset, dict[str, list[str]] | None, str]:
    """Data set ``name``, its gene sets and how they were chosen."""
    data = load(name)
    key, sets, cov = pick_gene_sets(data.feature_names)
    label = f"{key} ({cov:.0%} of genes)" if key else f"soft clusters ({cov:.0%})"
    print(f"{name}: {len(data)} x {data.n_features}, {label}", flush=True)
    return data, sets, label


def _run_task(task_args: tuple[tuple[str, str], Any]) -> tuple[list[dict[str, Any]], dict]:
    """One part of the benchmark in a worker process: its rows and the gene sets used."""
    (kind, name), args = task_args
    torch.set_num_threads(1)
    if kind == "sim":
        return simulated(args), {}
    data, sets, label = _load_with_sets(name)
    part = cross_validate if kind == "cv" else biomarkers
    return part(name, data, sets, args), {name: label}


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
        "--select",
        default="golub,srbct",
        help="datasets on which HAIN's training setting is chosen per fold from HAIN_GRID "
        "by an inner validation split of the training fold (default: the two sets under 100 "
        "samples, where early stopping watches a validation split of ~5 samples)",
    )
    parser.add_argument(
        "--keep-existing",
        action="store_true",
        help="keep rows of results/hain.json for datasets this run does not produce",
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="worker processes (1 torch thread each)"
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
    n_old = len(rows)

    def save(complete: bool) -> None:
        """Write; with --keep-existing a new row replaces an old one of the same key."""
        new = rows[n_old:]
        fresh = {(r["dataset"], r["variant"], r["metric"]) for r in new}
        old_rows = [
            r for r in rows[:n_old] if (r["dataset"], r["variant"], r["metric"]) not in fresh
        ]
        write_results("hain", old_rows + new, gene_sets=chosen, complete=complete, **kept)

    names = args.datasets.split(",")
    tasks: list[tuple[str, str]] = []
    if "cv" not in skip:
        tasks += [("cv", n) for n in names if args.cv is None or n in args.cv.split(",")]
    if "sim" not in skip:
        tasks.append(("sim", ""))
    if "bio" not in skip:
        tasks += [("bio", n) for n in ("kidney", "genefu_er", "tcga_er") if n in names]
    # the longest first, so that --jobs processes finish together; rows keep task order
    tasks.sort(key=lambda t: -EXPECTED_MINUTES.get(t, 1.0))
    jobs = max(1, min(args.jobs, len(tasks)))
    with mp.get_context("spawn").Pool(jobs) as pool:
        for task_rows, task_sets in pool.imap(_run_task, [(t, args) for t in tasks]):
            rows += task_rows
            chosen.update(task_sets)
            save(False)
    if "speed" not in skip and "kidney" in names:  # timed alone, after the pool
        data, sets, label = _load_with_sets("kidney")
        chosen["kidney"] = label
        rows += speed(data, sets, args, "speed_kidney")
    save(True)


if __name__ == "__main__":
    main()
