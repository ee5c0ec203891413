"""Docs section of ``benchmarks/hemera_scale.py`` (``markdown``, read by
``benchmarks/readme.py``)."""

from __future__ import annotations

from typing import Any

__all__ = ["markdown"]

#: HEMERA's cohort (27,254 people x 378,866 SNPs) fitted by ``attnscope fit --stream`` with
#: the CLI's test share and the estimator's validation share: the plan's sizes.
PLAN = {"n_people": 27_254, "n_snps": 378_866, "test_size": 0.2, "val_size": 0.1}
PLAN_RANKS = (1, 4, 8, 16, 32)


def markdown(results: dict[str, Any]) -> str:
    """README section generated from ``results/hemera_scale.json``."""
    lines = [
        "### HEMERA at scale: one training step; a streamed cohort on disk (CPU)",
        "",
        "Simulated genotypes; peak RSS of a fresh process (includes ~0.3 GB of Python + torch);",
        f"settings whose estimated memory exceeds {results.get('budget_gb', 7.5):.1f} GB are",
        "refused (estimate shown). `*_mlm` = pre-training step (every query attends).",
        "",
        "| SNPs | variant | batch | peak RSS (GB) | step (s) | estimate (GB) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for r in results["rows"]:
        by_key.setdefault((r["dataset"], r["variant"]), {})[r["metric"]] = r
    for (dataset, variant), metrics in by_key.items():
        first = next(iter(metrics.values()))
        if dataset.startswith(("plink", "cohort")):
            continue
        rss = metrics.get("peak_rss_gb", {})
        step = metrics.get("step_seconds", {})
        status = first.get("status", "")
        rss_s = f"{rss['mean']:.2f}" if status == "ok" else status.replace("_", " ")
        step_s = f"{step['mean']:.2f}" if step else "–"
        lines.append(
            f"| {first['n_snps']:,} | {variant.rsplit('_b', 1)[0]} | {first['batch_size']} | "
            f"{rss_s} | {step_s} | {first['estimate_gb']:.2f} |"
        )
    for (dataset, _), metrics in by_key.items():
        if dataset.startswith("plink") and "seconds_per_step" in metrics:
            r = metrics["seconds_per_step"]
            lines += [
                "",
                f"Streaming from a PLINK file ({r['n_snps']:,} SNPs, batches of 8 read from disk): "
                f"{r['mean']:.2f} s per step ({r['read_seconds']:.2f} s reading in all), peak RSS "
                f"{metrics['peak_rss_gb']['mean']:.2f} GB; the cohort is never loaded whole.",
            ]
    for (dataset, _), metrics in by_key.items():
        if dataset.startswith("cohort") and "epoch_seconds_derived" in metrics:
            lines += ["", *_cohort_lines(metrics), "", *_plan_lines(metrics)]
    return "\n".join(lines) + "\n"


def _cohort_lines(metrics: dict[str, Any]) -> list[str]:
    """The streamed-cohort table (``--cohort``) of :func:`markdown`."""
    r = metrics["epoch_seconds_derived"]
    model = r["model"]
    config = ", ".join(
        f"{k}={model[k]}"
        for k in ("dim", "k", "n_layers", "ff_mult", "batch_size", "pretrain_epochs")
    )
    per_sample = (
        metrics["train_seconds_per_sample"]["mean"] + metrics["read_seconds_per_sample"]["mean"]
    )
    return [
        f"#### Streamed HEMERA on a {r['n_samples']:,} x {r['n_snps']:,} PLINK cohort "
        f"({r['bed_gb']:.2f} GB .bed)",
        "",
        f"`HEMERAClassifier({config}).fit(read_plink(path, lazy=True))` on "
        f"{r.get('device', 'cpu')}, 2 threads; the fit was stopped after "
        f"{r['batches_measured']} training batches (one epoch is hours here), so the epoch "
        "time is **derived** from the measured parts.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| peak RSS, training process (measured) | {metrics['peak_rss_gb']['mean']:.2f} GB |",
        f"| peak RSS, DataLoader worker (measured) | "
        f"{metrics['worker_peak_rss_gb']['mean']:.2f} GB |",
        f"| streaming QC pass over the {r['n_fit']:,} training people (measured) | "
        f"{metrics['qc_pass_seconds']['mean']:.0f} s |",
        f"| first chunk read ({r['chunk_rows']} people, measured) | "
        f"{r['first_fetch_seconds']:.1f} s |",
        f"| training, per individual (measured, {r['batches_measured']} batches) | "
        f"{metrics['train_seconds_per_sample']['mean']:.2f} s |",
        f"| training incl. reading, per individual | {per_sample:.2f} s |",
        f"| forward (validation / prediction), per individual (measured) | "
        f"{metrics['forward_seconds_per_sample']['mean']:.2f} s |",
        f"| one epoch: QC + {r['n_fit']:,} trained + {r['n_val']:,} validated (**derived**) | "
        f"{r['mean'] / 3600:.1f} h |",
    ]


def _plan_lines(metrics: dict[str, Any]) -> list[str]:
    """Hours per epoch of HEMERA's cohort on N data-parallel ranks, from the measured parts."""
    r = metrics["epoch_seconds_derived"]
    n_train = round(PLAN["n_people"] * (1 - PLAN["test_size"]))
    n_val = round(n_train * PLAN["val_size"])
    n_fit, n_test = n_train - n_val, PLAN["n_people"] - n_train
    qc = metrics["qc_pass_seconds"]["mean"] * n_fit / r["n_fit"]  # one pass over the people
    train = metrics["train_seconds_per_sample"]["mean"] + metrics["read_seconds_per_sample"]["mean"]
    forward = metrics["forward_seconds_per_sample"]["mean"] + r["first_fetch_seconds"] / min(
        256, r["n_samples"]
    )
    hours = [(qc + n_fit * train / n + n_val * forward) / 3600 for n in PLAN_RANKS]
    return [
        f"**Plan (an estimate from the rows above, not measured):** HEMERA's cohort, "
        f"{PLAN['n_people']:,} x {PLAN['n_snps']:,}, through `attnscope fit --stream` (test "
        f"share {PLAN['test_size']}: {n_train:,} trained on, of which {n_val:,} validate; "
        f"{n_fit:,} fitted). Per epoch on N ranks = QC pass ({qc:.0f} s, every rank) + "
        f"{n_fit:,} x {train:.2f} s / N (training and reading, split by DDP) + {n_val:,} x "
        f"{forward:.2f} s (validation, every rank); scoring the {n_test:,} test people adds "
        f"{n_test * forward / 3600:.1f} h once. A GPU rank is faster per individual; measure "
        "it with `python benchmarks/hemera_scale.py --cohort --device cuda --batches 20`.",
        "",
        "| ranks N | " + " | ".join(str(n) for n in PLAN_RANKS) + " |",
        "|---|" + "---:|" * len(PLAN_RANKS),
        "| hours per epoch (estimate) | " + " | ".join(f"{h:.1f}" for h in hours) + " |",
    ]
