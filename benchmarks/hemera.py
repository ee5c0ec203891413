"""HEMERA on real genotypes: AUC against logistic regression and causal-locus recovery.

Data (cite: HapMap3 via OpenMendel/OrdinalGWAS.jl, MIT; BGLR mice via gdlc/BGLR-R, GPL-3):

- ``hapmap3`` (324 x 13,928 SNPs, real genotypes) with case-control phenotypes from
  :func:`attnscope.sim.simulate_phenotype` (liability threshold, known causal SNPs),
  additive and epistatic (pairwise products, no marginal effects), several seeds. Per
  seed: one stratified 70/30 split; HEMERA (MLM pre-training then AdamW-AMSGrad
  fine-tuning), L1 (C = 0.2) and L2 (C = 0.1) logistic regression on dosages. Locus recovery:
  precision/recall of the top SNPs within a window of a causal SNP, for LIG (mean training
  embedding baseline, signed mean over carriers, ranked by absolute value), HEMERA's own
  [CLS] attention per SNP, the Armitage trend test (n r^2) and |LR coefficients|.
- ablations on chromosomes 1-3 of the same genotypes (additive, seed 0): layers, heads,
  MAF threshold, with and without MLM pre-training (reduced grid: the first four of
  ``ABLATIONS`` (base, no pre-training, 4 heads, MAF 0.2); 2 layers is listed but not run).
- ``bglr_mice`` albino vs the rest (Tyr, chromosome 7 at 44.06 cM, MGI): AUC and where the
  top-20 SNPs of LIG, the trend test and LR fall.

Usage: ``python benchmarks/hemera.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import row, write_results

TYR_CM = 44.06  # MGI: Tyr, chromosome 7, 44.06 cM
ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("base", {}),
    ("no_pretrain", {"pretrain_epochs": 0}),
    ("heads4", {"heads": 4}),
    ("maf0.2", {"maf": 0.2}),
    ("layers2", {"n_layers": 2}),
]


def trend_test(genotypes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Armitage trend statistic n r^2 per SNP (chi-square, 1 df); missing -> SNP mean."""
    g = genotypes.astype(np.float64)
    miss = g < 0
    mean = np.where(miss, 0, g).sum(0) / np.maximum((~miss).sum(0), 1)
    g = np.where(miss, mean, g) - mean
    yc = y - y.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (g * yc[:, None]).sum(0) / np.sqrt((g**2).sum(0) * (yc**2).sum())
    return np.nan_to_num(len(y) * r**2)


def logistic(x_tr: np.ndarray, y_tr: np.ndarray, penalty: str, seed: int) -> Any:
    """L1 (C = 0.2, liblinear) or L2 (C = 0.1, lbfgs) logistic regression on dosages.

    Fixed C (no inner CV) to fit the time budget; the values were not tuned on test data.
    """
    from sklearn.linear_model import LogisticRegression

    if penalty == "l1":
        return LogisticRegression(
            C=0.2, solver="liblinear", l1_ratio=1.0, max_iter=2000, random_state=seed
        ).fit(x_tr, y_tr)
    return LogisticRegression(C=0.1, max_iter=2000, random_state=seed).fit(x_tr, y_tr)


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn import metrics as skm

    pred = (p >= 0.5).astype(int)
    return {
        "auroc": float(skm.roc_auc_score(y, p)),
        "precision": float(skm.precision_score(y, pred, zero_division=0)),
        "recall": float(skm.recall_score(y, pred, zero_division=0)),
        "f1": float(skm.f1_score(y, pred, zero_division=0)),
    }


def fit_hemera(train: Any, cfg: dict[str, Any], seed: int) -> tuple[Any, float]:
    from attnscope.estimators._hemera import HEMERAClassifier

    t0 = time.perf_counter()
    est = HEMERAClassifier(random_state=seed, **cfg).fit(train)
    return est, time.perf_counter() - t0


def hemera_rankings(est: Any, test: Any, n_explain: int, n_steps: int) -> dict[str, np.ndarray]:
    """Per-SNP scores over the model's SNPs: LIG (carriers), LIG |mean|, attention."""
    import torch

    sub = test.subset(np.arange(min(n_explain, len(test))))
    att = est.explain(sub, method="lig", target=1, n_steps=n_steps, batch_size=8)
    table = est.snp_importance(sub, att)
    (tok,) = est._make_inputs(sub)
    with torch.no_grad():
        attn = est.module_(tok.long()).attention["snp"].abs().mean(0).numpy()
    return {
        "lig": np.abs(table["importance"].to_numpy()),
        "lig_mean_abs": np.abs(att.values).mean(0),
        "attention": attn,
        "_seconds": np.array([att.seconds]),
    }


def split(data: Any, seed: int, test_size: float = 0.3) -> tuple[Any, Any]:
    from attnscope.data import train_val_test_split

    tr, _, te = train_val_test_split(data.y, val_size=0.0, test_size=test_size, random_state=seed)
    return data.subset(tr), data.subset(te)


def run_simulated(geno: Any, args: Any, rows: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    from attnscope.metrics._loci import locus_recovery
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
            train, test = split(data, seed)
            causal = np.asarray(data.meta["causal_index"])
            print(f"[{setting} seed {seed}] causal {causal.tolist()}", flush=True)
            est, fit_s = fit_hemera(train, cfg, seed)
            proba = est.predict_proba(test)[:, 1]
            for m, v in binary_metrics(test.y, proba).items():
                add((setting, "hemera", m), v, fit_s)
            g_tr = np.maximum(train.genotypes, 0).astype(np.float32)
            g_te = np.maximum(test.genotypes, 0).astype(np.float32)
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
            kept = np.flatnonzero(np.isin(data.snp_ids, est.spec_["snp_ids"]))
            ranks = hemera_rankings(est, test, args.n_explain, args.n_steps)
            lig_s = float(ranks.pop("_seconds")[0])
            for name, sc in ranks.items():  # map back to all SNPs (QC-dropped score 0)
                full = np.zeros(data.n_snps)
                full[kept] = sc
                scores[name] = full
            print(
                f"  hemera auc {res[(setting, 'hemera', 'auroc')][-1]:.3f} fit {fit_s:.0f}s "
                f"lig {lig_s:.0f}s; lr_l2 auc {res[(setting, 'lr_l2', 'auroc')][-1]:.3f}",
                flush=True,
            )
            for name, sc in scores.items():
                s = lig_s if name.startswith("lig") else t_s
                for window, top in ((0, 2 * args.n_causal), (args.window, 2 * args.n_causal)):
                    rec = locus_recovery(
                        sc,
                        data.chromosomes,
                        data.positions,
                        data.chromosomes[causal],
                        data.positions[causal],
                        window=window,
                        top=top,
                    )
                    tag = f"w{window // 1000}kb_top{top}"
                    add((setting, name, f"precision_{tag}"), rec["precision"], s)
                    add((setting, name, f"recall_{tag}"), rec["recall"], s)
                # Rank of the best-ranked causal SNP (1 = top), a threshold-free view.
                order = np.argsort(-sc, kind="stable")
                best = int(np.flatnonzero(np.isin(order, causal))[0]) + 1
                add((setting, name, "best_causal_rank"), best, s)
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
            )
        )


def run_ablations(geno: Any, args: Any, rows: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    from attnscope.sim import simulate_phenotype

    keep = np.isin(geno.chromosomes, ["1", "2", "3"])
    sub = replace(
        geno,
        genotypes=geno.genotypes[:, keep],
        snp_ids=geno.snp_ids[keep],
        chromosomes=geno.chromosomes[keep],
        positions=geno.positions[keep],
    )
    data = simulate_phenotype(sub, n_causal=args.n_causal, heritability=args.h2, random_state=0)
    train, test = split(data, 0)
    for name, delta in ABLATIONS[: args.n_ablations]:
        est, fit_s = fit_hemera(train, {**cfg, **delta}, 0)
        auc = binary_metrics(test.y, est.predict_proba(test)[:, 1])["auroc"]
        print(
            f"[ablation {name}] auc {auc:.3f} ({fit_s:.0f}s, {est.spec_['n_snps']} SNPs)",
            flush=True,
        )
        rows.append(
            row(
                "hapmap3_chr1-3_additive",
                f"hemera_{name}",
                "auroc",
                auc,
                fit_s,
                n_snps=int(est.spec_["n_snps"]),
                change=delta,
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
    g_tr = np.maximum(train.genotypes, 0).astype(np.float32)
    g_te = np.maximum(test.genotypes, 0).astype(np.float32)
    for pen in ("l1", "l2"):
        t0 = time.perf_counter()
        lr = logistic(g_tr, train.y, pen, 0)
        aucs[f"lr_{pen}"] = binary_metrics(test.y, lr.predict_proba(g_te)[:, 1])["auroc"]
        secs[f"lr_{pen}"] = time.perf_counter() - t0
        scores[f"lr_{pen}_coef"] = np.abs(lr.coef_[0])
    scores["trend_test"] = trend_test(train.genotypes, train.y)
    kept = np.flatnonzero(np.isin(data.snp_ids, est.spec_["snp_ids"]))
    ranks = hemera_rankings(est, test, args.n_explain, args.n_steps)
    lig_s = float(ranks.pop("_seconds")[0])
    for name, sc in ranks.items():
        full = np.zeros(data.n_snps)
        full[kept] = sc
        scores[name] = full
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    args = parser.parse_args()
    import warnings

    import torch

    warnings.filterwarnings("ignore", category=FutureWarning)  # sklearn 1.8 API notices

    from attnscope.io import read_plink

    torch.set_num_threads(1)
    quick = args.quick
    args.seeds = args.seeds or (1 if quick else 2)
    args.n_causal, args.h2, args.window = 6, 0.8, 250_000
    args.n_explain = 40
    args.n_steps = 8 if quick else 12
    args.n_ablations = 2 if quick else 4
    args.mice_controls = 200 if quick else 236
    cfg = {
        "epochs": 4 if quick else 6,
        "pretrain_epochs": 1,
        "patience": 3,
        "lr": 1e-3,
        "batch_size": 32,
    }
    root = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "genotypes"
    geno = read_plink(root / "hapmap3" / "hapmap3")
    geno = replace(geno, labels=None, class_names=[])
    if quick:
        keep = np.isin(geno.chromosomes, [str(c) for c in range(1, 8)])
        geno = replace(
            geno,
            genotypes=geno.genotypes[:, keep],
            snp_ids=geno.snp_ids[keep],
            chromosomes=geno.chromosomes[keep],
            positions=geno.positions[keep],
        )
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    run_simulated(geno, args, rows, cfg)
    run_mice(args, rows, cfg)
    run_ablations(geno, args, rows, cfg)
    write_results(
        "hemera",
        rows,
        quick=quick,
        seeds=args.seeds,
        hemera_config=cfg,
        simulation={"n_causal": args.n_causal, "heritability": args.h2, "window": args.window},
        lig={"n_explain": args.n_explain, "n_steps": args.n_steps, "target": "case"},
        ablations=[a for a, _ in ABLATIONS[: args.n_ablations]],
        total_seconds=time.perf_counter() - t0,
    )


def markdown(results: dict[str, Any]) -> str:
    """README section generated from ``results/hemera.json``."""
    rows = results["rows"]
    sim = results.get("simulation", {})
    lines = [
        "### HEMERA (Linformer over SNP tokens) on real genotypes",
        "",
        f"HapMap3 genotypes ({rows[0].get('n_snps', '?')} SNPs) with simulated case-control "
        f"traits ({sim.get('n_causal')} causal SNPs, h2 = {sim.get('heritability')}), "
        f"{results.get('seeds')} seed(s), 70/30 split; mean (std).",
        "",
        "| setting | model | AUROC | F1 |",
        "|---|---|---:|---:|",
    ]
    get = {(r["dataset"], r["variant"], r["metric"]): r for r in rows}
    for ds in sorted({r["dataset"] for r in rows if r["dataset"].startswith("hapmap3_")}):
        for v in ("hemera", "lr_l1", "lr_l2"):
            a, f = get.get((ds, v, "auroc")), get.get((ds, v, "f1"))
            if a and f:
                lines.append(
                    f"| {ds[8:]} | {v} | {a['mean']:.3f} ({a['std']:.3f}) | {f['mean']:.3f} |"
                )
    w = int(sim.get("window", 0)) // 1000
    top = 2 * int(sim.get("n_causal", 0))
    lines += [
        "",
        f"Causal-locus recovery, top {top} SNPs (recall exact / within {w} kb; best causal rank):",
        "",
        "| setting | ranking | recall exact | recall window | precision window | "
        "best causal rank |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for ds in sorted({r["dataset"] for r in rows if r["dataset"].startswith("hapmap3_")}):
        for v in ("lig", "lig_mean_abs", "attention", "trend_test", "lr_l1_coef", "lr_l2_coef"):
            r0 = get.get((ds, v, f"recall_w0kb_top{top}"))
            rw = get.get((ds, v, f"recall_w{w}kb_top{top}"))
            pw = get.get((ds, v, f"precision_w{w}kb_top{top}"))
            br = get.get((ds, v, "best_causal_rank"))
            if r0 and rw and pw and br:
                lines.append(
                    f"| {ds[8:]} | {v} | {r0['mean']:.2f} | {rw['mean']:.2f} | "
                    f"{pw['mean']:.2f} | {br['mean']:.0f} |"
                )
    abl = [r for r in rows if r["dataset"].startswith("hapmap3_chr")]
    if abl:
        lines += [
            "",
            "Ablations (chromosomes 1-3, additive, seed 0): "
            + ", ".join(f"{r['variant'][7:]} AUROC {r['mean']:.3f}" for r in abl)
            + ".",
        ]
    mice = [r for r in rows if r["dataset"] == "bglr_mice_albino"]
    if mice:
        aucs = ", ".join(f"{r['variant']} {r['mean']:.3f}" for r in mice if r["metric"] == "auroc")
        share = ", ".join(
            f"{r['variant']} {r['mean']:.2f}" for r in mice if r["metric"] == "share_top20_on_chr7"
        )
        lines += [
            "",
            f"BGLR mice, albino vs rest (Tyr, chr 7): AUROC {aucs}; share of the "
            f"top-20 SNPs on chromosome 7: {share}.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
