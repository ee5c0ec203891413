"""Trust table of every attribution method for the baseline CNN and MLP.

Three settings, each a model trained on one split and explained on held-out samples:

- ``dna_sim``: baseline CNN on simulated DNA with one planted motif per class
  (truth = planted positions);
- ``ctcf``: baseline CNN on CTCF ChIP-seq peaks vs shuffled negatives (Zeng et al. 2016,
  gifford-lab/Keras-genomics, MIT); truth = positions covered by a JASPAR MA0139.1 (CTCF,
  JASPAR 2020, CC BY 4.0) hit on either strand with log-odds >= 80% of the motif's range;
- ``expr_sim``: MLP on simulated expression with planted pathway genes (truth per gene).

Rows: one per (dataset, method, metric) with the figures of
:func:`attnscope.trust.trust_table`, plus the model's held-out accuracy and the wall
time of the complete table. ``--quick`` runs a small version in a few minutes.
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

from _common import row, threads_option, write_results

METRICS = (
    "deletion_auc",
    "insertion_auc",
    "comprehensiveness",
    "sufficiency",
    "sanity_corr",
    "label_corr",
    "noise_sensitivity",
    "precision_at_k",
    "auroc",
    "auprc",
    "seconds_per_sample",
)
BOOLS = ("sanity_pass", "label_pass")


def _split(n: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _trust_rows(
    name: str, est: Any, test: Any, n_explain: int, seed: int, log: list[str]
) -> list[dict[str, Any]]:
    from attnscope.trust import trust_table

    def progress(method: str, r: dict[str, Any]) -> None:
        msg = f"[{name}] {method}: {r.get('status')}"
        if r.get("status") == "ok":
            msg += (
                f" del={r['deletion_auc']:.3f} ins={r['insertion_auc']:.3f}"
                f" p@k={r.get('precision_at_k', float('nan')):.3f}"
                f" sanity={r['sanity_corr']:.2f} s/sample={r['seconds_per_sample']:.4f}"
                f" ({r['seconds']:.1f} s)"
            )
        print(msg, flush=True)
        log.append(msg)

    start = time.perf_counter()
    table = trust_table(est, test, n_samples=n_explain, random_state=seed, progress=progress)
    total = time.perf_counter() - start
    out = [row(name, "all_methods", "trust_table_seconds", total, total)]
    for r in table:
        if r.get("status") != "ok":
            out.append(row(name, r["method"], "not_applicable", 1.0, 0.0, reason=r["status"]))
            continue
        for metric in (*METRICS, *BOOLS):
            if metric in r:
                out.append(
                    row(
                        name,
                        r["method"],
                        metric,
                        float(r[metric]),
                        r["seconds"],
                        n_samples=r["n_samples"],
                    )
                )
    return out


def _accuracy(name: str, est: Any, test: Any, seconds: float) -> dict[str, Any]:
    return row(name, est.name, "test_accuracy", est.score(test), seconds, n_test=len(test))


def dna_sim(args: argparse.Namespace, log: list[str]) -> list[dict[str, Any]]:
    from attnscope.estimators import CNNClassifier
    from attnscope.sim import simulate_dna

    n_test = args.n_explain
    data = simulate_dna(n_test + args.n_train, length=100, random_state=args.seed)
    tr, te = _split(len(data), n_test, args.seed)
    start = time.perf_counter()
    est = CNNClassifier(n_filters=32, epochs=args.epochs, patience=3, random_state=args.seed).fit(
        data.subset(tr)
    )
    rows = [_accuracy("dna_sim", est, data.subset(te), time.perf_counter() - start)]
    return rows + _trust_rows("dna_sim", est, data.subset(te), n_test, args.seed, log)


def ctcf(args: argparse.Namespace, log: list[str]) -> list[dict[str, Any]]:
    from attnscope._utils.paths import shared_data_dir
    from attnscope.datasets import load_ctcf
    from attnscope.estimators import CNNClassifier
    from attnscope.io import read_jaspar, scan_pwm

    motif_file = shared_data_dir() / "reference" / "jaspar" / "MA0139.1.CTCF.jaspar"
    if not motif_file.is_file():
        print(f"skipping ctcf: {motif_file} not found", flush=True)
        return []
    data = load_ctcf("test")
    rng = np.random.default_rng(args.seed)
    keep = np.sort(rng.choice(len(data), size=args.n_train + args.n_explain, replace=False))
    data = data.subset(keep)
    motif = read_jaspar(motif_file)["MA0139.1"]
    truth = scan_pwm(data.tokens, motif)  # >= 80% of the attainable log-odds range
    data = replace(data, truth=truth)
    tr, te = _split(len(data), args.n_explain, args.seed)
    start = time.perf_counter()
    est = CNNClassifier(n_filters=32, epochs=args.epochs, patience=3, random_state=args.seed).fit(
        data.subset(tr)
    )
    test = data.subset(te)
    rows = [_accuracy("ctcf", est, test, time.perf_counter() - start)]
    has_hit = truth[te].any(axis=1)
    rows.append(row("ctcf", "jaspar_MA0139.1", "share_with_motif_hit", has_hit.mean(), 0.0))
    rows.append(
        row(
            "ctcf",
            "jaspar_MA0139.1",
            "share_with_motif_hit_bound",
            has_hit[test.y == 1].mean(),
            0.0,
        )
    )
    return rows + _trust_rows("ctcf", est, test, args.n_explain, args.seed, log)


def expr_sim(args: argparse.Namespace, log: list[str]) -> list[dict[str, Any]]:
    from attnscope.estimators import MLPClassifier
    from attnscope.sim import simulate_expression

    data = simulate_expression(
        args.n_train + args.n_explain, n_genes=args.n_genes, random_state=args.seed
    )
    tr, te = _split(len(data), args.n_explain, args.seed)
    start = time.perf_counter()
    est = MLPClassifier(hidden=(64,), epochs=args.epochs, patience=3, random_state=args.seed).fit(
        data.subset(tr)
    )
    rows = [_accuracy("expr_sim", est, data.subset(te), time.perf_counter() - start)]
    return rows + _trust_rows("expr_sim", est, data.subset(te), args.n_explain, args.seed, log)


def markdown(results: dict) -> str:
    """README section generated from ``benchmarks/results/trust.json``."""
    rows = results["rows"]
    cols = [
        ("deletion_auc", "del AUC ↓"),
        ("insertion_auc", "ins AUC ↑"),
        ("comprehensiveness", "comp@10% ↑"),
        ("sufficiency", "suff@10% ↓"),
        ("sanity_corr", "ρ random weights"),
        ("label_corr", "ρ random labels"),
        ("noise_sensitivity", "max-sens ↓"),
        ("precision_at_k", "P@k ↑"),
        ("auroc", "AUROC ↑"),
        ("auprc", "AUPRC ↑"),
        ("seconds_per_sample", "s/sample"),
    ]
    titles = {
        "dna_sim": "CNN on simulated DNA (planted motifs)",
        "ctcf": "CNN on CTCF peaks (truth: JASPAR MA0139.1 hits)",
        "expr_sim": "MLP on simulated expression (planted pathway genes)",
    }
    out = [
        "## Explanation trust: every method, baseline CNN and MLP",
        "",
        "Sanity: Spearman ρ of |attribution| with the fully weight-randomised model and with "
        "a model retrained on permuted labels; **bold** = below 0.5 (the map depends on the "
        "model: pass). P@k: precision at k = number of true features. CTCF data: Zeng et al. "
        "2016 via gifford-lab/Keras-genomics (MIT); JASPAR 2020 (CC BY 4.0).",
        "",
    ]
    for ds in [d for d in titles if any(r["dataset"] == d for r in rows)]:
        sub = [r for r in rows if r["dataset"] == ds]
        acc = next((r for r in sub if r["metric"] == "test_accuracy"), None)
        total = next((r for r in sub if r["metric"] == "trust_table_seconds"), None)
        methods = list(dict.fromkeys(r["variant"] for r in sub if r["metric"] == "deletion_auc"))
        head = f"### {titles[ds]}"
        out += [head, ""]
        if acc is not None:
            out.append(
                f"Held-out accuracy {acc['mean']:.3f} ({acc.get('n_test', '?')} samples); "
                + (f"complete table in {total['mean']:.0f} s." if total else "")
            )
            out.append("")
        out.append("| method | n | " + " | ".join(c[1] for c in cols) + " |")
        out.append("|---|---:|" + "---:|" * len(cols))
        for m in methods:
            cell = {r["metric"]: r for r in sub if r["variant"] == m}
            vals = []
            for key, _ in cols:
                r = cell.get(key)
                if r is None or r["mean"] != r["mean"]:
                    vals.append("–")
                    continue
                v = r["mean"]
                text = f"{v:.4f}" if key == "seconds_per_sample" else f"{v:.3f}"
                passed = {"sanity_corr": "sanity_pass", "label_corr": "label_pass"}.get(key)
                if passed and cell.get(passed, {}).get("mean") == 1.0:
                    text = f"**{text}**"
                vals.append(text)
            n = cell["deletion_auc"].get("n_samples", "")
            out.append(f"| {m} | {n} | " + " | ".join(vals) + " |")
        skipped = [r["variant"] for r in sub if r["metric"] == "not_applicable"]
        if skipped:
            out += ["", "Not applicable to this model: " + ", ".join(skipped) + "."]
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small version (minutes)")
    parser.add_argument("--parts", default="dna_sim,ctcf,expr_sim")
    parser.add_argument("--seed", type=int, default=0)
    threads_option(parser)
    args = parser.parse_args()
    import torch

    from _common import load_results

    torch.set_num_threads(args.threads)
    args.n_explain = 200 if args.quick else 1000
    args.n_train = 1000 if args.quick else 4000
    args.epochs = 5 if args.quick else 20
    args.n_genes = 1000
    log: list[str] = []
    parts = {"dna_sim": dna_sim, "ctcf": ctcf, "expr_sim": expr_sim}
    todo = [name.strip() for name in args.parts.split(",")]
    try:  # parts not re-run (yet) keep their rows, with their own provenance
        kept = load_results("trust")["rows"]
    except (OSError, ValueError):
        kept = []
    rows: list[dict[str, Any]] = []
    for name in todo:
        rows += parts[name](args, log)
        # Written after every part, so a long run leaves its finished parts behind.
        write_results(
            "trust",
            [*rows, *[r for r in kept if r["dataset"] not in {x["dataset"] for x in rows}]],
            settings={
                "n_explain": args.n_explain,
                "n_train": args.n_train,
                "epochs": args.epochs,
                "n_genes_expr_sim": args.n_genes,
                "quick": args.quick,
                "parts_done": sorted({r["dataset"] for r in rows}),
                "threads": args.threads,
            },
        )


if __name__ == "__main__":
    main()
