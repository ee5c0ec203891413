"""PhysioNet 2012 on Raindrop's five splits, sets a + b only: attention-LSTM, GRU, boosting.

Usage::

    python benchmarks/physionet_raindrop.py [--quick] [--splits 1,2,3,4,5]
        [--candidates b256] [--members 3] [--epochs 20] [--patience 4] [--batch-size 256]
        [--jobs 2] [--cache /tmp/physionet_ab.npz] [--skip gru,boosting]
        [--select --selection-out FILE] [--selection FILE ...]

``--select`` fits the candidate settings on the given splits and scores them on the
validation parts only (the test parts are not read); it writes ``--selection-out`` and no
results file. The main run then fits the chosen setting, records the selection rounds
given with ``--selection`` (in order: a ``--select`` run's JSON file, or its printed log),
and scores every model on the test parts.

Protocol. ``raindrop_splits.csv`` holds the five train/val/test splits (9,590 / 1,199 /
1,199 stays) on which GRU-D, Raindrop, mTAND, ViTST, Warpformer and MTM report in-hospital
mortality. About a third of every part is set-c, whose time series are not available
here, so every part keeps only its set-a and set-b stays (e.g. split 1: about 6,400 /
800 / 800). The figures are therefore **sets a+b only** and are not the published
protocol (sets a+b+c); the published numbers are shown beside ours for orientation only.

Per split: a :class:`attnscope.io.TimeSeriesNormalizer` is fitted on the training part
only (what ``fit`` does) and applied to the validation and test parts. Models:

- attention-LSTM (:class:`attnscope.estimators.AttnLSTMClassifier`): ``--members`` seeds
  train as one batched network through the project's one loop
  (:func:`attnscope.train.fit_members`), each seed early-stopping on the split's
  validation part (AUROC). The ensemble's prediction is the mean of its members'
  probabilities (attention stays in every member's prediction path); the first seed
  alone is the single-model figure.
- GRU (:class:`attnscope.estimators.GRUClassifier`, no attention), one seed, same
  normalised inputs, epochs, patience, batch size and learning rate, early stopping on
  validation.
- gradient boosting on summary features: the baseline ``attnscope fit`` trains
  (:func:`attnscope.run._baselines.fit_baselines`), fitted on train + validation (it holds
  out its own 10% for early stopping), so every model sees the same labelled stays.

AUROC and AUPRC are mean ± std (ddof 1) over the splits. Splits run in ``--jobs``
processes of one torch thread each (the CPU budget of the results file). The parsed sets
are cached
(``--cache``, written with :func:`attnscope.io.write_dataset`) so repeated runs do not
re-read the archives.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import holm, paired, provenance, row, stamp_of, write_results
from _raindrop_docs import GB, markdown, parse_selection_log  # noqa: F401 (markdown: readme.py)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "timeseries"
DATA = DATA / "physionet2012"
#: Published in-hospital-death AUROC (mean over the 5 splits, sets a+b+c), as in the MTM
#: paper's Table 3 (see shared/data/README.md).
PUBLISHED = {
    "GRU-D": 81.9,
    "Raindrop": 82.8,
    "mTAND": 84.2,
    "ViTST": 85.1,
    "Warpformer": 86.5,
    "MTM": 88.0,
}
#: Training budget shared by every neural model (``--epochs``, ``--patience`` and
#: ``--batch-size`` override it); the attention-LSTM's own defaults use batch 64.
TRAIN = {"epochs": 20, "patience": 4, "batch_size": 256, "lr": 3e-3}
#: Candidate attention-LSTM settings (estimator parameters over the defaults and TRAIN);
#: all keep the attention in the prediction path.
CANDIDATES: dict[str, dict[str, Any]] = {
    "b256": {},
    "b256_lr1e-2": {"lr": 1e-2},
    "h32": {"hidden": 32, "attention_dim": 32},
    "h32_static": {"hidden": 32, "attention_dim": 32, "static_to_lstm": True},
    "h64_drop": {"hidden": 64, "attention_dim": 32, "dropout": 0.4, "weight_decay": 1e-4},
    "window3": {"window": 3},
    # the head also reads the boosting baseline's per-variable summaries (wide path)
    "b256_summary": {"summary_branch": True},
    "b256_lr1e-2_summary": {"lr": 1e-2, "summary_branch": True},
    # the summaries pass a tanh layer before the head (a non-linear wide path)
    "b256_lr1e-2_summary_h16": {"lr": 1e-2, "summary_branch": True, "summary_hidden": 16},
    "b256_lr1e-2_summary_h64": {"lr": 1e-2, "summary_branch": True, "summary_hidden": 64},
    "b256_summary_h64": {"summary_branch": True, "summary_hidden": 64},
}


def load(cache: Path) -> Any:
    """Sets a and b as one TimeSeriesDataset (raw units), from ``cache`` when it holds them.

    A cache read from other archives or for another task is replaced.
    """
    from attnscope.io import read_physionet2012
    from attnscope.io._native import read_dataset, write_dataset

    sets = [str(DATA / f"set-{x}.tar.gz") for x in "ab"]
    if cache.is_file():
        data = read_dataset(cache)
        if data.meta.get("sets") == sets and data.meta.get("task") == "mortality":
            return data
    data = read_physionet2012(DATA, sets=("a", "b"), task="mortality")
    write_dataset(data, cache)
    return data


def split_parts(data: Any, table: Any, split: int) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Indices into ``data`` of one split's train/val/test stays (those ``data`` holds).

    ``<part>_absent`` counts the stays of the part that ``data`` lacks: the set-c stays
    (and, with ``--quick``, those outside its subsample).
    """
    pos = {rid: i for i, rid in enumerate(np.asarray(data.sample_ids).astype(np.int64))}
    parts, counts = {}, {}
    for part in ("train", "val", "test"):
        ids = table.loc[(table["split"] == split) & (table["part"] == part), "record_id"]
        idx = np.sort(np.array([pos[r] for r in ids.to_numpy() if r in pos], dtype=np.int64))
        parts[part] = idx
        counts[f"{part}_kept"] = len(idx)
        counts[f"{part}_absent"] = int(len(ids) - len(idx))
    return parts, counts


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUROC and AUPRC of the positive-class probability ``p``."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"auroc": float(roc_auc_score(y, p)), "auprc": float(average_precision_score(y, p))}


def attn_members(
    params: dict[str, Any], train: Any, val: Any, test: Any, members: int, seed: int
) -> dict[str, Any]:
    """Train ``members`` seeds of one setting at once; (M, n) probabilities on val and test.

    With ``test`` None only the validation part is scored.
    """
    import torch

    from attnscope.core import batched_forward
    from attnscope.estimators import AttnLSTMClassifier
    from attnscope.run._batched import _train_chunk

    template = AttnLSTMClassifier(random_state=seed, **params)
    seeds = [seed + k for k in range(members)]
    module, val_logits, seconds, _ = _train_chunk(template, train, val, val, seeds, 0, seed)
    out = {"val_p": torch.softmax(val_logits, -1)[..., 1].numpy(), "seconds": seconds}
    if test is not None:
        with torch.no_grad():
            logits = batched_forward(
                module, template._make_inputs(test), batch_size=512, members=members
            )
        out["test_p"] = torch.softmax(logits, -1)[..., 1].numpy()
    return out


def run_split(split: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every model on one split (in its own process: one torch thread)."""
    import pandas as pd
    import torch

    from attnscope.estimators import GRUClassifier
    from attnscope.io import TimeSeriesNormalizer
    from attnscope.run._baselines import fit_baselines

    torch.set_num_threads(1)
    data = load(args.cache)
    if args.quick:  # a small random share of the stays
        data = data.subset(np.flatnonzero(np.random.default_rng(0).random(len(data)) < 0.15))
    table = pd.read_csv(DATA / "raindrop_splits.csv")
    parts, counts = split_parts(data, table, split)
    train, val, test = (data.subset(parts[k]) for k in ("train", "val", "test"))
    norm = TimeSeriesNormalizer().fit(train)
    tz, vz, sz = (norm.transform(d) for d in (train, val, test))
    if args.select:
        sz = None  # validation only: the test part is not read
    train_params = {**TRAIN, **args.train}
    out: dict[str, Any] = {"split": split, "counts": counts, "attn": {}}
    out["y_val"] = np.asarray(vz.y)
    if sz is not None:
        out["y_test"] = np.asarray(sz.y)
    for name in args.candidates:
        res = attn_members(
            {**train_params, **CANDIDATES[name]}, tz, vz, sz, args.members, seed=100 * split
        )
        out["attn"][name] = res
        auroc = scores(vz.y, res["val_p"].mean(0))["auroc"]
        print(f"split {split} {name}: val AUROC {auroc:.4f} ({res['seconds']:.0f} s)", flush=True)
    if "gru" not in args.skip:
        start = time.perf_counter()
        est = GRUClassifier(random_state=100 * split, **train_params).fit(tz, validation_data=vz)
        out["gru"] = {"val_p": est.predict_proba(vz)[:, 1]}
        if sz is not None:
            out["gru"]["test_p"] = est.predict_proba(sz)[:, 1]
        out["gru"]["seconds"] = time.perf_counter() - start
    if "boosting" not in args.skip:
        if args.select:  # fitted on train, scored on validation
            fitted, _ = fit_baselines(train, val, random_state=split)
            out["boosting_val"] = fitted[GB]
        else:  # train + validation (its own 10% early-stopping share), scored on test
            both = data.subset(np.sort(np.concatenate([parts["train"], parts["val"]])))
            fitted, _ = fit_baselines(both, test, random_state=split)
            out["boosting"] = fitted[GB]
    print(f"split {split} done", flush=True)
    return out


def _over_splits(results: list[dict[str, Any]], probs: Any, part: str) -> dict[str, list]:
    """AUROC and AUPRC per split of ``probs(result)`` on ``part`` ("val"/"test")."""
    vals: dict[str, list[float]] = {"auroc": [], "auprc": []}
    for res in results:
        for k, v in scores(res[f"y_{part}"], probs(res)).items():
            vals[k].append(v)
    return vals


def selection_round(path: Path) -> dict[str, Any]:
    """One recorded selection round: a ``--select`` run's JSON file, or its printed log."""
    import json

    if path.suffix == ".json":
        return {"source": path.name, **json.loads(path.read_text())}
    return {"source": path.name, **parse_selection_log(path, CANDIDATES)}


def selection_record(results: list[dict[str, Any]], args: argparse.Namespace) -> dict:
    """Validation AUROC/AUPRC (mean over splits) of every candidate, GRU and boosting."""
    val: dict[str, Any] = {}
    for name in args.candidates:
        for kind, pick in (("1 seed", lambda p: p[0]), ("ensemble", lambda p: p.mean(0))):
            v = _over_splits(results, lambda r, n=name, f=pick: f(r["attn"][n]["val_p"]), "val")
            val[f"{name} ({kind})"] = {k: float(np.mean(x)) for k, x in v.items()}
    if all("gru" in r for r in results):
        v = _over_splits(results, lambda r: r["gru"]["val_p"], "val")
        val["gru"] = {k: float(np.mean(x)) for k, x in v.items()}
    if all("boosting_val" in r for r in results):
        val[GB + ", fitted on train"] = {
            k: float(np.mean([r["boosting_val"][k] for r in results])) for k in ("auroc", "auprc")
        }
    ens = {n: val[f"{n} (ensemble)"]["auroc"] for n in args.candidates}
    return {
        "rule": "candidate with the best mean validation AUROC of its seed ensemble; test "
        "parts not read",
        **stamp_of(provenance()),
        "splits": args.splits,
        "members": args.members,
        "train": {**TRAIN, **args.train},
        "candidates": {n: CANDIDATES[n] for n in args.candidates},
        "validation": val,
        "chosen": max(ens, key=lambda n: ens[n]),
    }


def build_rows(results: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Test rows, mean ± std over splits, one pair (AUROC, AUPRC) per model."""
    ds, rows = "physionet2012_raindrop_ab", []

    def add(variant: str, vals: dict[str, list], secs: float, **extra: Any) -> None:
        for metric in ("auroc", "auprc"):
            rows.append(row(ds, variant, metric, vals[metric], secs, unit="splits", **extra))

    train = {**TRAIN, **args.train}
    for name in args.candidates:
        secs = float(sum(r["attn"][name]["seconds"] for r in results))
        params = {**train, **CANDIDATES[name]}
        add(f"attn_lstm ({name}, 1 seed)",
            _over_splits(results, lambda r, n=name: r["attn"][n]["test_p"][0], "test"),
            secs / args.members, setting=name, members=1, params=params)  # fmt: skip
        if args.members > 1:
            add(f"attn_lstm ({name}, {args.members}-seed ensemble)",
                _over_splits(results, lambda r, n=name: r["attn"][n]["test_p"].mean(0), "test"),
                secs, setting=name, members=args.members, params=params)  # fmt: skip
    if all("gru" in r for r in results):
        add("gru (1 seed)", _over_splits(results, lambda r: r["gru"]["test_p"], "test"),
            sum(r["gru"]["seconds"] for r in results), params=train)  # fmt: skip
    if all("boosting" in r for r in results):
        vals = {m: [r["boosting"][m] for r in results] for m in ("auroc", "auprc")}
        add(GB, vals, sum(r["boosting"]["seconds"] for r in results))
    return rows + paired_rows(rows)


def paired_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-split paired AUROC differences: each attention-LSTM row against each baseline.

    The splits pair the values (same test stays); p-values are Holm-adjusted over the
    comparisons. With 5 splits the smallest two-sided Wilcoxon p is 0.0625, so the paired
    t-test is the one that can reach 0.05.
    """
    by = {r["variant"]: r for r in rows if r["metric"] == "auroc" and "values" in r}
    attn = [v for v in by if v.startswith("attn_lstm")]
    others = [v for v in (GB, "gru (1 seed)") if v in by]
    tests = [(a, b, paired(by[a]["values"], by[b]["values"])) for a in attn for b in others]
    adj_w = holm([t[2]["wilcoxon_p"] for t in tests])
    adj_t = holm([t[2]["paired_t_p"] for t in tests])
    return [
        row(
            "physionet2012_raindrop_ab",
            f"{a} vs {b}",
            "paired_auroc_difference",
            np.subtract(by[a]["values"], by[b]["values"]),
            0.0,
            unit="splits",
            paired_by="split",
            **diff,
            wilcoxon_p_holm=pw,
            paired_t_p_holm=pt,
        )
        for (a, b, diff), pw, pt in zip(tests, adj_w, adj_t)
    ]


def main(argv: list[str] | None = None) -> None:
    import json
    import multiprocessing as mp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--splits", default="1,2,3,4,5")
    parser.add_argument("--candidates", default="b256")
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--patience", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip", default="")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/physionet_ab.npz"))
    parser.add_argument("--select", action="store_true", help="validation parts only")
    parser.add_argument("--selection-out", type=Path)
    parser.add_argument(
        "--selection",
        type=Path,
        action="append",
        default=[],
        help="a --select run's JSON file or printed log, one per selection round, in order",
    )
    args = parser.parse_args(argv)
    args.splits = [int(s) for s in args.splits.split(",")]
    args.candidates = [c for c in args.candidates.split(",") if c]
    unknown = set(args.candidates) - set(CANDIDATES)
    if unknown:
        parser.error(f"unknown candidates {sorted(unknown)}; choose from {sorted(CANDIDATES)}")
    args.skip = set(args.skip.split(","))
    args.train = {
        k: v
        for k, v in (
            ("epochs", args.epochs),
            ("patience", args.patience),
            ("batch_size", args.batch_size),
        )
        if v is not None
    }
    if args.quick:
        args.splits, args.members = args.splits[:2], 2
        args.train.update(epochs=2, patience=1)
    start = time.perf_counter()
    load(args.cache)  # parse the archives once, before the workers read the cache
    jobs = max(1, min(args.jobs, len(args.splits)))
    with mp.get_context("spawn").Pool(jobs) as pool:
        results = pool.starmap(run_split, [(s, args) for s in args.splits])
    wall = time.perf_counter() - start
    budget = (
        f"{len(args.splits)} splits in {jobs} processes x 1 torch thread; "
        f"{len(args.candidates)} attention-LSTM setting(s) x {args.members} seeds; "
        f"training { ({**TRAIN, **args.train}) }; {wall:.0f} s wall in all"
    )
    selection = selection_record(results, args)
    print(json.dumps(selection["validation"], indent=1), flush=True)
    if args.select:
        if args.selection_out:
            from attnscope._utils.files import write_json

            write_json(args.selection_out, {**selection, "budget": budget})
            print(f"wrote {args.selection_out}")
        return
    write_results(
        "physionet_raindrop",
        build_rows(results, args),
        published={
            "auroc": PUBLISHED,
            "protocol": "sets a+b+c, Raindrop's 5 splits (MTM paper, Table 3)",
        },
        validation=selection["validation"],
        selection_rounds=[selection_round(path) for path in args.selection],
        split_counts={str(r["split"]): r["counts"] for r in results},
        budget=budget,
        data={"cache": str(args.cache), "source": str(DATA), "sets": ["a", "b"]},
    )


if __name__ == "__main__":
    main()
