"""Docs section of ``benchmarks/hemera.py`` (``markdown``, read by ``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

__all__ = ["markdown"]


def markdown(results: dict[str, Any]) -> str:
    """README section generated from ``results/hemera.json``."""
    rows = results["rows"]
    sim = results.get("simulation", {})
    cfg = results.get("hemera_config", {})
    lines = [
        "### HEMERA (Linformer over SNP tokens) on real genotypes",
        "",
        f"HapMap3 genotypes ({rows[0].get('n_snps', '?')} SNPs) with simulated case-control "
        f"traits ({sim.get('n_causal')} causal SNPs, h2 = {sim.get('heritability')}), "
        f"{results.get('seeds')} phenotype seed(s) x {results.get('folds')}-fold stratified "
        "CV; mean (std) over folds. HEMERA: MLM pre-training "
        f"({cfg.get('pretrain_epochs')} epoch) then AdamW-AMSGrad fine-tuning; E and F "
        f"initialised at std {cfg.get('proj_init')}/sqrt(n) and updated with AdamW "
        f"eps = {cfg.get('proj_eps')}, L1 penalty {cfg.get('proj_l1')} on E and F (options "
        "beyond the paper; see the HEMERA estimator docstring). Early stopping on the "
        f"validation {cfg.get('monitor', 'auroc')} of 10% of the training folds, patience "
        f"{cfg.get('patience')}, kept epoch >= {cfg.get('min_epochs', 0)}.",
        "",
        "| setting | model | AUROC | precision | recall | F1 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    get = {(r["dataset"], r["variant"], r["metric"]): r for r in rows}
    sims = sorted(
        {r["dataset"] for r in rows if r["dataset"] in ("hapmap3_additive", "hapmap3_epistatic")}
    )
    for ds in sims:
        for v in ("hemera", "lr_l1", "lr_l2"):
            m = [get.get((ds, v, k)) for k in ("auroc", "precision", "recall", "f1")]
            if all(m):
                a, p, r, f = (x["mean"] for x in m if x)
                sd = m[0]["std"] if m[0] else float("nan")
                lines.append(
                    f"| {ds[8:]} | {v} | {a:.3f} ({sd:.3f}) | {p:.3f} | {r:.3f} | {f:.3f} |"
                )
    kept = [
        f"{ds[8:]} {', '.join(str(int(e)) for e in r.get('per_fold', []))}"
        for ds in sims
        if (r := get.get((ds, "hemera", "epochs_kept")) or {})
    ]
    if kept:
        lines += ["", "HEMERA fine-tuning epochs kept, per fold: " + "; ".join(kept) + "."]
    w = int(sim.get("window", 0)) // 1000
    top = 2 * int(sim.get("n_causal", 0))
    lines += [
        "",
        f"Causal-locus recovery, top {top} SNPs (recall exact / within {w} kb; best causal "
        "rank, 1 = top). `lig`: signed mean of LIG over carriers (the paper's aggregation), "
        "ranked by absolute value; `lig_mean_abs`: mean |LIG| over all explained individuals.",
        "",
        "| setting | ranking | recall exact | recall window | precision window | "
        "best causal rank |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for ds in sims:
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
            "Ablations (chromosomes 1-3, additive, seed 0, one 70/30 split; reduced grid):",
            "",
            "| variant | change | AUROC | LIG best causal rank | mean-abs LIG best causal rank |",
            "|---|---|---:|---:|---:|",
        ]
        for r in abl:
            change = ", ".join(f"{k}={v}" for k, v in (r.get("change") or {}).items()) or "-"
            lines.append(
                f"| {r['variant'][7:]} | {change} | {r['mean']:.3f} | "
                f"{r.get('lig_best_causal_rank', float('nan')):.0f} | "
                f"{r.get('lig_mean_abs_best_causal_rank', float('nan')):.0f} |"
            )
    mice = [r for r in rows if r["dataset"] == "bglr_mice_albino"]
    if mice:
        aucs = ", ".join(f"{r['variant']} {r['mean']:.3f}" for r in mice if r["metric"] == "auroc")
        share = ", ".join(
            f"{r['variant']} {r['mean']:.2f}" for r in mice if r["metric"] == "share_top20_on_chr7"
        )
        lines += [
            "",
            f"BGLR mice, albino vs rest (Tyr, chr 7; one 70/30 split): AUROC {aucs}; share of "
            f"the top-20 SNPs on chromosome 7: {share}.",
        ]
    return "\n".join(lines) + "\n"
