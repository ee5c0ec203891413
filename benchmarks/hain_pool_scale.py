"""HAIN's ``pool_scale`` chosen on validation data only: mean vs sqrt(size) pooling.

Usage: ``python benchmarks/hain_pool_scale.py [--quick] [--datasets golub,srbct,...] [--folds 3]``

For each of the first ``--folds`` outer training folds of ``benchmarks/hain.py``'s 5-fold
split (test folds never read), HAIN is fitted on an inner stratified 75% and scored on the
other 25% with ``pool_scale`` "mean" and "sqrt_size", each under both training settings of
``HAIN_GRID`` (the default, and 200 epochs without early stopping), with the gene sets the
HAIN benchmark uses (soft clusters on Golub and SRBCT, whose names are not gene symbols).
The L2 logistic regression of the benchmark is scored on the same inner splits as a
reference. Writes ``results/hain_pool_scale.json``; the default ``pool_scale="auto"``
(sqrt_size for soft clusters, mean for gene sets) was chosen from these figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results
from _hain_models import HAIN_GRID, _fold_metrics, baselines, hain
from attnscope.data import kfold_indices

SCALES = ("mean", "sqrt_size")
PROTOCOL = (
    "Per outer training fold of the HAIN benchmark's 5-fold split (its test fold never "
    "read): HAIN fitted on an inner stratified 75% and scored on the other 25%, with each "
    "pool_scale under each HAIN_GRID training setting and the benchmark's grouping (soft "
    "clusters on Golub and SRBCT, gene sets elsewhere); L2 logistic regression on the same "
    "inner splits for reference. The default pool_scale='auto' (sqrt_size for soft "
    "clusters, mean for gene sets) was chosen from this table."
)


def _inner_fold(task: tuple[str, int, bool]) -> list[dict[str, Any]]:
    """Every (pool_scale, training setting) and L2 LR on one inner split of one outer fold."""
    from hain import load, pick_gene_sets

    name, k, quick = task
    torch.set_num_threads(1)
    data = load(name)
    _, sets, _ = pick_gene_sets(data.feature_names)
    train = data.subset(kfold_indices(data.y, n_splits=5, random_state=0)[k][0])
    inner_tr, inner_va = kfold_indices(train.y, n_splits=4, random_state=k)[0]
    fit_on, check_on = train.subset(inner_tr), train.subset(inner_va)
    out: list[tuple[str, dict[str, float], float]] = []
    start = time.perf_counter()
    lr = baselines(k)["logreg_l2"].fit(fit_on.X, fit_on.y)
    proba = lr.predict_proba(check_on.X)
    out.append(("logreg_l2", _fold_metrics(check_on.y, proba), time.perf_counter() - start))
    for scale in SCALES:
        for setting, options in HAIN_GRID.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = hain(sets, quick, k, pool_scale=scale, **options).fit(fit_on)
            scores = _fold_metrics(check_on.y, est.predict_proba(check_on))
            out.append((f"hain_{scale}_{setting}", scores, time.perf_counter() - start))
            print(f"{name} fold {k} {scale} {setting}: {scores['auroc']:.3f}", flush=True)
    return [
        {"dataset": name, "fold": k, "variant": v, "scores": s, "seconds": t} for v, s, t in out
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SRBCT, one fold, 40 epochs")
    parser.add_argument("--datasets", default="golub,srbct,genefu_er,tcga_luma_basal")
    parser.add_argument("--folds", type=int, default=3, help="outer training folds used")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (1 thread each)")
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.folds = "srbct", 1
    tasks = [(n, k, args.quick) for n in args.datasets.split(",") for k in range(args.folds)]
    with mp.get_context("spawn").Pool(max(1, min(args.jobs, len(tasks)))) as pool:
        units = [u for part in pool.map(_inner_fold, tasks) for u in part]
    rows = []
    for name in args.datasets.split(","):
        for variant in dict.fromkeys(u["variant"] for u in units):
            mine = [u for u in units if u["dataset"] == name and u["variant"] == variant]
            for metric in ("auroc", "balanced_accuracy"):
                rows.append(
                    row(
                        name,
                        variant,
                        f"inner_val_{metric}",
                        [u["scores"][metric] for u in mine],
                        sum(u["seconds"] for u in mine),
                        folds=[u["fold"] for u in mine],
                    )
                )
    write_results("hain_pool_scale", rows)


def markdown(results: dict[str, Any]) -> str:
    """Docs section generated from ``results/hain_pool_scale.json``."""
    lines = [
        "### HAIN pool_scale, chosen on inner validation splits",
        "",
        PROTOCOL,
        "",
        "| data set | variant | inner-validation AUROC per outer fold | mean |",
        "|---|---|---|---:|",
    ]
    for r in results["rows"]:
        if r["metric"] == "inner_val_auroc":
            per_fold = " / ".join(f"{v:.3f}" for v in r.get("values", [r["mean"]]))
            lines.append(f"| {r['dataset']} | {r['variant']} | {per_fold} | {r['mean']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
