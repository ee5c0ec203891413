"""Models of ``benchmarks/fusion.py``: the fusion fits and the early-fusion baselines, and
the scores every protocol reports."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _fusion_config import FUSION
from attnscope.data import MultiOmicsDataset
from attnscope.estimators._fusion import FusionClassifier, without_modalities


def scores(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Accuracy, F1 (of class 1 when binary, as MOGONET reports; else macro) and AUROC."""
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    pred = proba.argmax(axis=1)
    binary = proba.shape[1] == 2
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "f1": float(f1_score(y, pred, average="binary" if binary else "macro")),
        "auroc": float(
            roc_auc_score(y, proba[:, 1]) if binary else roc_auc_score(y, proba, multi_class="ovr")
        ),
    }


def concat(data: MultiOmicsDataset, mean: np.ndarray | None = None) -> np.ndarray:
    """Concatenated omics; absent modalities filled with ``mean`` (training means)."""
    x = np.hstack([data.omics[m] for m in data.modality_names]).astype(np.float64)
    if mean is not None:
        absent = np.hstack(
            [
                np.repeat(data.present[:, [j]], data.omics[m].shape[1], axis=1)
                for j, m in enumerate(data.modality_names)
            ]
        )
        x = np.where(absent, x, mean[None, :])
    return x


def baseline_models(seed: int, n_trees: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "lr": make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=5000)),
        # C chosen by inner 5-fold CV on the training part.
        "lr_l2_cv": make_pipeline(
            StandardScaler(), LogisticRegressionCV(Cs=8, cv=5, max_iter=5000, n_jobs=1)
        ),
        "lr_l1_cv": make_pipeline(
            StandardScaler(),
            LogisticRegressionCV(
                Cs=8, cv=5, penalty="l1", solver="liblinear", max_iter=5000, n_jobs=1
            ),
        ),
        f"rf{n_trees}": RandomForestClassifier(n_trees, random_state=seed, n_jobs=1),
        "mlp": make_pipeline(
            StandardScaler(),
            MLPClassifier((64,), alpha=1.0, max_iter=500, early_stopping=True, random_state=seed),
        ),
    }


def run_baselines(
    train: MultiOmicsDataset, test: MultiOmicsDataset, seed: int, n_trees: int, *, single: bool
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]], dict[str, float]]:
    """Probabilities on ``test`` per baseline, per removed modality, and seconds per model."""
    xtr, xte = concat(train), concat(test)
    mean = xtr.mean(axis=0)
    probas: dict[str, np.ndarray] = {}
    removed: dict[str, dict[str, np.ndarray]] = {}
    seconds: dict[str, float] = {}
    for name, model in baseline_models(seed, n_trees).items():
        t0 = time.perf_counter()
        model.fit(xtr, train.y)
        probas[f"concat_{name}"] = model.predict_proba(xte)
        removed[f"concat_{name}"] = {
            m: model.predict_proba(concat(without_modalities(test, m), mean))
            for m in test.modality_names
        }
        seconds[f"concat_{name}"] = time.perf_counter() - t0
    if single:
        for m in train.modality_names:
            for name, model in baseline_models(seed, n_trees).items():
                if name in ("mlp", "lr_l2_cv", "lr_l1_cv"):
                    continue
                t0 = time.perf_counter()
                model.fit(train.omics[m], train.y)
                probas[f"{m}_only_{name}"] = model.predict_proba(test.omics[m])
                seconds[f"{m}_only_{name}"] = time.perf_counter() - t0
    return probas, removed, seconds


def headline_baselines(
    train: MultiOmicsDataset, test: MultiOmicsDataset, seed: int, n_trees: int
) -> dict[str, np.ndarray]:
    """Test probabilities of the ROSMAP baselines: the regression the fusion starts from
    (``concat_lr``, C 0.05), L2 LR with C by inner CV and the random forest."""
    keep = ("lr", "lr_l2_cv", f"rf{n_trees}")
    models = {k: v for k, v in baseline_models(seed, n_trees).items() if k in keep}
    xtr, xte = concat(train), concat(test)
    return {f"concat_{k}": m.fit(xtr, train.y).predict_proba(xte) for k, m in models.items()}


def only(data: MultiOmicsDataset, m: str) -> MultiOmicsDataset:
    """``data`` restricted to modality ``m``."""
    from dataclasses import replace

    j = data.modality_names.index(m)
    return replace(
        data,
        omics={m: data.omics[m]},
        feature_names={m: data.feature_names[m]},
        present=data.present[:, [j]],
    )


def fit_fusion(train: MultiOmicsDataset, seed: int, **extra: Any) -> FusionClassifier:
    return FusionClassifier(random_state=seed, **{**FUSION, **extra}).fit(train)
