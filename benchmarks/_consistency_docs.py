"""Docs section of ``benchmarks/consistency.py`` (rendered by ``benchmarks/readme.py``)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["METRICS", "markdown"]

#: Per-sample consistency metrics of the study, in table order.
METRICS = ("spearman", "kendall", "jaccard", "top_agreement", "cv_top")


def _changes(line: dict[str, Any]) -> dict[str, Any]:
    """Options of a tuning line's ``config`` (a task's ``params``) off the estimator's
    defaults."""
    from attnscope.estimators import AttnLSTMClassifier

    d = AttnLSTMClassifier().get_params()
    given = line.get("config", line.get("params", {}))
    return {k: v for k, v in given.items() if k not in d or d[k] != v}


def markdown(results: dict) -> str:
    """README section from ``benchmarks/results/consistency.json``."""
    rows = results["rows"]

    def get(dataset: str, variant: str, metric: str) -> dict[str, Any] | None:
        for r in rows:
            if (r["dataset"], r["variant"], r["metric"]) == (dataset, variant, metric):
                return r
        return None

    lines = ["## Attention consistency across seeds", ""]
    lines.append(
        "PhysioNet 2012 set-a (Silva et al. 2012), one stratified 70/10/20 split (seed 0); "
        "published P12 figures (Raindrop 82.8, mTAND 84.2 AUROC) use other splits. "
        "Each data set was run by its own call (listed under Cost); the file's top-level "
        f"command is the last call, `{results['command']}`."
    )
    lines += ["", "| task | model | AUROC | AUPRC | n |", "|---|---|---|---|---|"]
    datasets = sorted({r["dataset"] for r in rows})
    for ds in datasets:
        ensembles = sorted(
            {r["variant"] for r in rows if r["dataset"] == ds and "ensemble" in r["variant"]}
        )
        baselines = ("gru", "gradient_boosting", "logistic_regression", "attngen")
        for model in ("attn_lstm", *ensembles, *baselines):
            a, p = get(ds, model, "auroc"), get(ds, model, "auprc")
            if a and p:
                lines.append(
                    f"| {ds} | {model} | {a['mean']:.3f} ± {a['std']:.3f} | "
                    f"{p['mean']:.3f} ± {p['std']:.3f} | {a['n']} |"
                )
    if any("ensemble" in r["variant"] for r in rows):
        lines += [
            "",
            "Seed ensembles: the variants' mean probability, all of them at once (n = 1) and "
            "in disjoint groups of consecutive seeds (n = groups); the rows above them are "
            "single models (n = variants).",
        ]
    for task, info in sorted(results.get("tasks", {}).items()):
        if info.get("setting"):
            sets = "".join(f" --set {k}={json.dumps(v)}" for k, v in _changes(info).items())
            rule = f"{info['rule'].rstrip('.')}. " if info.get("rule") else ""
            lines.append(
                f"- {task}: setting `{info['setting']}`; {rule}From the "
                f"command line, one seed ensemble of it: `attnscope fit DATA --model attn_lstm"
                f"{sets} --set n_members={info.get('ensemble_size', 5)}`."
            )
        c = info.get("ensemble_vs_gradient_boosting")
        if c:
            lines.append(
                f"- {task}: the {info['n_variants']}-seed ensemble minus gradient boosting, "
                f"AUROC {c['difference']:+.4f} (95% paired bootstrap interval over the test "
                f"stays {c['ci_low']:+.3f} to {c['ci_high']:+.3f}; not better in "
                f"{100 * c['share_not_better']:.1f}% of {c['n_boot']} resamples)."
            )
    lines += [
        "",
        "Per-sample consistency across variants (mean over explained samples):",
        "",
        "| data | model/method | variants | Spearman | Kendall | top-10 Jaccard "
        "| top-cell agreement | CV (top cells) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for ds in datasets:
        for variant in sorted(
            {r["variant"] for r in rows if r["dataset"] == ds and "/" in r["variant"]}
        ):
            vals = [get(ds, variant, m) for m in METRICS]
            if all(vals):
                nv = vals[0]["n_variants"]  # type: ignore[index]
                cells = " | ".join(f"{v['mean']:.3f}" for v in vals)  # type: ignore[index]
                lines.append(f"| {ds} | {variant} | {nv} | {cells} |")
    lines += ["", "Is attention less consistent across seeds than integrated gradients?", ""]
    for ds in datasets:
        for model in ("attn_lstm", "attngen"):
            att = get(ds, f"{model}/attention", "spearman")
            ig = get(ds, f"{model}/integrated_gradients", "spearman")
            jatt = get(ds, f"{model}/attention", "jaccard")
            jig = get(ds, f"{model}/integrated_gradients", "jaccard")
            if att and ig and jatt and jig:
                lower = (att["mean"] < ig["mean"], jatt["mean"] < jig["mean"])
                verdict = {
                    (True, True): "less consistent than IG",
                    (False, False): "not less consistent than IG",
                    (True, False): "less consistent than IG by rank correlation, more by "
                    "top-10 Jaccard",
                    (False, True): "more consistent than IG by rank correlation, less by "
                    "top-10 Jaccard",
                }[lower]
                lines.append(
                    f"- {ds}, {model}: attention is {verdict} "
                    f"(Spearman {att['mean']:.3f} vs {ig['mean']:.3f}, top-10 Jaccard "
                    f"{jatt['mean']:.3f} vs {jig['mean']:.3f}, {att['n']} samples, "
                    f"{att['n_variants']} variants)."
                )
    lines += [
        "",
        "Cost (batched ensemble vs one standalone training, measured in the same run):",
        "",
    ]
    for task, info in sorted(results.get("tasks", {}).items()):
        t = info.get("timing")
        if not t:
            continue
        n = info["n_variants"]
        explain = sum(t["explain_seconds"].values())
        total = t["train_seconds"] + explain + t["metric_seconds"]
        ratio = t.get("per_variant_over_standalone")
        est_1000 = 1000 * t["per_variant_seconds"] + (1000 / n) * (explain + t["metric_seconds"])
        lines.append(
            f"- {task}: {n} variants trained and analysed in {total / 60:.1f} min "
            f"({t['per_variant_seconds']:.1f} s training per variant vs "
            f"{t['standalone_seconds'] or float('nan'):.1f} s for one standalone training, "
            f"ratio {ratio if ratio is not None else float('nan'):.2f}; "
            f"{t.get('threads', '?')} thread(s)). N = 1,000: about {est_1000 / 3600:.1f} h "
            "(estimate: linear extrapolation of this run, not measured)."
            + (
                f" CPU time: {t['per_variant_cpu_seconds']:.1f} s per variant vs "
                f"{t['standalone_cpu_seconds']:.1f} s standalone (ratio "
                f"{t['per_variant_over_standalone_cpu']:.2f})."
                if t.get("standalone_cpu_seconds")
                else ""
            )
            + (f" Command: `{info['command']}`." if info.get("command") else "")
        )
    for run in results.get("earlier_runs", []):
        got = {(r["dataset"], r["variant"], r["metric"]): r for r in run["rows"]}
        for ds in sorted({r["dataset"] for r in run["rows"]}):
            auc = got.get((ds, "attn_lstm", "auroc"))
            gb = got.get((ds, "gradient_boosting", "auroc"))
            total = got.get((ds, "attn_lstm", "study_seconds_total"))
            cpu = got.get((ds, "attn_lstm", "per_variant_over_standalone_cpu"))
            if not (auc and total):
                continue
            env = run["environment"]
            lines.append(
                f"- Earlier run, {ds}, previous setting: attention-LSTM AUROC "
                f"{auc['mean']:.3f} ± {auc['std']:.3f} ({auc['n']} variants)"
                + (f" vs gradient boosting {gb['mean']:.3f}" if gb else "")
                + f"; whole study {total['mean'] / 60:.1f} min on "
                + f"{run.get('threads') or env.get('threads') or '?'} thread(s)"
                + (f", per-variant CPU ratio {cpu['mean']:.2f}" if cpu else "")
                + f". Command: `{run['command']}`"
                + (f" ({run['note']})" if run.get("note") else "")
                + "."
            )
    tuning = results.get("tuning") or []
    if tuning:
        lines += [
            "",
            "Attention-LSTM settings were chosen on the validation share only (70% train, "
            "10% validation of the same split; the test share unused), with "
            f"{tuning[0].get('members', 5)} seed variants per setting "
            "(`benchmarks/consistency_tune.py`); validation AUROC, mean ± std over variants:",
            "",
            f"| setting | changes | val AUROC | val AUROC, {tuning[0].get('members', 5)}-seed "
            "ensemble | best epochs |",
            "|---|---|---|---|---|",
        ]
        refs = [t["reference_val_auroc"] for t in tuning if t.get("reference_val_auroc")]
        for t in tuning:
            ens = t.get("val_auroc_averaged")
            lines.append(
                f"| {t['name']} | `{json.dumps(t.get('changes', _changes(t)))}` | "
                f"{t['val_auroc_mean']:.3f} ± {t['val_auroc_std']:.3f} | "
                f"{'' if ens is None else f'{ens:.3f}'} | {t['best_epochs']} |"
            )
        unrecorded = sum(t.get("run_id") is None for t in tuning)
        lines += [
            "",
            f"Origin: {unrecorded} of {len(tuning)} lines were written before per-line "
            "provenance (their commit is not recorded; consistency.json holds the command "
            "rebuilt from each line); the others carry their commit and command.",
        ]
        if refs:
            lines += [
                "",
                "Summary-feature baselines fitted on the training share, on the same validation "
                f"share: gradient boosting {refs[0]['gradient_boosting']:.3f}, logistic "
                f"regression {refs[0]['logistic_regression']:.3f}. `base` is the first "
                "setting; the setting each task uses is named above the consistency table.",
            ]
    lines += [
        "",
        "Cost caveats: a chunk of 20 batched variants trains until its last member stops "
        "early (stopped members keep being computed), a standalone run stops at its own "
        "stopping epoch; wall-clock ratios also depend on the machine's load during each "
        "part (CPU-time ratios less so).",
    ]
    lines += [
        "",
        "Caveat: gradient x input and IG maps are products with the input, whose magnitude "
        "pattern is the same for every variant; that alone lifts their rank agreement across "
        "variants (Spearman/Kendall over all cells). Top-10 Jaccard and top-cell agreement "
        "depend less on it.",
    ]
    for note in results.get("notes", []):
        lines.append(f"- note: {note}")
    return "\n".join(lines) + "\n"
