"""Biology: do the top-ranked genes overlap known genes and gene sets more than chance?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError

__all__ = ["gene_list_overlap", "geneset_enrichment", "top_features"]


def top_features(
    scores: Any, *, k: int = 50, feature_names: Sequence[str] | None = None
) -> tuple[list[str], list[str]]:
    """The ``k`` top-ranked feature names and all measured names (both de-duplicated).

    Parameters
    ----------
    scores : Attribution or ndarray of shape (n_features,) or (n_samples, n_features)
        An Attribution or 2-D array is ranked by mean ``|a|`` over samples.
    k : int, default 50
        Number of distinct names kept (probes mapping to the same gene count once).
    feature_names : sequence of str, optional
        Default the Attribution's ``feature_names``.

    Returns
    -------
    top : list of str
    measured : list of str
    """
    values = np.asarray(getattr(scores, "values", scores), dtype=np.float64)
    names = feature_names if feature_names is not None else getattr(scores, "feature_names", None)
    if names is None:
        raise ConfigError("feature names are needed to match genes; pass feature_names.")
    names = np.asarray(names).astype(str).reshape(-1)
    s = np.abs(values).mean(axis=0) if values.ndim > 1 else np.abs(values)
    s = s.reshape(-1)
    if s.shape[0] != names.shape[0]:
        raise DataError(f"{s.shape[0]} scores for {names.shape[0]} feature names.")
    if k < 1:
        raise ConfigError(f"k must be positive, got {k}.")
    order = np.argsort(-s, kind="stable")
    ranked = list(dict.fromkeys(names[order].tolist()))
    return ranked[:k], ranked


def _hypergeom_p(overlap: int, population: int, successes: int, draws: int) -> float:
    from scipy.stats import hypergeom

    return float(hypergeom.sf(overlap - 1, population, successes, draws))


def gene_list_overlap(
    scores: Any,
    genes: Sequence[str],
    *,
    k: int = 50,
    feature_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Overlap of the top-``k`` genes with a known gene list, with a hypergeometric p.

    The population is the measured genes: of ``M`` measured genes, ``n`` are on the list
    and ``k`` are drawn; ``p = P(X >= overlap)`` for ``X ~ Hypergeom(M, n, k)``.

    Returns
    -------
    dict
        ``overlap``, ``k``, ``n_list_measured``, ``n_measured``, ``expected``
        (``k n / M``), ``p_value`` and ``hits`` (the overlapping genes, in rank order).
    """
    top, measured = top_features(scores, k=k, feature_names=feature_names)
    wanted = {str(g) for g in genes}
    listed = [g for g in measured if g in wanted]
    hits = [g for g in top if g in wanted]
    m, n, kk = len(measured), len(listed), len(top)
    return {
        "overlap": len(hits),
        "k": kk,
        "n_list_measured": n,
        "n_measured": m,
        "expected": kk * n / m if m else float("nan"),
        "p_value": _hypergeom_p(len(hits), m, n, kk) if n else 1.0,
        "hits": hits,
    }


def geneset_enrichment(
    scores: Any,
    gene_sets: Mapping[str, Sequence[str]],
    *,
    k: int = 50,
    feature_names: Sequence[str] | None = None,
    min_size: int = 3,
) -> list[dict[str, Any]]:
    """Hypergeometric enrichment of the top-``k`` genes in each gene set, BH-corrected.

    The universe is the measured genes (``M``, de-duplicated); a set with ``n`` measured
    genes and ``x`` of the ``k`` top genes gets ``p = P(X >= x)``, ``X ~ Hypergeom(M, n,
    k)``: the one-sided Fisher exact test of the 2 x 2 table (top / not top x in set / not
    in set). Membership is one sparse matrix (:func:`attnscope.io.gene_set_membership`:
    symbols matched case-insensitively) and the tests run vectorised over the sets.

    Parameters
    ----------
    scores : Attribution or ndarray of shape (n_features,) or (n_samples, n_features)
        Ranked by mean ``|a|`` over samples (:func:`top_features`).
    gene_sets : dict of str -> sequence of str
        E.g. read from a GMT file (:func:`attnscope.io.read_gmt`); each set is restricted
        to the measured genes.
    k : int, default 50
        Top genes drawn.
    feature_names : sequence of str, optional
        Gene symbols of the features (default the Attribution's ``feature_names``).
    min_size : int, default 3
        Sets with fewer measured genes are not tested.

    Returns
    -------
    list of dict
        One per tested set, sorted by p: ``set``, ``size`` (measured), ``overlap``,
        ``expected`` (``k n / M``), ``p_value``, ``fdr`` (Benjamini-Hochberg over the sets
        tested), ``adjusted_p`` (Bonferroni: ``min(1, p * n_tested)``), ``n_tested``,
        ``genes`` (the overlapping top genes, in rank order). Empty when no set has
        ``min_size`` measured genes.
    """
    from scipy.stats import false_discovery_control, hypergeom

    from attnscope.io import gene_set_membership

    top, measured = top_features(scores, k=k, feature_names=feature_names)
    try:
        membership, names = gene_set_membership(gene_sets, measured, min_size=min_size)
    except DataError:  # no set shares min_size genes with the data
        return []
    m, kk = len(measured), len(top)
    # (n_sets, M) sparse; ``measured`` is in rank order, so the top k are its first columns
    size = np.asarray(membership.getnnz(axis=1), dtype=np.int64)
    in_top = membership[:, :kk].tocsr()
    overlap = np.asarray(in_top.getnnz(axis=1), dtype=np.int64)
    p = np.minimum(hypergeom.sf(overlap - 1, m, size, kk), 1.0)
    fdr = false_discovery_control(p, method="bh")
    rows = [
        {
            "set": str(names[i]),
            "size": int(size[i]),
            "overlap": int(overlap[i]),
            "expected": kk * float(size[i]) / m,
            "p_value": float(p[i]),
            "fdr": float(fdr[i]),
            "adjusted_p": min(1.0, float(p[i]) * len(names)),
            "n_tested": len(names),
            "genes": [
                top[j] for j in np.sort(in_top.indices[in_top.indptr[i] : in_top.indptr[i + 1]])
            ],
        }
        for i in np.argsort(p, kind="stable")
    ]
    return rows
