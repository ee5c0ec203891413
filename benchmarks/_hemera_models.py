"""Models, splits and per-SNP rankings of ``benchmarks/hemera.py``: HEMERA, logistic
regression on dosages, the trend test, and locus recovery of a ranking."""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def trend_test(genotypes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Armitage trend statistic n r^2 per SNP (chi-square, 1 df); missing -> SNP mean."""
    g = genotypes.astype(np.float64)
    miss = g < 0
    mean = np.where(miss, 0, g).sum(0) / np.maximum((~miss).sum(0), 1)
    g = np.where(miss, mean, g) - mean
    yc = y - y.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (g * yc[:, None]).sum(0) / np.sqrt((g**2).sum(0) * (yc**2).sum())
    return np.nan_to_num(len(y) * r**2)


def logistic(x_tr: np.ndarray, y_tr: np.ndarray, penalty: str, seed: int) -> Any:
    """L1 (C = 0.2, liblinear) or L2 (C = 0.1, lbfgs) logistic regression on dosages.

    Fixed C (no inner CV) to fit the time budget; the values were not tuned on test data.
    """
    from sklearn.linear_model import LogisticRegression

    if penalty == "l1":
        return LogisticRegression(
            C=0.2, solver="liblinear", l1_ratio=1.0, max_iter=2000, random_state=seed
        ).fit(x_tr, y_tr)
    return LogisticRegression(C=0.1, max_iter=2000, random_state=seed).fit(x_tr, y_tr)


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn import metrics as skm

    pred = (p >= 0.5).astype(int)
    return {
        "auroc": float(skm.roc_auc_score(y, p)),
        "precision": float(skm.precision_score(y, pred, zero_division=0)),
        "recall": float(skm.recall_score(y, pred, zero_division=0)),
        "f1": float(skm.f1_score(y, pred, zero_division=0)),
    }


def fit_hemera(train: Any, cfg: dict[str, Any], seed: int) -> tuple[Any, float]:
    from attnscope.estimators._hemera import HEMERAClassifier

    t0 = time.perf_counter()
    est = HEMERAClassifier(random_state=seed, **cfg).fit(train)
    return est, time.perf_counter() - t0


def hemera_rankings(est: Any, test: Any, n_explain: int, n_steps: int) -> dict[str, np.ndarray]:
    """Per-SNP scores over the model's SNPs: LIG (carriers), LIG |mean|, attention."""
    import torch

    from attnscope.explain import attribute, snp_importance

    sub = test.subset(np.arange(min(n_explain, len(test))))
    att = attribute(est, sub, method="lig", target=1, n_steps=n_steps, batch_size=8)
    table = snp_importance(att, sub)
    (tok,) = est._make_inputs(sub)
    with torch.no_grad():
        attn = est.module_(tok.long()).attention["snp"].abs().mean(0).numpy()
    return {
        "lig": np.abs(table["importance"].to_numpy()),
        "lig_mean_abs": np.abs(att.values).mean(0),
        "attention": attn,
        "_seconds": np.array([att.seconds]),
    }


def all_snp_rankings(
    est: Any, data: Any, test: Any, args: Any
) -> tuple[dict[str, np.ndarray], float]:
    """:func:`hemera_rankings` over every SNP of ``data`` (those QC dropped score 0), and
    the seconds LIG took."""
    kept = np.flatnonzero(np.isin(data.snp_ids, est.spec_["snp_ids"]))
    ranks = hemera_rankings(est, test, args.n_explain, args.n_steps)
    seconds = float(ranks.pop("_seconds")[0])
    scores: dict[str, np.ndarray] = {}
    for name, sc in ranks.items():
        full = np.zeros(data.n_snps)
        full[kept] = sc
        scores[name] = full
    return scores, seconds


def dosages(data: Any) -> np.ndarray:
    """Allele dosages as float32, missing calls (negative) as 0: the regressions' input."""
    return np.maximum(data.genotypes, 0).astype(np.float32)


def split(data: Any, seed: int, test_size: float = 0.3) -> tuple[Any, Any]:
    from attnscope.data import train_val_test_split

    tr, _, te = train_val_test_split(data.y, val_size=0.0, test_size=test_size, random_state=seed)
    return data.subset(tr), data.subset(te)


def cv_folds(y: np.ndarray, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified K-fold (train, test) index pairs."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y))


def locus_scores(
    data: Any, causal: np.ndarray, scores: dict[str, np.ndarray], args: Any
) -> dict[str, dict[str, float]]:
    """Precision/recall of the top 2 x n_causal SNPs (exact and within the window) and the
    rank of the best-ranked causal SNP, per ranking."""
    from attnscope.metrics._loci import locus_recovery

    out: dict[str, dict[str, float]] = {}
    top = 2 * len(causal)
    for name, sc in scores.items():
        res: dict[str, float] = {}
        for window in (0, args.window):
            rec = locus_recovery(
                sc,
                data.chromosomes,
                data.positions,
                data.chromosomes[causal],
                data.positions[causal],
                window=window,
                top=top,
            )
            tag = f"w{window // 1000}kb_top{top}"
            res[f"precision_{tag}"] = rec["precision"]
            res[f"recall_{tag}"] = rec["recall"]
        order = np.argsort(-sc, kind="stable")
        res["best_causal_rank"] = float(np.flatnonzero(np.isin(order, causal))[0] + 1)
        out[name] = res
    return out
