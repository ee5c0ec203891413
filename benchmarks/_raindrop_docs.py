"""Docs section and selection-log reader of ``benchmarks/physionet_raindrop.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GB", "markdown", "parse_selection_log", "selection_rounds"]

GB = "gradient boosting (summary features)"


def parse_selection_log(path: Path, candidates: dict[str, Any]) -> dict[str, Any]:
    """Validation AUROC per split and candidate from a ``--select`` run's printed lines.

    For a selection run that printed its per-split validation scores but wrote no file;
    the chosen setting is the one with the best mean over the splits printed;
    ``candidates`` maps each setting name to its parameters.
    """
    import re

    text = path.read_text()
    found = re.findall(r"^split (\d+) (\S+): val AUROC ([0-9.]+)", text, flags=re.M)
    per: dict[str, dict[str, float]] = {}
    for split, name, auroc in found:
        per.setdefault(name, {})[split] = float(auroc)
    means = {name: float(np.mean(list(v.values()))) for name, v in per.items()}
    return {
        "rule": "candidate with the best mean validation AUROC over the splits printed; test "
        "parts not read",
        "log": path.name,
        "lines": [line for line in text.splitlines() if line.startswith(("split", "queued",
                  "locked", "rc ", "command:"))],
        "validation_auroc": per,
        "validation_auroc_mean": means,
        "candidates": {n: candidates[n] for n in per},
        "chosen": max(means, key=lambda n: means[n]) if means else None,
    }  # fmt: skip


def selection_rounds(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The selection rounds of a results file, in order (older files: a log, then a file)."""
    if "selection_rounds" in results:
        return list(results["selection_rounds"])
    return [r for r in (results.get("selection_log"), results.get("selection")) if r]


def markdown(results: dict[str, Any]) -> str:
    """Docs section from ``benchmarks/results/physionet_raindrop.json``."""
    rows = results["rows"]
    lines = ["## PhysioNet 2012 on Raindrop's splits (sets a+b only)", ""]
    lines.append(
        "In-hospital mortality on the five train/val/test splits of Raindrop, keeping only "
        "the set-a and set-b stays of each part (set-c series are not available: about a third "
        "of every part is dropped). Mean ± std over the splits. The published figures are on "
        "the full splits (sets a+b+c) and are shown for orientation, not as a like-for-like "
        "comparison."
    )
    lines += ["", "| model | AUROC (%) | AUPRC (%) | splits |", "|---|---|---|---|"]
    by = {(r["variant"], r["metric"]): r for r in rows}
    for variant in dict.fromkeys(r["variant"] for r in rows if r["metric"] == "auroc"):
        a, p = by.get((variant, "auroc")), by.get((variant, "auprc"))
        if a and p:
            lines.append(
                f"| {variant}, sets a+b only | {100 * a['mean']:.1f} ± {100 * a['std']:.1f} | "
                f"{100 * p['mean']:.1f} ± {100 * p['std']:.1f} | {a['n']} |"
            )
    for name, auroc in results.get("published", {}).get("auroc", {}).items():
        lines.append(f"| {name} (published, sets a+b+c) | {auroc:.1f} | | 5 |")
    rounds = selection_rounds(results)
    for k, rnd in enumerate(rounds, 1):
        if "validation_auroc_mean" in rnd:  # parsed from a printed log
            cands = ", ".join(f"{n} {100 * v:.1f}" for n, v in rnd["validation_auroc_mean"].items())
            splits = sorted({s for v in rnd["validation_auroc"].values() for s in v})
            how = f"a `--select` run on splits {', '.join(splits)}, one seed per candidate"
        else:
            cands = ", ".join(f"{n} {100 * v['auroc']:.2f}" for n, v in rnd["validation"].items())
            how = f"`{rnd['command']}`, splits {rnd['splits']}"
        if rnd.get("commit") is None:
            how += "; its commit was not recorded"
        later = " (run after the earlier rounds' test figures were known)" if k > 1 else ""
        lines += [
            "",
            f"Selection round {k}{later}: setting chosen on the validation parts only ({how}; "
            f"mean validation AUROC: {cands}); chosen **{rnd['chosen']}**.",
        ]
    settings = {r["setting"]: r["params"] for r in rows if "setting" in r}
    for name, params in settings.items():
        lines += ["", f"Setting `{name}`: attention-LSTM defaults with {params}."]
    members = max((int(r.get("members", 1)) for r in rows if "setting" in r), default=1)
    if members > 1:
        lines += [
            "",
            f"An ensemble row of split s is what `AttnLSTMClassifier(n_members={members}, "
            "random_state=100 * s, <the setting's options>).fit(train, validation_data=val)` "
            "trains on the split's parts normalised on its training part: the same batched "
            "training of the same seeds (tests/test_attn_lstm_ensemble.py). From the command "
            f"line, `attnscope fit --model attn_lstm --set n_members={members}` with those "
            "options trains the same kind of ensemble on its own split of the given file.",
        ]
    attn = [r for r in rows if r["metric"] == "auroc" and r["variant"].startswith("attn_lstm")]
    gb = by.get((GB, "auroc"))
    chosen = rounds[-1].get("chosen") if rounds else None
    picked = [r for r in attn if r.get("setting") == chosen and r.get("members", 1) > 1]
    picked = picked or [r for r in attn if r.get("setting") == chosen]
    if picked and gb:
        best = picked[0]  # the validation-chosen setting's ensemble, not the best test row
        gap = 100 * (best["mean"] - gb["mean"])
        word = "is above" if gap > 0 else "trails"
        level = " (a tie: well within the split std)" if abs(gap) < 0.25 * 100 * gb["std"] else ""
        lines += [
            "",
            f"The validation-chosen attention-LSTM ({best['variant']}) {word} gradient "
            f"boosting by {abs(gap):.2f} AUROC points on test{level}; split std "
            f"{100 * gb['std']:.1f}.",
        ]
    diffs = [r for r in rows if r["metric"] == "paired_auroc_difference"]
    if diffs:
        lines += [
            "",
            "Paired over the splits (same test stays; p-values Holm-adjusted over these "
            "comparisons; with 5 splits the two-sided Wilcoxon p cannot go below 0.0625, so "
            "the paired t-test is the one that can reach 0.05):",
            "",
            "| comparison | AUROC difference (points) | wins / losses | paired t p (Holm) | "
            "Wilcoxon p (Holm) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['variant']} | {100 * r['mean']:+.1f} ± {100 * r['std']:.1f} | "
            f"{r['wins']} / {r['losses']} | {r['paired_t_p_holm']:.3f} | "
            f"{r['wilcoxon_p_holm']:.3f} |"
            for r in diffs
        ]
    budget = results.get("budget")
    if budget:
        lines += [
            "",
            f"Budget (shared training settings; a setting's own values override them): {budget}.",
        ]
    return "\n".join(lines) + "\n"
