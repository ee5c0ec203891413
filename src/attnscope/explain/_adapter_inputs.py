"""What a wrapped module is given: one array, or several tables for a module of several inputs.

A user's multi-omics network often takes one tensor per omics, ``net(rna, methylation)``.
:class:`~attnscope.explain.TorchModel` keeps such inputs side by side in one
:class:`~attnscope.data.ArrayDataset`: ``X`` holds the tables concatenated along the
feature axis and ``meta["inputs"]`` their names and widths, so that every trust metric
(which subsets, perturbs and removes samples and features of one matrix) works unchanged,
and the module receives its tensors split back in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.data import Dataset, MultiOmicsDataset
from attnscope.errors import ConfigError, DataError

__all__ = [
    "INPUT_KINDS",
    "Blocks",
    "check_same_blocks",
    "infer_kind",
    "input_blocks",
    "is_several",
    "several_kind_error",
    "split_inputs",
]

#: (name, width) of each input of a module with several table inputs, in argument order.
Blocks = list[tuple[str, int]]


#: What a wrapped module can take, samples first.
INPUT_KINDS: dict[str, str] = {
    "table": "float (n, n_features)",
    "onehot": "float one-hot DNA (n, 4, length), channels first as attnscope's CNN",
    "tokens": "integer token ids (n, length) that feed an embedding layer",
    "timeseries": "float (n, n_times, n_variables)",
}


def infer_kind(X: Any) -> str:
    """The input kind of a plain array, by a documented rule.

    Integer arrays are ``tokens``; float 2-D arrays are ``table``; float 3-D arrays with 4
    on the second axis are ``onehot``; other float 3-D arrays are ``timeseries``. Several
    tables (a dict, list or tuple of arrays, or a multi-omics set) are ``table``: one per
    input of the module.
    """
    if is_several(X):
        return "table"
    arr = np.asarray(getattr(X, "X", X))
    if arr.dtype.kind in "iub":
        return "tokens"
    if arr.ndim == 2:
        return "table"
    if arr.ndim == 3:
        return "onehot" if arr.shape[1] == 4 else "timeseries"
    raise DataError(
        f"cannot tell what a model takes from an array of shape {arr.shape}; wrap the model "
        f"with wrap_module(module, kind=...) with kind in {sorted(INPUT_KINDS)}."
    )


def is_several(X: Any) -> bool:
    """Whether ``X`` holds several inputs (a dict, list or tuple of arrays, or multi-omics)."""
    if isinstance(X, MultiOmicsDataset):
        return True
    if isinstance(X, Mapping):
        return True
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(hasattr(a, "shape") for a in X)


def input_blocks(X: Any, like: Blocks | None = None) -> tuple[np.ndarray, Blocks, np.ndarray]:
    """Several table inputs as one matrix with their layout.

    Parameters
    ----------
    X : dict of str -> array, list or tuple of arrays, or MultiOmicsDataset
        Each of shape (n_samples, n_features_i), in the order the module's forward takes
        them (dict insertion order; a list's inputs are named ``input0``, ``input1``, ...).
    like : list of (str, int), optional
        The inputs a model was given first: a list of as many inputs takes their names.

    Returns
    -------
    X : ndarray of shape (n_samples, sum of n_features_i)
    blocks : list of (str, int)
        Each input's name and width.
    feature_names : ndarray of str, shape (sum of n_features_i,)
        ``"name:feature"`` (a multi-omics set's own feature names, else column indices).
    """
    if isinstance(X, MultiOmicsDataset):
        parts = dict(X.omics)
        names = {m: np.asarray(X.feature_names[m]).astype(str) for m in parts}
    elif isinstance(X, Mapping):
        parts = {str(k): v for k, v in X.items()}
        names = {}
    else:
        keys = [k for k, _ in like] if like and len(like) == len(X) else None
        parts = {keys[i] if keys else f"input{i}": a for i, a in enumerate(X)}
        names = {}
    if not parts:
        raise DataError("no inputs given: pass one array per input of the module.")
    arrays = {k: np.asarray(v) for k, v in parts.items()}
    n = {k: a.shape[0] if a.ndim else 0 for k, a in arrays.items()}
    for k, a in arrays.items():
        if a.ndim != 2:
            raise DataError(
                f"input {k!r} has shape {a.shape}; several inputs must each be a table "
                "(n_samples, n_features)."
            )
        if a.dtype.kind not in "fiub":
            raise DataError(f"input {k!r} holds {a.dtype} values; a table takes numbers.")
        if n[k] != next(iter(n.values())):
            raise DataError(
                f"the inputs cover different numbers of samples ({n}); give the same samples, "
                "in the same order, to every input."
            )
    blocks = [(k, int(a.shape[1])) for k, a in arrays.items()]
    matrix = np.concatenate([a.astype(np.float32) for a in arrays.values()], axis=1)
    feature_names = np.concatenate(
        [[f"{k}:{f}" for f in names.get(k, np.arange(w).astype(str))] for k, w in blocks]
    ).astype(str)
    return matrix, blocks, feature_names


def split_inputs(x: Tensor, blocks: Blocks | None) -> tuple[Tensor, ...]:
    """``x`` (n, total width) as the module's inputs: one tensor per block, in order."""
    if not blocks:
        return (x,)
    widths = [w for _, w in blocks]
    if sum(widths) != x.shape[-1]:
        raise DataError(
            f"the data has {x.shape[-1]} features but the model's inputs "
            f"{[name for name, _ in blocks]} have {sum(widths)}."
        )
    return tuple(t.contiguous() for t in torch.split(x, widths, dim=-1))


def check_same_blocks(stored: Blocks | None, given: Blocks | None) -> None:
    """Refuse data laid out differently from the inputs the model was first given."""
    if stored and given and [tuple(b) for b in stored] != [tuple(b) for b in given]:
        raise DataError(
            f"these inputs are {given}, but the model was given {stored} first; pass the "
            "same inputs, in the same order and widths."
        )


def several_kind_error(kind: str) -> ConfigError:
    """The error for several inputs of a kind other than ``table``."""
    return ConfigError(
        f"several inputs are supported for kind='table' (one table per input); this model "
        f"is kind={kind!r}. Wrap a module that takes one tensor, or tables."
    )


def labels_of(X: Any, names: list[str]) -> np.ndarray | None:
    """Labels carried by an attnscope Dataset, as names (None for arrays)."""
    if isinstance(X, Dataset) and X.labels is not None:
        return np.asarray(X.class_names)[X.labels]
    return None


def label_codes(y: np.ndarray, names: list[str]) -> np.ndarray:
    """Labels as logit columns: integer indices, or names in ``names``."""
    if y.dtype.kind in "iu":
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(f"labels must be class indices in 0..{len(names) - 1}.")
        return y.astype(np.int64)
    lut = {n: i for i, n in enumerate(names)}
    unknown = sorted({str(v) for v in y} - set(lut))
    if unknown:
        raise DataError(f"labels {unknown[:5]} are not among the classes {names}.")
    return np.array([lut[str(v)] for v in y], dtype=np.int64)
