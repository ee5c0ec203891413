"""HEMERA on a cohort left on disk: streaming QC counts and tokens read by blocks.

A :class:`~attnscope.data.GenotypeDataset` whose ``genotypes`` is a
:class:`~attnscope.data.LazyGenotypes` (``read_plink(lazy=True)``) never holds its matrix:
:func:`streaming_counts` counts genotypes per SNP in one pass over blocks of individuals
(QC and the MEAN-token frequencies come from those counts), and :func:`token_stream` gives
the fit loop a :class:`~attnscope.train.RowStream` of uint8 tokens over the kept SNPs.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from attnscope.data import LazyGenotypes
from attnscope.io import SnpCounts
from attnscope.models.hemera import uint8_tokens
from attnscope.train import RowStream

__all__ = ["streaming_counts", "token_stream"]


def _block_rows(chunk_mb: float, n_snps: int) -> int:
    return max(int(float(chunk_mb) * 2**20) // max(int(n_snps), 1), 1)


def streaming_counts(genotypes: LazyGenotypes, chunk_mb: float) -> SnpCounts:
    """Per-SNP counts of genotypes 0/1/2 over all rows of ``genotypes``, in one pass.

    Blocks are every row of the view x consecutive SNPs, so a SNP-major .bed is read once,
    in file order.

    Parameters
    ----------
    genotypes : LazyGenotypes of shape (n, m)
    chunk_mb : float
        Megabytes of genotypes read at once.
    """
    n, m = genotypes.shape
    counts = SnpCounts(m)
    step = _block_rows(chunk_mb, n)  # columns per block
    for lo in range(0, m, step):
        cols = slice(lo, min(lo + step, m))
        counts.update(genotypes.read(cols=cols), cols)
    return counts


class _TokenReader:
    """``read(rows)``: uint8 tokens of rows of a LazyGenotypes view (picklable)."""

    def __init__(self, genotypes: LazyGenotypes) -> None:
        self.genotypes = genotypes

    def __call__(self, rows: np.ndarray) -> Tensor:
        return uint8_tokens(self.genotypes.read(rows))


def token_stream(
    genotypes: LazyGenotypes, chunk_mb: float, batch_size: int, workers: int
) -> RowStream:
    """Tokens (n, m) of ``genotypes`` read on demand, ``chunk_mb`` megabytes per block."""
    rows = max(_block_rows(chunk_mb, genotypes.shape[1]), int(batch_size))
    return RowStream(_TokenReader(genotypes), genotypes.shape[0], chunk_rows=rows, workers=workers)
