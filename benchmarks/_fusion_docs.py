"""Docs section of ``benchmarks/fusion.py`` (``markdown``, read by ``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

from _fusion_config import METRICS, PUBLISHED

__all__ = ["markdown"]


def _candidates(evidence: dict[str, Any]) -> str:
    """``name AUROC; ...`` of a selection's candidates, '?' when there are none."""
    text = "; ".join(
        f"{k} {v['val_auroc']:.3f}" for k, v in evidence.items() if isinstance(v, dict)
    )
    return text or "?"


def markdown(results: dict) -> str:
    """Docs section generated from ``benchmarks/results/fusion.json``."""
    rows = results["rows"]
    st = results.get("settings", {})
    sel = st.get("fusion_attn_selection", {})
    chosen = sel.get("chosen", "?")
    evidence = st.get("fusion_attn_evidence", {})
    cands = _candidates(evidence)
    paper_evidence = st.get("fusion_paper_evidence", {})
    paper_line = (
        "Its start and learning rate were chosen like `fusion_attn`'s, by inner 3-fold CV "
        f"on the given training split (validation AUROC: {_candidates(paper_evidence)}; "
        f"untrained start {paper_evidence.get('start_val_auroc', float('nan')):.3f}): "
        f"`{paper_evidence.get('chosen', '?')}`. "
        if paper_evidence
        else ""
    )
    lines = [
        "### Multi-omics fusion (issue 8; ROSMAP protocol of issue 18)",
        "",
        "Data: ROSMAP (AD vs control, txWang/MOGONET, MIT), 245 train / 106 test, 200 features "
        f"per omic. MOGONET published on ROSMAP: accuracy {PUBLISHED['accuracy']}, F1 "
        f"{PUBLISHED['f1']}, AUROC {PUBLISHED['auroc']}. TCGA kidney is no longer reported "
        "(`--kidney` adds it as a secondary set).",
        "",
        "- `fusion_paper`: the published configuration (`FUSION` in the script; reproduction "
        f"setting). {paper_line}Its feature attention alpha stays near 1/n: the scorers "
        "start at zero and a short fine-tuning at a small learning rate barely moves them, "
        "and from the logistic-regression start the score gradient cancels between the "
        "classes (see `FusionClassifier`).",
        "- `fusion_attn`: the attention option, `alpha_init='probe'` (alpha starts at the "
        "regression's normalised |coefficients|) and `finetune='attention'` (only alpha and "
        "beta train, at `attention_lr`, no weight decay), so any change from the start is the "
        "attention's. Chosen by inner 3-fold CV on the given *training* split only (validation "
        f"AUROC: {cands}; untrained start "
        f"{evidence.get('start_val_auroc', float('nan')):.3f}): `{chosen}`.",
        "- `*_start`: the same network untrained (its logistic-regression start, `epochs=0`). "
        "`concat_lr`: that regression (C 0.05); `concat_lr_l2_cv`: C by inner 5-fold CV; "
        "`concat_rf500`: random forest. Paired differences are per seed (given split) or per "
        "fold (CV, every model on the same folds); Wilcoxon p Holm-adjusted over the CV "
        "comparisons. alpha entropy: normalised (1 = uniform), on the unseen samples; "
        "max/min: median over samples of alpha's largest / smallest weight.",
        "",
    ]
    groups: dict[tuple[str, str], dict[str, dict[str, dict[str, Any]]]] = {}
    for r in rows:
        key = (r["dataset"], r.get("protocol", ""))
        groups.setdefault(key, {}).setdefault(r["variant"], {})[r["metric"]] = r
    for (dataset, protocol), variants in groups.items():
        main = {v: per for v, per in variants.items() if not any("paired" in m for m in per)}
        pairs = {v: per for v, per in variants.items() if any("paired" in m for m in per)}
        lines += [f"**{dataset}, {protocol}**", ""]
        metrics = sorted(
            {m for v in main.values() for m in v},
            key=lambda m: (METRICS.index(m) if m in METRICS else len(METRICS), m),
        )
        if dataset == "sim_multiomics":  # many metrics: one row per metric
            lines += [
                "| metric | " + " | ".join(main) + " |",
                "|---" * (len(main) + 1) + "|",
            ]
            for m in metrics:
                cells = [_cell(per.get(m)) for per in main.values()]
                lines.append(f"| {m} | " + " | ".join(cells) + " |")
            lines.append("")
            continue
        shown = [m for m in metrics if m in METRICS or m.startswith("alpha_")]
        shown = [m for m in shown if m != "alpha_entropy_mean"]
        heads = [m.replace("alpha_max_min_ratio_", "alpha max/min ") for m in shown]
        heads = [h.replace("alpha_entropy_", "alpha entropy ") for h in heads]
        lines.append("| variant | " + " | ".join(heads) + " | n |")
        lines.append("|---" * (len(shown) + 2) + "|")
        for variant, per in main.items():
            cells = [_cell(per.get(m)) for m in shown]
            n = max(r["n"] for r in per.values())
            lines.append(f"| {variant} | " + " | ".join(cells) + f" | {n} |")
        lines.append("")
        if pairs:
            lines += [
                "| paired comparison | metric | difference | wins / losses | Wilcoxon p "
                "| paired t p | Holm p |",
                "|---|---|---|---|---|---|---|",
            ]
            for variant, per in pairs.items():
                for m, r in per.items():
                    holm_p = r.get("wilcoxon_p_holm")
                    lines.append(
                        f"| {variant} | {m.replace('paired_', '').replace('_difference', '')} "
                        f"| {r['mean']:+.3f} ± {r['std']:.3f} | {r['wins']} / {r['losses']} "
                        f"| {r['wilcoxon_p']:.3g} | {r['paired_t_p']:.3g} | "
                        + (f"{holm_p:.3g}" if holm_p is not None else "")
                        + " |"
                    )
            lines.append("")
    return "\n".join(lines)


def _cell(r: dict[str, Any] | None) -> str:
    if r is None:
        return ""
    return f"{r['mean']:.3f} ± {r['std']:.3f}" if r["n"] > 1 else f"{r['mean']:.3f}"
