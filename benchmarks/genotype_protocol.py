"""Planted-causal protocol on real genotypes: PLINK 2, L1 LR, trend test and HEMERA LIG.

Data (cite: HapMap3 via OpenMendel/OrdinalGWAS.jl, MIT; BGLR mice via gdlc/BGLR-R, GPL-3):
``hapmap3`` chromosomes 1-3 (324 people) and ``bglr_mice`` autosomes, every third SNP, 400
random mice (sizes in the results file). Per cohort and phenotype seed (10 seeds):

- causal SNPs: ``n_causal`` SNPs (MAF >= 0.05), each with at least one *decoy*, a SNP
  within 10 SNPs on its chromosome with r^2 >= 0.5 (project's ``ld_r2``); the LD block of a
  causal SNP is itself plus its decoys (blocks disjoint);
- phenotype: additive liability, h2 0.6, binary by liability threshold
  (``attnscope.sim.simulate_phenotype``); stratified 70/30 train/test split (seeded);
- rankings from the training share: PLINK 2 ``--glm`` p-value (Debian plink2 on a written
  .bed/.bim/.fam + .pheno), |L1 LR coefficient| (the run baseline of
  ``run/_baselines.py``; ties at 0 broken at random), the trend test of ``run/_baselines``,
  and HEMERA mean-over-carriers LIG (``attribute(..., method="lig")`` +
  ``snp_importance``, 8 steps) on at most 30 held-out people (``hemera_*``) and, for the
  gated setting, on the whole training share (``hemera_gated_train``: the same people the
  baselines rank from; the held-out ranking saw a tenth as many carriers of each allele);
- recall and precision of the causal SNPs in the top 1% (a hit only on the causal SNP
  itself) and block recall (a causal SNP counts when it or one of its decoys is in the top
  1%); held-out AUROC of HEMERA and L1 LR on the test share.

HEMERA runs in two settings: ``paper`` (the reproduction setting of ``benchmarks/hemera.py``)
and ``gated`` (per-SNP gate + linear path, ``snp_gate=True``), whose ``gate_l1``, ``gate_lr``
and ``init_C`` (gates from 0, or from an L1 logistic regression: a linear-probe start) are
chosen on validation data only: phenotype seeds 100 and 101 (not used in the protocol), a
validation quarter carved from the training share, by mean validation AUROC. Training-seed
spread: for phenotype seed 0 of each cohort, the LIG rank of each causal SNP over
``--train-seeds`` HEMERA training seeds. Mice albino (real trait, Tyr): held-out AUROC.

HEMERA with the paper setting runs on the first ``--paper-seeds`` phenotype seeds only, and
the spread uses ``--train-seeds`` (5 by default, not the 10 asked for: CPU time).

Usage: ``python benchmarks/genotype_protocol.py --part hapmap3`` then ``--part mice``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import provenance, row, stamp_of, write_results
from _genotype_config import GATED, GRID, LD_R2, LD_WINDOW, PAPER, TOP, VAL_SEEDS
from _genotype_data import cohort, ld_neighbours, planted
from _genotype_docs import markdown  # noqa: F401 (markdown: readme.py)
from _genotype_rankings import (
    fit_hemera,
    l1_lr,
    lig_scores,
    path_aurocs,
    plink_glm,
    plink_version,
    ranks,
    recovery,
)


def validate(g: Any, nbrs: list[np.ndarray], args: Any) -> tuple[dict[str, Any], list[dict]]:
    """Choose the gated option's ``GRID`` entry by validation AUROC (``VAL_SEEDS``)."""
    from sklearn.metrics import roc_auc_score

    from attnscope.data import train_val_test_split

    scores: list[list[float]] = [[] for _ in GRID]
    for seed in VAL_SEEDS:
        _, train, _, _ = planted(g, nbrs, seed, args)
        fit_i, _, val_i = train_val_test_split(
            train.y, val_size=0, test_size=0.25, random_state=seed
        )
        fit, val = train.subset(fit_i), train.subset(val_i)
        for k, options in enumerate(GRID):
            est = fit_hemera(fit, {**GATED, **options}, seed)
            scores[k].append(roc_auc_score(val.y, est.predict_proba(val)[:, 1]))
    table = [{**options, "val_auroc": float(np.mean(v))} for options, v in zip(GRID, scores)]
    best = max(table, key=lambda t: t["val_auroc"])  # the first on ties
    print(f"  validation {table} -> {best}", flush=True)
    return {**GATED, **{k: v for k, v in best.items() if k != "val_auroc"}}, table


def protocol(name: str, g: Any, configs: dict[str, dict], args: Any, save: Any) -> list[dict]:
    """10 phenotype seeds: rankings, recovery, AUROC; then the training-seed spread.

    ``save(rows)`` is called after every seed with the rows so far (a run cut short by its
    time limit leaves the seeds it finished, each row's ``n`` says how many)."""
    from sklearn.metrics import roc_auc_score

    from attnscope.run._baselines import association_test

    nbrs = ld_neighbours(g)
    res: dict[tuple[str, str], list[float]] = {}
    secs: dict[str, float] = {}
    per_seed: dict[str, list] = {}

    def add(method: str, metric: str, v: float, s: float = 0.0) -> None:
        res.setdefault((method, metric), []).append(v)
        secs[method] = secs.get(method, 0.0) + s

    for seed in range(args.seeds):
        data, train, test, (causal, decoys) = planted(g, nbrs, seed, args)
        scores: dict[str, np.ndarray] = {}
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            scores["plink2_glm"] = plink_glm(train, Path(tmp))
        add("plink2_glm", "_", 0, time.perf_counter() - t0)
        t0 = time.perf_counter()
        scores["l1_lr"], auc = l1_lr(train, test, seed)
        add("l1_lr", "auroc", auc, time.perf_counter() - t0)
        t0 = time.perf_counter()
        scores["trend_test"] = association_test(train.genotypes, train.y)[0]
        add("trend_test", "_", 0, time.perf_counter() - t0)
        for cname, cfg in configs.items():
            if cname == "paper" and seed >= args.paper_seeds:
                continue
            t0 = time.perf_counter()
            est = fit_hemera(train, cfg, seed)
            add(f"hemera_{cname}", "auroc", roc_auc_score(test.y, est.predict_proba(test)[:, 1]))
            if cname == "gated":
                for path, auc in path_aurocs(est, test).items():
                    add("hemera_gated", f"auroc_{path}_path", auc)
            scores[f"hemera_{cname}"] = lig_scores(est, test, data, args.n_explain, args.n_steps)
            add(f"hemera_{cname}", "_", 0, time.perf_counter() - t0)
            if cname == "gated":  # the same people as the baselines' rankings: the training share
                t0 = time.perf_counter()
                scores["hemera_gated_train"] = lig_scores(
                    est, train, data, len(train), args.n_steps
                )
                add("hemera_gated_train", "_", 0, time.perf_counter() - t0)
        line = []
        for method, sc in scores.items():
            rec = recovery(sc, causal, decoys, seed)
            for k in ("recall_top1pct", "precision_top1pct", "block_recall_top1pct"):
                add(method, k, rec[k])
            per_seed.setdefault(method, []).append(rec["causal_ranks"])
            line.append(f"{method} {rec['recall_top1pct']:.2f}")
        aucs = {m: round(v[-1], 3) for (m, k), v in res.items() if k == "auroc"}
        print(f"[{name} seed {seed}] recall {', '.join(line)}; auroc {aucs}", flush=True)
        rows = [
            row(name, method, metric, values, secs[method], per_seed=values,
                causal_ranks=per_seed.get(method), n_snps=int(g.n_snps), n_samples=len(g))
            for (method, metric), values in res.items()
            if metric != "_"
        ]  # fmt: skip
        save(rows)
    spread(name, g, nbrs, configs["gated"], args, rows)
    save(rows)
    return rows


def spread(name: str, g: Any, nbrs: list, cfg: dict[str, Any], args: Any, rows: list) -> None:
    """LIG rank of each causal SNP of phenotype seed 0 over HEMERA training seeds."""
    data, train, test, (causal, _) = planted(g, nbrs, 0, args)
    t0 = time.perf_counter()
    rk = []
    for s in range(args.train_seeds):
        sc = lig_scores(fit_hemera(train, cfg, 1000 + s), test, data, args.n_explain, args.n_steps)
        rk.append(ranks(sc, s)[causal])
    rk_arr = np.asarray(rk)  # (train seeds, causal)
    q1, med, q3 = np.percentile(rk_arr, [25, 50, 75], axis=0)
    rows.append(
        row(
            name,
            "hemera_gated",
            "causal_rank_iqr_over_train_seeds",
            q3 - q1,
            time.perf_counter() - t0,
            causal=data.snp_ids[causal].tolist(),
            median_rank=med.tolist(),
            min_rank=rk_arr.min(0).tolist(),
            max_rank=rk_arr.max(0).tolist(),
            ranks=rk_arr.tolist(),
            train_seeds=args.train_seeds,
            top1pct=max(1, round(TOP * g.n_snps)),
        )
    )


def albino(configs: dict[str, dict], args: Any, rows: list) -> None:
    """Mice albino vs rest (Tyr): held-out AUROC of HEMERA and L1 LR (one 70/30 split)."""
    from sklearn.metrics import roc_auc_score

    from attnscope.data import train_val_test_split
    from attnscope.datasets import load_bglr_mice

    d = load_bglr_mice("albino")
    d = d.select_snps((d.chromosomes != "X") & (np.arange(d.n_snps) % 3 == 0))
    rng = np.random.default_rng(0)
    cases = np.flatnonzero(d.y == 1)
    ctrl = rng.choice(np.flatnonzero(d.y == 0), 336 if not args.quick else 100, replace=False)
    d = d.subset(np.sort(np.concatenate([cases, ctrl])))
    res: dict[str, list[float]] = {}
    for seed in range(1):
        tr, _, te = train_val_test_split(d.y, val_size=0.0, test_size=0.3, random_state=seed)
        train, test = d.subset(tr), d.subset(te)
        res.setdefault("l1_lr", []).append(l1_lr(train, test, seed)[1])
        for cname, cfg in configs.items():
            p = fit_hemera(train, cfg, seed).predict_proba(test)[:, 1]
            res.setdefault(f"hemera_{cname}", []).append(roc_auc_score(test.y, p))
        print(
            f"[albino split {seed}] { ({k: round(v[-1], 3) for k, v in res.items()}) }", flush=True
        )
    for method, v in res.items():
        rows.append(row("mice_albino", method, "auroc", v, 0.0, per_split=v,
                        n_samples=len(d), n_snps=int(d.n_snps)))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=10, help="phenotype seeds (default 10)")
    parser.add_argument("--paper-seeds", type=int, default=2, help="seeds with hemera_paper")
    parser.add_argument("--train-seeds", type=int, default=5, help="HEMERA training seeds")
    parser.add_argument(
        "--part",
        choices=("hapmap3", "mice"),
        default="hapmap3",
        help="hapmap3: validation, HapMap3 protocol; mice: mice protocol and albino, with the "
        "setting validated by the hapmap3 part (rows of the other part are kept)",
    )
    args = parser.parse_args()
    import warnings

    import torch

    from _common import load_results

    warnings.filterwarnings("ignore", category=FutureWarning)
    torch.set_num_threads(1)  # one thread: far faster than two on the shared 2-core machine
    if args.quick:
        args.seeds, args.paper_seeds, args.train_seeds = 2, 1, 2
        PAPER["epochs"] = GATED["epochs"] = 4
    args.n_causal, args.h2, args.n_explain, args.n_steps = 5, 0.6, 30, 8
    name = "genotype_protocol_quick" if args.quick else "genotype_protocol"
    try:
        earlier = load_results(name)
    except (OSError, ValueError):
        earlier = {}
    t0, prov = time.perf_counter(), provenance()
    data = {args.part: cohort(args.part, args.quick)}
    configs: dict[str, dict[str, Any]] = {"paper": dict(PAPER)}
    if args.part == "hapmap3":
        configs["gated"], grid = validate(data["hapmap3"], ld_neighbours(data["hapmap3"]), args)
        validation = {
            "grid": grid,
            "seeds": list(VAL_SEEDS),
            "cohort": "hapmap3",
            "share": 0.25,
            **stamp_of(prov),  # the run that chose the gated setting
        }
        keep = {"mice", "mice_albino"}
    else:
        if "validation" not in earlier:
            raise SystemExit("run --part hapmap3 first: it chooses the gated setting")
        configs["gated"] = earlier["hemera_configs"]["gated"]
        validation = earlier["validation"]
        keep = {"hapmap3"}
    kept = [r for r in earlier.get("rows", []) if r["dataset"] in keep]
    settings = {
        "phenotype_seeds": args.seeds,
        "paper_seeds": args.paper_seeds,
        "train_seeds": args.train_seeds,
        "n_causal": args.n_causal,
        "heritability": args.h2,
        "top": TOP,
        "ld": {"window_snps": LD_WINDOW, "r2": LD_R2},
        "lig": {
            "n_explain": args.n_explain,
            "n_steps": args.n_steps,
            "target": "case",
            "hemera_gated_train": "LIG on every person of the training share",
        },
        "threads": 1,
    }

    def save(rows: list[dict[str, Any]]) -> None:
        write_results(
            "genotype_protocol",
            rows + kept,
            prov=prov,
            quick=args.quick,
            plink2=plink_version(),
            cohorts={
                **earlier.get("cohorts", {}),
                **{k: {"n_samples": len(g), "n_snps": int(g.n_snps)} for k, g in data.items()},
            },
            protocol={**earlier.get("protocol", {}), args.part: settings},
            hemera_configs=configs,
            validation=validation,
            seconds={**earlier.get("seconds", {}), args.part: time.perf_counter() - t0},
        )

    first: list[dict[str, Any]] = []
    if args.part == "mice":  # the real trait first: a run cut by its limit still has it
        albino(configs, args, first)
        save(first)
    protocol(args.part, data[args.part], configs, args, lambda rows: save(first + rows))


if __name__ == "__main__":
    main()
