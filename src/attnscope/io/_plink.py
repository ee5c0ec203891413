"""PLINK 1 binary genotypes (.bed/.bim/.fam) through bed-reader, in blocks.

Dosages count the **A1 allele** (column 5 of the .bim; PLINK puts the minor allele there by
default), as PLINK's ``--recode A`` does: 0, 1 or 2 copies of A1, and -1 for a missing call.

The three files are checked before bed-reader touches the genotypes: the .fam and .bim
must have 6 fields per line, the .bed must start with the SNP-major magic number
``0x6c 0x1b 0x01`` and be exactly ``3 + n_snps * ceil(n_samples / 4)`` bytes long, where
``n_samples`` and ``n_snps`` are the .fam and .bim line counts.

:class:`PlinkReader` reads any block of samples x SNPs from disk without loading the rest,
and :meth:`PlinkReader.iter_blocks` streams a cohort larger than memory.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import AttnscopeWarning, ConfigError, DataError, UnlabelledSamplesError
from attnscope.io._phenotype import code_phenotype, read_phenotype
from attnscope.io._plink_files import (
    _BIM_COLS,
    _FAM_COLS,
    _check_bed,
    _prefix_paths,
    _read_table,
    write_plink,
)

__all__ = ["GenotypeBlock", "PlinkReader", "read_plink", "write_plink"]

#: Samples or SNPs to read: a slice, positions, ids, or None (all).
Index = slice | np.ndarray | list[int] | list[str] | None


class GenotypeBlock(NamedTuple):
    """One block yielded by :meth:`PlinkReader.iter_blocks`.

    ``genotypes`` has shape (len(samples), len(snps)), int8, -1 = missing.
    """

    samples: slice
    snps: slice
    genotypes: np.ndarray


class PlinkReader:
    """Block reader of a PLINK .bed/.bim/.fam data set.

    Parameters
    ----------
    prefix : path-like
        Path without extension (``data/cohort`` for ``data/cohort.bed``); a path ending in
        ``.bed``, ``.bim`` or ``.fam`` is accepted too.

    Attributes
    ----------
    fam : pandas.DataFrame
        The .fam columns ``fid iid father mother sex pheno`` (strings).
    bim : pandas.DataFrame
        The .bim columns ``chromosome snp cm bp a1 a2`` (strings).

    Examples
    --------
    >>> reader = PlinkReader("cohort")  # doctest: +SKIP
    >>> for block in reader.iter_blocks(sample_block=256, snp_block=None):  # doctest: +SKIP
    ...     train_step(block.genotypes)
    """

    def __init__(self, prefix: str | os.PathLike[str]) -> None:
        import pandas as pd

        self.bed_path, self.bim_path, self.fam_path = _prefix_paths(prefix)
        self.fam = _read_table(self.fam_path, _FAM_COLS, "sample")
        self.bim = _read_table(self.bim_path, _BIM_COLS, "SNP")
        _check_bed(self.bed_path, len(self.fam), len(self.bim), self.fam_path, self.bim_path)
        bp = np.asarray(self.bim["bp"].to_numpy(), dtype=str)
        try:
            self._positions = bp.astype(np.int64)
        except ValueError as exc:
            bad = next(k for k, v in enumerate(bp) if not v.lstrip("-").isdigit())
            raise DataError(
                f"{self.bim_path}: line {bad + 1} has base-pair position {str(bp[bad])!r}; "
                "expected an integer in column 4."
            ) from exc
        cm = pd.to_numeric(self.bim["cm"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(cm).all():
            bad = int(np.argmax(~np.isfinite(cm)))
            raise DataError(
                f"{self.bim_path}: line {bad + 1} has genetic position "
                f"{self.bim['cm'].iloc[bad]!r}; expected a number (centimorgans, 0 if unknown) "
                "in column 3."
            )
        iid = self.fam["iid"].to_numpy().astype(str)
        if np.unique(iid).size != iid.size:
            iid = (self.fam["fid"] + "_" + self.fam["iid"]).to_numpy().astype(str)
            again = np.asarray(pd.Index(iid).duplicated())
            if again.any():
                line = int(np.argmax(again))
                raise DataError(
                    f"{self.fam_path}, line {line + 1}: family {self.fam['fid'].iloc[line]!r} "
                    f"and individual {self.fam['iid'].iloc[line]!r} repeat an earlier line "
                    f"({int(again.sum())} repeated); each sample needs its own FID/IID pair."
                )
        self._sample_ids = iid
        self._snp_ids = self.bim["snp"].to_numpy().astype(str)
        repeated = self.bim["snp"].duplicated().to_numpy()
        if repeated.any():
            line = int(np.argmax(repeated))
            snp = str(self._snp_ids[line])
            first = int(np.argmax(self._snp_ids == snp))
            raise DataError(
                f"{self.bim_path}, line {line + 1}: SNP id {snp!r} repeats line {first + 1} "
                f"({int(repeated.sum())} repeated ids); SNP ids must be unique: rename them "
                "(e.g. plink2 --set-all-var-ids @:#:$r:$a) or drop the duplicates."
            )
        self._chromosomes = self.bim["chromosome"].to_numpy().astype(str)

    @property
    def n_samples(self) -> int:
        """Number of samples (lines of the .fam)."""
        return len(self.fam)

    @property
    def n_snps(self) -> int:
        """Number of SNPs (lines of the .bim)."""
        return len(self.bim)

    @property
    def sample_ids(self) -> np.ndarray:
        """Sample ids, shape (n_samples,): the IID, or ``FID_IID`` when IIDs repeat."""
        return self._sample_ids

    @property
    def snp_ids(self) -> np.ndarray:
        """SNP ids from the .bim, shape (n_snps,)."""
        return self._snp_ids

    @property
    def chromosomes(self) -> np.ndarray:
        """Chromosome of each SNP, shape (n_snps,), str."""
        return self._chromosomes

    @property
    def positions(self) -> np.ndarray:
        """Base-pair position of each SNP, shape (n_snps,), int64."""
        return self._positions

    def _resolve(self, index: Index, ids: np.ndarray, what: str) -> slice | np.ndarray:
        if index is None:
            return slice(None)
        if isinstance(index, slice):
            return index
        arr = np.asarray(index)
        if arr.dtype.kind in "US":
            pos = {v: k for k, v in enumerate(ids.tolist())}
            missing = [v for v in arr.astype(str).tolist() if v not in pos]
            if missing:
                raise DataError(
                    f"{self.bed_path}: {what} ids {missing[:3]} are not in the data set; "
                    f"ids look like {ids[:3].tolist()}."
                )
            return np.fromiter((pos[v] for v in arr.astype(str).tolist()), np.intp, arr.size)
        if arr.dtype == bool:
            if arr.shape != ids.shape:
                raise DataError(
                    f"a boolean {what} mask must have {ids.size} entries, got {arr.shape}."
                )
            return np.flatnonzero(arr)
        if arr.dtype.kind not in "iu":
            raise DataError(f"{what} must be a slice, indices, a boolean mask or ids.")
        arr = arr.astype(np.intp).ravel()
        if arr.size and (arr.min() < -ids.size or arr.max() >= ids.size):
            raise DataError(
                f"{what} index out of range: there are {ids.size} {what}s, "
                f"got indices {arr.min()}..{arr.max()}."
            )
        return np.where(arr < 0, arr + ids.size, arr)

    def read_block(self, samples: Index = None, snps: Index = None) -> np.ndarray:
        """Read one block of genotypes from disk.

        Parameters
        ----------
        samples, snps : slice, int indices, bool mask or ids, optional
            Which samples (rows) and SNPs (columns); default all.

        Returns
        -------
        ndarray of shape (n_selected_samples, n_selected_snps), int8
            Copies of the A1 allele (0, 1, 2); -1 = missing.
        """
        from bed_reader import open_bed

        rows = self._resolve(samples, self._sample_ids, "sample")
        cols = self._resolve(snps, self.snp_ids, "SNP")
        with open_bed(
            self.bed_path,
            iid_count=self.n_samples,
            sid_count=self.n_snps,
            count_A1=True,
        ) as bed:
            out = bed.read(index=np.s_[rows, cols], dtype="int8", order="C")
        out[out == -127] = -1
        return out

    def iter_blocks(
        self,
        *,
        snp_block: int | None = 10_000,
        sample_block: int | None = None,
    ) -> Iterator[GenotypeBlock]:
        """Stream the genotypes in blocks, sample blocks outer, SNP blocks inner.

        Parameters
        ----------
        snp_block : int or None, default 10000
            SNPs per block; None = all SNPs.
        sample_block : int or None, default None
            Samples per block; None = all samples.

        Yields
        ------
        GenotypeBlock
            ``(samples, snps, genotypes)``: the two slices and an int8 array of shape
            (len(samples), len(snps)).
        """
        sb = self.n_samples if sample_block is None else int(sample_block)
        mb = self.n_snps if snp_block is None else int(snp_block)
        if sb <= 0 or mb <= 0:
            raise DataError(f"block sizes must be positive, got {sample_block}, {snp_block}.")
        for i in range(0, self.n_samples, sb):
            rows = slice(i, min(i + sb, self.n_samples))
            for j in range(0, self.n_snps, mb):
                cols = slice(j, min(j + mb, self.n_snps))
                yield GenotypeBlock(rows, cols, self.read_block(rows, cols))

    def __repr__(self) -> str:
        return (
            f"PlinkReader({str(self.bed_path)!r}, n_samples={self.n_samples}, n_snps={self.n_snps})"
        )


def read_plink(
    prefix: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | None = None,
    pheno_col: str | None = None,
    samples: Index = None,
    snps: Index = None,
    pheno: str | os.PathLike[str] | None = None,
    lazy: bool | str = "auto",
) -> GenotypeDataset:
    """Read PLINK genotypes (and a binary phenotype) into a GenotypeDataset.

    Parameters
    ----------
    prefix : path-like
        PLINK prefix (``cohort`` for ``cohort.bed/.bim/.fam``).
    labels : path-like, optional
        Separate phenotype file (``FID IID value``, ``id value`` or a header with an id
        column and ``pheno_col``; see :func:`attnscope.io.read_phenotype`); the same
        keyword as :func:`attnscope.io.read_vcf`. Default: the .fam's sixth column,
        1 = control, 2 = case, -9 or 0 = missing.
    pheno_col : str, optional
        Phenotype column of a ``labels`` file with a header.
    samples, snps : slice, indices, bool mask or ids, optional
        Read only these samples / SNPs (only that block is read from disk).
    pheno : path-like, optional
        Deprecated alias of ``labels`` (kept for old scripts; warns).
    lazy : bool or "auto", default "auto"
        True leaves the genotypes on disk: ``genotypes`` is a
        :class:`~attnscope.data.LazyGenotypes` view read block by block (HEMERA trains
        from it without loading the cohort). "auto" is lazy when the matrix and one copy of
        it (HEMERA's tokens) would exceed the memory budget
        (:func:`attnscope._utils.memory.memory_budget`); False always loads it.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (n_samples, n_snps), int8 copies of A1, -1 missing.
        Samples whose phenotype is missing are dropped with an AttnscopeWarning; when no
        sample has a phenotype the data set is unlabelled (``labels=None``).
        ``meta`` holds ``alleles`` (n_snps, 2: A1, A2), ``cm_positions``,
        ``counted_allele="A1"`` and ``position_unit="bp"``.
    """
    if pheno is not None:
        if labels is not None:
            raise ConfigError("give labels= (the phenotype file), not both labels= and pheno=.")
        warnings.warn(
            "read_plink(pheno=) is deprecated; use labels= (as read_vcf does).",
            FutureWarning,
            stacklevel=2,
        )
        labels = pheno
    pheno_file = labels
    reader = PlinkReader(prefix)
    rows = reader._resolve(samples, reader.sample_ids, "sample")
    row_idx = np.arange(reader.n_samples)[rows]
    col_idx = np.arange(reader.n_snps)[reader._resolve(snps, reader.snp_ids, "SNP")]
    if pheno_file is not None:
        codes, class_names = read_phenotype(
            pheno_file, column=pheno_col, sample_ids=reader.sample_ids
        )
        source = str(pheno_file)
    else:
        codes, class_names = code_phenotype(
            reader.fam["pheno"].to_numpy(), source=f"{reader.fam_path} (column 6)"
        )
        source = str(reader.fam_path)
    kept: np.ndarray | None = None
    if (codes[row_idx] >= 0).any():
        known = codes[row_idx] >= 0
        if not known.all():
            dropped = reader.sample_ids[row_idx[~known]]
            warnings.warn(
                f"{source}: {int((~known).sum())} samples without a phenotype were dropped "
                f"(first: {dropped[:3].tolist()}).",
                AttnscopeWarning,
                stacklevel=2,
            )
            row_idx = row_idx[known]
        kept = codes[row_idx]
    elif pheno_file is not None:
        raise UnlabelledSamplesError(
            f"{pheno_file}: none of the selected samples has a phenotype; check the sample ids."
        )
    else:
        class_names = []
    if lazy not in (True, False, "auto"):
        raise ConfigError(f"lazy must be True, False or 'auto', got {lazy!r}.")
    if lazy == "auto":
        from attnscope._utils.memory import memory_budget

        lazy = 2 * row_idx.size * col_idx.size > memory_budget()
    genotypes: Any
    if lazy:
        from attnscope.data import LazyGenotypes

        genotypes = LazyGenotypes(reader, row_idx, col_idx, source=str(reader.bed_path))
    else:
        genotypes = reader.read_block(row_idx, col_idx)
    hint = None
    if labels is None and pheno is None:
        hint = (
            f"every phenotype in {reader.fam_path} (column 6) is missing (-9 or 0); give a "
            "phenotype file with --pheno (pheno=), or set column 6 to 1 (control) / 2 (case)"
        )
    bim = reader.bim.iloc[col_idx]
    meta: dict[str, Any] = {
        "source": str(reader.bed_path.with_suffix("")),
        "format": "plink",
        "counted_allele": "A1",
        "position_unit": "bp",
        "alleles": bim[["a1", "a2"]].to_numpy().astype(str),
        "cm_positions": bim["cm"].astype(float).to_numpy(),
    }
    if hint is not None:
        meta["label_hint"] = hint
    return GenotypeDataset(
        labels=kept,
        sample_ids=reader.sample_ids[row_idx],
        class_names=class_names,
        truth=None,
        meta=meta,
        genotypes=genotypes,
        snp_ids=reader.snp_ids[col_idx],
        chromosomes=reader.chromosomes[col_idx],
        positions=reader.positions[col_idx],
    )
