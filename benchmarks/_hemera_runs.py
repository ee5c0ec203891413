"""The three protocols of ``benchmarks/hemera.py``: HapMap3 with simulated phenotypes (CV),
ablations on chromosomes 1-3, and BGLR mice albino vs the rest."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _common import row
from _hemera_models import (
    all_snp_rankings,
    binary_metrics,
    cv_folds,
    dosages,
    fit_hemera,
    locus_scores,
    logistic,
    split,
    trend_test,
)

TYR_CM = 44.06  # MGI: Tyr, chromosome 7, 44.06 cM
#: Ablations of the paper (layers 1-6, heads 1-4, MAF 0.01-0.4, MLM on/off), reduced grid,
#: plus the optimiser setting this implementation changes (plain AdamW on E and F, with
#: the Linformer's 1/sqrt(n) initialisation).
ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("base", {}),
    ("plain_adamw_EF", {"proj_eps": None, "proj_init": 1.0, "proj_l1": 0.0}),
    ("no_pretrain", {"pretrain_epochs": 0}),
    ("layers2", {"n_layers": 2}),
    ("heads4", {"heads": 4}),
    ("maf0.2", {"maf": 0.2}),
    ("no_l1_EF", {"proj_l1": 0.0}),
    ("heads2", {"heads": 2}),
    ("layers4", {"n_layers": 4}),
    ("maf0.1", {"maf": 0.1}),
    ("maf0.4", {"maf": 0.4}),
]


def run_simulated(geno: Any, args: Any, rows: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    from attnscope.sim import simulate_phenotype

    settings: list[tuple[str, dict[str, Any]]] = [
        ("additive", {"model": "additive"}),
        ("epistatic", {"model": "epistatic"}),
    ]
    res: dict[tuple[str, str, str], list[float]] = {}
    secs: dict[tuple[str, str, str], float] = {}

    def add(key: tuple[str, str, str], value: float, s: float) -> None:
        res.setdefault(key, []).append(value)
        secs[key] = secs.get(key, 0.0) + s

    for setting, kw in settings:
        for seed in range(args.seeds):
            data = simulate_phenotype(
                geno, n_causal=args.n_causal, heritability=args.h2, random_state=seed, **kw
            )
            causal = np.asarray(data.meta["causal_index"])
            print(f"[{setting} seed {seed}] causal {causal.tolist()}", flush=True)
            for fold, (tr_idx, te_idx) in enumerate(cv_folds(data.y, args.folds, seed)):
                train, test = data.subset(tr_idx), data.subset(te_idx)
                est, fit_s = fit_hemera(train, cfg, seed)
                proba = est.predict_proba(test)[:, 1]
                for m, v in binary_metrics(test.y, proba).items():
                    add((setting, "hemera", m), v, fit_s)
                # Fine-tuning epochs in the kept model (counted from 1).
                add((setting, "hemera", "epochs_kept"), est.history_.best_epoch + 1, 0.0)
                g_tr, g_te = dosages(train), dosages(test)
                scores: dict[str, np.ndarray] = {}
                for pen in ("l1", "l2"):
                    t0 = time.perf_counter()
                    lr = logistic(g_tr, train.y, pen, seed)
                    p_lr = lr.predict_proba(g_te)[:, 1]
                    s = time.perf_counter() - t0
                    for m, v in binary_metrics(test.y, p_lr).items():
                        add((setting, f"lr_{pen}", m), v, s)
                    scores[f"lr_{pen}_coef"] = np.abs(lr.coef_[0])
                t0 = time.perf_counter()
                scores["trend_test"] = trend_test(train.genotypes, train.y)
                t_s = time.perf_counter() - t0
                ranks, lig_s = all_snp_rankings(est, data, test, args)
                scores.update(ranks)
                rec = locus_scores(data, causal, scores, args)
                print(
                    f"  fold {fold} hemera auc {res[(setting, 'hemera', 'auroc')][-1]:.3f} "
                    f"(fit {fit_s:.0f}s, best epoch {est.history_.best_epoch}, lig {lig_s:.0f}s); "
                    f"lr_l1 {res[(setting, 'lr_l1', 'auroc')][-1]:.3f}; best causal rank "
                    + ", ".join(f"{k} {v['best_causal_rank']:.0f}" for k, v in rec.items()),
                    flush=True,
                )
                for name, metrics in rec.items():
                    s = lig_s if name.startswith("lig") else t_s
                    for metric, v in metrics.items():
                        add((setting, name, metric), v, s)
    for (setting, variant, metric), values in res.items():
        rows.append(
            row(
                f"hapmap3_{setting}",
                variant,
                metric,
                values,
                secs[(setting, variant, metric)],
                n_causal=args.n_causal,
                heritability=args.h2,
                n_snps=int(geno.n_snps),
                folds=args.folds,
                per_fold=[float(v) for v in values],
            )
        )


def run_ablations(geno: Any, args: Any, rows: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    from attnscope.sim import simulate_phenotype

    sub = geno.select_snps(np.isin(geno.chromosomes, ["1", "2", "3"]))
    data = simulate_phenotype(sub, n_causal=args.n_causal, heritability=args.h2, random_state=0)
    causal = np.asarray(data.meta["causal_index"])
    train, test = split(data, 0)
    for name, delta in ABLATIONS[: args.n_ablations]:
        est, fit_s = fit_hemera(train, {**cfg, **delta}, 0)
        auc = binary_metrics(test.y, est.predict_proba(test)[:, 1])["auroc"]
        ranks, _ = all_snp_rankings(est, data, test, args)
        scores = {k: ranks[k] for k in ("lig", "lig_mean_abs")}
        rec = locus_scores(data, causal, scores, args)
        print(
            f"[ablation {name}] auc {auc:.3f} ({fit_s:.0f}s, {est.spec_['n_snps']} SNPs); "
            f"best causal rank lig {rec['lig']['best_causal_rank']:.0f}, "
            f"lig_mean_abs {rec['lig_mean_abs']['best_causal_rank']:.0f}",
            flush=True,
        )
        extra = {
            f"{k}_{m}": v
            for k, r in rec.items()
            for m, v in r.items()
            if m.startswith(("recall_w0kb", "best_causal"))
        }
        rows.append(
            row(
                "hapmap3_chr1-3_additive",
                f"hemera_{name}",
                "auroc",
                auc,
                fit_s,
                n_snps=int(est.spec_["n_snps"]),
                change=delta,
                **extra,
            )
        )


def run_mice(args: Any, rows: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    from attnscope.datasets import load_bglr_mice

    data = load_bglr_mice("albino")
    rng = np.random.default_rng(0)
    cases = np.flatnonzero(data.y == 1)
    ctrl = rng.choice(np.flatnonzero(data.y == 0), args.mice_controls, replace=False)
    data = data.subset(np.sort(np.concatenate([cases, ctrl])))
    train, test = split(data, 0)
    cm = np.asarray(data.meta["cm_positions"], dtype=float)
    chrom = data.chromosomes
    est, fit_s = fit_hemera(train, cfg, 0)
    scores: dict[str, np.ndarray] = {}
    aucs = {"hemera": binary_metrics(test.y, est.predict_proba(test)[:, 1])["auroc"]}
    secs = {"hemera": fit_s}
    g_tr, g_te = dosages(train), dosages(test)
    for pen in ("l1", "l2"):
        t0 = time.perf_counter()
        lr = logistic(g_tr, train.y, pen, 0)
        aucs[f"lr_{pen}"] = binary_metrics(test.y, lr.predict_proba(g_te)[:, 1])["auroc"]
        secs[f"lr_{pen}"] = time.perf_counter() - t0
        scores[f"lr_{pen}_coef"] = np.abs(lr.coef_[0])
    scores["trend_test"] = trend_test(train.genotypes, train.y)
    ranks, lig_s = all_snp_rankings(est, data, test, args)
    scores.update(ranks)
    for name, auc in aucs.items():
        rows.append(
            row(
                "bglr_mice_albino",
                name,
                "auroc",
                auc,
                secs[name],
                n_samples=len(data),
                n_snps=int(data.n_snps),
            )
        )
    top = 20
    for name, sc in scores.items():
        best = np.argsort(-sc, kind="stable")[:top]
        on7 = chrom[best] == "7"
        dist = np.abs(cm[best][on7] - TYR_CM)
        extra = {"top_chromosomes": chrom[best].tolist(), "top_cm": np.round(cm[best], 2).tolist()}
        s = lig_s if name.startswith("lig") else 0.0
        rows.append(
            row("bglr_mice_albino", name, f"share_top{top}_on_chr7", on7.mean(), s, **extra)
        )
        rows.append(
            row(
                "bglr_mice_albino",
                name,
                f"share_top{top}_within_5cM_of_Tyr",
                float((dist <= 5).sum()) / top,
                s,
            )
        )
        rows.append(
            row(
                "bglr_mice_albino",
                name,
                "top1_distance_to_Tyr_cM",
                float(abs(cm[best[0]] - TYR_CM)) if chrom[best[0]] == "7" else np.nan,
                s,
                top1_chromosome=str(chrom[best[0]]),
            )
        )
    print(f"[mice] aucs {aucs}", flush=True)
