"""Genotype quality control (missingness, MAF, monomorphic SNPs).

QC follows PLINK's conventions: a SNP is dropped when its missing fraction exceeds
``max_missing`` (``--geno``) or its minor-allele frequency is below ``maf`` (``--maf``);
samples whose call rate is below ``min_sample_call_rate`` are dropped first (``--mind``).
Every statistic is computed in one vectorised pass over the dosage matrix. Phenotype files
are :mod:`attnscope.io._phenotype`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import ConfigError, DataError

__all__ = [
    "allele_frequencies",
    "genotype_qc",
    "snp_qc_mask",
    "subset_snps",
]


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
