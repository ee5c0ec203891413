"""Genotypes (GT) from a small VCF file, plain or gzip-compressed.

Dosage = number of non-reference alleles in GT: ``0/0`` -> 0, ``0|1`` -> 1, ``1/1`` -> 2,
``1/2`` (multi-allelic) -> 2. A haploid call (a male's chrX, chrY or mitochondria) is read
as homozygous, as PLINK 1.9 and plink2 import it: ``0`` -> 0, ``1`` -> 2, so that one
genotype matrix holds 0/1/2 dosages and a VCF reads as its ``plink --vcf`` conversion. A
call of three or more alleles (``0/1/1``, polyploid) is refused naming its line and sample:
capped at 2 it would read as ``1/1``. A call with any missing allele (``./.``, ``.``,
``0/.``) is -1. Phased (``|``) and unphased (``/``) calls are read alike. The whole file is
held in memory: for large cohorts convert to PLINK and use
:class:`attnscope.io.PlinkReader`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import DataError
from attnscope.io._phenotype import sample_labels

__all__ = ["read_vcf"]

_GT_FIRST = re.compile(r"\t([^\t:]*)")
_ALLELE_SPLIT = re.compile(r"[/|]")


#: :func:`_decode_gt` of a call with more than two alleles (refused by :func:`read_vcf`).
_POLYPLOID = -2


def _decode_gt(gt: str) -> int | None:
    """Dosage of one GT string (haploid as homozygous); None when it is not a genotype."""
    alleles = _ALLELE_SPLIT.split(gt.strip())
    if any(a in {".", ""} for a in alleles):
        return -1
    if not all(a.isdigit() for a in alleles):
        return None
    if len(alleles) > 2:
        return _POLYPLOID
    return sum(a != "0" for a in alleles) * (3 - len(alleles))


def _check_allele_indices(
    top: np.ndarray, alt: list[str], table: np.ndarray, path: Path, line_no: list[int], samples: Any
) -> None:
    """Refuse a call naming an allele its line's ALT does not list (``0/5`` with one ALT).

    ``top`` (n_variants, n_samples): each call's highest allele index.
    """
    n_alt = np.array([0 if a in (".", "") else a.count(",") + 1 for a in alt], dtype=np.int64)
    over = top > n_alt[:, None]
    if over.any():
        row, col = (int(i) for i in np.argwhere(over)[0])
        raise DataError(
            f"{path}, line {line_no[row]}, sample {samples[col]}: genotype {table[row, col]!r} "
            f"names allele {int(top[row, col])}, but ALT lists {int(n_alt[row])} "
            f"({alt[row]!r}); the line is inconsistent. Fix ALT or the call (bcftools norm "
            "-m- splits multi-allelic sites)."
        )


def _open_text(path: Path) -> Any:
    from attnscope.io._textio import open_text

    return open_text(path)


def read_vcf(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    pheno_col: str | None = None,
) -> GenotypeDataset:
    """Read GT genotypes of a small VCF into a GenotypeDataset.

    Parameters
    ----------
    path : path-like
        ``.vcf`` or ``.vcf.gz`` (gzip or bgzip).
    labels : path-like or mapping, optional
        Phenotype file (see :func:`attnscope.io.read_phenotype`) or a mapping from sample
        id to label. Samples without a label are dropped with an AttnscopeWarning.
    pheno_col : str, optional
        Phenotype column of a ``labels`` file with a header (``--label-col``), as for
        PLINK and HapMap data.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (n_samples, n_variants), int8 non-reference allele counts
        (0 to 2; haploid calls as homozygous), -1 = missing. Variants without an ID
        (``.``) or with a repeated ID are named ``chrom:pos:ref:alt``. ``meta`` holds
        ``alleles`` (n_variants, 2: REF, ALT), ``counted_allele="ALT"`` and
        ``position_unit="bp"``.
    """
    if pheno_col is not None and labels is None:
        raise DataError(
            f"{path}: --label-col {pheno_col} (pheno_col=) names a column of a phenotype "
            "file, and a VCF has none of its own: give the file with --pheno FILE (labels=)."
        )
    path = Path(path)
    if not path.is_file():
        raise DataError(f"VCF file {path} not found; check the path.")
    samples: list[str] | None = None
    chrom: list[str] = []
    pos: list[str] = []
    ids: list[str] = []
    ref: list[str] = []
    alt: list[str] = []
    line_no: list[int] = []
    gts: list[list[str]] = []
    with _open_text(path) as fh:
        for k, line in enumerate(fh, start=1):
            if line.startswith("##"):
                continue
            line = line.rstrip("\r\n")
            if not line:
                continue
            if line.startswith("#"):
                header = line.split("\t")
                if header[0] != "#CHROM" or len(header) < 8:
                    raise DataError(
                        f"{path}, line {k}: header line must start '#CHROM POS ID REF ALT "
                        "QUAL FILTER INFO' (tab separated)."
                    )
                samples = header[9:]
                if not samples:
                    raise DataError(
                        f"{path}, line {k}: the header lists no samples (no columns after "
                        "FORMAT); attnscope needs per-sample genotypes."
                    )
                names, seen = np.unique(samples, return_counts=True)
                twice = names[seen > 1].tolist()
                if twice:
                    raise DataError(
                        f"{path}, line {k}: the header names samples {twice[:3]} more than "
                        "once; sample ids must be unique (e.g. bcftools reheader -s with new "
                        "names)."
                    )
                continue
            if samples is None:
                raise DataError(
                    f"{path}, line {k}: data line before the '#CHROM' header line; "
                    "a VCF needs the header line naming the samples."
                )
            fields = line.split("\t", 9)
            if len(fields) < 10:
                raise DataError(
                    f"{path}, line {k}: {len(fields)} tab-separated fields; expected 9 fixed "
                    f"fields plus {len(samples)} sample columns. Is the line truncated or "
                    "space separated?"
                )
            keys = fields[8].split(":")
            if "GT" not in keys:
                raise DataError(
                    f"{path}, line {k}: FORMAT is {fields[8]!r}, without GT; attnscope reads "
                    "hard genotype calls (GT). Add GT (e.g. `bcftools +dosage` or call "
                    "genotypes) before reading."
                )
            if keys[0] == "GT":
                calls = _GT_FIRST.findall("\t" + fields[9])
            else:
                at = keys.index("GT")
                calls = [(c.split(":") + [""] * len(keys))[at] for c in fields[9].split("\t")]
            if len(calls) != len(samples):
                raise DataError(
                    f"{path}, line {k}: {len(calls)} sample columns but the header names "
                    f"{len(samples)} samples; fix the line or the header."
                )
            if not fields[1].isdigit():
                raise DataError(f"{path}, line {k}: POS {fields[1]!r} is not a positive integer.")
            chrom.append(fields[0])
            pos.append(fields[1])
            ids.append(fields[2])
            ref.append(fields[3])
            alt.append(fields[4])
            line_no.append(k)
            gts.append(calls)
    if samples is None:
        raise DataError(f"{path}: no '#CHROM' header line found; is this a VCF file?")
    if not gts:
        raise DataError(f"{path}: the VCF has no variant lines.")
    table = np.asarray(gts, dtype=str)  # (n_variants, n_samples)
    uniq, inverse = np.unique(table, return_inverse=True)
    lut = np.empty(uniq.size, dtype=np.int8)
    top = np.zeros(uniq.size, dtype=np.int64)  # the highest allele index of each call
    for u, gt in enumerate(uniq.tolist()):
        value = _decode_gt(gt)
        if value is None or value == _POLYPLOID:
            row, col = (int(i) for i in np.argwhere(inverse.reshape(table.shape) == u)[0])
            where = f"{path}, line {line_no[row]}, sample {samples[col]}"
            if value is None:
                raise DataError(
                    f"{where}: genotype {gt!r} is not a GT call; expected allele indices "
                    "separated by '/' or '|' (e.g. 0/1, 1|1, ./.)."
                )
            raise DataError(
                f"{where}: genotype {gt!r} has {len(_ALLELE_SPLIT.split(gt))} alleles; "
                "attnscope reads diploid calls (0 to 2 copies of ALT; haploid ones as "
                "homozygous, as PLINK does), and a polyploid count capped at 2 would read "
                "as 1/1. Keep diploid samples or variants only (e.g. bcftools view -s/-t)."
            )
        lut[u] = value
        top[u] = max((int(a) for a in _ALLELE_SPLIT.split(gt.strip()) if a.isdigit()), default=0)
    inverse = inverse.reshape(table.shape)
    _check_allele_indices(top[inverse], alt, table, path, line_no, samples)
    dosages = lut[inverse].T.copy()

    snp_ids = np.asarray(ids, dtype=object)
    named = np.asarray([f"{c}:{p}:{r}:{a}" for c, p, r, a in zip(chrom, pos, ref, alt)])
    _, first, counts = np.unique(snp_ids.astype(str), return_index=True, return_counts=True)
    repeated = np.isin(snp_ids.astype(str), snp_ids.astype(str)[first[counts > 1]])
    use_name = (snp_ids == ".") | repeated
    snp_ids = np.where(use_name, named, snp_ids).astype(str)
    uniq_ids, counts = np.unique(snp_ids, return_counts=True)
    if (counts > 1).any():
        dup = uniq_ids[counts > 1][0]
        rows = [line_no[i] for i in np.flatnonzero(snp_ids == dup)[:2]]
        raise DataError(
            f"{path}, lines {rows}: variant {dup} appears twice; remove the duplicate "
            "(e.g. `bcftools norm -d exact`)."
        )

    sample_ids = np.asarray(samples, dtype=str)
    class_names: list[str] = []
    codes: np.ndarray | None = None
    if labels is not None:
        codes, class_names, keep = sample_labels(
            labels, sample_ids, source=str(path), column=pheno_col
        )
        dosages, sample_ids = dosages[keep], sample_ids[keep]
    return GenotypeDataset(
        labels=codes,
        sample_ids=sample_ids,
        class_names=class_names,
        truth=None,
        meta={
            "source": str(path),
            "format": "vcf",
            "counted_allele": "ALT",
            "position_unit": "bp",
            "alleles": np.stack([np.asarray(ref), np.asarray(alt)], axis=1).astype(str),
        },
        genotypes=dosages,
        snp_ids=snp_ids,
        chromosomes=np.asarray(chrom, dtype=str),
        positions=np.asarray(pos, dtype=np.int64),
    )
