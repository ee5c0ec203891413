"""Where top-ranked SNPs fall: known loci, linkage with causal SNPs, locus recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd

from attnscope.errors import DataError

__all__ = ["ld_r2", "locus_recovery", "match_known_loci", "nearest_locus"]


def _chrom_key(chromosomes: object) -> np.ndarray:
    """Chromosome labels comparable across files: no ``chr`` prefix, upper case."""
    arr = np.char.upper(np.asarray(chromosomes).astype(str))
    return np.char.replace(arr, "CHR", "")


def nearest_locus(
    chromosomes: object,
    positions: object,
    locus_chromosomes: object,
    locus_positions: object,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest locus on the same chromosome for every query position.

    Parameters
    ----------
    chromosomes, positions : array-like of shape (n_queries,)
    locus_chromosomes, locus_positions : array-like of shape (n_loci,)

    Returns
    -------
    index : ndarray of shape (n_queries,), int
        Row of the nearest locus, -1 when the chromosome has none.
    distance : ndarray of shape (n_queries,), float
        Absolute distance (position units), ``inf`` when there is no locus.
    """
    qc, qp = _chrom_key(chromosomes), np.asarray(positions, dtype=np.float64)
    lc, lp = _chrom_key(locus_chromosomes), np.asarray(locus_positions, dtype=np.float64)
    if qc.shape != qp.shape or lc.shape != lp.shape:
        raise DataError("chromosomes and positions must have the same length (one per SNP/locus).")
    index = np.full(qp.shape, -1, dtype=np.int64)
    distance = np.full(qp.shape, np.inf)
    for chrom in np.intersect1d(np.unique(qc), np.unique(lc)):  # a loop over chromosomes
        rows = np.flatnonzero(lc == chrom)
        rows = rows[np.argsort(lp[rows], kind="stable")]
        sorted_pos = lp[rows]
        q = np.flatnonzero(qc == chrom)
        right = np.clip(np.searchsorted(sorted_pos, qp[q]), 0, rows.size - 1)
        left = np.clip(right - 1, 0, rows.size - 1)
        d_left, d_right = np.abs(qp[q] - sorted_pos[left]), np.abs(sorted_pos[right] - qp[q])
        pick = np.where(d_left <= d_right, left, right)
        index[q] = rows[pick]
        distance[q] = np.minimum(d_left, d_right)
    return index, distance


def match_known_loci(
    chromosomes: object,
    positions: object,
    known: pd.DataFrame,
    *,
    window: float = 1_000_000,
) -> pd.DataFrame:
    """Match SNPs to the nearest known locus within ``window``.

    Parameters
    ----------
    chromosomes, positions : array-like of shape (n_snps,)
        Chromosome labels (``"1"`` or ``"chr1"`` alike) and positions, in the same build
        and unit as ``known``.
    known : DataFrame
        Columns ``id``, ``chromosome``, ``position`` (as from
        :func:`attnscope.io.read_known_loci`).
    window : float, default 1_000_000
        Largest distance counted as a match (+- window).

    Returns
    -------
    DataFrame of n_snps rows
        ``chromosome``, ``position``, ``nearest_locus`` (id, or None), ``locus_position``,
        ``distance`` (NaN when the chromosome has no known locus) and ``match``
        (distance <= window).
    """
    missing = {"id", "chromosome", "position"} - set(known.columns)
    if missing:
        raise DataError(
            f"the known-loci table lacks columns {sorted(missing)}; it needs id, chromosome, "
            "position (read it with attnscope.io.read_known_loci)."
        )
    if window < 0:
        raise DataError(f"window must be >= 0, got {window}.")
    idx, dist = nearest_locus(chromosomes, positions, known["chromosome"], known["position"])
    found = idx >= 0
    ids = np.where(found, known["id"].to_numpy()[np.maximum(idx, 0)], None)
    loc_pos = np.where(
        found, known["position"].to_numpy(dtype=np.float64)[np.maximum(idx, 0)], np.nan
    )
    return pd.DataFrame(
        {
            "chromosome": np.asarray(chromosomes).astype(str),
            "position": np.asarray(positions),
            "nearest_locus": ids,
            "locus_position": loc_pos,
            "distance": np.where(found, dist, np.nan),
            "match": found & (dist <= window),
        }
    )


def ld_r2(genotypes: np.ndarray, i: object, j: object) -> np.ndarray:
    """Squared Pearson correlation (r^2) between SNP columns ``i[t]`` and ``j[t]``.

    Parameters
    ----------
    genotypes : ndarray of shape (n_samples, n_snps)
        Dosages; negative values are missing and drop the sample for that pair only.
    i, j : array-like of int of shape (n_pairs,)
        Column pairs (e.g. each top SNP and its nearest causal SNP).

    Returns
    -------
    ndarray of shape (n_pairs,)
        NaN where either SNP is constant among the samples called for both.
    """
    ii, jj = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    if ii.shape != jj.shape:
        raise DataError(f"i and j must have the same length, got {ii.shape} and {jj.shape}.")
    a = np.asarray(genotypes)[:, ii].astype(np.float64)
    b = np.asarray(genotypes)[:, jj].astype(np.float64)
    ok = (a >= 0) & (b >= 0)
    n = ok.sum(axis=0)
    a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma, mb = a.sum(0) / n, b.sum(0) / n
        cov = (a * b).sum(0) / n - ma * mb
        va = (a * a).sum(0) / n - ma**2
        vb = (b * b).sum(0) / n - mb**2
        r2 = cov**2 / (va * vb)
    return np.where((va > 1e-12) & (vb > 1e-12), r2, np.nan)


def locus_recovery(
    scores: object,
    chromosomes: object,
    positions: object,
    truth_chromosomes: object,
    truth_positions: object,
    *,
    window: float = 0,
    top: int = 10,
) -> dict[str, float]:
    """Precision and recall of the ``top`` ranked SNPs against causal loci.

    A top SNP is a hit when it lies within ``window`` of a causal SNP on the same
    chromosome; a causal SNP is recovered when a top SNP lies within its window.

    Parameters
    ----------
    scores : array-like of shape (n_snps,)
        Higher = more important (pass ``|attribution|`` or ``-log10 p``). Ties are broken
        by SNP order.
    chromosomes, positions : array-like of shape (n_snps,)
    truth_chromosomes, truth_positions : array-like of shape (n_causal,)
    window : float, default 0
        0 asks for the exact causal SNPs.
    top : int, default 10

    Returns
    -------
    dict
        ``precision``, ``recall``, ``top``, ``window``.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise DataError(f"scores must be a non-empty 1-D array, got shape {s.shape}.")
    if not 1 <= top <= s.size:
        raise DataError(f"top must lie in [1, {s.size}], got {top}.")
    s = np.where(np.isnan(s), -np.inf, s)
    best = np.argsort(-s, kind="stable")[:top]
    chrom, pos = np.asarray(chromosomes)[best], np.asarray(positions)[best]
    _, dist = nearest_locus(chrom, pos, truth_chromosomes, truth_positions)
    precision = float((dist <= window).mean())
    _, back = nearest_locus(truth_chromosomes, truth_positions, chrom, pos)
    recall = float((back <= window).mean()) if back.size else float("nan")
    return {"precision": precision, "recall": recall, "top": int(top), "window": float(window)}
