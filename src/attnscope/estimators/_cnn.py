"""Baseline 1-D CNN classifier for DNA sequences."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import SequenceDataset, encode_labels, encode_sequences
from attnscope.errors import DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.models import SequenceCNN, one_hot_dna

__all__ = ["CNNClassifier", "sequence_dataset_from_arrays"]


def sequence_dataset_from_arrays(
    X: Any, y: Any | None, *, length: int | None = None, class_names: Any = ()
) -> SequenceDataset:
    """DNA strings or a token matrix (plus optional labels) as a SequenceDataset.

    Parameters
    ----------
    X : sequence of str or ndarray of shape (n_samples, length), int
    y : array-like of shape (n_samples,), optional
    length : int, optional
        Pad/truncate strings to this length (models with a fixed input size).
    class_names : sequence of str
        Classes of an unlabelled set (the fitted model's ``classes_``).
    """
    arr = np.asarray(X)
    if arr.dtype.kind in "US" or arr.dtype == object:
        # from X itself: np.asarray(["ACGT", nan]) has already turned nan into 'nan'
        tokens = encode_sequences(_sequence_strings(np.asarray(X, dtype=object)), length=length)
    elif arr.ndim == 2 and arr.dtype.kind in "iu":
        tokens = arr
    else:
        raise DataError("X must be a list of DNA strings or a (n, length) token matrix.")
    labels, names = (None, list(class_names))
    if y is not None:
        labels, names = encode_labels(np.asarray(y))
    return SequenceDataset(
        labels=labels,
        sample_ids=np.arange(len(tokens)).astype(str),
        class_names=names,
        truth=None,
        meta={},
        tokens=tokens,
    )


def _sequence_strings(arr: np.ndarray) -> list[str]:
    """The strings of ``arr`` (one per sample; a one-column table is read as its column).

    A bare string was read as one sequence per character, and a missing entry (None, NaN:
    an empty cell of a pandas column) as the DNA 'NONE' / 'NAN': both raise DataError.
    """
    import pandas as pd

    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        what = "one string" if arr.ndim == 0 else f"an array of shape {arr.shape}"
        raise DataError(
            f"X is {what}; give one DNA string per sample (a list, e.g. [seq] for one)."
        )
    missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        raise DataError(
            f"X holds {int(missing.sum())} missing sequence(s) (None or NaN), the first at "
            f"sample {int(np.argmax(missing))}; drop those samples or give their sequences."
        )
    return [str(s) for s in arr.tolist()]


class CNNClassifier(BaseClassifier):
    """Convolutional baseline on one-hot DNA.

    Parameters
    ----------
    n_filters : int, default 64
    kernel_size : int, default 15
    dropout : float, default 0.3
    **train_params
        Training options of :class:`~attnscope.estimators.BaseClassifier`.

    Examples
    --------
    >>> from attnscope.sim import simulate_dna
    >>> data = simulate_dna(n_samples=200, length=100, random_state=0)
    >>> est = CNNClassifier(epochs=2).fit(data)
    >>> est.predict_proba(data).shape
    (200, 2)
    """

    name: ClassVar[str] = "cnn"
    dataset_type = SequenceDataset

    def __init__(
        self,
        *,
        n_filters: int = 64,
        kernel_size: int = 15,
        dropout: float = 0.3,
        **train_params: Any,
    ) -> None:
        super().__init__(**train_params)
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.dropout = dropout

    def _dataset_from_arrays(
        self, X: Any, y: Any | None, *, reset: bool = False
    ) -> SequenceDataset:
        return sequence_dataset_from_arrays(X, y, class_names=getattr(self, "classes_", []))

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {
            "n_classes": len(self.classes_),
            "n_filters": self.n_filters,
            "kernel_size": self.kernel_size,
            "dropout": self.dropout,
        }

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return SequenceCNN(
            spec["n_classes"],
            n_filters=spec["n_filters"],
            kernel_size=spec["kernel_size"],
            dropout=spec["dropout"],
        )

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        return (one_hot_dna(torch.as_tensor(data.tokens)),)

    def attribution_spec(self, data: Any) -> AttributionSpec:
        (onehot,) = self._make_inputs(data)
        module = self.module_

        def forward(x: Tensor) -> Tensor:
            return module(x).logits

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            # A removed position looks like padding: all four channels zero.
            return (raw[0] * (~mask).unsqueeze(1).to(raw[0].dtype),)

        return AttributionSpec(
            inputs=(onehot,),
            forward=forward,
            baselines=(torch.zeros(1, *onehot.shape[1:]),),
            to_features=lambda attrs: attrs[0].sum(dim=1).detach().cpu().numpy(),
            raw_inputs=(onehot,),
            raw_forward=forward,
            remove=remove,
            feature_names=np.arange(onehot.shape[-1]).astype(str),
            meta={"feature_axis": "position", "one_hot": True},
        )
