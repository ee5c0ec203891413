"""HAIN and the baselines of ``benchmarks/hain.py``, and their stratified k-fold CV."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from _common import row
from attnscope.data import TabularDataset, kfold_indices
from attnscope.estimators._hain import HAINClassifier
from attnscope.metrics import classification_metrics

__all__ = ["HAIN_GRID", "METRICS", "baselines", "cross_validate", "hain", "hain_selected"]

METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "auroc")


def hain(
    gene_sets: dict[str, list[str]] | None, quick: bool, seed: int, **options: Any
) -> HAINClassifier:
    """HAIN with its defaults (shortened for ``quick``); ``options`` override them."""
    params: dict[str, Any] = {"random_state": seed}
    if quick:
        params.update(epochs=40, patience=10)
    params.update(options)
    return HAINClassifier(gene_sets=gene_sets, **params)


#: Candidate training settings for ``--select``: the default, and training to the end
#: without early stopping (on ~50 samples its 10% validation split is ~5 samples).
HAIN_GRID: dict[str, dict[str, Any]] = {
    "default": {},
    "200_epochs_no_early_stop": {"epochs": 200, "patience": 200, "val_size": 0.0},
}


def hain_selected(
    train: TabularDataset, gene_sets: dict[str, list[str]] | None, quick: bool, seed: int
) -> tuple[HAINClassifier, str]:
    """Pick the ``HAIN_GRID`` setting by balanced accuracy on an inner stratified 25% of
    ``train`` (never the test fold), then refit it on all of ``train``."""
    inner_tr, inner_va = kfold_indices(train.y, n_splits=4, random_state=seed)[0]
    fit_on, check_on = train.subset(inner_tr), train.subset(inner_va)
    score: dict[str, float] = {}
    for key, options in HAIN_GRID.items():
        est = hain(gene_sets, quick, seed, **options).fit(fit_on)
        score[key] = _fold_metrics(check_on.y, est.predict_proba(check_on))["balanced_accuracy"]
    best = max(score, key=lambda key: score[key])  # the first (default) on ties
    return hain(gene_sets, quick, seed, **HAIN_GRID[best]).fit(train), best


def baselines(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "random_forest": RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1),
        "logreg_l1": make_pipeline(
            StandardScaler(),
            LogisticRegression(
                penalty="l1", C=0.1, solver="liblinear", max_iter=2000, random_state=seed
            ),
        ),
        "logreg_l2": make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        "mlp": make_pipeline(
            StandardScaler(),
            MLPClassifier(
                (256, 64), alpha=1e-3, max_iter=300, early_stopping=False, random_state=seed
            ),
        ),
    }


def _fold_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    m = classification_metrics(y, proba, metrics=METRICS)
    return {k: float(m[k]) for k in METRICS}


def _ovr_liblinear(model: Any, n_classes: int) -> Any:
    if n_classes > 2 and hasattr(model, "steps"):  # liblinear L1 is one-vs-rest
        from sklearn.multiclass import OneVsRestClassifier

        return OneVsRestClassifier(model)
    return model


def cross_validate(
    name: str, data: TabularDataset, gene_sets: dict[str, list[str]] | None, args: Any
) -> list[dict[str, Any]]:
    folds = kfold_indices(data.y, n_splits=args.folds, random_state=0)
    scores: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, float] = {}
    select = set((args.select or "").split(","))
    chosen: list[str] = []
    for k, (tr, te) in enumerate(folds):
        train, test = data.subset(tr), data.subset(te)
        models: dict[str, Any] = {"hain": hain(gene_sets, args.quick, k), **baselines(k)}
        for variant, model in models.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if variant == "hain" and name in select:
                    fitted, choice = hain_selected(train, gene_sets, args.quick, k)
                    chosen.append(choice)
                    proba = fitted.predict_proba(test)
                elif variant == "hain":
                    proba = model.fit(train).predict_proba(test)
                else:
                    if variant == "logreg_l1":
                        model = _ovr_liblinear(model, data.n_classes)
                    proba = model.fit(train.X, train.y).predict_proba(test.X)
            seconds[variant] = seconds.get(variant, 0.0) + time.perf_counter() - start
            for metric, v in _fold_metrics(test.y, proba).items():
                scores.setdefault(variant, {}).setdefault(metric, []).append(v)
        print(
            f"  {name} fold {k}: "
            + ", ".join(f"{v}={s['accuracy'][-1]:.3f}" for v, s in scores.items()),
            flush=True,
        )
    return [
        row(
            name,
            variant,
            metric,
            vals,
            seconds[variant],
            **({"selected_per_fold": chosen} if variant == "hain" and chosen else {}),
        )
        for variant, per in scores.items()
        for metric, vals in per.items()
    ]
