"""Attention consistency across seeds (Yadav & Subbian, CHIL 2025) on PhysioNet 2012 set-a.

Usage::

    python benchmarks/consistency.py [--quick] [--seeds 100] [--tasks mortality,severity]
        [--epochs 30] [--patience 6] [--hidden 16] [--attention-dim 16] [--batch-size 64]
        [--no-delta] [--step-hours 1] [--n-explain 200] [--gru-seeds 3] [--other-seeds 10]
        [--threads 1] [--skip-other] [--tuning-log FILE] [--set KEY=VALUE ...]
        [--ensemble-size 5]

Each call replaces the rows of the data sets it runs and keeps the others, so tasks can be
run one at a time; ``tasks.<name>.command`` (and ``tasks.<name>.params``) in the results
file record each call. The attention-LSTM settings (time-since-last-observation channel,
attention units, batch size, up to 30 epochs with early stopping after 6 stale epochs on
validation AUROC) were chosen on the validation share with
``benchmarks/consistency_tune.py`` (5 variants per setting, test share unused);
``--tuning-log`` stores that search in the results file. ``--set`` changes any other
estimator parameter (``--set summary_branch=true``). Besides each variant's own test AUROC,
the variants are scored as seed ensembles (their mean probability): all N at once, and in
disjoint groups of ``--ensemble-size`` (the ensemble size the validation search scored).

Data: PhysioNet/CinC Challenge 2012 set-a (Silva et al. 2012; PhysioNet, ODC-By 1.0), 4,000
stays, hourly grid over 48 h, 36 variables (values + observed masks; the attention-LSTM
also derives each variable's time since its last observation from the mask) and 12 static
descriptors; tasks in-hospital mortality and SAPS-I tertiles (severity, 3 classes, see
:func:`attnscope.io.read_physionet2012`). Split: one stratified 70/10/20 train/validation/
test split (``train_val_test_split``, seed 0), the same for every model and variant; the
normaliser is fitted on the 70% training share. Neural models early-stop on the 10%
validation share; the summary-feature baselines (logistic regression, histogram gradient
boosting on min/max/mean/last/count per variable plus the static descriptors) train on
train + validation. Everything is scored on the same 20% test share (800 stays). Published
P12 results use other splits and protocols (Raindrop AUROC 82.8, mTAND 84.2, both on
set-a + b + c style 80/10/10 splits): not comparable one to one.

Study: N attention-LSTM variants differing only in seed (initialisation, batch order,
dropout) trained as one batched ensemble; attention (alpha x beta over time x variable
cells), gradient x input and integrated gradients (16 Gauss-Legendre steps, zero =
training-mean baseline) from every variant on a stratified subsample of ``--n-explain``
test stays; per-sample Spearman, Kendall (10 pairs), top-10 Jaccard, top-cell agreement and
CV across variants. Second model: AttnGen (attention over positions) on simulated DNA,
through the generic estimator path, with the same metrics.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_results, row, write_results

METRICS = ("spearman", "kendall", "jaccard", "top_agreement", "cv_top")


def summary_features(data: Any) -> np.ndarray:
    """Per-stay min/max/mean/last/count of each variable's observed values, plus static.

    Unobserved variables give NaN for min/max/mean/last (count 0).
    """
    v = np.asarray(data.values, dtype=np.float64)
    m = np.asarray(data.mask, dtype=bool)
    count = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        vmin = np.where(m, v, np.inf).min(axis=1)
        vmax = np.where(m, v, -np.inf).max(axis=1)
        mean = np.where(m, v, 0).sum(axis=1) / count
        t = v.shape[1]
        last_idx = t - 1 - np.argmax(m[:, ::-1], axis=1)
        last = np.take_along_axis(v, last_idx[:, None, :], axis=1)[:, 0]
    none = count == 0
    feats = [np.where(none, np.nan, x) for x in (vmin, vmax, mean, last)]
    return np.concatenate([*feats, count, np.asarray(data.static, dtype=np.float64)], axis=1)


def baselines(train: Any, test: Any, seed: int) -> dict[str, dict[str, Any]]:
    """Logistic regression and gradient boosting on summary features; AUROC/AUPRC on test."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from attnscope.run._consistency import _predictive

    xtr, xte = summary_features(train), summary_features(test)
    models = {
        "logistic_regression": make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
        ),
        "gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
    }
    out = {}
    for name, est in models.items():
        start = time.perf_counter()
        est.fit(xtr, train.y)
        proba = est.predict_proba(xte)[None]
        auroc, auprc = _predictive(np.asarray(test.y), proba)
        out[name] = {
            "auroc": float(auroc[0]),
            "auprc": float(auprc[0]),
            "seconds": time.perf_counter() - start,
            "proba": proba[0],
        }
    return out


def bootstrap_auroc_difference(
    y: np.ndarray, score_a: np.ndarray, score_b: np.ndarray, n_boot: int = 2000, seed: int = 0
) -> dict[str, float]:
    """AUROC(a) - AUROC(b) on one test set, with a paired bootstrap over its samples.

    Both models are scored on the same resampled test samples (resamples holding one class
    only are drawn again); 95% percentile interval and the share of resamples where a is
    not better.
    """
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    n = len(y)
    diffs: list[float] = []
    while len(diffs) < n_boot:
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


def split_data(data: Any) -> tuple[Any, Any, Any]:
    """The study's split and normalisation (see attnscope.run._consistency)."""
    from attnscope.run._consistency import _split

    train, val, test, _ = _split(data, 0.2, 0.1, 0)
    return train, val, test


def gru_runs(train: Any, val: Any, test: Any, params: dict[str, Any], seeds: int) -> dict:
    from attnscope.estimators._attn_lstm import GRUClassifier
    from attnscope.run._consistency import _predictive

    aurocs, auprcs, secs = [], [], []
    own = GRUClassifier().get_params()  # the attention-LSTM's other options do not apply
    keep = {k: v for k, v in params.items() if k in own}
    for seed in range(seeds):
        start = time.perf_counter()
        est = GRUClassifier(random_state=seed, **keep).fit(train, validation_data=val)
        secs.append(time.perf_counter() - start)
        auroc, auprc = _predictive(np.asarray(test.y), est.predict_proba(test)[None])
        aurocs.append(float(auroc[0]))
        auprcs.append(float(auprc[0]))
    return {"auroc": aurocs, "auprc": auprcs, "seconds": secs}


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


#: The attention-LSTM settings of this benchmark: the estimator's own defaults, so the CLI
#: (``attnscope fit --model attn_lstm``) trains the model benchmarked here.
SETTINGS: tuple[str, ...] = (
    "hidden",
    "attention_dim",
    "window",
    "epochs",
    "patience",
    "lr",
    "batch_size",
)
SETTINGS += ("dropout", "delta")


def default_params() -> dict[str, Any]:
    """The benchmarked settings: :class:`AttnLSTMClassifier` defaults (see its Notes)."""
    from attnscope.estimators import AttnLSTMClassifier

    defaults = AttnLSTMClassifier().get_params()
    return {k: defaults[k] for k in SETTINGS}


def main() -> None:
    d = default_params()
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--tasks", default="mortality,severity")
    ap.add_argument("--epochs", type=int, default=d["epochs"])
    ap.add_argument("--patience", type=int, default=d["patience"])
    ap.add_argument("--no-delta", action="store_true", help="drop the time-since-last channel")
    ap.add_argument("--hidden", type=int, default=d["hidden"])
    ap.add_argument("--attention-dim", type=int, default=d["attention_dim"])
    ap.add_argument("--batch-size", type=int, default=d["batch_size"])
    ap.add_argument("--tuning-log", help="JSON lines of benchmarks/consistency_tune.py to record")
    ap.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another AttnLSTMClassifier parameter (value read as JSON, else text); repeatable",
    )
    ap.add_argument("--setting", default="", help="name of the setting (a tuning row)")
    ap.add_argument("--rule", default="", help="how the setting was chosen (recorded)")
    ap.add_argument(
        "--ensemble-size",
        type=int,
        default=5,
        help="seeds per ensemble in the grouped ensemble rows (the size validated)",
    )
    ap.add_argument("--n-explain", type=int, default=200)
    ap.add_argument("--other-seeds", type=int, default=10)
    ap.add_argument("--gru-seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--step-hours", type=float, default=1.0)
    ap.add_argument("--skip-other", action="store_true")
    ap.add_argument(
        "--record-earlier",
        metavar="FILE",
        help="only add a summary of an earlier results file (another setting) to "
        "results/consistency.json, then stop",
    )
    ap.add_argument("--earlier-note", default="", help="with --record-earlier: how to rerun it")
    args = ap.parse_args()
    if args.record_earlier:
        record_earlier(Path(args.record_earlier), args.earlier_note)
        return
    torch.set_num_threads(args.threads)
    from attnscope.datasets import load_physionet2012
    from attnscope.run._consistency import run_consistency

    params = {
        **d,
        "hidden": args.hidden,
        "attention_dim": args.attention_dim,
        "epochs": 2 if args.quick else args.epochs,
        "patience": args.patience,
        "batch_size": args.batch_size,
        "delta": d["delta"] and not args.no_delta,
        **_parse_sets(args.sets),
    }
    n_seeds = 8 if args.quick else args.seeds
    n_explain = 40 if args.quick else args.n_explain
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"params": params, "tasks": {}, "notes": []}
    previous = {}
    try:  # keep results of tasks not re-run in this call
        previous = load_results("consistency")
    except (OSError, ValueError):
        pass
    for task in [t for t in args.tasks.split(",") if t]:
        start = time.perf_counter()
        data = load_physionet2012(task=task, step_hours=args.step_hours)
        if args.quick:
            from attnscope.data import train_val_test_split

            keep, _, _ = train_val_test_split(data.y, val_size=0.0, test_size=0.75)
            data = data.subset(keep)
        load_s = time.perf_counter() - start
        dataset = f"physionet2012_{task}"
        train, val, test = split_data(data)
        base = baselines(_concat(train, val), test, 0)
        for name, res in base.items():
            rows.append(row(dataset, name, "auroc", res["auroc"], res["seconds"]))
            rows.append(row(dataset, name, "auprc", res["auprc"], res["seconds"]))
        gru = gru_runs(train, val, test, params, 1 if args.quick else args.gru_seeds)
        rows.append(row(dataset, "gru", "auroc", gru["auroc"], sum(gru["seconds"])))
        rows.append(row(dataset, "gru", "auprc", gru["auprc"], sum(gru["seconds"])))
        shown = {k: {m: v for m, v in r.items() if m != "proba"} for k, r in base.items()}
        print(task, "baselines", shown, "gru", gru, flush=True)
        res = run_consistency(
            data,
            model="attn_lstm",
            n_variants=n_seeds,
            params=params,
            n_explain=n_explain,
            top_k=10,
            ig_steps=16,
            random_state=0,
        )
        rows.extend(study_rows(dataset, "attn_lstm", res))
        if res["split"]["n_test"] != len(test):
            raise SystemExit("the study's test share differs from the baselines' split")
        ens = ensemble_rows(dataset, "attn_lstm", res, np.asarray(test.y), args.ensemble_size)
        rows.extend(ens)
        # the seed ensemble against gradient boosting on the same test stays (binary tasks)
        comparison = {}
        if res["proba"].shape[-1] == 2:
            comparison = bootstrap_auroc_difference(
                np.asarray(test.y),
                res["proba"].mean(axis=0)[:, 1],
                base["gradient_boosting"]["proba"][:, 1],
            )
        extra["tasks"][task] = {
            "n_variants": n_seeds,
            "split": res["split"],
            "summary": res["summary"],
            "relation": res["relation"],
            "timing": res["timing"],
            "auroc_mean": res["predictive"]["auroc_mean"],
            "auroc_std": res["predictive"]["auroc_std"],
            "load_seconds": load_s,
            "command": "python " + " ".join(sys.argv),
            "step_hours": args.step_hours,
            "epochs": params["epochs"],
            "params": dict(params),
            "setting": args.setting,
            "ensemble_size": args.ensemble_size,
            "ensemble_vs_gradient_boosting": comparison,
            "rule": args.rule,
            "n_explain": n_explain,
            "examples": _jsonable(res["examples"]),
        }
        print(task, res["timing"], res["predictive"]["auroc_mean"], flush=True)
    if not args.skip_other:
        rows.extend(other_model(2 if args.quick else args.other_seeds, extra))
    kept = [
        r for r in previous.get("rows", []) if not any(r["dataset"] == x["dataset"] for x in rows)
    ]
    old_tasks = {k: v for k, v in previous.get("tasks", {}).items() if k not in extra["tasks"]}
    extra["tasks"] = {**old_tasks, **extra["tasks"]}
    extra["quick"] = args.quick
    if args.tuning_log:
        lines = Path(args.tuning_log).read_text().splitlines()
        extra["tuning"] = [json.loads(x) for x in lines if x.startswith("{")]
    elif previous.get("tuning"):
        extra["tuning"] = previous["tuning"]
    if previous.get("earlier_runs"):
        extra["earlier_runs"] = previous["earlier_runs"]
    write_results("consistency", kept + rows, **extra)


def _parse_sets(items: list[str]) -> dict[str, Any]:
    """``["summary_branch=true", "lr=0.01"]`` -> ``{"summary_branch": True, "lr": 0.01}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --set {item!r}: expected KEY=VALUE.")
        try:
            out[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            out[key.strip()] = text
    return out


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


def _changes(line: dict[str, Any]) -> dict[str, Any]:
    """Options of a tuning line's ``config`` (a task's ``params``) off the estimator's
    defaults."""
    from attnscope.estimators import AttnLSTMClassifier

    d = AttnLSTMClassifier().get_params()
    given = line.get("config", line.get("params", {}))
    return {k: v for k, v in given.items() if k not in d or d[k] != v}


def _concat(a: Any, b: Any) -> Any:
    """Train + validation as one data set (for the baselines that need no early stopping)."""
    from dataclasses import replace

    return replace(
        a,
        values=np.concatenate([a.values, b.values]),
        mask=np.concatenate([a.mask, b.mask]),
        static=np.concatenate([a.static, b.static]),
        labels=np.concatenate([a.labels, b.labels]),
        sample_ids=np.concatenate([a.sample_ids, b.sample_ids]),
    )


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return np.round(obj.astype(float), 5).tolist()
    return obj


def other_model(n_seeds: int, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """AttnGen on simulated DNA (attention over positions) through the generic path."""
    from attnscope.run._consistency import run_consistency
    from attnscope.sim import simulate_dna

    data = simulate_dna(1000, length=100, random_state=0)
    params = {
        "epochs": 2 if n_seeds <= 2 else 6,
        "patience": 3,
        "embed_dim": 32,
        "channels": (16, 8, 4),
        "hidden": 32,
    }
    try:
        res = run_consistency(
            data,
            model="attngen",
            n_variants=n_seeds,
            params=params,
            n_explain=100,
            top_k=10,
            ig_steps=16,
            random_state=0,
        )
    except Exception as exc:  # record, do not lose the PhysioNet results
        extra["notes"].append(f"attngen study failed: {type(exc).__name__}: {exc}")
        return []
    extra["tasks"]["sim_dna_attngen"] = {
        "n_variants": n_seeds,
        "params": params,
        "split": res["split"],
        "summary": res["summary"],
        "relation": res["relation"],
        "timing": res["timing"],
        "auroc_mean": res["predictive"]["auroc_mean"],
    }
    return study_rows("sim_dna", "attngen", res)


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
            lines.append(
                f"- {task}: setting `{info['setting']}`; {info.get('rule', '')} From the "
                f"command line, one seed ensemble of it: `attnscope fit DATA --model attn_lstm"
                f"{sets} --set n_members={info.get('ensemble_size', 5)}`."
            )
        c = info.get("ensemble_vs_gradient_boosting")
        if c:
            lines.append(
                f"- {task}: the {info['n_variants']}-seed ensemble minus gradient boosting, "
                f"AUROC {c['difference']:+.3f} (95% paired bootstrap interval over the test "
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
            "| setting | changes | val AUROC | val AUROC, 5-seed ensemble | best epochs |",
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


if __name__ == "__main__":
    main()
