"""SNP quality control in one streaming pass: per-SNP genotype counts, block by block.

:class:`SnpCounts` accumulates, for every SNP, how many samples carry genotype 0, 1 and 2
(missing calls are whatever is left); those three counts determine every SNP filter of
:func:`attnscope.io.snp_qc_mask` (missingness, monomorphism, minor-allele frequency), so a
cohort on disk is filtered without ever holding its genotype matrix. Feed it the blocks
of :meth:`attnscope.io.PlinkReader.iter_blocks` (any order, any block shape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from attnscope.errors import ConfigError, DataError

if TYPE_CHECKING:
    from attnscope.io._plink import PlinkReader

__all__ = ["SnpCounts", "streaming_snp_qc"]


class SnpCounts:
    """Per-SNP counts of genotypes 0/1/2 and of samples seen, filled block by block.

    Parameters
    ----------
    n_snps : int
        SNPs of the cohort (columns of the full matrix).
    """

    def __init__(self, n_snps: int) -> None:
        self.counts = np.zeros((3, int(n_snps)), dtype=np.int64)
        self.rows = np.zeros(int(n_snps), dtype=np.int64)

    def update(self, block: np.ndarray, snps: slice | np.ndarray | None = None) -> SnpCounts:
        """Add a block of dosages (n_block_samples, n_block_snps), int8, -1 missing.

        ``snps`` names the block's columns in the full matrix (default all SNPs).
        """
        g = np.asarray(block)
        if g.ndim != 2:
            raise DataError(f"a genotype block must be 2-D, got shape {g.shape}.")
        cols = slice(None) if snps is None else snps
        for k in range(3):
            self.counts[k, cols] += (g == k).sum(axis=0, dtype=np.int64)
        self.rows[cols] += g.shape[0]
        return self

    def mask(
        self,
        *,
        maf: float | None = 0.01,
        max_missing: float | None = 0.1,
        drop_monomorphic: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(keep, minor_freq, missing)`` exactly as :func:`attnscope.io.snp_qc_mask`."""
        if maf is not None and not 0.0 <= float(maf) <= 0.5:
            raise ConfigError(f"maf must lie in [0, 0.5], got {maf}.")
        if max_missing is not None and not 0.0 <= float(max_missing) <= 1.0:
            raise ConfigError(f"max_missing must lie in [0, 1], got {max_missing}.")
        if self.rows.size and (self.rows != self.rows[0]).any():
            raise DataError("the blocks did not cover every SNP for every sample once.")
        n = int(self.rows[0]) if self.rows.size else 0
        c0, c1, c2 = self.counts
        n_called = c0 + c1 + c2
        missing = 1.0 - n_called / max(n, 1)
        keep = np.ones(self.rows.size, dtype=bool)
        if max_missing is not None:
            keep &= ~(missing > max_missing)
        if drop_monomorphic:
            classes = (c0 > 0).astype(int) + (c1 > 0) + (c2 > 0)
            keep &= ~((classes <= 1) | (n_called == 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            freq = np.where(n_called > 0, (c1 + 2 * c2) / (2.0 * n_called), np.nan)
        minor = np.minimum(freq, 1.0 - freq)
        if maf is not None:
            keep &= minor >= maf  # NaN (no calls) fails
        return keep, minor, missing


def streaming_snp_qc(
    reader: PlinkReader,
    *,
    maf: float | None = 0.01,
    max_missing: float | None = 0.1,
    drop_monomorphic: bool = True,
    samples: np.ndarray | None = None,
    sample_block: int = 2048,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SNP QC of a PLINK cohort in one pass over sample blocks (see :class:`SnpCounts`).

    Parameters
    ----------
    reader : PlinkReader
        The cohort on disk.
    samples : ndarray of int, optional
        Rows to count (e.g. the training individuals); default all.
    sample_block : int, default 2048
        Samples read at once: memory is sample_block x n_snps bytes.

    Returns
    -------
    keep, minor_freq, missing : ndarray of shape (n_snps,)
    """
    rows = np.arange(reader.n_samples) if samples is None else np.asarray(samples)
    acc = SnpCounts(reader.n_snps)
    for lo in range(0, rows.size, int(sample_block)):
        acc.update(reader.read_block(rows[lo : lo + int(sample_block)]))
    return acc.mask(maf=maf, max_missing=max_missing, drop_monomorphic=drop_monomorphic)
