"""Case-control phenotypes on any genotypes (simulated or real) by a liability threshold."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, overload

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.data import GenotypeDataset
from attnscope.errors import ConfigError, DataError

__all__ = ["simulate_phenotype"]

_MODELS = ("additive", "epistatic")


@overload
def simulate_phenotype(
    genotypes: GenotypeDataset,
    *,
    n_causal: int = ...,
    heritability: float = ...,
    case_fraction: float = ...,
    model: Literal["additive", "epistatic"] = ...,
    epistatic_pairs: np.ndarray | list[tuple[int, int]] | None = ...,
    causal: np.ndarray | list[int] | None = ...,
    min_maf: float = ...,
    random_state: int | np.random.Generator | None = ...,
) -> GenotypeDataset: ...


@overload
def simulate_phenotype(
    genotypes: np.ndarray,
    *,
    n_causal: int = ...,
    heritability: float = ...,
    case_fraction: float = ...,
    model: Literal["additive", "epistatic"] = ...,
    epistatic_pairs: np.ndarray | list[tuple[int, int]] | None = ...,
    causal: np.ndarray | list[int] | None = ...,
    min_maf: float = ...,
    random_state: int | np.random.Generator | None = ...,
) -> tuple[np.ndarray, np.ndarray]: ...


def simulate_phenotype(
    genotypes: GenotypeDataset | np.ndarray,
    *,
    n_causal: int = 10,
    heritability: float = 0.5,
    case_fraction: float = 0.5,
    model: Literal["additive", "epistatic"] = "additive",
    epistatic_pairs: np.ndarray | list[tuple[int, int]] | None = None,
    causal: np.ndarray | list[int] | None = None,
    min_maf: float = 0.05,
    random_state: int | np.random.Generator | None = 0,
) -> GenotypeDataset | tuple[np.ndarray, np.ndarray]:
    """Binary trait from a liability threshold model with known causal SNPs.

    Dosages are standardised per SNP, ``x_j = (g_j - 2 p_j) / sqrt(2 p_j (1 - p_j))`` with
    ``p_j`` the observed allele frequency; missing dosages (-1) are replaced by the SNP's mean
    for the liability only (the returned genotypes are unchanged).

    - ``"additive"``: genetic value ``G = sum_j beta_j x_j`` over the causal SNPs,
      ``beta_j ~ N(0, 1)``.
    - ``"epistatic"``: ``G = sum_k beta_k x_a(k) x_b(k)`` over pairs ``(a, b)`` of causal SNPs,
      products of centred standardised dosages. For unlinked SNPs ``E[x_a x_b | x_a] = 0``, so
      neither SNP of a pair has a marginal additive effect; only the interaction carries
      signal. Pairs are consecutive causal SNPs (``n_causal`` must be even) unless given.

    ``G`` is scaled to variance ``heritability`` and Gaussian noise, made orthogonal in the
    sample to the causal terms (the ``x_j``, or the pair products), to variance
    ``1 - heritability``; so the share of liability variance explained by the causal terms
    equals ``heritability`` exactly in the sample. The
    ``round(case_fraction * n)`` samples of highest liability are cases.

    Parameters
    ----------
    genotypes : GenotypeDataset or array-like of shape (n_samples, n_snps)
        Dosages 0/1/2, -1 (or any negative value) for missing.
    n_causal : int, default 10
        Causal SNPs drawn at random among those with observed minor-allele frequency of at
        least ``min_maf``; ignored when ``causal`` or ``epistatic_pairs`` is given.
    heritability : float, default 0.5
        Liability-scale heritability, in (0, 1].
    case_fraction : float, default 0.5
        Share of cases, in (0, 1).
    model : {"additive", "epistatic"}, default "additive"
    epistatic_pairs : array-like of shape (n_pairs, 2), optional
        SNP column indices of the interacting pairs (epistatic model only).
    causal : array-like of int, optional
        SNP column indices of the causal SNPs, instead of drawing them.
    min_maf : float, default 0.05
        Smallest observed minor-allele frequency of a randomly drawn causal SNP.
    random_state : int, Generator or None, default 0

    Returns
    -------
    GenotypeDataset
        For a GenotypeDataset input: a copy with ``labels`` (0 control, 1 case; class names
        ``["control", "case"]``), ``truth`` bool of shape (n_snps,) marking the causal SNPs and
        ``meta`` extended with ``causal_index`` (int, sorted), ``effects`` (one per causal SNP,
        additive; one per pair, epistatic), ``epistatic_pairs`` (shape (n_pairs, 2), epistatic
        only), ``heritability`` (realised), ``case_fraction``, ``model`` and ``liability``
        (shape (n_samples,), in this data set's sample order; ``subset`` does not update it).
    tuple of ndarray
        For an array input: ``(labels, truth)`` of shapes (n_samples,) and (n_snps,).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0).binomial(2, 0.3, size=(200, 50))
    >>> labels, truth = simulate_phenotype(g, n_causal=5)
    >>> int(labels.sum()), int(truth.sum())
    (100, 5)
    """
    if model not in _MODELS:
        raise ConfigError(f"model must be one of {list(_MODELS)}, got {model!r}.")
    if not 0 < heritability <= 1:
        raise ConfigError(f"heritability must lie in (0, 1], got {heritability}.")
    if not 0 < case_fraction < 1:
        raise ConfigError(f"case_fraction must lie in (0, 1), got {case_fraction}.")
    dataset = genotypes if isinstance(genotypes, GenotypeDataset) else None
    g = np.asarray(dataset.genotypes if dataset is not None else genotypes)
    if g.ndim != 2:
        raise DataError(f"genotypes must be 2-D (samples, SNPs), got shape {g.shape}.")
    if g.size and g.max() > 2:
        raise DataError(f"genotype dosages must be 0, 1, 2 (negative = missing); found {g.max()}.")
    n, m = g.shape
    n_cases = int(np.round(case_fraction * n))
    if not 1 <= n_cases < n:
        raise ConfigError(
            f"case_fraction {case_fraction} of {n} samples gives {n_cases} cases; "
            "need at least one case and one control."
        )
    rng = check_random_state(random_state)

    observed = g >= 0
    n_obs = observed.sum(axis=0)
    freq = np.where(observed, g, 0).sum(axis=0) / np.maximum(2 * n_obs, 1)
    maf = np.minimum(freq, 1 - freq)

    causal_index, chosen_pairs = _choose_causal(
        rng, m, maf, model, n_causal, causal, epistatic_pairs, min_maf
    )
    sub = g[:, causal_index].astype(np.float64)
    pairs = chosen_pairs if chosen_pairs is not None else np.zeros((0, 2), np.int64)
    p = freq[causal_index]
    sd = np.sqrt(2 * p * (1 - p))
    if (sd == 0).any():
        mono = causal_index[sd == 0][:3].tolist()
        raise DataError(f"causal SNPs {mono} are monomorphic here; choose polymorphic SNPs.")
    sub = np.where(sub >= 0, sub, 2 * p)  # mean imputation, for the liability only
    x = (sub - 2 * p) / sd

    if model == "additive":
        features = x
    else:
        pair_cols = np.searchsorted(causal_index, pairs)  # columns of x, shape (n_pairs, 2)
        features = x[:, pair_cols[:, 0]] * x[:, pair_cols[:, 1]]
    effects = rng.standard_normal(features.shape[1])
    value = features @ effects

    value = value - value.mean()
    if not value.std() > 0:
        raise DataError("the causal SNPs give the same genetic value to every sample.")
    value *= np.sqrt(heritability) / value.std()
    # Noise orthogonal to the span of the causal features, so that their share of the
    # liability variance (the R^2 of regressing liability on them) is exactly `heritability`.
    noise = rng.standard_normal(n)
    design = np.column_stack([np.ones(n), features])
    noise -= design @ np.linalg.lstsq(design, noise, rcond=None)[0]
    if heritability < 1 and not noise.std() > 0:
        raise DataError(
            f"{n} samples are too few for {features.shape[1]} causal terms; "
            "use more samples or fewer causal SNPs."
        )
    noise *= np.sqrt(1 - heritability) / max(noise.std(), 1e-300)
    liability = value + noise

    labels = np.zeros(n, dtype=np.int64)
    labels[np.argsort(liability, kind="stable")[n - n_cases :]] = 1
    truth = np.zeros(m, dtype=bool)
    truth[causal_index] = True
    if dataset is None:
        return labels, truth
    meta = {
        **dataset.meta,
        "causal_index": causal_index,
        "effects": effects,
        "heritability": float(value.var() / liability.var()),
        "case_fraction": n_cases / n,
        "model": model,
        "liability": liability,
    }
    if model == "epistatic":
        meta["epistatic_pairs"] = pairs
    return replace(dataset, labels=labels, class_names=["control", "case"], truth=truth, meta=meta)


def _choose_causal(
    rng: np.random.Generator,
    m: int,
    maf: np.ndarray,
    model: str,
    n_causal: int,
    causal: np.ndarray | list[int] | None,
    epistatic_pairs: np.ndarray | list[tuple[int, int]] | None,
    min_maf: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted causal SNP indices and, for the epistatic model, the (n_pairs, 2) pairs."""
    if epistatic_pairs is not None:
        if model != "epistatic":
            raise ConfigError('epistatic_pairs is only used with model="epistatic".')
        given = np.asarray(epistatic_pairs, dtype=np.int64)
        if given.ndim != 2 or given.shape[1] != 2 or given.shape[0] == 0:
            raise ConfigError(f"epistatic_pairs must have shape (n_pairs, 2), got {given.shape}.")
        if (given[:, 0] == given[:, 1]).any():
            raise ConfigError("each epistatic pair must join two different SNPs.")
        _check_index(given.ravel(), m, "epistatic_pairs")
        return np.unique(given), given
    if causal is not None:
        index = np.asarray(causal, dtype=np.int64).ravel()
        _check_index(index, m, "causal")
        if np.unique(index).size != index.size:
            raise ConfigError("causal holds repeated SNP indices; give each SNP once.")
    else:
        candidates = np.flatnonzero(maf >= min_maf)
        if not 1 <= n_causal <= candidates.size:
            raise ConfigError(
                f"n_causal must lie in [1, {candidates.size}] (SNPs with minor-allele "
                f"frequency >= min_maf={min_maf}), got {n_causal}."
            )
        index = rng.choice(candidates, size=n_causal, replace=False)
    pairs = None
    if model == "epistatic":
        if index.size % 2:
            raise ConfigError(
                f"the epistatic model pairs causal SNPs; give an even number, got {index.size}."
            )
        pairs = index.reshape(-1, 2)
    return np.sort(index), pairs


def _check_index(index: np.ndarray, m: int, name: str) -> None:
    if index.size == 0:
        raise ConfigError(f"{name} is empty; give at least one SNP index.")
    if index.min() < 0 or index.max() >= m:
        raise ConfigError(
            f"{name} holds SNP indices outside [0, {m}) (found {index.min()}..{index.max()})."
        )
