"""Aggregations of an :class:`Attribution`: per feature, per class, per group, per SNP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from attnscope.errors import ConfigError, DataError
from attnscope.explain._attribution import Attribution

__all__ = [
    "GroupScores",
    "feature_importance",
    "per_class",
    "per_group",
    "per_snp_carriers",
    "snp_importance",
    "top_snps_per_chromosome",
]

_HOW = ("mean_abs", "mean")


def _reduce(values: np.ndarray, how: str, axis: int = 0) -> np.ndarray:
    if how not in _HOW:
        raise ConfigError(f"how must be one of {_HOW}, got {how!r}.")
    return np.abs(values).mean(axis=axis) if how == "mean_abs" else values.mean(axis=axis)


def feature_importance(attribution: Attribution, *, how: str = "mean_abs") -> np.ndarray:
    """Global importance per feature over samples.

    Parameters
    ----------
    attribution : Attribution
        ``values`` of shape (n_samples, *feature_shape).
    how : {"mean_abs", "mean"}, default "mean_abs"
        Mean absolute attribution (magnitude) or signed mean (direction).

    Returns
    -------
    ndarray of shape feature_shape
    """
    return _reduce(np.asarray(attribution.values, dtype=np.float64), how)


def per_class(
    attribution: Attribution, labels: np.ndarray | None = None, *, how: str = "mean_abs"
) -> dict[int, np.ndarray]:
    """Importance per feature within each class.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,), optional
        Class per sample; default the explained target.

    Returns
    -------
    dict of int -> ndarray of shape feature_shape
    """
    lab = attribution.target if labels is None else np.asarray(labels).reshape(-1)
    if lab.shape[0] != attribution.n_samples:
        raise DataError(f"labels have {lab.shape[0]} entries for {attribution.n_samples} samples.")
    values = np.asarray(attribution.values, dtype=np.float64)
    return {int(c): _reduce(values[lab == c], how) for c in np.unique(lab)}


class GroupScores(NamedTuple):
    """Per-sample group scores: ``values`` (n_samples, n_groups), ``names``, ``sizes``."""

    values: np.ndarray
    names: list[str]
    sizes: np.ndarray


def per_group(
    attribution: Attribution,
    groups: Any = None,
    *,
    window: int | None = None,
    how: str = "mean_abs",
    statistic: str = "sum",
) -> GroupScores:
    """Attribution per group of features (gene set, chromosome, sequence window).

    Parameters
    ----------
    groups : dict of str -> sequence, or array-like of shape (n_features,)
        Named sets of feature names or indices (may overlap: gene sets), or a label per
        feature (chromosome, SNP block).
    window : int, optional
        Instead of ``groups``: consecutive windows along the last feature axis.
    how : {"mean_abs", "mean"}, default "mean_abs"
        Take ``|a|`` (magnitude) or the signed ``a`` of each feature.
    statistic : {"sum", "mean"}, default "sum"
        Sum or mean over a group's features.

    Returns
    -------
    GroupScores
        ``values`` of shape (n_samples, n_groups); average over axis 0 for a global view.
    """
    if how not in _HOW or statistic not in ("sum", "mean"):
        raise ConfigError("how must be 'mean_abs' or 'mean'; statistic 'sum' or 'mean'.")
    values = np.asarray(attribution.values, dtype=np.float64)
    flat = values.reshape(values.shape[0], -1)
    if how == "mean_abs":
        flat = np.abs(flat)
    m = flat.shape[1]
    if (groups is None) == (window is None):
        raise ConfigError("give exactly one of groups or window.")
    if window is not None:
        if int(window) < 1:
            raise ConfigError(f"window must be positive, got {window}.")
        labels = np.arange(m) // int(window)
        names = [f"{i * window}-{min((i + 1) * window, m) - 1}" for i in range(int(labels[-1]) + 1)]
        member = np.eye(len(names), dtype=bool)[labels].T
    elif isinstance(groups, Mapping):
        fn = attribution.feature_names
        lookup = (
            {str(f): j for j, f in enumerate(np.asarray(fn).reshape(-1))} if fn is not None else {}
        )
        names = [str(k) for k in groups]
        member = np.zeros((len(names), m), dtype=bool)
        for g, members in enumerate(groups.values()):
            idx = [lookup[str(x)] if str(x) in lookup else x for x in members]
            idx = [int(i) for i in idx if isinstance(i, int | np.integer) and 0 <= int(i) < m]
            member[g, idx] = True
    else:
        labels_arr = np.asarray(groups).reshape(-1)
        if labels_arr.shape[0] != m:
            raise DataError(
                f"groups must hold one label per feature ({m}), got {labels_arr.shape[0]}."
            )
        uniq, inv = np.unique(labels_arr, return_inverse=True)
        names = [str(u) for u in uniq]
        member = np.eye(len(names), dtype=bool)[inv].T
    sizes = member.sum(axis=1)
    scores = flat @ member.T.astype(np.float64)  # (n, n_groups)
    if statistic == "mean":
        scores = scores / np.maximum(sizes, 1)
    return GroupScores(values=scores, names=names, sizes=sizes)


def per_snp_carriers(
    attribution: Attribution,
    genotypes: np.ndarray,
    *,
    how: str = "mean_abs",
    return_counts: bool = False,
) -> Any:
    """Attribution per SNP averaged over the samples that carry it (dosage > 0).

    The one carrier aggregation of attnscope. A SNP that no explained sample carries has
    no carrier attribution at all, so its value is NaN (not 0, which would read as "no
    effect"); rankings put NaN last.

    Parameters
    ----------
    attribution : Attribution
        Values of shape (n_samples, n_snps).
    genotypes : ndarray of shape (n_samples, n_snps)
        Dosages 0/1/2 (-1 missing counts as non-carrier), rows aligned with the attribution.
    how : {"mean_abs", "mean"}, default "mean_abs"
        Mean of ``|value|`` or of the signed value (risk vs protective direction).
    return_counts : bool, default False
        Also return the number of carriers per SNP.

    Returns
    -------
    ndarray of shape (n_snps,)
        NaN for SNPs without carriers; with ``return_counts``, a tuple with the carrier
        counts (int, shape (n_snps,)).
    """
    g = np.asarray(genotypes)
    values = np.asarray(attribution.values, dtype=np.float64)
    if g.shape != values.shape:
        raise DataError(f"genotypes have shape {g.shape}, attributions {values.shape}; align them.")
    if how not in _HOW:
        raise ConfigError(f"how must be one of {_HOW}, got {how!r}.")
    carrier = g > 0
    v = np.abs(values) if how == "mean_abs" else values
    count = carrier.sum(axis=0)
    total = (v * carrier).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return (out, count) if return_counts else out


def snp_importance(
    attribution: Attribution, data: Any, *, how: str = "mean", top: int | None = None
) -> Any:
    """Per-SNP importance over carriers as a table, SNPs matched by id.

    Parameters
    ----------
    attribution : Attribution
        Per-SNP values (e.g. layer integrated gradients), ``feature_names`` = SNP ids.
    data : GenotypeDataset
        The explained individuals (any SNP superset: SNPs are matched by id).
    how : {"mean", "mean_abs"}, default "mean"
        Signed or absolute carrier mean (see :func:`per_snp_carriers`).
    top : int, optional
        Keep the ``top`` SNPs (by absolute importance) of each chromosome.

    Returns
    -------
    DataFrame
        Columns snp_id, chromosome, position, importance (NaN without carriers),
        n_carriers.
    """
    import pandas as pd

    ids = np.asarray(attribution.feature_names).astype(str)
    lookup = {s: i for i, s in enumerate(np.asarray(data.snp_ids).astype(str))}
    missing = [s for s in ids if s not in lookup]
    if missing:
        raise DataError(f"{len(missing)} attributed SNPs are not in the data, e.g. {missing[:3]}.")
    idx = np.array([lookup[s] for s in ids], dtype=np.int64)
    imp, n = per_snp_carriers(attribution, data.genotypes[:, idx], how=how, return_counts=True)
    chrom = np.asarray(data.chromosomes)[idx]
    table = pd.DataFrame(
        {
            "snp_id": ids,
            "chromosome": chrom,
            "position": np.asarray(data.positions)[idx],
            "importance": imp,
            "n_carriers": n,
        }
    )
    if top is not None:
        table = table.iloc[top_snps_per_chromosome(np.nan_to_num(imp, nan=0.0), chrom, top=top)]
    return table.reset_index(drop=True)


def top_snps_per_chromosome(
    scores: np.ndarray, chromosomes: np.ndarray, *, top: int = 50, absolute: bool = True
) -> np.ndarray:
    """Indices of the ``top`` highest-scoring SNPs of each chromosome.

    Parameters
    ----------
    scores : ndarray of shape (n_snps,)
    chromosomes : ndarray of shape (n_snps,)
    top : int, default 50
    absolute : bool, default True
        Rank by ``|score|`` (risk and protective); False ranks by the signed score.

    Returns
    -------
    ndarray of int
        Sorted by chromosome, best first within each.
    """
    s = np.abs(scores) if absolute else np.asarray(scores, dtype=float)
    chrom = np.asarray(chromosomes).astype(str)
    order = np.lexsort((-s, chrom))  # by chromosome, then descending score
    sorted_chrom = chrom[order]
    first = np.searchsorted(sorted_chrom, sorted_chrom, side="left")
    rank = np.arange(order.size) - first
    return order[rank < top]
