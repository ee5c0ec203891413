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
from _common import load_results, mark_lines, row, write_results
from _consistency_docs import markdown  # noqa: F401 (markdown: readme.py)
from _consistency_rows import (
    bootstrap_auroc_difference,
    ensemble_rows,
    record_earlier,
    study_rows,
)
from consistency_tune import rebuild_command


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
    if args.ensemble_size < 1:
        ap.error("--ensemble-size must be at least 1")
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
    if extra.get("tuning"):
        extra["tuning"] = mark_lines(extra["tuning"], rebuild_command)
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


if __name__ == "__main__":
    main()
