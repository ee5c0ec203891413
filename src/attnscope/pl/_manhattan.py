"""Manhattan-style plot of per-SNP attributions (or association statistics)."""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.errors import DataError

__all__ = ["manhattan"]


def _chrom_order(labels: np.ndarray) -> np.ndarray:
    """Unique chromosome labels, numbers first in numeric order, then the rest."""
    uniq = np.unique(labels)
    stripped = np.char.replace(np.char.lower(uniq.astype(str)), "chr", "")
    numeric = np.char.isdigit(stripped)
    num = np.where(numeric, np.char.zfill(stripped, 4), "9999" + stripped)
    return uniq[np.argsort(num, kind="stable")]


def _index_in(order: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of each value in ``order`` (-1 when absent), vectorised."""
    sorter = np.argsort(order)
    pos = np.clip(np.searchsorted(order, values, sorter=sorter), 0, order.size - 1)
    idx = sorter[pos]
    return np.where(order[idx] == values, idx, -1)


def _snp_arrays(
    scores: Any, chromosomes: Any, positions: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores (float), chromosome labels (str) and positions (float), checked 1-D of one length."""
    y = np.asarray(scores, dtype=np.float64)
    chrom = np.asarray(chromosomes).astype(str)
    pos = np.asarray(positions, dtype=np.float64)
    if not y.shape == chrom.shape == pos.shape or y.ndim != 1:
        raise DataError(
            f"scores, chromosomes and positions must be 1-D of one length; got {y.shape}, "
            f"{chrom.shape}, {pos.shape}."
        )
    return y, chrom, pos


def _genome_x(
    chrom: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Chromosomes side by side: their order, each SNP's chromosome rank, each chromosome's
    span and start, and each SNP's x position."""
    order = _chrom_order(chrom)
    rank = _index_in(order, chrom)
    span = np.zeros(order.size)
    np.maximum.at(span, rank, pos)
    offset = np.concatenate([[0.0], np.cumsum(span * 1.02)[:-1]])
    return order, rank, span, offset, offset[rank] + pos


def manhattan(
    scores: Any,
    chromosomes: Any,
    positions: Any,
    *,
    known_chromosomes: Any = None,
    known_positions: Any = None,
    highlight: Any = None,
    ax: Any = None,
    ylabel: str = "attribution",
    colors: tuple[str, str] = ("#1f4e79", "#7aa6d6"),
    s: float = 6.0,
) -> Any:
    """Scores against genome position, chromosomes side by side.

    Parameters
    ----------
    scores : array-like of shape (n_snps,)
        Per-SNP values (signed attributions, or ``-log10 p``).
    chromosomes, positions : array-like of shape (n_snps,)
    known_chromosomes, known_positions : array-like of shape (n_loci,), optional
        Known loci, drawn as dashed vertical lines (loci on chromosomes absent from the
        SNPs are skipped).
    highlight : array-like of int or bool mask, optional
        SNPs drawn in red (e.g. the top-50 per chromosome).
    ax : matplotlib Axes, optional
    ylabel : str, default "attribution"
    colors : pair of str
        Alternating chromosome colours.
    s : float, default 6
        Marker size.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    y, chrom, pos = _snp_arrays(scores, chromosomes, positions)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3))
    order, rank, span, offset, x = _genome_x(chrom, pos)
    ax.scatter(x, y, c=np.asarray(colors)[rank % 2], s=s, linewidths=0, rasterized=True)
    if highlight is not None:
        h = np.asarray(highlight)
        h = np.flatnonzero(h) if h.dtype == bool else h.astype(np.int64)
        ax.scatter(x[h], y[h], c="#c0392b", s=s * 2, linewidths=0, label="top SNPs")
    if known_chromosomes is not None and known_positions is not None:
        kc = np.char.replace(np.asarray(known_chromosomes).astype(str), "chr", "")
        krank = _index_in(np.char.replace(order.astype(str), "chr", ""), kc)
        kp = np.asarray(known_positions, dtype=np.float64)
        for xi in (offset[krank[krank >= 0]] + kp[krank >= 0]).tolist():
            ax.axvline(xi, color="0.4", lw=0.6, ls="--", zorder=0)
    ax.set_xticks(offset + span / 2)
    ax.set_xticklabels(np.char.replace(order.astype(str), "chr", ""), fontsize=7)
    ax.set_xlim(0, float(offset[-1] + span[-1]))
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("chromosome")
    ax.set_ylabel(ylabel)
    return ax
