"""A genotype matrix left on disk: rows and columns are selected without reading anything.

:class:`LazyGenotypes` stands in for the ``genotypes`` array of a
:class:`~attnscope.data.GenotypeDataset` whose cohort does not fit in memory (see
``attnscope.io.read_plink(lazy=True)``). Indexing it (``subset``, ``select_snps``, the
train/validation split) composes index arrays; only :meth:`LazyGenotypes.read`,
:meth:`LazyGenotypes.iter_row_blocks` and ``np.asarray`` read genotypes, and ``np.asarray``
refuses a view larger than the memory budget (:func:`attnscope._utils.memory.memory_budget`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from attnscope._utils.memory import check_memory
from attnscope.errors import DataError

__all__ = ["BlockReader", "LazyGenotypes"]


class BlockReader(Protocol):
    """What :class:`LazyGenotypes` reads from (e.g. :class:`attnscope.io.PlinkReader`)."""

    @property
    def n_samples(self) -> int:
        """Rows of the full matrix."""
        ...

    @property
    def n_snps(self) -> int:
        """Columns of the full matrix."""
        ...

    def read_block(self, samples: Any = None, snps: Any = None) -> np.ndarray:
        """int8 dosages (-1 missing) of the given rows and columns (index arrays)."""
        ...


class LazyGenotypes:
    """Read-only view of rows x columns of an on-disk genotype matrix.

    Parameters
    ----------
    reader : BlockReader
        Reads any block of the full matrix (int8 dosages, -1 missing).
    rows, cols : ndarray of int, optional
        Rows and columns of the full matrix this view holds, in order; default all.
    source : str, optional
        The file, for messages.
    """

    ndim = 2
    dtype = np.dtype(np.int8)

    def __init__(
        self,
        reader: BlockReader,
        rows: np.ndarray | None = None,
        cols: np.ndarray | None = None,
        *,
        source: str = "the genotype file",
    ) -> None:
        self.reader = reader
        self.rows = np.arange(reader.n_samples) if rows is None else np.asarray(rows, np.intp)
        self.cols = np.arange(reader.n_snps) if cols is None else np.asarray(cols, np.intp)
        self.source = source

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)`` of the view."""
        return (int(self.rows.size), int(self.cols.size))

    @property
    def size(self) -> int:
        """Number of genotypes in the view (bytes once read)."""
        return self.shape[0] * self.shape[1]

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> LazyGenotypes:
        """A sub-view: ``view[rows]`` or ``view[rows, cols]`` (slices, indices or masks)."""
        rkey, ckey = key if isinstance(key, tuple) else (key, slice(None))
        for k in (rkey, ckey):
            if isinstance(k, (int, np.integer)):
                raise TypeError("index a LazyGenotypes with arrays or slices (it stays 2-D).")
        return LazyGenotypes(
            self.reader,
            self.rows[_index(rkey)],
            self.cols[_index(ckey)],
            source=self.source,
        )

    def read(
        self, rows: np.ndarray | slice | None = None, cols: np.ndarray | slice | None = None
    ) -> np.ndarray:
        """Genotypes of ``rows`` x ``cols`` (positions in this view; default all), int8.

        Rows may come in any order and repeat; the file is read once, in file order.
        A PLINK .bed is SNP-major: a block of all rows and consecutive columns is one
        contiguous read, a block of rows reads every SNP's record.
        """
        sel = self.rows if rows is None else self.rows[_index(rows)]
        csel = self.cols if cols is None else self.cols[_index(cols)]
        if sel.size == 0:
            return np.zeros((0, csel.size), np.int8)
        uniq, inverse = np.unique(sel, return_inverse=True)
        block = self.reader.read_block(uniq, csel)
        return block if uniq.size == sel.size and (np.diff(sel) > 0).all() else block[inverse]

    def iter_row_blocks(self, block_rows: int) -> Iterator[tuple[slice, np.ndarray]]:
        """``(rows, genotypes)`` for consecutive blocks of ``block_rows`` rows of the view."""
        if block_rows < 1:
            raise DataError(f"block_rows must be positive, got {block_rows}.")
        for lo in range(0, self.shape[0], int(block_rows)):
            sl = slice(lo, min(lo + int(block_rows), self.shape[0]))
            yield sl, self.read(sl)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        check_memory(
            self.size,
            what=f"{self.source}: loading {self.shape[0]} samples x {self.shape[1]} SNPs",
            fix="stream the cohort (HEMERA trains from disk: read_plink(lazy=True) / fit "
            "--stream) or select fewer samples or SNPs",
        )
        out = self.read()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"LazyGenotypes({self.source!r}, shape={self.shape})"


def _index(key: Any) -> Any:
    if isinstance(key, slice):
        return key
    arr = np.asarray(key)
    if arr.dtype == bool:
        return np.flatnonzero(arr)
    return arr.astype(np.intp)
