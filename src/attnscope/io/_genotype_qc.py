"""Genotype quality control (missingness, MAF, monomorphic SNPs) and phenotype files.

QC follows PLINK's conventions: a SNP is dropped when its missing fraction exceeds
``max_missing`` (``--geno``) or its minor-allele frequency is below ``maf`` (``--maf``);
samples whose call rate is below ``min_sample_call_rate`` are dropped first (``--mind``).
Every statistic is computed in one vectorised pass over the dosage matrix.

Phenotype codes (:func:`read_phenotype`): ``-9``, ``NA``, ``nan`` and empty cells are
missing. Numeric values in {0, 1} mean control/case; values in {0, 1, 2} follow PLINK's
1 = control, 2 = case with 0 = missing. Any other non-numeric values are class names
(sorted). Other numbers (a quantitative trait) are refused: binarise them first.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, cast

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.data._encode import MISSING_LABELS
from attnscope.errors import AttnscopeWarning, ConfigError, DataError, UnlabelledSamplesError
from attnscope.io._textio import open_text, read_csv

__all__ = [
    "allele_frequencies",
    "genotype_qc",
    "read_phenotype",
    "sample_labels",
    "snp_qc_mask",
    "subset_snps",
]

_MISSING_TOKENS = MISSING_LABELS | {"-9", "."}
_ID_HEADERS = {"fid", "#fid", "iid", "#iid", "id", "sample", "sample_id", "sampleid", "subject"}


def allele_frequencies(genotypes: np.ndarray) -> np.ndarray:
    """Frequency of the counted allele per SNP, over called genotypes.

    Parameters
    ----------
    genotypes : ndarray of shape (n_samples, n_snps), int8
        Dosages 0, 1, 2 of the counted allele; -1 = missing.

    Returns
    -------
    ndarray of shape (n_snps,), float64
        ``sum(dosage) / (2 * n_called)``; NaN for a SNP without any call.
    """
    g = np.asarray(genotypes)
    if g.ndim != 2:
        raise DataError(f"genotypes must be 2-D (samples, SNPs), got shape {g.shape}.")
    called = g >= 0
    n_called = called.sum(axis=0, dtype=np.int64)
    total = np.where(called, g, 0).sum(axis=0, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_called > 0, total / (2.0 * n_called), np.nan)


def genotype_qc(
    data: GenotypeDataset,
    *,
    maf: float | None = 0.01,
    max_missing: float | None = 0.1,
    min_sample_call_rate: float | None = None,
    drop_monomorphic: bool = True,
) -> tuple[GenotypeDataset, dict[str, Any]]:
    """Filter samples and SNPs; return the filtered data and what each filter removed.

    Filters run in this order, each on what the previous ones kept: sample call rate,
    SNP missingness, monomorphic SNPs, minor-allele frequency.

    Parameters
    ----------
    data : GenotypeDataset
        Genotypes of shape (n_samples, n_snps).
    maf : float or None, default 0.01
        Drop SNPs whose minor-allele frequency (over called genotypes) is below ``maf``.
    max_missing : float or None, default 0.1
        Drop SNPs whose fraction of missing genotypes is above ``max_missing``.
    min_sample_call_rate : float or None, default None
        Drop samples whose fraction of called SNPs is below this value.
    drop_monomorphic : bool, default True
        Drop SNPs where every called genotype is the same (no information for a model;
        this includes SNPs where every sample is heterozygous).

    Returns
    -------
    filtered : GenotypeDataset
        Of shape (n_kept_samples, n_kept_snps); ``meta["qc"]`` holds the report.
    report : dict
        ``n_samples_in``, ``n_snps_in``, ``samples_removed_call_rate``,
        ``snps_removed_missing``, ``snps_removed_monomorphic``, ``snps_removed_maf``,
        ``n_samples_out``, ``n_snps_out`` and the thresholds used.
    """
    for name, value in (
        ("maf", maf),
        ("max_missing", max_missing),
        ("min_sample_call_rate", min_sample_call_rate),
    ):
        if value is not None and not 0.0 <= float(value) <= 1.0:
            raise DataError(f"{name} must lie in [0, 1] or be None, got {value}.")
    if maf is not None and maf > 0.5:
        raise DataError(f"maf must be at most 0.5 (a minor-allele frequency), got {maf}.")
    g = data.genotypes
    n, m = g.shape
    report: dict[str, Any] = {
        "n_samples_in": int(n),
        "n_snps_in": int(m),
        "maf": maf,
        "max_missing": max_missing,
        "min_sample_call_rate": min_sample_call_rate,
        "drop_monomorphic": bool(drop_monomorphic),
    }
    called = g >= 0
    keep_samples = np.ones(n, dtype=bool)
    if min_sample_call_rate is not None and m:
        keep_samples = called.mean(axis=1) >= min_sample_call_rate
    report["samples_removed_call_rate"] = int((~keep_samples).sum())
    if not keep_samples.any():
        raise DataError(
            f"no sample has a call rate of at least {min_sample_call_rate}; "
            "lower min_sample_call_rate."
        )
    if not keep_samples.all():
        g = g[keep_samples]
        called = called[keep_samples]
    n_kept = g.shape[0]

    keep, _, _, removed = _snp_filters(g, maf, max_missing, drop_monomorphic)
    report.update(removed)
    if not keep.any():
        raise DataError(
            f"QC removed all {m} SNPs ({report}); relax maf / max_missing or check the data."
        )
    report["n_samples_out"] = int(n_kept)
    report["n_snps_out"] = int(keep.sum())
    kept = data.subset(keep_samples) if not keep_samples.all() else data
    out = subset_snps(cast(GenotypeDataset, kept), keep)
    out.meta = {**out.meta, "qc": report}
    return out, report


def snp_qc_mask(
    genotypes: np.ndarray,
    *,
    maf: float | None = 0.01,
    max_missing: float | None = 0.1,
    drop_monomorphic: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SNPs passing the missingness, monomorphism and minor-allele-frequency filters.

    The SNP filters of :func:`genotype_qc` on a plain matrix (HEMERA runs them on its
    training individuals).

    Parameters
    ----------
    genotypes : ndarray of shape (n_samples, n_snps), int8
        Dosages 0/1/2, -1 missing.
    maf, max_missing, drop_monomorphic
        As in :func:`genotype_qc`.

    Returns
    -------
    keep : ndarray of shape (n_snps,), bool
    minor_freq : ndarray of shape (n_snps,), float
        Minor-allele frequency over called genotypes (NaN without calls).
    missing : ndarray of shape (n_snps,), float
        Share of missing calls.
    """
    if maf is not None and not 0.0 <= float(maf) <= 0.5:
        raise ConfigError(f"maf must lie in [0, 0.5], got {maf}.")
    if max_missing is not None and not 0.0 <= float(max_missing) <= 1.0:
        raise ConfigError(f"max_missing must lie in [0, 1], got {max_missing}.")
    keep, minor, missing, _ = _snp_filters(
        np.asarray(genotypes), maf, max_missing, drop_monomorphic
    )
    return keep, minor, missing


def _snp_filters(
    g: np.ndarray, maf: float | None, max_missing: float | None, drop_monomorphic: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """SNP filters in order (missingness, monomorphic, MAF); counts removed by each."""
    n_kept, m = g.shape
    called = g >= 0
    keep = np.ones(m, dtype=bool)
    removed: dict[str, int] = {}
    n_called = called.sum(axis=0, dtype=np.int64)
    missing_frac = 1.0 - n_called / max(n_kept, 1)
    drop = keep & (missing_frac > max_missing) if max_missing is not None else ~keep
    removed["snps_removed_missing"] = int(drop.sum())
    keep &= ~drop
    # Treat missing cells as "no genotype" when looking for a second genotype class.
    g_min = np.where(called, g, np.int8(3)).min(axis=0) if n_kept else np.zeros(m, np.int8)
    g_max = np.where(called, g, np.int8(-1)).max(axis=0) if n_kept else np.zeros(m, np.int8)
    drop = keep & ((g_min >= g_max) | (n_called == 0)) if drop_monomorphic else ~keep
    removed["snps_removed_monomorphic"] = int(drop.sum())
    keep &= ~drop
    freq = allele_frequencies(g)
    minor = np.minimum(freq, 1.0 - freq)
    drop = keep & ~(minor >= maf) if maf is not None else ~keep  # NaN (no calls) fails
    removed["snps_removed_maf"] = int(drop.sum())
    keep &= ~drop
    return keep, minor, missing_frac, removed


def subset_snps(data: GenotypeDataset, keep: np.ndarray) -> GenotypeDataset:
    """Return ``data`` restricted to the SNPs ``keep`` (bool mask or indices)."""
    return data.select_snps(keep)


def read_phenotype(
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    sample_ids: np.ndarray | list[str],
) -> tuple[np.ndarray, list[str]]:
    """Read a binary or categorical phenotype and align it to ``sample_ids``.

    Accepted layouts (comma, tab or space separated):

    - PLINK ``FID IID value`` without a header (the third column is the phenotype);
    - ``id value`` without a header;
    - a header whose first column is an id (``IID`` is used when present, else the first
      column) and ``column`` naming the phenotype (optional when there is one value column).

    Parameters
    ----------
    path : path-like
        Phenotype file.
    column : str, optional
        Phenotype column of a file with a header.
    sample_ids : array-like of shape (n_samples,)
        Ids to align to (the genotype file's sample ids).

    Returns
    -------
    labels : ndarray of shape (n_samples,), int64
        Class codes; -1 where the phenotype is missing or the sample is not in the file.
    class_names : list of str
        ``["control", "case"]`` for 0/1 or 1/2 coded traits, else the sorted values.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"phenotype file {path} not found; check the path.")
    with open_text(path) as fh:
        text = fh.read()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError(f"phenotype file {path} is empty; expected 'FID IID value' lines.")
    sep = "," if "," in lines[0] else ("\t" if "\t" in lines[0] else r"\s+")
    first = [tok.strip() for tok in (lines[0].split(",") if sep == "," else lines[0].split())]
    has_header = column is not None or first[0].lower() in _ID_HEADERS
    table = read_csv(
        path,
        sep=sep,
        header=0 if has_header else None,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=True,
        engine="python" if sep == r"\s+" else "c",
    )
    table.columns = [str(c).strip() for c in table.columns]
    if table.shape[1] < 2:
        raise DataError(
            f"phenotype file {path} has {table.shape[1]} column; expected 'FID IID value' "
            "or 'id value' (comma, tab or space separated)."
        )
    if has_header:
        cols = list(table.columns)
        lower = [c.lower() for c in cols]
        id_col = cols[lower.index("iid")] if "iid" in lower else cols[0]
        if column is None:
            value_cols = [c for c in cols if c != id_col and c.lower() not in {"fid", "#fid"}]
            if len(value_cols) != 1:
                raise DataError(
                    f"phenotype file {path} has several value columns {value_cols[:6]}; "
                    "pass the one to use: --label-col NAME (pheno_col= in Python)."
                )
            column = value_cols[0]
        if column not in cols:
            raise DataError(
                f"phenotype file {path}: column {column!r} not found; columns are {cols[:10]}."
            )
        ids = table[id_col].str.strip().to_numpy()
        raw = table[column].str.strip().to_numpy()
    else:
        id_pos, val_pos = (1, 2) if table.shape[1] >= 3 else (0, 1)
        ids = table.iloc[:, id_pos].str.strip().to_numpy()
        raw = table.iloc[:, val_pos].str.strip().to_numpy()
        # 'patient pheno' above numbers (or missing codes) is a header, not a sample
        number = pd.to_numeric(pd.Series(raw), errors="coerce").notna().to_numpy()
        known = number | np.isin(np.char.lower(raw.astype(str)), list(_MISSING_TOKENS))
        if len(raw) > 1 and not known[0] and number[1:].any() and known[1:].all():
            ids, raw = ids[1:], raw[1:]
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise DataError(
            f"phenotype file {path}: sample ids {uniq[counts > 1][:3].tolist()} appear more "
            "than once; keep one row per sample."
        )
    codes, names = code_phenotype(raw, source=f"phenotype file {path}")
    lookup = pd.Series(codes, index=pd.Index(ids))
    aligned = lookup.reindex(np.asarray(sample_ids).astype(str)).to_numpy()
    labels = np.where(np.isnan(aligned.astype(float)), -1, aligned).astype(np.int64)
    listed = np.isin(np.asarray(sample_ids).astype(str), ids)
    if (labels < 0).all() and listed.any():  # the ids match; the values are all missing
        shown = raw[np.isin(ids, np.asarray(sample_ids).astype(str))][0]
        raise UnlabelledSamplesError(
            f"phenotype file {path}: the phenotype of every one of the {int(listed.sum())} "
            f"genotyped samples it lists is missing (e.g. {shown!r}: -9, NA, or 0 in 1/2 "
            "case-control coding); give their phenotypes, or another column (--label-col)."
        )
    if (labels < 0).all():
        raise UnlabelledSamplesError(
            f"phenotype file {path}: none of the {len(sample_ids)} genotyped samples has a "
            f"phenotype (file ids start {ids[:3].tolist()}, genotype ids start "
            f"{np.asarray(sample_ids)[:3].tolist()}); check that the ids match."
        )
    return labels, names


def code_phenotype(raw: np.ndarray, *, source: str) -> tuple[np.ndarray, list[str]]:
    """Code phenotype strings as class codes (-1 = missing); see the module notes."""
    values = np.asarray(raw).astype(str)
    missing = np.isin(np.char.lower(np.char.strip(values)), list(_MISSING_TOKENS))
    present = values[~missing]
    codes = np.full(values.shape[0], -1, dtype=np.int64)
    if present.size == 0:
        return codes, []
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(present), errors="coerce").to_numpy(dtype=float)
    if np.isfinite(numbers).all() and (numbers == -9).any():
        # "-9.0" and the like: PLINK's missing code written as a float.
        missing[np.flatnonzero(~missing)[numbers == -9]] = True
        present, numbers = values[~missing], numbers[numbers != -9]
        if present.size == 0:
            return codes, []
    if np.isfinite(numbers).all():
        levels = set(np.unique(numbers).tolist())
        if levels <= {0.0, 1.0}:
            codes[~missing] = numbers.astype(np.int64)
        elif levels <= {0.0, 1.0, 2.0}:
            # PLINK: 1 = control, 2 = case, 0 = missing.
            sub = np.where(numbers == 0, -1, numbers - 1).astype(np.int64)
            codes[~missing] = sub
        else:
            raise DataError(
                f"{source}: phenotype values {sorted(levels)[:6]} are neither 0/1 nor 1/2 "
                "case-control codes; attnscope classifies, so binarise a quantitative trait "
                "first (or use class names such as 'case'/'control')."
            )
        if len(set(codes[codes >= 0].tolist())) < 2:
            warnings.warn(
                f"{source}: only one phenotype class is present.",
                AttnscopeWarning,
                stacklevel=3,
            )
        return codes, ["control", "case"]
    names = sorted(set(present.tolist()))
    lookup = {name: k for k, name in enumerate(names)}
    codes[~missing] = np.fromiter((lookup[v] for v in present.tolist()), np.int64, present.size)
    return codes, names


def sample_labels(
    labels: Any, sample_ids: np.ndarray, *, source: str, column: str | None = None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Class codes for ``sample_ids`` from a phenotype file or an id -> label mapping.

    Returns
    -------
    codes : ndarray of shape (n_kept,), int64
    class_names : list of str
    keep : ndarray of shape (n_samples,), bool
        Samples that have a label; the others are dropped with an AttnscopeWarning.
    """
    from collections.abc import Mapping

    if isinstance(labels, Mapping):
        raw = np.array([str(labels.get(s, "NA")) for s in np.asarray(sample_ids).tolist()])
        codes, class_names = code_phenotype(raw, source="labels")
    else:
        codes, class_names = read_phenotype(labels, column=column, sample_ids=sample_ids)
    keep = codes >= 0
    if not keep.any():
        raise DataError(f"no sample of {source} has a label; check the sample ids.")
    if not keep.all():
        warnings.warn(
            f"{source}: {int((~keep).sum())} samples without a label were dropped "
            f"(first: {np.asarray(sample_ids)[~keep][:3].tolist()}).",
            AttnscopeWarning,
            stacklevel=3,
        )
    return codes[keep], class_names, keep
