"""Stratified and homology-aware splits shared by training, CV and benchmarks."""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError

__all__ = [
    "check_shares",
    "homology_groups",
    "homology_split",
    "kfold_indices",
    "kmer_sets",
    "near_duplicate_pairs",
    "near_duplicate_share",
    "run_split",
    "train_val_test_split",
]


def train_val_test_split(
    labels: np.ndarray,
    *,
    val_size: float = 0.1,
    test_size: float = 0.2,
    random_state: int | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified train/validation/test indices (e.g. the 70/10/20 split).

    Returns
    -------
    train, val, test : ndarray of int
        Disjoint, sorted index arrays covering every sample.
    """
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    check_shares(test_size=test_size, val_size=val_size)
    _check_strata(labels, 3)
    try:
        rest, test = (
            (idx, idx[:0])
            if test_size == 0
            else train_test_split(
                idx, test_size=test_size, stratify=labels, random_state=random_state
            )
        )
        if val_size == 0:
            return np.sort(rest), idx[:0], np.sort(test)
        train, val = train_test_split(
            rest,
            test_size=val_size / (1 - test_size),
            stratify=labels[rest],
            random_state=random_state,
        )
    except ValueError as exc:  # a share too small or too large for the classes
        counts = np.bincount(np.asarray(labels, dtype=np.int64))
        why = str(exc).splitlines()[0].split(". ")[0].rstrip(".")
        raise DataError(
            f"cannot split {len(labels)} samples ({counts[counts > 0].tolist()} per class) "
            f"with test_size={test_size} and val_size={val_size} ({why}); "
            "choose shares that leave every split at least one sample per class."
        ) from exc
    return np.sort(train), np.sort(val), np.sort(test)


def check_shares(*, test_size: float = 0.0, val_size: float = 0.0) -> None:
    """Refuse held-out shares outside [0, 1) or summing to 1 or more (nothing to train on).

    Raises
    ------
    ConfigError
        Naming the option and its value.
    """
    for name, value in (("test_size", test_size), ("val_size", val_size)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ConfigError(
                f"{name} (--{name.replace('_', '-')}) must be a number, got {value!r}."
            )
        if not 0 <= float(value) < 1:
            raise ConfigError(
                f"{name} (--{name.replace('_', '-')}) = {value!r} is outside [0, 1): it is the "
                "held-out share of the samples (0 = none)."
            )
    if test_size + val_size >= 1:
        raise ConfigError(
            f"test_size={test_size} and val_size={val_size} sum to {test_size + val_size:g}, "
            "leaving no training data; their sum must be below 1."
        )


def kfold_indices(
    labels: np.ndarray, *, n_splits: int = 5, random_state: int | None = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold (train, test) index pairs, shuffled by ``random_state``."""
    from sklearn.model_selection import StratifiedKFold

    _check_strata(labels, n_splits)
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return [(tr, te) for tr, te in skf.split(np.zeros(len(labels)), labels)]


def _check_strata(labels: np.ndarray, need: int) -> None:
    counts = np.bincount(np.asarray(labels, dtype=np.int64))
    counts = counts[counts > 0]
    if counts.size < 2:
        raise DataError("only one class present; stratified splitting needs at least two.")
    if counts.min() < need:
        raise DataError(
            f"the smallest class has {counts.min()} samples; at least {need} are needed "
            "for this split (use fewer folds or a smaller validation/test share)."
        )


# -- homology-aware splits ---------------------------------------------------------------
#: Defaults of the published Genomic Benchmarks leakage analysis: 8-mer sets, Jaccard >= 0.7.
HOMOLOGY_K = 8
HOMOLOGY_THRESHOLD = 0.7


def kmer_sets(tokens: np.ndarray, k: int = HOMOLOGY_K) -> Any:
    """Binary k-mer presence matrix of DNA token rows.

    Parameters
    ----------
    tokens : ndarray of shape (n_samples, length), uint8
        attnscope codes (0 pad, 1-4 ACGT, 5 N); k-mers touching pad or N are skipped.
    k : int, default 8

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_samples, 4**k), float32
    """
    from scipy import sparse

    tok = np.asarray(tokens)
    if tok.ndim != 2:
        raise DataError(f"tokens must be 2-D (samples, length), got shape {tok.shape}.")
    if not 1 <= k <= 12:
        raise DataError(f"k must lie in 1..12, got {k}.")
    n, length = tok.shape
    if length < k:
        return sparse.csr_matrix((n, 4**k), dtype=np.float32)
    base = tok.astype(np.int64) - 1
    valid = (base >= 0) & (base <= 3)
    win = np.lib.stride_tricks.sliding_window_view(np.where(valid, base, 0), k, axis=1)
    ok = np.lib.stride_tricks.sliding_window_view(valid, k, axis=1).all(axis=2)
    codes = win @ (4 ** np.arange(k - 1, -1, -1, dtype=np.int64))
    rows = np.broadcast_to(np.arange(n)[:, None], codes.shape)[ok]
    mat = sparse.csr_matrix(
        (np.ones(int(ok.sum()), np.float32), (rows, codes[ok])), shape=(n, 4**k)
    )
    mat.data[:] = 1.0  # duplicates were summed: presence only
    return mat


def near_duplicate_pairs(
    a: np.ndarray,
    b: np.ndarray | None = None,
    *,
    k: int = HOMOLOGY_K,
    threshold: float = HOMOLOGY_THRESHOLD,
    block: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose k-mer sets have Jaccard similarity >= ``threshold``.

    Exact: intersections come from a sparse product, computed in row blocks so memory
    stays bounded (``block`` x n_b entries at most per step).

    Parameters
    ----------
    a : ndarray of shape (n_a, length), uint8 tokens
    b : ndarray of shape (n_b, length), optional
        Default ``a`` itself (then only pairs i < j are returned).
    k, threshold : default 8 and 0.7

    Returns
    -------
    rows_a, rows_b : ndarray of int
    """
    same = b is None
    ma = kmer_sets(a, k)
    mb = ma if same else kmer_sets(np.asarray(b), k)
    size_a = np.asarray(ma.sum(axis=1)).ravel()
    size_b = np.asarray(mb.sum(axis=1)).ravel()
    mbt = mb.T.tocsr()
    out_a, out_b = [], []
    for s in range(0, ma.shape[0], block):
        inter = (ma[s : s + block] @ mbt).tocoo()
        i, j, v = inter.row + s, inter.col, inter.data
        union = size_a[i] + size_b[j] - v
        keep = (v >= threshold * np.maximum(union, 1)) & (union > 0)
        if same:
            keep &= i < j
        out_a.append(i[keep])
        out_b.append(j[keep])
    cat = np.concatenate
    return (cat(out_a), cat(out_b)) if out_a else (np.zeros(0, int), np.zeros(0, int))


def homology_groups(
    tokens: np.ndarray, *, k: int = HOMOLOGY_K, threshold: float = HOMOLOGY_THRESHOLD
) -> np.ndarray:
    """Connected components of the near-duplicate graph (Jaccard >= ``threshold``).

    Returns
    -------
    ndarray of shape (n_samples,), int
        Group label per sequence; sequences without a near-duplicate are alone.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = int(np.asarray(tokens).shape[0])
    i, j = near_duplicate_pairs(tokens, k=k, threshold=threshold)
    graph = sparse.coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def homology_split(
    tokens: np.ndarray,
    labels: np.ndarray,
    *,
    val_size: float = 0.1,
    test_size: float = 0.2,
    k: int = HOMOLOGY_K,
    threshold: float = HOMOLOGY_THRESHOLD,
    random_state: int | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train/validation/test indices with every homology group on one side.

    Sequences are grouped by :func:`homology_groups` (k-mer Jaccard >= ``threshold``,
    default 8-mers and 0.7 as in the Genomic Benchmarks leakage analysis); groups are
    taken in random order, per majority class (so classes stay roughly balanced), into
    the test and then the validation share until each share is reached. No test
    sequence then has a near-duplicate in training.

    Returns
    -------
    train, val, test : ndarray of int
        Disjoint, sorted index arrays covering every sample.
    """
    y = np.asarray(labels, dtype=np.int64)
    if not 0 <= test_size < 1 or not 0 <= val_size < 1 or val_size + test_size >= 1:
        raise DataError(
            f"val_size={val_size} and test_size={test_size} must be in [0, 1) with sum < 1."
        )
    _check_strata(y, 3)
    groups = homology_groups(tokens, k=k, threshold=threshold)
    rng = np.random.default_rng(random_state)
    n_groups = int(groups.max()) + 1 if groups.size else 0
    sizes = np.bincount(groups, minlength=n_groups)
    counts = np.zeros((n_groups, int(y.max()) + 1), np.int64)
    np.add.at(counts, (groups, y), 1)
    majority = counts.argmax(axis=1)
    side = np.zeros(n_groups, np.int8)  # 0 train, 1 val, 2 test
    for cls in np.unique(majority):
        members = rng.permutation(np.flatnonzero(majority == cls))
        total = sizes[members].sum()
        filled = {2: 0, 1: 0}
        for g in members:
            for part, share in ((2, test_size), (1, val_size)):
                if filled[part] + sizes[g] <= share * total + 0.5:
                    side[g] = part
                    filled[part] += sizes[g]
                    break
    part = side[groups]
    if test_size > 0 and not (part == 2).any():
        raise DataError(
            f"the homology split found no group small enough for the test share: the "
            f"{y.size} sequences form {n_groups} near-duplicate group(s) ({k}-mer Jaccard >= "
            f"{threshold}), the largest of {int(sizes.max())}; give more diverse sequences, "
            "a larger test share, or the random split."
        )
    idx = np.arange(y.size)
    return idx[part == 0], idx[part == 1], idx[part == 2]


def near_duplicate_share(
    train_tokens: np.ndarray,
    test_tokens: np.ndarray,
    *,
    k: int = HOMOLOGY_K,
    threshold: float = HOMOLOGY_THRESHOLD,
) -> float:
    """Share of test sequences with a near-duplicate (Jaccard >= threshold) in training."""
    n = int(np.asarray(test_tokens).shape[0])
    if n == 0 or int(np.asarray(train_tokens).shape[0]) == 0:
        return 0.0
    rows, _ = near_duplicate_pairs(test_tokens, train_tokens, k=k, threshold=threshold)
    return float(np.unique(rows).size / n)


def run_split(
    data: Any, *, test_size: float, split: str = "random", random_state: int | None = 0
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train/test indices for a run and a record of the split.

    Parameters
    ----------
    data : Dataset
    test_size : float
    split : {"random", "homology"}
        Stratified random, or :func:`homology_split` (DNA only).

    Returns
    -------
    train, test : ndarray of int
    info : dict
        ``method``; for DNA also ``k``, ``threshold`` and ``near_duplicate_share`` (test
        sequences with a near-duplicate in training).
    """
    tokens = getattr(data, "tokens", None)
    if split not in ("random", "homology"):
        raise DataError(f"unknown split {split!r}; choose 'random' or 'homology'.")
    if split == "homology":
        if tokens is None:
            raise DataError(
                "split='homology' groups DNA by k-mer similarity; this data is not DNA."
            )
        train, _, test = homology_split(
            tokens, data.y, val_size=0.0, test_size=test_size, random_state=random_state
        )
    else:
        train, _, test = train_val_test_split(
            data.y, val_size=0.0, test_size=test_size, random_state=random_state
        )
    info: dict[str, Any] = {"method": split}
    if tokens is not None and test.size:
        info |= {
            "k": HOMOLOGY_K,
            "threshold": HOMOLOGY_THRESHOLD,
            "near_duplicate_share": near_duplicate_share(tokens[train], tokens[test]),
        }
    return train, test, info
