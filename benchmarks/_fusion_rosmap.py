"""ROSMAP protocol of ``benchmarks/fusion.py`` (issue 18): seeds, repeated CV, paired tests.

- The attention setting (``FUSION_ATTN`` + one of ``GRID``) is chosen by inner stratified
  3-fold CV on the ROSMAP *given training split* (validation folds only; the test split and
  the outer CV test folds are never read for a choice, though the given training samples
  reappear in the pooled CV folds).
- Given split: every model over ``seeds``; repeated stratified CV of train + test pooled:
  random forest, the regression the fusion starts from, L2 LR with C by inner CV, the
  chosen fusion and its untrained start on the same folds, with paired differences,
  Wilcoxon signed-rank and paired t p-values (Holm-adjusted over the comparisons).
- Attention uniformity of every fusion variant on the unseen samples: normalised entropy
  of alpha (1 = uniform 1/n) and the median max/min ratio of alpha, per modality.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _common import holm, paired, row
from attnscope.data import MultiOmicsDataset
from attnscope.estimators import setting_params

#: Candidates, scored by mean inner validation AUROC on the given training split.
#: Only the "probe" start is a candidate: from the uniform start alpha cannot leave 1/n
#: (see ``FusionClassifier``'s ``alpha_init``: every token of the regression start points
#: along the head's class direction, so the score is an odd function of the token's
#: contribution and its gradient cancels between the two classes; on one inner fold alpha's
#: max/min ratio stayed <= 1.1 after 20 epochs at attention_lr 0.05).
GRID: dict[str, dict[str, Any]] = {
    "probe_alr0.01_e10": {"alpha_init": "probe", "attention_lr": 0.01, "epochs": 10},
    "probe_alr0.05_e10": {"alpha_init": "probe", "attention_lr": 0.05, "epochs": 10},
}
#: The attention option (issue 18, part 4). With the logistic-regression start
#: (``init_C``) the attention blocks are the identity and only the pools train
#: (``finetune="attention"``), so self/cross-attention would compute exactly the same
#: function; they are switched off here for cost (``n_layers=0``, ``use_cross=False``).
#: It is the library's named setting ``fusion`` ``attention`` less what ``GRID`` chooses
#: (that setting is the last selection's choice; tests/test_settings.py checks it).
FUSION_ATTN: dict[str, Any] = {
    k: v
    for k, v in setting_params("fusion", "attention").items()
    if not any(k in extra for extra in GRID.values())
}


def fit(train: MultiOmicsDataset, seed: int, params: dict[str, Any]) -> Any:
    from attnscope.estimators._fusion import FusionClassifier

    return FusionClassifier(random_state=seed, **params).fit(train)


def uniformity(est: Any, data: MultiOmicsDataset) -> dict[str, float]:
    """Normalised entropy of alpha (1 = uniform) and median max/min ratio, per modality."""
    att = est.attention_weights(data)
    out: dict[str, float] = {}
    for j, m in enumerate(data.modality_names):
        idx = np.asarray(est._token_index()[j])
        a = att[m][data.present[:, j]][:, idx].astype(np.float64)
        ent = -(a * np.log(np.clip(a, 1e-300, None))).sum(axis=1) / np.log(a.shape[1])
        out[f"alpha_entropy_{m}"] = float(ent.mean())
        out[f"alpha_max_min_ratio_{m}"] = float(np.median(a.max(axis=1) / a.min(axis=1)))
    out["alpha_entropy_mean"] = float(np.mean([v for k, v in out.items() if "entropy_" in k]))
    return out


def select(
    train: MultiOmicsDataset,
    scores: Any,
    base: dict[str, Any] | None = None,
    grid: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Pick a ``grid`` entry (default ``GRID``) over ``base`` (default ``FUSION_ATTN``) by
    mean inner 3-fold CV AUROC on ``train``; the chosen name, its parameters and the
    evidence (every candidate's score, and the untrained start of ``base``)."""
    from sklearn.model_selection import StratifiedKFold

    base = FUSION_ATTN if base is None else base
    grid = GRID if grid is None else grid
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    evidence: dict[str, Any] = {"protocol": "ROSMAP given train split, StratifiedKFold(3, 0)"}
    folds = list(cv.split(np.zeros(len(train)), train.y))

    def inner_auroc(params: dict[str, Any]) -> float:
        return float(
            np.mean(
                [
                    scores(
                        train.subset(va).y,
                        fit(train.subset(tr), 0, params).predict_proba(train.subset(va)),
                    )["auroc"]
                    for tr, va in folds
                ]
            )
        )

    evidence["start_val_auroc"] = inner_auroc({**base, "epochs": 0})
    best, best_auc = "", -np.inf
    for name, extra in grid.items():
        t0 = time.perf_counter()
        auc = inner_auroc({**base, **extra})
        evidence[name] = {"val_auroc": auc, "seconds": time.perf_counter() - t0}
        print(f"select {name}: {evidence[name]}", flush=True)
        if auc > best_auc:
            best, best_auc = name, auc
    evidence["chosen"] = best
    return best, {**base, **grid[best]}, evidence


def given(
    train: MultiOmicsDataset,
    test: MultiOmicsDataset,
    variants: dict[str, tuple[dict[str, Any], list[int]]],
    *,
    seeds: list[int],
    n_trees: int,
    scores: Any,
    baselines: Any | None,
    comparisons: dict[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """Given-split rows: ``variants`` (name -> (params, seeds)), the baselines over
    ``seeds`` (when given), and seed-paired differences for ``comparisons``."""
    proto = {"protocol": "given_split", "n_train": len(train), "n_test": len(test)}
    per_seed: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, float] = {}
    for seed in seeds if baselines is not None else []:
        t0 = time.perf_counter()
        for name, p in baselines(train, test, seed, n_trees).items():
            for k, v in scores(test.y, p).items():
                per_seed.setdefault(name, {}).setdefault(k, []).append(v)
        seconds["baselines"] = seconds.get("baselines", 0.0) + time.perf_counter() - t0
    for variant, (params, vseeds) in variants.items():
        t0 = time.perf_counter()
        probas = []
        for seed in vseeds:
            est = fit(train, seed, params)
            probas.append(est.predict_proba(test))
            s = {**scores(test.y, probas[-1]), **uniformity(est, test)}
            for k, v in s.items():
                per_seed.setdefault(variant, {}).setdefault(k, []).append(v)
            print(f"rosmap given {variant} seed {seed}: auroc {s['auroc']:.3f}", flush=True)
        seconds[variant] = time.perf_counter() - t0
        if len(probas) > 1:  # the seeds' probability average, an ensemble (one value)
            avg = scores(test.y, np.mean(probas, axis=0))
            per_seed[f"{variant}_seed_average"] = {k: [v] for k, v in avg.items()}
            seconds[f"{variant}_seed_average"] = seconds[variant]
    rows = [
        row("rosmap", v, m, x, seconds.get(v, seconds.get("baselines", 0.0)), **proto)
        for v, metrics in per_seed.items()
        for m, x in metrics.items()
    ]
    # Paired by seed (the test set is shared; only training varies with the seed).
    for name, (a, b) in comparisons.items():
        n = min(len(per_seed[a]["auroc"]), len(per_seed[b]["auroc"]))
        for metric in ("auroc", "accuracy"):
            xa, xb = per_seed[a][metric][:n], per_seed[b][metric][:n]
            rows.append(
                row(
                    "rosmap",
                    name,
                    f"paired_{metric}_difference",
                    np.subtract(xa, xb),
                    0.0,
                    **proto,
                    paired_by="seed",
                    **paired(xa, xb),
                )
            )
    return rows


def cross_validation(
    data: MultiOmicsDataset,
    attn: dict[str, Any],
    *,
    folds: int,
    repeats: int,
    n_trees: int,
    scores: Any,
    baselines: Any,
) -> list[dict[str, Any]]:
    """Repeated stratified CV: baselines, the fusion option and its start on the same folds."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
    rf = f"concat_rf{n_trees}"
    vals: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, float] = {}
    for k, (tr, te) in enumerate(cv.split(np.zeros(len(data)), data.y)):
        train, test = data.subset(tr), data.subset(te)
        t0 = time.perf_counter()
        probas = baselines(train, test, k, n_trees)
        seconds["baselines"] = seconds.get("baselines", 0.0) + time.perf_counter() - t0
        for name in ("concat_lr", "concat_lr_l2_cv", rf):
            for m, v in scores(test.y, probas[name]).items():
                vals.setdefault(name, {}).setdefault(m, []).append(v)
        for variant, params in (
            ("fusion_attn", attn),
            ("fusion_attn_start", {**attn, "epochs": 0}),
        ):
            t0 = time.perf_counter()
            est = fit(train, k, params)
            s = {**scores(test.y, est.predict_proba(test)), **uniformity(est, test)}
            seconds[variant] = seconds.get(variant, 0.0) + time.perf_counter() - t0
            for m, v in s.items():
                vals.setdefault(variant, {}).setdefault(m, []).append(v)
        print(
            f"rosmap cv fold {k}: attn {vals['fusion_attn']['auroc'][-1]:.3f} "
            f"start {vals['fusion_attn_start']['auroc'][-1]:.3f} rf {vals[rf]['auroc'][-1]:.3f}",
            flush=True,
        )
    proto = {"protocol": f"cv_{repeats}x{folds}"}
    rows = [
        row("rosmap", v, m, x, seconds.get(v, seconds["baselines"]), **proto)
        for v, per in vals.items()
        for m, x in per.items()
    ]
    comparisons = [
        ("fusion_attn", rf),
        ("fusion_attn", "fusion_attn_start"),
        ("fusion_attn", "concat_lr_l2_cv"),
    ]
    tests = [
        (a, b, m, paired(vals[a][m], vals[b][m]))
        for a, b in comparisons
        for m in ("auroc", "accuracy")
    ]
    adj = holm([t[3]["wilcoxon_p"] for t in tests])
    for (a, b, m, diff), p_holm in zip(tests, adj):
        name = f"{a}_vs_{'start' if b == 'fusion_attn_start' else b}"
        d = np.subtract(vals[a][m], vals[b][m])
        rows.append(
            row(
                "rosmap",
                name,
                f"paired_{m}_difference",
                d,
                0.0,
                **proto,
                paired_by="fold",
                wilcoxon_p_holm=p_holm,
                **diff,
            )
        )
    return rows
