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

    Parameters
    ----------
    gene_sets : dict of str -> sequence of str
        E.g. read from a GMT file; each set is restricted to the measured genes.
    min_size : int, default 3
        Sets with fewer measured genes are skipped.

    Returns
    -------
    list of dict
        One per tested set, sorted by p: ``set``, ``size`` (measured), ``overlap``,
        ``expected``, ``p_value``, ``fdr`` (Benjamini-Hochberg), ``adjusted_p``
        (Bonferroni: ``min(1, p * n_tested)`` over the sets tested), ``n_tested``,
        ``genes``.
    """
    from scipy.stats import false_discovery_control

    top, measured = top_features(scores, k=k, feature_names=feature_names)
    measured_set = set(measured)
    m, kk = len(measured), len(top)
    rows: list[dict[str, Any]] = []
    for name, members in gene_sets.items():
        inside = {str(g) for g in members} & measured_set
        if len(inside) < min_size:
            continue
        hits = [g for g in top if g in inside]
        rows.append(
            {
                "set": str(name),
                "size": len(inside),
                "overlap": len(hits),
                "expected": kk * len(inside) / m,
                "p_value": _hypergeom_p(len(hits), m, len(inside), kk),
                "genes": hits,
            }
        )
    if rows:
        fdr = false_discovery_control(np.array([r["p_value"] for r in rows]), method="bh")
        for r, q in zip(rows, fdr):
            r["fdr"] = float(q)
            r["adjusted_p"] = min(1.0, float(r["p_value"]) * len(rows))
            r["n_tested"] = len(rows)
    return sorted(rows, key=lambda r: r["p_value"])
