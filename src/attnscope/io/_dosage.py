"""Genotypes as a table of allele counts, one sample per row.

Two layouts: PLINK's ``--export A`` / ``--recode A`` file (``.raw``: ``FID IID PAT MAT SEX
PHENOTYPE`` then one column per SNP, named ``ID_ALLELE`` after the counted allele; ``NA``
missing), and any CSV/TSV whose first column names the samples and whose other columns
hold 0, 1 or 2 copies of one allele per SNP (R / BGLR-style matrices). Neither layout
says where a SNP lies: chromosomes are ``"0"`` (PLINK's unknown) and positions are the
column order (``meta["position_unit"] = "column"``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import DataError
from attnscope.io._phenotype import _MISSING_TOKENS, code_phenotype, sample_labels
from attnscope.io._seqtable import lines_above_header, need_file, sniff_sep
from attnscope.io._tabular import _unique
from attnscope.io._textio import read_csv

__all__ = ["PLINK_RAW_COLUMNS", "is_plink_raw_header", "read_dosage"]

#: The six columns before the SNPs in PLINK's ``--export A`` output.
PLINK_RAW_COLUMNS = ("FID", "IID", "PAT", "MAT", "SEX", "PHENOTYPE")


def is_plink_raw_header(first_line: str) -> bool:
    """True when a header line starts with the six sample columns of PLINK's ``.raw``."""
    return tuple(first_line.split()[:6]) == PLINK_RAW_COLUMNS


def read_dosage(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    pheno_col: str | None = None,
) -> GenotypeDataset:
    """Read a samples x SNPs table of allele counts (0, 1, 2) into genotypes.

    Parameters
    ----------
    path : path-like
        PLINK ``.raw`` file (``plink2 --export A``) or a CSV/TSV (gzip ok) whose first
        column holds the sample ids and whose other columns are SNPs. Missing calls: an
        empty field, ``NA``, ``NaN``, ``.`` or ``-9``.
    labels : path-like or mapping, optional
        Phenotype file (see :func:`attnscope.io.read_phenotype`) or a mapping sample id ->
        label; samples without a label are dropped with a warning. Default: a ``.raw``
        file's ``PHENOTYPE`` column (1/2 or 0/1 coded, -9 missing), else unlabelled.
    pheno_col : str, optional
        Phenotype column of a ``labels`` file with a header.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (n_samples, n_snps), int8: the counts as written, -1
        missing. Columns named ``ID_ALLELE`` (every ``.raw`` file; elsewhere when each
        suffix is made of A/C/G/T, as BGLR's ``rs3683945_G``) give ``snp_ids`` ``ID`` and
        ``meta["alleles"][:, 0]`` the counted allele (``counted_allele="column suffix"``):
        a new file counting another allele of a SNP is then refused at prediction, as
        for the other genotype readers. Other names are kept whole.

    Raises
    ------
    DataError
        A count other than 0, 1 or 2 (an imputed dosage such as 0.37 included: round it
        to a hard call first), a missing sample id, or repeated sample or SNP names (line,
        sample and SNP named).

    Examples
    --------
    >>> data = read_dosage("cohort.raw")  # plink2 --bfile cohort --export A  # doctest: +SKIP
    >>> data = read_dosage("snps.csv", labels="pheno.csv", pheno_col="coat")  # doctest: +SKIP
    """
    import pandas as pd

    p = need_file(path, "genotype table")
    sep = sniff_sep(p)
    above = lines_above_header(p, sep)  # '#' notes above the header
    try:
        frame = read_csv(
            p,
            sep=sep,
            header=None,  # the header row as written: pandas renames repeated names (.1)
            skiprows=above,
            dtype=str,
            keep_default_na=False,
            **({"engine": "python"} if sep == r"\s+" else {"engine": "c", "low_memory": False}),
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{p}: the table is empty; give a header row and one row per sample."
        ) from exc
    cols = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].set_axis(cols, axis=1)
    plink = tuple(cols[:6]) == PLINK_RAW_COLUMNS
    first_snp = 6 if plink else 1
    if frame.empty or len(cols) <= first_snp:
        raise DataError(f"{p}: no {'sample rows' if frame.empty else 'SNP columns'}; "
                        "expected one row per sample and one column per SNP.")  # fmt: skip
    id_col = 1 if plink else 0
    samples = frame.iloc[:, id_col].str.strip().to_numpy(dtype=str)
    snp_ids = np.asarray(cols[first_snp:], dtype=str)
    blank = np.flatnonzero(samples == "")
    if blank.size:
        raise DataError(
            f"{p}, line {int(blank[0]) + above + 2}: no sample id; give every row an id."
        )
    _unique(samples.tolist(), p, "sample ids")
    _unique(snp_ids.tolist(), p, "SNP ids")
    cells = frame.iloc[:, first_snp:].to_numpy(dtype=str)
    genotypes = _counts(p, cells, samples, snp_ids, above + 2)
    snp_ids, counted = _split_allele(snp_ids, any_suffix=plink)
    codes: np.ndarray | None = None
    class_names: list[str] = []
    if labels is not None:
        codes, class_names, keep = sample_labels(labels, samples, source=str(p), column=pheno_col)
        genotypes, samples = genotypes[keep], samples[keep]
    elif plink:
        pheno = frame["PHENOTYPE"].str.strip().to_numpy(dtype=str)
        if (code_phenotype(pheno, source=f"{p} (PHENOTYPE)")[0] >= 0).any():
            by_sample = dict(zip(samples.tolist(), pheno.tolist(), strict=True))
            codes, class_names, keep = sample_labels(by_sample, samples, source=f"{p} (PHENOTYPE)")
            genotypes, samples = genotypes[keep], samples[keep]
    return GenotypeDataset(
        labels=codes,
        sample_ids=samples,
        class_names=class_names,
        truth=None,
        meta={
            "source": str(p),
            "format": "dosage",
            "position_unit": "column",
            **(
                {"counted_allele": "as written"}
                if counted is None  # the columns do not say which allele they count
                else {
                    "counted_allele": "column suffix",
                    "alleles": np.stack([counted, np.full_like(counted, "")], axis=1),
                }
            ),
        },
        genotypes=genotypes,
        snp_ids=snp_ids,
        chromosomes=np.full(snp_ids.size, "0"),
        positions=np.arange(1, snp_ids.size + 1, dtype=np.int64),
    )


def _split_allele(names: np.ndarray, *, any_suffix: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """SNP ids and counted alleles from ``ID_ALLELE`` column names (``rs12_A`` -> rs12, A).

    PLINK's ``.raw`` always names columns so (``any_suffix``); another table only when every
    suffix is made of A, C, G, T (BGLR's ``rs3683945_G``). Names kept whole (and None)
    when a column has no suffix or two columns would get one id.
    """
    import pandas as pd

    pattern = r"^(.+)_([^_]+)$" if any_suffix else r"^(.+)_([ACGTacgt]+)$"
    parts = pd.Series(names).str.extract(pattern)
    if parts.isna().any().any() or parts[0].duplicated().any():
        return names, None
    return parts[0].to_numpy(dtype=str), parts[1].str.upper().to_numpy(dtype=str)


def _counts(
    path: Path, cells: np.ndarray, samples: np.ndarray, snps: np.ndarray, first: int = 2
) -> np.ndarray:
    """Allele counts (n_samples, n_snps) int8, -1 missing, from the table's text cells
    (the first row on line ``first``)."""
    import pandas as pd

    uniq, inverse = np.unique(np.char.strip(cells), return_inverse=True)
    number = pd.to_numeric(pd.Series(uniq), errors="coerce").to_numpy(dtype=float)
    values = np.full(uniq.size, -2, dtype=np.int8)  # -2: not a count
    for count in (0, 1, 2):
        values[number == count] = count
    values[np.isin(np.char.lower(uniq), [*_MISSING_TOKENS, ""])] = -1
    inverse = inverse.reshape(cells.shape)
    out = values[inverse]
    bad = np.argwhere(out == -2)
    if bad.size:
        r, c = bad[0]
        cell = str(cells[r, c]).strip()
        imputed = float(number[inverse[r, c]])
        hint = (
            "an imputed dosage: round it to a hard call (plink2 --export A with "
            "--hard-call-threshold, or round() in R / pandas)"
            if 0 <= imputed <= 2  # NaN (text) compares False
            else "counts must be 0, 1 or 2 copies of one allele (NA or empty when missing)"
        )
        raise DataError(
            f"{path}, line {r + first}, sample {str(samples[r])!r}, SNP {str(snps[c])!r}: "
            f"{cell!r} is not an allele count; {hint}."
        )
    return out
