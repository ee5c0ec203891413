"""Results rows of ``benchmarks/consistency.py``: the study's, seed ensembles', the paired
bootstrap against gradient boosting, and an earlier run's summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from _common import row
from _consistency_docs import METRICS

__all__ = ["bootstrap_auroc_difference", "ensemble_rows", "record_earlier", "study_rows"]


def bootstrap_auroc_difference(
    y: np.ndarray, score_a: np.ndarray, score_b: np.ndarray, n_boot: int = 2000, seed: int = 0
) -> dict[str, float]:
    """AUROC(a) - AUROC(b) on one test set, with a paired bootstrap over its samples.

    Both models are scored on the same resampled test samples (resamples holding one class
    only are drawn again); 95% percentile interval and the share of resamples where a is
    not better.
    """
    from sklearn.metrics import roc_auc_score

    if np.unique(y).size < 2:
        raise ValueError("the test labels hold one class: AUROC is undefined.")
    rng = np.random.default_rng(seed)
    n = len(y)
    diffs: list[float] = []
    while len(diffs) < n_boot:  # a one-class resample (rare with both classes) is redrawn
        idx = rng.integers(0, n, n)
        if np.unique(y[idx]).size < 2:
            continue
        diffs.append(roc_auc_score(y[idx], score_a[idx]) - roc_auc_score(y[idx], score_b[idx]))
    d = np.asarray(diffs)
    return {
        "difference": float(roc_auc_score(y, score_a) - roc_auc_score(y, score_b)),
        "ci_low": float(np.percentile(d, 2.5)),
        "ci_high": float(np.percentile(d, 97.5)),
        "share_not_better": float(np.mean(d <= 0)),
        "n_boot": n_boot,
    }


def study_rows(dataset: str, variant: str, res: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    t = res["timing"]
    n = res["n_variants"]
    pred = res["predictive"]
    rows.append(row(dataset, variant, "auroc", pred["auroc"], t["train_seconds"]))
    rows.append(row(dataset, variant, "auprc", pred["auprc"], t["train_seconds"]))
    for method in res["methods"]:
        for metric in METRICS:
            vals = res["per_sample"][method][metric]
            rows.append(
                row(
                    dataset,
                    f"{variant}/{method}",
                    metric,
                    vals,
                    t["explain_seconds"][method] + t["metric_seconds"] / len(res["methods"]),
                    unit="samples",
                    n_variants=n,
                )
            )
        rows.append(
            row(
                dataset,
                f"{variant}/{method}",
                "spearman_auroc_vs_agreement",
                res["relation"][method],
                0.0,
                unit="variants",
                n_variants=n,
            )
        )
    rows.append(row(dataset, variant, "train_seconds_per_variant", t["per_variant_seconds"],
                    t["train_seconds"], n_variants=n))  # fmt: skip
    if t["standalone_seconds"]:
        rows.append(row(dataset, variant, "standalone_train_seconds", t["standalone_seconds"],
                        t["standalone_seconds"]))  # fmt: skip
        rows.append(row(dataset, variant, "per_variant_over_standalone",
                        t["per_variant_over_standalone"], 0.0))  # fmt: skip
    if t.get("standalone_cpu_seconds"):
        per_cpu = t["per_variant_cpu_seconds"]
        rows.append(row(dataset, variant, "train_cpu_seconds_per_variant", per_cpu,
                        t["train_seconds"], n_variants=n))  # fmt: skip
        rows.append(row(dataset, variant, "standalone_train_cpu_seconds",
                        t["standalone_cpu_seconds"], t["standalone_seconds"]))  # fmt: skip
        rows.append(row(dataset, variant, "per_variant_over_standalone_cpu",
                        t["per_variant_over_standalone_cpu"], 0.0))  # fmt: skip
    total = t["train_seconds"] + sum(t["explain_seconds"].values()) + t["metric_seconds"]
    rows.append(row(dataset, variant, "study_seconds_total", total, total, n_variants=n))
    return rows


EARLIER_METRICS = (
    "auroc",
    "auprc",
    "train_seconds_per_variant",
    "standalone_train_seconds",
    "per_variant_over_standalone",
    "per_variant_over_standalone_cpu",
    "study_seconds_total",
)


def record_earlier(path: Path, note: str = "") -> None:
    """Add the attention-LSTM figures of an earlier results file to the current one.

    Keeps a run with another setting visible next to the current one (its command,
    environment and headline rows), e.g. the cheaper previous default.
    """
    from attnscope._utils.files import write_json

    old = json.loads(path.read_text())
    current_path = Path(__file__).resolve().parent / "results" / "consistency.json"
    current = json.loads(current_path.read_text())
    now = {(r["dataset"], r["variant"], r["metric"]): r["mean"] for r in current["rows"]}
    # data sets whose attention-LSTM figures the current file has replaced
    replaced = {
        r["dataset"]
        for r in old["rows"]
        if r["variant"] == "attn_lstm"
        and r["metric"] == "auroc"
        and now.get((r["dataset"], "attn_lstm", "auroc")) != r["mean"]
    }
    tasks = old.get("tasks", {})
    entries = []
    for dataset in sorted(replaced):
        task = next((t for t in tasks if dataset.endswith(t)), None)
        command = (tasks.get(task) or {}).get("command") if task else None
        rows = [
            r
            for r in old["rows"]
            if r["dataset"] == dataset
            and r["variant"] in ("attn_lstm", "gradient_boosting")
            and r["metric"] in EARLIER_METRICS
        ]
        entries.append(
            {
                "command": command or old["command"],
                "threads": ((tasks.get(task) or {}).get("timing") or {}).get("threads"),
                "note": note,
                "environment": old["environment"],
                "rows": rows,
            }
        )
    commands = {e["command"] for e in entries}
    earlier = [e for e in current.get("earlier_runs", []) if e["command"] not in commands]
    current["earlier_runs"] = [*earlier, *entries]
    keep = [r for e in entries for r in e["rows"]]
    write_json(current_path, current)
    print(f"recorded {len(keep)} rows of {path} in {current_path}")


def ensemble_rows(
    dataset: str, variant: str, res: dict[str, Any], y_test: np.ndarray, size: int
) -> list[dict[str, Any]]:
    """AUROC/AUPRC of the variants as seed ensembles (mean probability).

    One row for all N variants (the library's ``ensemble_auroc``) and one over the disjoint
    groups of ``size`` consecutive variants (mean +- std over groups).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    proba = np.asarray(res["proba"])  # (N, n_test, C), binary tasks here
    n = len(proba)
    pred = res["predictive"]
    rows = [
        row(dataset, f"{variant} ({n}-seed ensemble)", "auroc", pred["ensemble_auroc"], 0.0),
        row(dataset, f"{variant} ({n}-seed ensemble)", "auprc", pred["ensemble_auprc"], 0.0),
    ]
    groups = proba[: (n // size) * size].reshape(n // size, size, *proba.shape[1:]).mean(axis=1)
    if len(groups) and proba.shape[-1] == 2:
        auroc = [roc_auc_score(y_test, g[:, 1]) for g in groups]
        auprc = [average_precision_score(y_test, g[:, 1]) for g in groups]
        name = f"{variant} ({size}-seed ensembles)"
        rows.append(row(dataset, name, "auroc", auroc, 0.0, groups=len(groups)))
        rows.append(row(dataset, name, "auprc", auprc, 0.0, groups=len(groups)))
    return rows
