"""Stratified splits shared by training, CV and benchmarks."""

from __future__ import annotations

import numpy as np

from attnscope.errors import ConfigError, DataError

__all__ = ["check_shares", "kfold_indices", "train_val_test_split"]


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
        why = str(exc).splitlines()[0].rstrip(".")
        raise DataError(
            f"cannot split {len(labels)} samples ({counts[counts > 0].tolist()} per class) "
            f"with test_size={test_size} and val_size={val_size}: {why}; "
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
