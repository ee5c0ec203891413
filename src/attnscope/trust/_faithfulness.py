"""Faithfulness: does removing what an attribution ranks first change the prediction?

Features are removed with the estimator's own ``spec.remove`` (pad token for DNA, the
training mean for tables), so the same functions serve every model. All steps of all
samples in a chunk go through the model in one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from attnscope.errors import ConfigError, DataError

__all__ = [
    "Curve",
    "comprehensiveness",
    "deletion_curve",
    "insertion_curve",
    "roar",
    "sufficiency",
]


class Curve(NamedTuple):
    """A deletion or insertion curve.

    Attributes
    ----------
    fractions : ndarray of shape (n_steps,)
        Share of features removed (deletion) or kept (insertion).
    scores : ndarray of shape (n_samples, n_steps)
        Probability (or logit) of the explained class at each step.
    auc : ndarray of shape (n_samples,)
        Normalised area under the curve (mean score over the fraction range). Lower is
        better for deletion, higher for insertion.
    """

    fractions: np.ndarray
    scores: np.ndarray
    auc: np.ndarray


def _spec(estimator: Any, data: Any) -> Any:
    from attnscope.core import check_is_fitted

    check_is_fitted(estimator)
    return estimator.attribution_spec(estimator.as_dataset(data))


def _ranks(values: np.ndarray, order: str) -> np.ndarray:
    """Rank of each feature per sample, 0 = most important; shape (n, n_features)."""
    if order not in ("signed", "abs"):
        raise ConfigError(f"order must be 'signed' or 'abs', got {order!r}.")
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    key = -np.abs(flat) if order == "abs" else -flat
    idx = np.argsort(key, axis=1, kind="stable")
    ranks = np.empty_like(idx)
    np.put_along_axis(ranks, idx, np.arange(flat.shape[1])[None, :], axis=1)
    return ranks


def masked_scores(
    spec: Any,
    target: np.ndarray,
    ranks: np.ndarray,
    counts: np.ndarray,
    *,
    keep_top: bool,
    score: str = "proba",
    batch_size: int | None = None,
) -> np.ndarray:
    """Model score with the top-``count`` features removed (or only they kept).

    Parameters
    ----------
    spec : AttributionSpec
    target : ndarray of shape (n_samples,)
    ranks : ndarray of shape (n_samples, n_features)
        0 = most important.
    counts : ndarray of shape (n_steps,)
        Number of top features per step.
    keep_top : bool
        False: remove the top features (deletion); True: remove all others (insertion).
    score : {"proba", "logit"}, default "proba"

    Returns
    -------
    ndarray of shape (n_samples, n_steps)
    """
    from attnscope.core import auto_batch_size, iter_batches

    if score not in ("proba", "logit"):
        raise ConfigError(f"score must be 'proba' or 'logit', got {score!r}.")
    raw = spec.raw_inputs
    n = int(raw[0].shape[0])
    if ranks.shape[0] != n:
        raise DataError(f"the attribution has {ranks.shape[0]} samples, the data {n}.")
    fshape = tuple(spec.to_features(tuple(t[:1].detach() for t in spec.inputs)).shape[1:])
    if int(np.prod(fshape)) != ranks.shape[1]:
        raise DataError(
            f"the attribution holds {ranks.shape[1]} values per sample, but the model's input "
            f"has {int(np.prod(fshape))} features {fshape}: a map over other axes (per-base "
            "hypothetical contributions, attention at another level) cannot be deleted or "
            "inserted feature by feature; score a per-feature method."
        )
    s = len(counts)
    rows = batch_size or auto_batch_size(spec.raw_forward, raw, grad=False)
    chunk = max(1, rows // s)
    cnt = torch.as_tensor(np.asarray(counts), dtype=torch.long).view(1, s, 1)
    out = np.empty((n, s), dtype=np.float64)
    with torch.no_grad():
        for sl in iter_batches(n, chunk):
            r = torch.as_tensor(ranks[sl]).unsqueeze(1)  # (b, 1, F)
            mask = (r >= cnt) if keep_top else (r < cnt)  # True = remove
            b = int(r.shape[0])
            batch = tuple(t[sl].repeat_interleave(s, dim=0) for t in raw)
            removed = spec.remove(batch, mask.reshape(b * s, *fshape))
            logits = spec.raw_forward(*removed)
            vals = torch.softmax(logits, dim=1) if score == "proba" else logits
            tgt = torch.as_tensor(target[sl]).repeat_interleave(s).view(-1, 1)
            out[sl] = vals.gather(1, tgt).reshape(b, s).double().cpu().numpy()
    return out


def _curve(
    estimator: Any,
    data: Any,
    attribution: Any,
    fractions: Sequence[float] | None,
    order: str,
    score: str,
    batch_size: int | None,
    keep_top: bool,
) -> Curve:
    spec = _spec(estimator, data)
    fr = np.linspace(0.0, 1.0, 11) if fractions is None else np.asarray(fractions, dtype=float)
    if fr.ndim != 1 or fr.size < 2 or (fr < 0).any() or (fr > 1).any() or (np.diff(fr) <= 0).any():
        raise ConfigError("fractions must increase within [0, 1] and hold two or more values.")
    ranks = _ranks(np.asarray(attribution.values), order)
    counts = np.round(fr * ranks.shape[1]).astype(np.int64)
    scores = masked_scores(
        spec,
        attribution.target,
        ranks,
        counts,
        keep_top=keep_top,
        score=score,
        batch_size=batch_size,
    )
    auc = np.trapezoid(scores, fr, axis=1) / (fr[-1] - fr[0])
    return Curve(fractions=fr, scores=scores, auc=auc)


def deletion_curve(
    estimator: Any,
    data: Any,
    attribution: Any,
    *,
    fractions: Sequence[float] | None = None,
    order: str = "signed",
    score: str = "proba",
    batch_size: int | None = None,
) -> Curve:
    """Score of the explained class as the top-ranked features are removed.

    Parameters
    ----------
    estimator : BaseClassifier
        Fitted.
    data : Dataset
        The samples the attribution explains, in the same order.
    attribution : Attribution
        ``values`` of shape (n_samples, *feature_shape); ``target`` the explained class.
    fractions : sequence of float, optional
        Shares of features removed; default 0, 0.1, ..., 1.
    order : {"signed", "abs"}, default "signed"
        Rank by attribution (most positive first) or by magnitude.
    score : {"proba", "logit"}, default "proba"
    batch_size : int, optional
        Rows per forward pass; default from the memory budget.

    Returns
    -------
    Curve
        A faithful attribution gives a fast drop: low AUC.
    """
    return _curve(estimator, data, attribution, fractions, order, score, batch_size, False)


def insertion_curve(
    estimator: Any,
    data: Any,
    attribution: Any,
    *,
    fractions: Sequence[float] | None = None,
    order: str = "signed",
    score: str = "proba",
    batch_size: int | None = None,
) -> Curve:
    """Score of the explained class as the top-ranked features are added back to an
    all-removed input. A faithful attribution gives a fast rise: high AUC.
    Parameters as in :func:`deletion_curve`.
    """
    return _curve(estimator, data, attribution, fractions, order, score, batch_size, True)


def _at_k(
    estimator: Any, data: Any, attribution: Any, k: float, keep_top: bool, order: str
) -> np.ndarray:
    spec = _spec(estimator, data)
    ranks = _ranks(np.asarray(attribution.values), order)
    m = ranks.shape[1]
    kk = round(k * m) if 0 < k < 1 else int(k)
    if kk < 0 or kk > m:
        raise ConfigError(f"k must be a fraction in (0, 1) or a count in 0..{m}, got {k}.")
    scores = masked_scores(spec, attribution.target, ranks, np.array([0, kk]), keep_top=keep_top)
    if keep_top:  # column 0 keeps nothing: recompute the full input
        full = masked_scores(spec, attribution.target, ranks, np.array([0]), keep_top=False)
        return full[:, 0] - scores[:, 1]
    return scores[:, 0] - scores[:, 1]


def comprehensiveness(
    estimator: Any, data: Any, attribution: Any, *, k: float = 0.1, order: str = "signed"
) -> np.ndarray:
    """Drop in the explained class probability when the top-``k`` features are removed.

    ``k`` is a fraction of the features (0 < k < 1) or a count. Higher is more faithful
    (DeYoung et al., ERASER). Returns an array of shape (n_samples,).
    """
    return _at_k(estimator, data, attribution, k, False, order)


def sufficiency(
    estimator: Any, data: Any, attribution: Any, *, k: float = 0.1, order: str = "signed"
) -> np.ndarray:
    """Drop in the explained class probability when only the top-``k`` features are kept.

    Lower is better (the top features alone carry the prediction). Shape (n_samples,).
    """
    return _at_k(estimator, data, attribution, k, True, order)


def _remove_from_dataset(data: Any, mask: np.ndarray) -> Any:
    """A copy of ``data`` with the masked features set to their "absent" value."""
    from dataclasses import replace

    from attnscope.data import PAD, GenotypeDataset, SequenceDataset, TabularDataset

    if isinstance(data, SequenceDataset):
        return replace(data, tokens=np.where(mask, PAD, data.tokens).astype(np.uint8))
    if isinstance(data, TabularDataset):
        return replace(data, X=np.where(mask, data.X.mean(axis=0, keepdims=True), data.X))
    if isinstance(data, GenotypeDataset):
        return replace(data, genotypes=np.where(mask, 0, data.genotypes).astype(np.int8))
    raise ConfigError(f"roar supports sequence, tabular and genotype data, not {data.modality}.")


def roar(
    estimator: Any,
    data: Any,
    attribution: Any,
    *,
    fractions: Sequence[float] = (0.1, 0.3, 0.5),
    test_size: float = 0.3,
    random_state: int = 0,
) -> dict[str, list[float]]:
    """RemOve And Retrain (Hooker et al. 2019), simple version.

    For each fraction the top-ranked features of every sample are removed from the data
    (pad token, column mean, dosage 0), a clone of ``estimator`` is retrained on a
    stratified ``1 - test_size`` share and scored on the rest; the same is done with a
    random ranking. A faithful attribution makes accuracy fall faster than random.

    Returns
    -------
    dict
        ``fractions``, ``accuracy`` (attribution order) and ``random_accuracy``.
    """
    from sklearn.base import clone

    from attnscope._utils.random import check_random_state
    from attnscope.data import train_val_test_split

    data = estimator.as_dataset(data)
    values = np.asarray(attribution.values)
    if values.shape[0] != len(data):
        raise DataError(
            f"roar needs an attribution for every sample ({len(data)}), got {values.shape[0]}."
        )
    rng = check_random_state(random_state)
    tr, _, te = train_val_test_split(
        data.y, val_size=0.0, test_size=test_size, random_state=random_state
    )
    ranks = _ranks(values, "signed")
    rand_ranks = np.argsort(rng.random(ranks.shape), axis=1)
    out: dict[str, list[float]] = {
        "fractions": [float(f) for f in fractions],
        "accuracy": [],
        "random_accuracy": [],
    }
    for f in fractions:
        kk = round(float(f) * ranks.shape[1])
        for key, r in (("accuracy", ranks), ("random_accuracy", rand_ranks)):
            mask = (r < kk).reshape(values.shape)
            reduced = _remove_from_dataset(data, mask)
            est = clone(estimator).set_params(random_state=random_state, verbose=False)
            est.fit(reduced.subset(tr))
            out[key].append(float(est.score(reduced.subset(te))))
    return out
