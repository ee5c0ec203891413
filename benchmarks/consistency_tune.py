"""Validation-only settings search for the attention-LSTM of ``benchmarks/consistency.py``.

Usage::

    python benchmarks/consistency_tune.py '{"hidden": 16, "delta": true, ...}' NAME
        [--members 5] [--task mortality] [--log FILE] [--reference]

Trains ``--members`` seed variants (seeds 0..M-1, one batched ensemble) on the 70% training
share of the study's split (stratified 70/10/20, seed 0, normaliser fitted on training) and
scores them on the 10% validation share only; the test share is never read. Prints (and
appends to ``--log``) one JSON line: mean and std of the members' validation AUROC at their
best epoch (early stopping on that same validation share, as in the study), the AUROC of
their averaged probabilities and the best epochs. ``--reference`` adds gradient boosting
and logistic regression on summary features fitted on the training share and scored on the
validation share. Each line carries its origin (commit, dirty flag, command, run id);
``benchmarks/consistency.py --tuning-log FILE`` stores the lines in the results file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

TRAIN_KEYS = (
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "optimizer",
    "patience",
    "monitor",
    "clip_grad_norm",
)


def validation_run(train: Any, val: Any, config: dict[str, Any], members: int) -> dict[str, Any]:
    """Train ``members`` variants on ``train``; validation AUROC of each.

    Parameters
    ----------
    train, val : TimeSeriesDataset
        Normalised training and validation shares.
    config : dict
        :class:`~attnscope.models.attn_lstm.AttentionLSTM` options plus training options
        (``epochs``, ``lr``, ...; ``class_weight`` true for balanced weights).
    members : int

    Returns
    -------
    dict
        ``val_auroc_mean``, ``val_auroc_std``, ``val_auroc_averaged`` (mean probability of
        the members), ``best_epochs``, ``seconds``.
    """
    from attnscope.core import batched_forward
    from attnscope.models.attn_lstm import AttentionLSTM
    from attnscope.train import TrainConfig, class_weights, fit_members, member_scores

    cfg = dict(config)
    tc = TrainConfig(**{k: cfg.pop(k) for k in list(cfg) if k in TRAIN_KEYS})
    use_cw = bool(cfg.pop("class_weight", False))

    def tensors(d: Any) -> tuple[torch.Tensor, ...]:
        return (
            torch.as_tensor(d.values).float(),
            torch.as_tensor(d.mask).float(),
            torch.as_tensor(d.static).float(),
        )

    tr_in, va_in = tensors(train), tensors(val)
    ytr, yva = torch.as_tensor(train.y).long(), torch.as_tensor(val.y).long()
    n_classes = int(ytr.max()) + 1
    cw = class_weights(train.y, n_classes) if use_cw else None
    seeds = list(range(members))
    module = AttentionLSTM(
        tr_in[0].shape[2], tr_in[2].shape[1], n_classes, n_members=members, seeds=seeds, **cfg
    )
    start = time.perf_counter()
    torch.manual_seed(0)
    hist = fit_members(
        module, tr_in, ytr, seeds=seeds, config=tc, val_inputs=va_in, val_y=yva, class_weight=cw
    )
    seconds = time.perf_counter() - start
    with torch.no_grad():
        logits = batched_forward(module, va_in, batch_size=512, members=members)
    auc = member_scores(logits, yva, "auroc")
    averaged = torch.softmax(logits, -1).mean(0, keepdim=True).log()
    return {
        "val_auroc_mean": round(float(auc.mean()), 4),
        "val_auroc_std": round(float(auc.std(ddof=1)), 4),
        "val_auroc_averaged": round(float(member_scores(averaged, yva, "auroc")[0]), 4),
        "best_epochs": [h.best_epoch for h in hist],
        "seconds": round(seconds, 1),
    }


def reference(train: Any, val: Any) -> dict[str, float]:
    """Validation AUROC of the summary-feature baselines fitted on the training share."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from consistency import summary_features

    xtr, xva = summary_features(train), summary_features(val)
    models = {
        "gradient_boosting": HistGradientBoostingClassifier(random_state=0),
        "logistic_regression": make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
        ),
    }
    return {
        name: round(float(roc_auc_score(val.y, est.fit(xtr, train.y).predict_proba(xva)[:, 1])), 4)
        for name, est in models.items()
    }


def rebuild_command(line: dict[str, Any]) -> str:
    """The command that wrote a log ``line`` (for lines written without their own)."""
    config = json.dumps({**line["config"]}, separators=(", ", ": "))
    reference = " --reference" if line.get("reference_val_auroc") else ""
    return (
        f"python benchmarks/consistency_tune.py '{config}' {line['name']} "
        f"--members {line['members']} --task {line['task']}{reference}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("config", help="JSON object of model and training options")
    ap.add_argument("name")
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--task", default="mortality")
    ap.add_argument("--step-hours", type=float, default=1.0)
    ap.add_argument("--log")
    ap.add_argument("--reference", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from attnscope.datasets import load_physionet2012
    from consistency import split_data

    data = load_physionet2012(task=args.task, step_hours=args.step_hours)
    train, val, _ = split_data(data)  # the test share is not used
    config = json.loads(args.config)
    members = int(config.pop("members", args.members))
    out: dict[str, Any] = {"name": args.name, "task": args.task, "members": members}
    out.update(validation_run(train, val, config, members))
    if args.reference:
        out["reference_val_auroc"] = reference(train, val)
    out["config"] = config
    from _common import provenance, stamp_of

    out.update(stamp_of(provenance()))
    line = json.dumps(out)
    print(line, flush=True)
    if args.log:
        with open(args.log, "a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
