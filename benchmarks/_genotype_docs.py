"""Docs section of ``benchmarks/genotype_protocol.py`` (rendered by ``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

__all__ = ["markdown"]


def markdown(results: dict[str, Any]) -> str:
    """Docs section generated from ``results/genotype_protocol.json``."""
    rows = results["rows"]
    get = {(r["dataset"], r["variant"], r["metric"]): r for r in rows}
    p = results.get("protocol", {}).get("hapmap3", {})
    coh = results.get("cohorts", {})
    gated = results.get("hemera_configs", {}).get("gated", {})
    val = results.get("validation", {})
    sizes = "; ".join(f"{k} {v['n_samples']} x {v['n_snps']} SNPs" for k, v in coh.items())
    lines = [
        "### Genotypes: planted causal SNPs with decoys in LD",
        "",
        f"Real genotypes ({sizes}), additive binary traits (h2 {p.get('heritability')}, "
        f"{p.get('n_causal')} causal SNPs each with a decoy at r^2 >= "
        f"{p.get('ld', {}).get('r2')}), {p.get('phenotype_seeds')} phenotype seeds, 70/30 "
        "split. Recall / precision of the causal SNPs in the top 1% of each ranking (hit only "
        "on the causal SNP; block: the SNP or a decoy), mean (std) over seeds; AUROC on the "
        f"held-out 30%. PLINK: `{results.get('plink2', '?')}`. `hemera_gated`: "
        f"`snp_gate=True, gate_l1={gated.get('gate_l1')}, "
        f"gate_lr={gated.get('gate_lr')}, init_C={gated.get('init_C')}` (chosen on "
        f"validation, phenotype seeds {val.get('seeds')}, from "
        f"{len(val.get('grid', []))} candidates, by `{val.get('command', '?')}`; `init_C`: "
        "gates start at an L1 logistic "
        "regression, None: at 0); `hemera_paper`: the reproduction setting. HEMERA rankings "
        "are mean-over-carriers LIG on at most "
        f"{p.get('lig', {}).get('n_explain')} held-out people; `hemera_gated_train`: the "
        "same model's LIG on the whole training share, the people PLINK, L1 LR and the trend "
        "test rank from.",
        "",
        f"With {p.get('n_causal')} causal SNPs in a top 1% of about 32 SNPs, precision is at "
        "most about 0.16.",
        "",
        "| cohort | ranking | recall top 1% | precision top 1% | block recall | AUROC |",
        "|---|---|---:|---:|---:|---:|",
    ]
    methods = (
        "plink2_glm",
        "l1_lr",
        "trend_test",
        "hemera_paper",
        "hemera_gated",
        "hemera_gated_train",
    )
    for name in coh:
        for m in methods:
            keys = ("recall_top1pct", "precision_top1pct", "block_recall_top1pct")
            r, pr, b = (get.get((name, m, k)) for k in keys)
            a = get.get((name, m, "auroc"))
            if not (r and pr and b):
                continue
            auc = f"{a['mean']:.3f} ({a['std']:.3f})" if a else "-"
            rec = f"{r['mean']:.2f} ({r['std']:.2f})"
            if r["n"] == 1:  # one seed: no spread to show
                auc, rec = (f"{a['mean']:.3f}" if a else "-"), f"{r['mean']:.2f}"
            label = m if r["n"] > 1 else f"{m} (seed 0 only)"
            lines.append(
                f"| {name} | {label} | {rec} | {pr['mean']:.3f} | {b['mean']:.2f} | {auc} |"
            )
    paths = [
        f"{name} linear {lin['mean']:.3f}, attention {att['mean']:.3f}"
        for name in coh
        if (lin := get.get((name, "hemera_gated", "auroc_linear_path")))
        and (att := get.get((name, "hemera_gated", "auroc_attention_path")))
    ]
    if paths:
        lines += [
            "",
            "HEMERA (gated), held-out AUROC of each path of its logits alone (the gated linear "
            "path; the [CLS] attention output): " + "; ".join(paths) + ".",
        ]
    sp = [r for r in rows if r["metric"] == "causal_rank_iqr_over_train_seeds"]
    if sp:
        lines += [
            "",
            "HEMERA (gated) LIG rank of each causal SNP of phenotype seed 0 over training seeds "
            "(median [min, max]):",
            "",
        ]
        for r in sp:
            cells = ", ".join(
                f"{m:.0f} [{lo}, {hi}]"
                for m, lo, hi in zip(r["median_rank"], r["min_rank"], r["max_rank"], strict=True)
            )
            lines.append(
                f"- {r['dataset']} ({r.get('train_seeds')} training seeds; top 1% = "
                f"{r.get('top1pct')} SNPs): {cells}"
            )
    alb = [r for r in rows if r["dataset"] == "mice_albino"]
    if alb:
        aucs = ", ".join(f"{r['variant']} {r['mean']:.3f}" for r in alb)
        size = f"{alb[0].get('n_samples')} mice, {alb[0].get('n_snps')} SNPs"
        lines += ["", f"Mice albino vs rest (real trait, Tyr; {size}, one 70/30 split): "
                  f"held-out AUROC {aucs}."]  # fmt: skip
    cmds = sorted({f"`{v.get('command')}` (commit {str(v.get('commit'))[:7]})"
                   for v in results.get("runs", {}).values()})  # fmt: skip
    if cmds:
        lines += ["", "Produced by, one part each: " + "; ".join(cmds) + "."]
    return "\n".join(lines) + "\n"
