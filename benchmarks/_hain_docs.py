"""Docs section of ``benchmarks/hain.py`` (``markdown``, read by ``benchmarks/readme.py``)."""

from __future__ import annotations

import pandas as pd

from _hain_models import HAIN_GRID, METRICS

__all__ = ["markdown"]


def markdown(results: dict) -> str:
    """README section generated from ``benchmarks/results/hain.json``."""
    df = pd.DataFrame(results["rows"])
    out = [
        "## HAIN: hierarchical attention genes -> pathways -> class",
        "",
        f"Produced by `{results['command']}` ({results['environment']['date']}, "
        f"{results['environment']['threads']} CPU threads"
        + (
            "; rows of other data sets kept from the earlier runs "
            + ", ".join(f"`{c}`" for c in dict.fromkeys(results["earlier_runs"]))
            if results.get("earlier_runs")
            else ""
        )
        + "). Data: see "
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
            if metric == "accuracy" and "selected_per_fold" in cv.columns:
                sel = cv[(cv.metric == metric) & cv.selected_per_fold.notna()]
                for _, r in sel.iterrows():
                    out += [
                        f"{r.dataset}: HAIN's training setting chosen per fold on an inner "
                        "25% validation split of the training fold (test folds unseen), "
                        f"from {', '.join(HAIN_GRID)}: {', '.join(r.selected_per_fold)}.",
                        "",
                    ]
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
        has_members = "precision_at_k_pathway_members" in set(sim.metric)
        out += [
            "### Planted-truth recovery (simulated, precision@k)",
            "",
            "`simulate_expression(600, n_genes=2000, n_pathways=40, n_informative_pathways=3, "
            "effect_size=1.0)`, seeds 0-2, HAIN fitted on 75%, attributions on the other 25%. "
            "*Shifted genes*: the planted genes (half of each planted pathway, shifted by one sd "
            "in one class), k = their number. "
            + (
                "*Pathway members*: every gene of a planted pathway (k = their number); the "
                "other half is not shifted but shares the pathway's latent factor, so a model "
                "can use it to cancel that shared noise (a suppressor variable, Haufe et al. "
                "2014): faithful gradient attributions then rank it high, although it carries "
                "no class signal itself. Per-sample scores are averaged as |attribution| over "
                "samples, except *signed_true_class* (mean signed IG toward each sample's true "
                "class) and *output_covariance* (|corr(gene, logit)| across samples, the "
                "forward-model pattern of Haufe et al. 2014). *alpha_x_beta_x_value_norm*: "
                "attention times the norm of what the gene sends into its pathway token "
                "(Kobayashi et al. 2020) times beta."
                if has_members
                else ""
            ),
            "",
            "| method | shifted genes | "
            + ("pathway members | " if has_members else "")
            + "pathways |",
            "|---|---|---|" + ("---|" if has_members else ""),
        ]
        for v in sim.variant.unique():
            sub = sim[sim.variant == v].set_index("metric")
            if "precision_at_k_genes" in sub.index:
                keys = ["precision_at_k_genes"]
                keys += ["precision_at_k_pathway_members"] if has_members else []
                keys += ["precision_at_k_pathways"]
                cells = [
                    f"{sub.loc[k, 'mean']:.2f} ± {sub.loc[k, 'std']:.2f}" if k in sub.index else ""
                    for k in keys
                ]
                out.append(f"| {v} | " + " | ".join(cells) + " |")
        if "hain" in set(sim.variant):
            acc = sim[(sim.variant == "hain") & (sim.metric == "test_accuracy")].iloc[0]
            out += ["", f"HAIN test accuracy on these sets: {acc['mean']:.3f} ± {acc['std']:.3f}."]
        supp = sim[sim.metric == "unshifted_members_opposite_sign"]
        if len(supp):
            rel = sim[sim.metric == "unshifted_over_shifted_gradient"].iloc[0]
            out += [
                "",
                "Suppressor check: in HAIN, "
                f"{supp.iloc[0]['mean']:.0%} of the unshifted members of planted pathways have "
                "a mean input gradient of sign opposite to the pathway's shifted genes, with "
                f"{rel['mean']:.2f}x their magnitude: the network subtracts the pathway's shared "
                "factor, as the optimal linear rule for this simulation does. So |gradient| "
                "and |IG| faithfully rank them high.",
            ]
        flat = sim[sim.metric == "alpha_peak_x_group_size"]
        if len(flat):
            out += [
                "",
                "Gene attention alpha is almost uniform inside each pathway (median over "
                f"samples and groups of largest alpha x group size: {flat.iloc[0]['mean']:.2f}; "
                "1 = uniform): the network reads a pathway through its learned per-gene value "
                "weights, not by attending to genes, so alpha x beta ranks pathways, not genes.",
            ]
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
            "best Hallmark set among the top-k (its p, and that p Bonferroni-corrected over "
            "the sets tested: the minimum of ~50 p-values is no evidence by itself), and for "
            "ER status the rank of known ER genes.",
            "",
            "| data | method | metric | value |",
            "|---|---|---|---|",
        ]
        for _, r in bio.iterrows():
            extra = f" ({r['gene_set']})" if isinstance(r.get("gene_set"), str) else ""
            if (
                r.metric.startswith("best_hallmark_p_")
                and not (bio.metric == r.metric.replace("_p_", "_bonferroni_p_")).any()
            ):
                # rows written before the correction: Bonferroni over the sets recorded
                # (all sets of the file, an upper bound of those tested: conservative)
                n = int(r["n_sets_tested"])
                extra += f"; Bonferroni over {n} sets: {min(1.0, r['mean'] * n):.3g}"
            out.append(f"| {r.dataset} | {r.variant} | {r.metric} | {r['mean']:.3g}{extra} |")
        out.append("")
    return "\n".join(out)
