"""Attention-based multi-omics fusion (issue 8) against early-fusion baselines.

Data: ROSMAP (AD vs control; txWang/MOGONET, MIT) and TCGA kidney (HaoWuLab-Bioinformatics/
MOGANet) from ``../shared/data/multiomics``, on their given train/test split and on repeated
stratified cross-validation of train + test pooled; plus simulated multi-omics with planted
features (``attnscope.sim.simulate_multiomics``).

Compared: FusionClassifier (seeds, their probability average, ablations without cross-attention
or without the modality level, each modality alone), and early fusion (concatenated omics) with
logistic regression, a 500-tree random forest and an MLP, plus LR / RF on each modality alone.
Robustness: each modality removed at test time (fusion: marked absent; baselines: mean-imputed).

Usage: ``python benchmarks/fusion.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results
from _fusion_config import FUSION, PAPER_GRID, PUBLISHED
from _fusion_docs import markdown
from _fusion_given import given_split
from _fusion_models import headline_baselines, scores
from _fusion_sim import lowest_by_margin, simulated

__all__ = ["lowest_by_margin", "main", "markdown"]

NAME = "fusion"


def main() -> None:
    import _fusion_rosmap as R

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds on the given split")
    parser.add_argument(
        "--paper-seeds", type=int, default=3, help="seeds of the paper (reproduction) setting"
    )
    parser.add_argument("--cv-repeats", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sim-samples", type=int, default=300)
    parser.add_argument(
        "--kidney", action="store_true", help="also TCGA kidney (secondary; not a headline)"
    )
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from attnscope.datasets import load_kidney, load_rosmap

    seeds, paper_seeds = list(range(args.seeds)), args.paper_seeds
    folds, repeats, n_trees, n_sim = args.folds, args.cv_repeats, 500, args.sim_samples
    if args.quick:
        seeds, paper_seeds, folds, repeats, n_trees, n_sim = [0, 1], 1, 2, 1, 50, 100
        FUSION["epochs"] = 1
        R.GRID = {k: {**v, "epochs": 1} for k, v in list(R.GRID.items())[:1]}
        PAPER_GRID.clear()
        PAPER_GRID["probe_lr1e-4_e1"] = {}
    settings: dict[str, Any] = {
        "fusion_paper_params": FUSION,
        "fusion_attn_base": R.FUSION_ATTN,
        "fusion_attn_grid": R.GRID,
        "seeds": seeds,
        "paper_seeds": paper_seeds,
        "sim_samples": n_sim,
        "cv": {"folds": folds, "repeats": repeats},
        "n_trees": n_trees,
        "published_mogonet_rosmap": PUBLISHED,
        "fusion_paper_grid": PAPER_GRID,
    }
    train, test = load_rosmap("train"), load_rosmap("test")
    # Most wanted first; the results file is rewritten after each part.
    choice, attn, evidence = R.select(train, scores)
    settings["fusion_attn_selection"] = {"chosen": choice, "params": attn}
    settings["fusion_attn_evidence"] = evidence
    paper_choice, _, paper_evidence = R.select(train, scores, base=FUSION, grid=PAPER_GRID)
    FUSION.update(PAPER_GRID[paper_choice])  # every fusion_paper row below uses the choice
    settings["fusion_paper_evidence"] = paper_evidence
    rf = f"concat_rf{n_trees}"
    rows = R.given(
        train,
        test,
        {"fusion_attn": (attn, seeds), "fusion_attn_start": ({**attn, "epochs": 0}, seeds)},
        seeds=seeds,
        n_trees=n_trees,
        scores=scores,
        baselines=headline_baselines,
        comparisons={
            f"fusion_attn_vs_{rf}": ("fusion_attn", rf),
            "fusion_attn_vs_start": ("fusion_attn", "fusion_attn_start"),
        },
    )
    write_results(NAME, rows, settings=settings)
    rows += R.cross_validation(
        load_rosmap("all"),
        attn,
        folds=folds,
        repeats=repeats,
        n_trees=n_trees,
        scores=scores,
        baselines=headline_baselines,
    )
    write_results(NAME, rows, settings=settings)
    rows += R.given(
        train,
        test,
        {
            "fusion_paper": (FUSION, seeds[:paper_seeds]),
            "fusion_paper_start": ({**FUSION, "epochs": 0}, seeds[:paper_seeds]),
        },
        seeds=seeds,
        n_trees=n_trees,
        scores=scores,
        baselines=None,
        comparisons={"fusion_paper_vs_start": ("fusion_paper", "fusion_paper_start")},
    )
    write_results(NAME, rows, settings=settings)
    rows += simulated(seeds[:1], n_sim, attn=attn)
    write_results(NAME, rows, settings=settings)
    if args.kidney:
        rows += given_split(
            "kidney",
            load_kidney("train"),
            load_kidney("test"),
            seeds[:paper_seeds],
            n_trees,
            ablation_seeds=1,
            single_fusion=False,
        )
        write_results(NAME, rows, settings=settings)


if __name__ == "__main__":
    main()
