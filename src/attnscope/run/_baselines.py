"""Baselines beside every run: what a reviewer would fit first, on the run's own split.

:func:`fit_baselines` trains, on the training samples of a run, the simple models a reviewer
asks for, and scores them on the same held-out samples as the model:

- tables, expression, multi-omics (modalities concatenated): L2 logistic regression with
  ``C`` chosen by inner 3-fold CV, a random forest (200 trees) and histogram gradient
  boosting (at most 100 rounds, early stopping; the 500 most variable training features
  of a wider table);
- DNA: logistic regression on k-mer counts (k = 3, 4, 5 over A/C/G/T, per-length shares);
- time series: gradient boosting on per-variable summary features over observed cells
  (mean, min, max, last value, count) plus the static descriptors;
- genotypes: L1 logistic regression on dosages (``C`` by inner CV) and, for the SNP ranking,
  a per-SNP association test (:func:`association_test`).

:func:`verdict` turns the model's and the baselines' AUROC into one plain sentence. Rule: the
margin is the Hanley-McNeil standard error of the best baseline's AUROC on the held-out
samples (at least 0.01); a difference smaller than that is noise on a test set of this size.
The model earns its place only when it beats the best baseline by more than the margin.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from attnscope.data import (
    Dataset,
    GenotypeDataset,
    MultiOmicsDataset,
    SequenceDataset,
    TabularDataset,
    TimeSeriesDataset,
)

__all__ = [
    "association_test",
    "fit_baselines",
    "kmer_counts",
    "summary_features",
    "verdict",
]

#: Caps that keep baselines a small share of ``fit`` time: random-forest trees, boosting
#: rounds (with early stopping on a 10% share), features given to gradient boosting on wide
#: tables (the most variable on the training samples), k-mer sizes.
_N_TREES = 200
_HGB_ITER = 100
_HGB_FEATURES = 500
_KS = (3, 4, 5)
#: Fewest training samples per class for which the baselines are fitted (inner 3-fold CV).
_MIN_PER_CLASS = 3


def kmer_counts(tokens: np.ndarray, ks: tuple[int, ...] = _KS) -> np.ndarray:
    """Overlapping k-mer shares of DNA token codes.

    Parameters
    ----------
    tokens : ndarray of shape (n_samples, length), uint8
        ``1..4`` = A, C, G, T; pads (0) and N (5) break k-mers.
    ks : tuple of int

    Returns
    -------
    ndarray of shape (n_samples, sum(4 ** k for k in ks)), float32
        Count of each k-mer divided by the number of valid k-mers of that k in the sequence.
    """
    tokens = np.asarray(tokens)
    n, length = tokens.shape
    valid = (tokens >= 1) & (tokens <= 4)
    base = np.where(valid, tokens.astype(np.int64) - 1, 0)
    blocks = []
    for k in ks:
        size = 4**k
        if length < k:
            blocks.append(np.zeros((n, size), np.float32))
            continue
        span = length - k + 1
        code = np.zeros((n, span), np.int64)
        ok = np.ones((n, span), bool)
        for j in range(k):
            code = code * 4 + base[:, j : j + span]
            ok &= valid[:, j : j + span]
        rows = np.broadcast_to(np.arange(n)[:, None], code.shape)
        flat = (rows * size + code)[ok]
        counts = np.bincount(flat, minlength=n * size).reshape(n, size).astype(np.float32)
        blocks.append(counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0))
    return np.concatenate(blocks, axis=1)


def summary_features(data: TimeSeriesDataset) -> np.ndarray:
    """Per-variable mean, min, max, last value and count over observed cells, plus static.

    Parameters
    ----------
    data : TimeSeriesDataset
        Values of shape (n, n_times, n_variables) with their observation mask.

    Returns
    -------
    ndarray of shape (n, 5 * n_variables + n_static), float64
        NaN where a variable was never observed (gradient boosting handles it).
    """
    obs = np.asarray(data.mask, bool)
    v = np.asarray(data.values, np.float64)
    count = obs.sum(axis=1)
    seen = count > 0
    total = np.where(obs, v, 0.0).sum(axis=1)
    mean = np.where(seen, total / np.maximum(count, 1), np.nan)
    vmin = np.where(seen, np.where(obs, v, np.inf).min(axis=1), np.nan)
    vmax = np.where(seen, np.where(obs, v, -np.inf).max(axis=1), np.nan)
    n_times = obs.shape[1]
    last_t = n_times - 1 - obs[:, ::-1, :].argmax(axis=1)  # (n, n_variables)
    last = np.take_along_axis(v, last_t[:, None, :], axis=1)[:, 0, :]
    last = np.where(seen, last, np.nan)
    return np.concatenate([mean, vmin, vmax, last, count, np.asarray(data.static, float)], axis=1)


def association_test(genotypes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-SNP association of dosage with class: the Cochran-Armitage trend test.

    The statistic is ``N * R^2`` of the dosage on the class indicators (between-class over
    total sum of squares), chi-square with ``n_classes - 1`` degrees of freedom; for two
    classes this is the Armitage trend test. Monomorphic SNPs get statistic 0, p = 1.

    Parameters
    ----------
    genotypes : ndarray of shape (n_samples, n_snps)
        Dosages 0/1/2 (negative = missing, imputed with the SNP mean).
    labels : ndarray of shape (n_samples,), int

    Returns
    -------
    stat, p : ndarray of shape (n_snps,)
    """
    from scipy import stats

    g = np.asarray(genotypes, np.float64)
    miss = g < 0
    if miss.any():
        counts = np.maximum((~miss).sum(axis=0), 1)
        g = np.where(miss, np.where(miss, 0.0, g).sum(axis=0) / counts, g)
    y = np.asarray(labels).astype(np.int64)
    n = len(y)
    classes = np.unique(y)
    centred = g - g.mean(axis=0)
    total = (centred**2).sum(axis=0)
    between = np.zeros(g.shape[1])
    for c in classes:
        rows = y == c
        between += rows.sum() * centred[rows].mean(axis=0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(total > 0, n * between / total, 0.0)
    return stat, stats.chi2.sf(stat, max(len(classes) - 1, 1))


def _table(data: Dataset) -> np.ndarray:
    if isinstance(data, MultiOmicsDataset):
        return np.concatenate([np.asarray(data.omics[k], np.float64) for k in data.omics], axis=1)
    return np.asarray(cast(Any, data).X, np.float64).reshape(len(data), -1)


def _top_variance(
    features: Callable[[Dataset], np.ndarray], *, train: Dataset
) -> Callable[[Dataset], np.ndarray]:
    """``features`` restricted to the ``_HGB_FEATURES`` most variable training columns."""
    x = features(train)
    if x.shape[1] <= _HGB_FEATURES:
        return features
    keep = np.sort(np.argsort(-np.nanvar(x, axis=0), kind="stable")[:_HGB_FEATURES])
    return lambda d: features(d)[:, keep]


def _models(data: Dataset, seed: int) -> dict[str, tuple[Callable[[Dataset], np.ndarray], Any]]:
    """Baseline name -> (feature function, unfitted sklearn model) for ``data``'s modality."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def l2() -> Any:
        lr = LogisticRegressionCV(Cs=8, cv=3, max_iter=2000, scoring="neg_log_loss")
        return make_pipeline(SimpleImputer(), StandardScaler(), lr)

    def hgb() -> Any:
        return HistGradientBoostingClassifier(
            max_iter=_HGB_ITER, early_stopping=len(data) >= 200, random_state=seed
        )

    if isinstance(data, SequenceDataset):
        return {"k-mer logistic regression": (lambda d: kmer_counts(d.tokens), l2())}
    if isinstance(data, TimeSeriesDataset):
        return {
            "gradient boosting (summary features)": (
                lambda d: summary_features(cast(TimeSeriesDataset, d)),
                hgb(),
            )
        }
    if isinstance(data, GenotypeDataset):
        l1 = LogisticRegressionCV(  # liblinear shuffles: seeded, or refits differ
            Cs=6,
            cv=3,
            penalty="l1",
            solver="liblinear",
            max_iter=1000,
            scoring="neg_log_loss",
            random_state=seed,
        )
        return {
            "L1 logistic regression": (
                lambda d: np.asarray(d.genotypes, np.float64),
                make_pipeline(SimpleImputer(missing_values=-1), l1),
            )
        }
    if isinstance(data, TabularDataset | MultiOmicsDataset) or hasattr(data, "X"):
        rf = RandomForestClassifier(n_estimators=_N_TREES, random_state=seed)
        return {
            "L2 logistic regression": (_table, l2()),
            "random forest": (_table, make_pipeline(SimpleImputer(), rf)),
            "gradient boosting": (_top_variance(_table, train=data), hgb()),
        }
    return {}


def fit_baselines(
    train: Dataset, test: Dataset, *, random_state: int = 0
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Fit the reviewer's baselines on ``train`` and score them on ``test``.

    Parameters
    ----------
    train, test : Dataset
        The run's training and held-out samples (one modality, one label coding).
    random_state : int, default 0

    Returns
    -------
    scores : dict
        ``{name: {"accuracy", "auroc", "auprc", "seconds"}}`` on ``test``.
    extra : dict
        For genotypes, ``"association"``: the 20 SNPs with the largest trend statistic on
        the training samples, with p-values and Bonferroni-adjusted p-values;
        ``"baselines_skipped"`` (why none was fitted: a class with fewer than 3 training
        samples) or ``"baselines_failed"`` (``{name: reason}``) where that happened.
    """
    from threadpoolctl import threadpool_limits

    from attnscope.metrics import classification_metrics

    n_classes = len(train.class_names)
    scores: dict[str, dict[str, float]] = {}
    extra: dict[str, Any] = {}
    counts = np.bincount(np.asarray(train.y, int), minlength=n_classes)
    if counts.min() < _MIN_PER_CLASS:
        extra["baselines_skipped"] = (
            f"a class has {counts.min()} training samples; the baselines' inner 3-fold CV "
            f"needs at least {_MIN_PER_CLASS} per class"
        )
        return scores, extra
    for name, (features, model) in _models(train, random_state).items():
        start = time.perf_counter()
        try:
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # sklearn 1.9 LogisticRegressionCV
                warnings.simplefilter("ignore", UserWarning)  # small-class CV folds
                model.fit(features(train), train.y)
                part = model.predict_proba(features(test))
        except (ValueError, np.linalg.LinAlgError) as exc:  # degenerate data: say so, go on
            extra.setdefault("baselines_failed", {})[name] = str(exc).splitlines()[0][:200]
            continue
        proba = np.zeros((len(test), n_classes))
        proba[:, np.asarray(model.classes_, int)] = part
        m = classification_metrics(test.y, proba, metrics=("accuracy", "auroc", "auprc"))
        scores[name] = {**{k: float(v) for k, v in m.items()}}
        scores[name]["seconds"] = time.perf_counter() - start
    if isinstance(train, GenotypeDataset):
        start = time.perf_counter()
        stat, p = association_test(train.genotypes, train.y)
        top = np.argsort(-stat, kind="stable")[:20]
        extra["association"] = {
            "method": "Cochran-Armitage trend test (N R^2, chi-square) on the training samples; "
            "Bonferroni over all SNPs",
            "seconds": time.perf_counter() - start,
            "top": [
                {
                    "snp": str(train.snp_ids[j]),
                    "chi2": float(stat[j]),
                    "p": float(p[j]),
                    "p_bonferroni": float(min(1.0, p[j] * len(p))),
                }
                for j in top
            ],
        }
    return scores, extra


def verdict_margin(auroc: float, y_true: np.ndarray) -> float:
    """Hanley-McNeil standard error of ``auroc`` on these labels (at least 0.01).

    For more than two classes the smallest class is taken against the rest.
    """
    counts = np.bincount(np.asarray(y_true, int))
    counts = counts[counts > 0]
    if len(counts) < 2 or not np.isfinite(auroc):
        return 0.01
    n1 = float(counts.min())
    n0 = float(counts.sum() - n1)
    a = float(auroc)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)
    return max(0.01, float(np.sqrt(max(var, 0.0))))


def _best_baseline(baselines: dict[str, dict[str, float]]) -> tuple[float, str] | None:
    """(AUROC, name) of the best baseline with a finite AUROC; None when there is none."""
    ranked = [(v["auroc"], k) for k, v in baselines.items() if np.isfinite(v.get("auroc", np.nan))]
    return max(ranked) if ranked else None


def earns_place(auroc: float, baselines: dict[str, dict[str, float]], margin: float) -> bool | None:
    """Whether ``auroc`` beats the best baseline's by more than ``margin`` (the verdict's
    rule); None when there is nothing to compare (no finite AUROC on either side)."""
    best = _best_baseline(baselines)
    if best is None or not np.isfinite(auroc):
        return None
    return bool(auroc - best[0] > margin)


def verdict(model: str, auroc: float, baselines: dict[str, dict[str, float]], margin: float) -> str:
    """One plain sentence: does ``model`` beat the best baseline by more than ``margin``?"""
    ranked = _best_baseline(baselines)
    if ranked is None or not np.isfinite(auroc):
        return f"{model}: no AUROC to compare with the baselines on this split."
    best, name = ranked
    d = auroc - best
    head = f"{model} (AUROC {auroc:.3f})"
    ref = f"the best baseline, {name} ({best:.3f})"
    if d > margin:
        return f"{head} beats {ref}, by {d:.3f} (> margin {margin:.3f}): it earns its place here."
    if d >= -margin:
        return (
            f"{head} is within {margin:.3f} of {ref}: it does not earn its place on this "
            "split (no gain beyond the margin over a model that takes seconds)."
        )
    return (
        f"{head} trails {ref}, by {-d:.3f} (> margin {margin:.3f}): "
        "it does not earn its place on this split."
    )
