"""Docs section of ``benchmarks/attngen.py`` (rendered by ``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from _attngen_config import ALPHAS, CURVE_M, METHODS, TIERS, variant_name

__all__ = ["markdown"]


# -- README section -------------------------------------------------------------------------
def findings(get: Any, tier: str, datasets: list[str]) -> list[str]:
    """Plain-language reading of the main tier against the issue's targets."""
    out = ["**Reading against the targets**", ""]
    for ds in datasets:
        cnn, attn = get(tier, ds, "cnn", "accuracy"), get(tier, ds, "attngen_mask0.10", "accuracy")
        if not (cnn and attn):
            continue
        diff = attn["mean"] - cnn["mean"]
        spread = max(cnn["std"], attn["std"])
        if diff >= 0:
            verdict = "matches or beats the plain CNN"
        elif attn["n"] < 2:
            verdict = "trails the plain CNN (one seed, no std)"
        else:
            verdict = "trails within one std" if -diff <= spread else "trails by more than one std"
        kmer = get(tier, ds, "kmer_lr", "accuracy")
        kmer_txt = f"; k-mer LR {kmer['mean']:.3f}" if kmer else ""
        out.append(
            f"- {ds}: AttnGen alpha 0.10 {verdict} ({diff:+.3f}, n = {attn['n']}){kmer_txt}."
        )
    sim = "sim_planted_motifs"
    pk = {m: get(tier, sim, f"explain_{m}", "precision_at_k") for m in METHODS}
    if all(pk.values()):
        found = [m for m in METHODS if m != "random" and pk[m]["mean"] >= 0.8]
        out.append(
            "- Planted motifs (target precision@k >= 0.8; random "
            f"{pk['random']['mean']:.3f}): "
            + ", ".join(f"{m} {pk[m]['mean']:.3f}" for m in METHODS if m != "random")
            + f"; reached by {', '.join(found) if found else 'no method'}."
        )
    for ds in datasets:
        top, rnd, low = (
            get(tier, ds, "attngen_mask0.10", "masked_accuracy", ranking="gradient", order=o, m=10)
            for o in ("top", "random", "bottom")
        )
        if top and rnd and low:
            out.append(
                f"- {ds}: masking the top-10 gradient positions gives accuracy {top['mean']:.3f}, "
                f"10 random {rnd['mean']:.3f}, 10 lowest-ranked {low['mean']:.3f}."
            )
    out.append(
        "- The published forward saliency s_i = mean_d E(x_i)_d depends only on the base at "
        "position i, so it ranks every A (C, G, T) of a sequence alike and cannot single out a "
        "motif by construction; it only decides which bases are masked during training."
    )
    return out


def kept_text(kept: dict[str, Any] | None) -> str:
    """Sentence on the rows kept from an earlier run (their own budget and provenance)."""
    if not kept:
        return ""
    seeds = ", ".join(f"{k}: {len(v or [])}" for k, v in kept.get("seeds_run", {}).items())
    return (
        f" Rows of {', '.join(kept['datasets'])} are kept from an earlier run, not re-run: "
        f"{kept.get('epochs')} epochs, nucleotide budget {kept.get('nt_budget'):,}, seeds "
        f"({seeds}); provenance: {kept.get('provenance')}."
    )


def motif_table(rows: list[dict[str, Any]], cfg: dict[str, Any]) -> list[str]:
    """Table I/III motif analysis: per variant, the top pattern of each seed."""
    hits = [
        r
        for r in rows
        if r.get("tier") == "sweep"
        and (r["metric"] == "top_pattern_is_ctcf_q05" or r["metric"].startswith("top_pattern_has_"))
    ]
    if not hits:
        return []
    anyq = {
        (r["dataset"], r["variant"]): r
        for r in rows
        if r.get("tier") == "sweep" and r["metric"] == "any_pattern_ctcf_q05"
    }
    explained = ", ".join(
        f"{ds}: {n}"
        for ds, n in dict.fromkeys((r["dataset"], r.get("n_explained", "?")) for r in hits)
    )
    out = [
        "",
        "**Motifs per variant** (Table I/III models; `gradient_norm` for the site's class on "
        f"{explained} sequences no model trained on, "
        f"`discover_motifs` with {cfg.get('leiden', '?')} Leiden restarts; per seed: top "
        "pattern's best JASPAR match (q-value, seqlets) or, for splice, its consensus and "
        "strongest dinucleotide; 'hit': share of seeds whose top pattern is CTCF/CTCFL with "
        "q < 0.05, or holds GT)",
        "",
        "| data set | variant | hit | top pattern per seed | best CTCF q (any pattern) |",
        "|---|---|---|---|---|",
    ]
    for r in hits:
        if r["dataset"] == "ctcf":
            seeds = "; ".join(
                f"{b} (q {q:.2g}, {n})" for b, q, n in zip(r["best"], r["q"], r["seqlets"])
            )
            a = anyq.get((r["dataset"], r["variant"]))
            ctcf = ", ".join(f"{q:.2g}" for q in a["ctcf_q"]) if a else "–"
        else:
            seeds = "; ".join(
                f"{c or '-'} ({st or '-'}, {n})"
                for c, st, n in zip(r["consensus"], r["strongest"], r["seqlets"])
            )
            ctcf = "–"
        out.append(
            f"| {r['dataset']} | {r['variant']} | {r['mean']:.2f} (n = {r['n']}) | {seeds} "
            f"| {ctcf} |"
        )
    units = {ds: [0.0, 0] for ds in dict.fromkeys(r["dataset"] for r in hits)}
    for r in hits:
        units[r["dataset"]][0] += r["mean"] * r["n"]
        units[r["dataset"]][1] += r["n"]
    variants = len({r["variant"] for r in hits})
    out += [
        "",
        f"Across the {variants} variants (masking ratio and ablation), the top pattern is the "
        "site's motif in "
        + "; ".join(
            f"{round(k)} of {n} (variant, seed) models on {ds}" for ds, (k, n) in units.items()
        )
        + (
            ": masking does not change which motif the network uses."
            if all(k == n for k, n in units.values())
            else "."
        ),
    ]
    return out


def val_chosen_text(get: Any, datasets: list[str]) -> list[str]:
    """AttnGen at the setting chosen on validation, against the CNN and the k-mer LR."""
    lines = []
    for ds in datasets:
        best = get("sweep", ds, "attngen_val_chosen", "accuracy")
        cnn, kmer = get("sweep", ds, "cnn", "accuracy"), get("sweep", ds, "kmer_lr", "accuracy")
        if not (best and cnn):
            continue
        picks = ", ".join(v.removeprefix("attngen_") for v in best["chosen"])
        vs_kmer = f"; k-mer LR {kmer['mean']:.3f}" if kmer else ""
        lines.append(
            f"- {ds}: {best['mean']:.3f} ± {best['std']:.3f} (chosen per seed: {picks}) vs "
            f"CNN {cnn['mean']:.3f} ± {cnn['std']:.3f}, difference "
            f"{best['mean'] - cnn['mean']:+.3f}{vs_kmer}."
        )
    if not lines:
        return []
    return [
        "",
        "**AttnGen at its best documented setting**: per seed, the Table I/III variant with "
        "the best accuracy on the validation share (the test share plays no part in the "
        "choice); test accuracy:",
        "",
        *lines,
    ]


def markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    config = results.get("config", {})

    def get(tier: str, ds: str, variant: str, metric: str, **kw: Any) -> dict[str, Any] | None:
        for r in rows:
            if (
                r.get("tier") == tier
                and r["dataset"] == ds
                and r["variant"] == variant
                and r["metric"] == metric
                and all(r.get(k) == v for k, v in kw.items())
            ):
                return r
        return None

    def fmt(r: dict[str, Any] | None, digits: int = 3) -> str:
        if r is None:
            return "–"
        if r["n"] > 1:
            return f"{r['mean']:.{digits}f} ± {r['std']:.{digits}f}"
        return f"{r['mean']:.{digits}f}"

    def describe(tier: str) -> str:
        cfg = config.get(tier, {})
        seeds = ", ".join(f"{k}: {len(v)}" for k, v in cfg.get("seeds_run", {}).items())
        used = "; ".join(f"{k}: {v}" for k, v in cfg.get("data_sources", {}).items())
        return (
            f"seeds per data set ({seeds}); {cfg.get('epochs')} epochs at most (patience "
            f"{cfg.get('patience')}); nucleotide budget {cfg.get('nt_budget'):,} per real set, "
            f"{cfg.get('sim_samples'):,} simulated sequences; split: {cfg.get('split')}. "
            f"Data: {used}."
            + (f" Provenance: {cfg['provenance']}." if cfg.get("provenance") else "")
            + kept_text(cfg.get("kept_from_earlier"))
        )

    main_tier = "main" if "main" in config else "quick"

    def budget_word() -> str:
        """The sweep's budget against the main tier's (epochs and nucleotides per real set)."""
        sweep, main = config.get("sweep", {}), TIERS["main"]
        if all(sweep.get(k) == main[k] for k in ("epochs", "nt_budget")):
            if sweep.get("sim_samples") == main["sim_samples"]:
                return "main budget"
            return (
                f"main budget on the real sets; the simulated set keeps "
                f"{sweep.get('sim_samples'):,} sequences (main: {main['sim_samples']:,})"
            )
        return "reduced budget"

    datasets = list(dict.fromkeys(r["dataset"] for r in rows if r.get("tier") == main_tier))

    def command(tier: str) -> str:
        """The command of the tier's newest rows (rows carry their own provenance)."""
        cmds = [r.get("command") for r in rows if r.get("tier") == tier and r.get("run_id")]
        if cmds:
            return f"`{cmds[-1]}`"
        return f"`{results.get('command')}` (rows written before per-row provenance)"

    out = ["### AttnGen (arXiv 2605.14073)", "", f"Command: {command(main_tier)}.", ""]
    out += [
        "**Plain CNN vs AttnGen alpha 0.10**, test accuracy, mean ± std over seeds, with the "
        "baselines in the same splits: " + describe(main_tier),
        "",
        "| data set | cnn (alpha 0) | attngen_mask0.10 | difference | foundation_cnn | kmer_lr |",
        "|---|---|---|---|---|---|",
    ]
    for ds in datasets:
        cnn = get(main_tier, ds, "cnn", "accuracy")
        attn = get(main_tier, ds, "attngen_mask0.10", "accuracy")
        diff = f"{attn['mean'] - cnn['mean']:+.3f}" if cnn and attn else "–"
        cells = [
            fmt(cnn),
            fmt(attn),
            diff,
            fmt(get(main_tier, ds, "foundation_cnn", "accuracy")),
            fmt(get(main_tier, ds, "kmer_lr", "accuracy")),
        ]
        out.append(f"| {ds} | " + " | ".join(cells) + " |")
    if "sweep" in config:
        sweep_ds = list(dict.fromkeys(r["dataset"] for r in rows if r.get("tier") == "sweep"))
        out += [
            "",
            "**Table I – masking ratio alpha** (alpha 0 = plain CNN; command "
            f"{command('sweep')}; {budget_word()}: " + describe("sweep") + ")",
            "",
        ]
        cols = [variant_name(a) for a in ALPHAS] + ["foundation_cnn", "kmer_lr"]
        cols = [c for c in cols if any(get("sweep", ds, c, "accuracy") for ds in sweep_ds)]
        out.append("| data set | " + " | ".join(cols) + " |")
        out.append("|---" * (len(cols) + 1) + "|")
        for ds in sweep_ds:
            cells = [fmt(get("sweep", ds, v, "accuracy")) for v in cols]
            out.append(f"| {ds} | " + " | ".join(cells) + " |")
        out += ["", f"**Table III – ablation at alpha 0.10** (same {budget_word()})", ""]
        abl = [
            ("attngen_random_kl", "random mask + KL"),
            ("attngen_attn_nokl", "attention mask, no KL"),
            ("attngen_mask0.10", "attention mask + KL"),
        ]
        out.append("| data set | " + " | ".join(a[1] for a in abl) + " |")
        out.append("|---" * (len(abl) + 1) + "|")
        for ds in sweep_ds:
            cells = [fmt(get("sweep", ds, v, "accuracy")) for v, _ in abl]
            out.append(f"| {ds} | " + " | ".join(cells) + " |")
        out += motif_table(rows, config.get("sweep", {}))
        out += val_chosen_text(get, sweep_ds)
    out += [
        "",
        "**Table II – accuracy after masking m positions** of up to 3,000 test sequences "
        "(AttnGen alpha 0.10; positions ranked by gradient norm or attention; top / random / "
        "lowest-ranked)",
        "",
    ]
    ms = [m for m in CURVE_M if m]
    out.append("| data set | ranking | order | m=0 | " + " | ".join(f"m={m}" for m in ms) + " |")
    out.append("|---" * (len(ms) + 4) + "|")
    for ds in datasets:
        for ranking in ("gradient", "attention"):
            for order in ("top", "random", "bottom"):
                kw = {"ranking": ranking, "order": order}
                cells = [
                    fmt(get(main_tier, ds, "attngen_mask0.10", "masked_accuracy", m=m, **kw))
                    for m in CURVE_M
                ]
                out.append(f"| {ds} | {ranking} | {order} | " + " | ".join(cells) + " |")
    out += [
        "",
        "**Recovery of known biology** (AttnGen alpha 0.10, attributions for the true class, "
        "ranked by |value|; 200 test sequences per seed; on CTCF, `discover_motifs` on "
        "200 sequences' maps mostly finds no pattern: de novo recovery is measured on 500 "
        "sequences in the motifs-per-variant table above)",
        "",
    ]
    metrics = [
        ("precision_at_k", "sim: precision@k in planted motifs"),
        ("motif_fraction", "sim: motif share (random expectation)"),
        ("top19_in_ctcf_match", "CTCF: top-19 inside MA0139.1 match"),
        ("ctcf_match_fraction", "CTCF: match share (random expectation)"),
        ("jaspar_rank_ctcf", "CTCF: rank of MA0139.1 among JASPAR (seeds where found)"),
        ("jaspar_best_is_ctcf", "CTCF: best JASPAR match is CTCF/CTCFL (share of seeds)"),
        ("mass_at_GT_EI", "splice: mass at GT (EI; random 2/60)"),
        ("mass_at_AG_IE", "splice: mass at AG (IE; random 2/60)"),
        ("ms_per_seq", "ms / sequence"),
    ]
    out.append("| metric | data set | " + " | ".join(METHODS) + " |")
    out.append("|---" * (len(METHODS) + 2) + "|")
    for metric, label in metrics:
        for ds in datasets:
            cells = [get(main_tier, ds, f"explain_{m}", metric) for m in METHODS]
            if any(cells):
                shown = [_rank_cell(c) if metric == "jaspar_rank_ctcf" else fmt(c) for c in cells]
                out.append(f"| {label} | {ds} | " + " | ".join(shown) + " |")
    out += ["", *findings(get, main_tier, datasets)]
    out += ["", "**Training throughput** (sequences / s, one CPU thread, shared machine)", ""]
    out.append("| data set | cnn | attngen_mask0.10 | foundation_cnn |")
    out.append("|---|---|---|---|")
    for ds in datasets:
        cells = [
            fmt(get(main_tier, ds, v, "train_seq_per_s"), 0)
            for v in ("cnn", "attngen_mask0.10", "foundation_cnn")
        ]
        out.append(f"| {ds} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _rank_cell(r: dict[str, Any] | None) -> str:
    """Median rank of the CTCF motif over the seeds where the top de novo pattern matched it
    (-1: no pattern, or CTCF not among its matches)."""
    if r is None:
        return "–"
    values = r.get("values", [r["mean"]])
    found = [v for v in values if v >= 1]
    if not found:
        return f"not found (0/{len(values)})"
    return f"{np.median(found):.0f} ({len(found)}/{len(values)})"
