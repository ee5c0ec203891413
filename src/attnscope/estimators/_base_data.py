"""BaseClassifier's parameter and data side: parameter names, training options, datasets.

Functions of the estimator (``est``) or its class behind
:class:`~attnscope.estimators.BaseClassifier`'s ``_get_param_names`` (scikit-learn's
parameter list over the whole class hierarchy), ``_train_config`` and ``_as_dataset``
(a Dataset checked against the estimator's data type, or arrays converted by the
subclass).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from attnscope.data import Dataset
from attnscope.errors import DataError
from attnscope.train import TrainConfig

if TYPE_CHECKING:
    from attnscope.estimators._base import BaseClassifier

__all__ = ["param_names", "to_dataset", "train_config"]


def param_names(cls: type[BaseClassifier]) -> list[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass in (BaseEstimator, ClassifierMixin, object):
            continue
        for p in inspect.signature(init).parameters.values():
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                names.add(p.name)
    return sorted(names)


def train_config(est: BaseClassifier) -> TrainConfig:
    """The training options of ``est`` (checked by ``fit``: whole floats such as
    ``epochs=2.0`` become ints here, the estimator's own parameters stay as given)."""
    return TrainConfig(
        epochs=int(est.epochs),
        batch_size=int(est.batch_size),
        lr=est.lr,
        weight_decay=est.weight_decay,
        optimizer=est.optimizer,
        amsgrad=est.amsgrad,
        patience=int(est.patience),
        monitor=est.monitor,
        min_epochs=int(est.min_epochs),
        clip_grad_norm=est.clip_grad_norm,
        device=est.device,
        verbose=est.verbose,
    )


def _counts_hint(est: BaseClassifier, data: Dataset) -> str:
    """A table of allele counts given to a genotype model: how to read it as genotypes."""
    values = getattr(data, "X", None)
    if est.dataset_type.modality != "genotype" or not isinstance(values, np.ndarray):
        return ""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or not np.isin(finite, (0, 1, 2)).all():
        return ""
    return (
        " This table holds only 0, 1 and 2: if they are allele counts, read it as "
        "genotypes with --format dosage (attnscope.io.read_dosage)."
    )


def to_dataset(est: BaseClassifier, X: Any, y: Any | None, *, reset: bool = False) -> Dataset:
    if isinstance(X, Dataset):
        if not isinstance(X, est.dataset_type):
            from attnscope.estimators._registry import models_for

            fits = models_for(X.modality)
            raise DataError(
                f"{type(est).__name__} takes {est.dataset_type.modality} data, "
                f"got {X.modality} data"
                + (
                    f"; models for {X.modality} data: {', '.join(fits)} (--model NAME)."
                    if fits
                    else "."
                )
                + _counts_hint(est, X)
            )
        if y is not None and not (
            X.labels is not None and np.array_equal(np.asarray(y), X.labels)
        ):  # y equal to the Dataset's own codes (scikit-learn's CV tools) keeps its names
            from attnscope.data import encode_labels

            codes, names = encode_labels(np.asarray(y))
            from dataclasses import replace

            X = replace(X, labels=codes, class_names=names)
        return X
    if y is not None and not isinstance(y, str) and hasattr(X, "iloc"):
        from attnscope.data import align_labels

        y = align_labels(y, X.index)  # labels indexed by sample id meet pandas X by id
    return est._dataset_from_arrays(X, y, reset=reset)
