"""HapMap genotype tables (``.hmp.txt``), the layout of GAPIT and TASSEL.

Eleven fixed columns (``rs#``, ``alleles``, ``chrom``, ``pos``, ``strand``, ``assembly#``,
``center``, ``protLSID``, ``assayLSID``, ``panelLSID``, ``QCcode``), then one column per
sample; one SNP per row. Calls are two letters (``AA``, ``AG``) or one IUPAC letter
(``A`` = AA, ``R`` = AG, ``Y`` = CT, ``S`` = CG, ``W`` = AT, ``K`` = GT, ``M`` = AC);
``N``, ``NN``, ``--``, ``00`` and ``?`` are missing. Dosage = copies of the SNP's minor
allele (the less frequent of the two alleles seen; the second of ``alleles`` on a tie).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import DataError
from attnscope.io._phenotype import sample_labels

__all__ = ["HAPMAP_COLUMNS", "read_hapmap"]

#: The eleven fixed columns before the samples.
HAPMAP_COLUMNS = (
    "rs#",
    "alleles",
    "chrom",
    "pos",
    "strand",
    "assembly#",
    "center",
    "protLSID",
    "assayLSID",
    "panelLSID",
    "QCcode",
)
_IUPAC = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC"}
_MISSING = {"N", "NN", "--", "00", "?", "??", ""}


def _pair(call: str) -> str | None:
    """Two allele letters of one call, '' when missing, None when not a call."""
    c = call.strip().upper()
    if c in _MISSING:
        return ""
    if len(c) == 1:
        if c in _IUPAC:
            return _IUPAC[c]
        return c + c if c in "ACGT+-" else None
    if len(c) == 2 and all(ch in "ACGT+-" for ch in c):
        return c
    if len(c) == 3 and c[1] in "/|" and c[0] in "ACGT+-" and c[2] in "ACGT+-":
        return c[0] + c[2]
    return None


def is_hapmap_header(first_line: str) -> bool:
    """True when a header line starts with HapMap's fixed columns."""
    fields = first_line.strip().split("\t") if "\t" in first_line else first_line.split()
    return [f.lower() for f in fields[:4]] == ["rs#", "alleles", "chrom", "pos"]


def read_hapmap(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    pheno_col: str | None = None,
) -> GenotypeDataset:
    """Read a HapMap genotype table into minor-allele dosages.

    Parameters
    ----------
    path : path-like
        ``.hmp.txt`` file (tab separated, gzip ok).
    labels : path-like or mapping, optional
        Phenotype file (see :func:`attnscope.io.read_phenotype`) or a mapping sample id ->
        label, as for :func:`attnscope.io.read_vcf`; samples without a label are dropped
        with a warning. Default: unlabelled.
    pheno_col : str, optional
        Phenotype column of a ``labels`` file with a header.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (n_samples, n_snps): 0/1/2 copies of the minor allele,
        -1 missing; ``meta["alleles"]`` of shape (n_snps, 2) holds (minor, major).

    Raises
    ------
    DataError
        Not the HapMap header, a call that is not a genotype, or a SNP with more than two
        alleles (line and sample named).

    Examples
    --------
    >>> data = read_hapmap("mdp_genotype.hmp.txt", labels="phenotype.tsv")  # doctest: +SKIP
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: HapMap file not found.")
    frame = pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False, comment=None)
    cols = list(frame.columns)
    if len(cols) < 12 or not is_hapmap_header("\t".join(cols)):
        raise DataError(
            f"{p}, line 1: not a HapMap header; expected the 11 columns "
            f"{' '.join(HAPMAP_COLUMNS)} then one column per sample."
        )
    if frame.empty:
        raise DataError(f"{p}: no SNP rows after the header.")
    samples = np.asarray(cols[11:], dtype=str)
    calls = frame.iloc[:, 11:].to_numpy(dtype=str)  # (n_snps, n_samples)
    uniq, inverse = np.unique(calls, return_inverse=True)
    inverse = inverse.reshape(calls.shape)
    first = np.empty(uniq.size, dtype="<U1")
    second = np.empty(uniq.size, dtype="<U1")
    for u, call in enumerate(uniq.tolist()):
        pair = _pair(call)
        if pair is None:
            r, c = np.argwhere(inverse == u)[0]
            raise DataError(
                f"{p}, line {r + 2}, sample {str(samples[c])!r}: {call!r} is not a genotype call; "
                "expected two letters (AA, AG), one IUPAC letter (A, R, Y, ...) or NN."
            )
        first[u], second[u] = (pair[0], pair[1]) if pair else ("", "")
    a1, a2 = first[inverse], second[inverse]  # (n_snps, n_samples)
    missing = a1 == ""
    listed = frame["alleles"].str.upper().str.split("/")
    allele_a = np.array([x[0] if x and x[0] else "" for x in listed], dtype="<U1")
    allele_b = np.array([x[1] if len(x) > 1 else "" for x in listed], dtype="<U1")
    # alleles column absent or '-': take the letters seen in the calls
    for i in np.flatnonzero((allele_a == "") | (allele_b == "")):
        seen = sorted(set(a1[i][~missing[i]].tolist()) | set(a2[i][~missing[i]].tolist()))
        padded = [*seen, "", ""]
        allele_a[i], allele_b[i] = padded[0], padded[1]
    known = (a1 == allele_a[:, None]) | (a1 == allele_b[:, None])
    known &= (a2 == allele_a[:, None]) | (a2 == allele_b[:, None])
    bad = ~missing & ~known
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"{p}, line {r + 2}, sample {str(samples[c])!r}: call {str(calls[r, c])!r} is not one "
            "of "
            f"the alleles {allele_a[r]}/{allele_b[r]} of {frame.iat[r, 0]}; attnscope reads "
            "bi-allelic SNPs: filter the others (e.g. TASSEL's site filter)."
        )
    count_a = (a1 == allele_a[:, None]).astype(np.int8) + (a2 == allele_a[:, None])
    count_b = (a1 == allele_b[:, None]).astype(np.int8) + (a2 == allele_b[:, None])
    total_a = np.where(missing, 0, count_a).sum(axis=1)
    total_b = np.where(missing, 0, count_b).sum(axis=1)
    a_minor = total_a < total_b
    dosage = np.where(a_minor[:, None], count_a, count_b).astype(np.int8)
    dosage[missing] = -1
    minor = np.where(a_minor, allele_a, allele_b)
    major = np.where(a_minor, allele_b, allele_a)
    snp_ids = frame.iloc[:, 0].to_numpy(dtype=str)
    try:
        positions = frame["pos"].astype(np.int64).to_numpy()
    except ValueError as exc:
        raise DataError(f"{p}: column 'pos' holds a value that is not an integer.") from exc
    genotypes = dosage.T.copy()
    codes: np.ndarray | None = None
    class_names: list[str] = []
    if labels is not None:
        codes, class_names, keep = sample_labels(labels, samples, source=str(p), column=pheno_col)
        genotypes, samples = genotypes[keep], samples[keep]
    return GenotypeDataset(
        labels=codes,
        sample_ids=samples,
        class_names=class_names,
        truth=None,
        meta={
            "source": str(p),
            "format": "hapmap",
            "counted_allele": "minor",
            "position_unit": "bp",
            "alleles": np.stack([minor, major], axis=1).astype(str),
        },
        genotypes=genotypes,
        snp_ids=snp_ids,
        chromosomes=frame["chrom"].to_numpy(dtype=str),
        positions=positions,
    )
