"""What a wrapped module is given: one array, or several tables for a module of several inputs

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

from attnscope.data import ArrayDataset, Dataset, MultiOmicsDataset, id_strings
from attnscope.errors import ConfigError, DataError

__all__ = [
    "INPUT_KINDS",
    "Blocks",
    "align_frames",
    "as_array",
    "check_same_blocks",
    "check_shape",
    "in_forward_order",
    "infer_kind",
    "input_blocks",
    "is_several",
    "sample_ids_of",
    "several_inputs_dataset",
    "several_kind_error",
    "split_inputs",
    "table_feature_names",
    "typed_input",
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
    tables (a dict or tuple of arrays, or a multi-omics set) are ``table``: one per
    input of the module.
    """
    if is_several(X):
        return "table"
    arr = as_array(getattr(X, "X", X))
    if arr.dtype.kind in "iub":
        return "tokens"
    if arr.ndim == 2:
        return "table"
    if arr.ndim == 3:
        return "onehot" if arr.shape[1] == 4 else "timeseries"
    text = " of text (DNA strings: kind='onehot')" if arr.dtype.kind in "USO" else ""
    raise DataError(
        f"cannot tell what a model takes from an array{text} of shape {arr.shape}; wrap the model "
        f"with wrap_module(module, kind=...) with kind in {sorted(INPUT_KINDS)}."
    )


def as_array(X: Any, what: str = "X", *, features: bool = True) -> np.ndarray:
    """``X`` as a numpy array: a tensor detached to the CPU, a sparse matrix made dense.

    With ``features`` (data, not labels), a DataFrame's text columns are named in a
    DataError and numbers mixed with booleans become one float table.

    Raises DataError for what numpy cannot make one array of (rows of different lengths,
    nested lists of tables).
    """
    if isinstance(X, Tensor):
        return X.detach().cpu().numpy()
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse
        return np.asarray(X.toarray())
    dtypes = getattr(X, "dtypes", None)
    if features and dtypes is not None and hasattr(X, "columns"):  # a DataFrame's text columns
        text = [
            str(c) for c, t in zip(X.columns, list(dtypes)) if getattr(t, "kind", "O") not in "fiub"
        ]
        if text:
            raise DataError(
                f"{what} has columns that are not numbers: {text[:5]}"
                f"{' ...' if len(text) > 5 else ''}; convert them (pandas.to_numeric) or drop "
                "them (ids and labels are not features)."
            )
        kinds = {t.kind for t in list(dtypes)}
        if len(kinds) > 1:  # mixed numbers and booleans: one float table, not objects
            return np.asarray(X.to_numpy(dtype=np.float64))
    try:
        array = np.asarray(X)
    except ValueError as exc:
        raise DataError(
            f"{what} cannot be read as one array ({exc}); give a numeric array of shape "
            "(n_samples, ...), or, for a module of several inputs, a dict or tuple of arrays "
            "(one table per input)."
        ) from None
    if array.ndim == 0:
        raise DataError(
            f"{what} is a {type(X).__name__}, not an array of samples; give an array of shape "
            "(n_samples, ...) (to read a file: attnscope.io.read_data(path))."
        )
    return array


def check_shape(X: np.ndarray, kind: str, what: str = "X") -> None:
    """DataError when ``X`` has no samples or features, or not the shape ``kind`` takes."""
    if X.ndim >= 1 and X.shape[0] == 0:
        raise DataError(f"{what} has no samples (shape {X.shape}); give at least one sample.")
    if X.ndim >= 2 and 0 in X.shape[1:]:
        raise DataError(f"{what} has no features (shape {X.shape}).")
    wrong = (kind in ("onehot", "timeseries") and X.ndim != 3) or (
        kind in ("table", "tokens") and X.ndim != 2  # a 3-D 'table' gave 3-D attributions
    )
    if wrong or (kind == "onehot" and X.shape[1] != 4):
        raise DataError(
            f"kind={kind!r} takes {INPUT_KINDS[kind]}; {what} has shape {X.shape}. Pass the "
            f"kind the module takes: one of {sorted(INPUT_KINDS)}."
        )


def is_several(X: Any) -> bool:
    """Whether ``X`` holds several inputs: a dict or a tuple of arrays (captum's convention
    for a forward of several tensors), or a multi-omics set. A list is rows of samples."""
    if isinstance(X, MultiOmicsDataset | Mapping):
        return True
    return isinstance(X, tuple) and len(X) > 0 and all(hasattr(a, "shape") for a in X)


def in_forward_order(X: Mapping[str, Any], module: Any) -> Mapping[str, Any]:
    """A dict of inputs keyed by the names of ``module.forward``'s arguments, in that order.

    Keys that are exactly the forward's positional argument names are put in its order
    (``{"meth": M, "rna": R}`` for ``forward(self, rna, meth)``); other keys keep the dict's
    order (the module then takes them positionally in that order).
    """
    import inspect

    try:
        params = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        return X
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in kinds]
    keys = [str(k) for k in X]
    if sorted(keys) != sorted(names) or keys == names:
        return X
    by = {str(k): v for k, v in X.items()}
    return {name: by[name] for name in names}


def input_blocks(
    X: Any, like: Blocks | None = None, order: list[str] | None = None
) -> tuple[np.ndarray, Blocks, np.ndarray, bool]:
    """Several table inputs as one matrix with their layout.

    Parameters
    ----------
    X : dict of str -> array, tuple of arrays, or MultiOmicsDataset
        Each of shape (n_samples, n_features_i), in the order the module's forward takes
        them (dict insertion order; a tuple's inputs are named ``input0``, ``input1``, ...).
    like : list of (str, int), optional
        The inputs a model was given first: a tuple of as many inputs takes their names.
    order : list of str, optional
        The modalities of a multi-omics set in the module's argument order.

    Returns
    -------
    X : ndarray of shape (n_samples, sum of n_features_i)
    blocks : list of (str, int)
        Each input's name and width.
    feature_names : ndarray of str, shape (sum of n_features_i,)
        ``"name:feature"`` (a multi-omics set's own feature names, else column indices).
    named : bool
        Every input's columns have names (DataFrames, a multi-omics set): they can be
        matched by name with the tables the module was first given.
    """
    if isinstance(X, MultiOmicsDataset):
        parts = {m: X.omics[m] for m in (order or X.omics)}
        names = {m: np.asarray(X.feature_names[m]).astype(str) for m in parts}
        _warn_absent(X)
    elif isinstance(X, Mapping):
        parts = {str(k): v for k, v in X.items()}
        names = {}
    else:
        keys = [k for k, _ in like] if like and len(like) == len(X) else None
        parts = {keys[i] if keys else f"input{i}": a for i, a in enumerate(X)}
        names = {}
    if not parts:
        raise DataError("no inputs given: pass one array per input of the module.")
    parts, frame_names = align_frames(parts)
    names = {**frame_names, **names}
    arrays = {k: as_array(v, f"input {k!r}") for k, v in parts.items()}
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
        check_shape(a, "table", f"input {k!r}")
    blocks = [(k, int(a.shape[1])) for k, a in arrays.items()]
    matrix = np.concatenate([a.astype(np.float32) for a in arrays.values()], axis=1)
    feature_names = np.concatenate(
        [[f"{k}:{f}" for f in names.get(k, np.arange(w).astype(str))] for k, w in blocks]
    ).astype(str)
    return matrix, blocks, feature_names, all(k in names for k, _ in blocks)


def _warn_absent(X: MultiOmicsDataset) -> None:
    """Warn that samples absent from a modality reach the module as rows of zeros."""
    import warnings

    from attnscope.errors import AttnscopeWarning

    present = np.asarray(X.present, dtype=bool)
    if present.size == 0 or present.all():
        return
    counts = {m: int((~present[:, j]).sum()) for j, m in enumerate(X.omics)}
    absent = {m: c for m, c in counts.items() if c}
    warnings.warn(
        f"samples absent from a modality ({absent} of {len(present)}) reach the module as "
        "rows of zeros, which a network of several inputs reads as measured values; keep "
        "complete samples (data.subset(np.flatnonzero(data.present.all(axis=1)))) or "
        "impute them.",
        AttnscopeWarning,
        stacklevel=4,
    )


def align_frames(parts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Tables given as pandas DataFrames, in the first one's sample order, and their columns.

    DataFrames are matched by their index (sample ids), not by position: the same samples
    listed in another order are reordered; other samples, or a repeated id, are refused.
    """
    frames = {k: v for k, v in parts.items() if hasattr(v, "index") and hasattr(v, "columns")}
    columns = {k: id_strings(v.columns) for k, v in frames.items()}
    for k, names in columns.items():
        uniq, counts = np.unique(names, return_counts=True)
        if (counts > 1).any():  # an attribution per name would mix the repeated columns
            where = "X" if k == "X" else f"input {k!r}"
            raise DataError(
                f"{where} has repeated column names {uniq[counts > 1][:5].tolist()}; feature "
                "names must be unique (attributions are reported by name): rename or drop them."
            )
    if len(frames) < 2:
        return parts, columns
    (first_key, first), *rest = frames.items()
    order = first.index
    out = dict(parts)
    for k, frame in [(first_key, first), *rest]:
        if not frame.index.is_unique:
            twice = frame.index[frame.index.duplicated()].tolist()[:3]
            raise DataError(f"input {k!r} lists samples {twice} more than once.")
        if not frame.index.equals(order):
            missing = order.difference(frame.index).tolist()[:3]
            extra = frame.index.difference(order).tolist()[:3]
            if missing or extra:
                raise DataError(
                    f"input {k!r} does not hold the samples of input {first_key!r} (missing "
                    f"{missing}, not in {first_key!r}: {extra}); give every input the same "
                    "samples (the DataFrames' index)."
                )
            out[k] = frame.loc[order]
    return out, columns


def sample_ids_of(X: Any, n: int) -> np.ndarray:
    """Sample ids of ``X``: a Dataset's, a DataFrame's index (or the first DataFrame's of
    several inputs), else ``"0"``, ``"1"``, ..."""
    ids = getattr(X, "sample_ids", None)
    if ids is None and isinstance(X, Mapping | list | tuple):
        first = next(iter(X.values() if isinstance(X, Mapping) else X), None)
        ids = getattr(first, "index", None) if hasattr(first, "columns") else None
    elif ids is None and hasattr(X, "columns"):
        ids = X.index
    return np.arange(n).astype(str) if ids is None else id_strings(ids)


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
    """Refuse data laid out differently from the inputs the model was first given.

    Inputs first given unnamed (a tuple: ``input0``, ...) match any names of the same widths.
    """
    unnamed = stored and all(k == f"input{i}" for i, (k, _) in enumerate(stored))
    if unnamed and given and [w for _, w in stored] == [w for _, w in given]:  # type: ignore[union-attr]
        return
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


def several_inputs_dataset(X: Any, module: Any, stored: Blocks | None) -> ArrayDataset:
    """Several table inputs of ``module`` as one :class:`ArrayDataset` (``meta["inputs"]``).

    A dict keyed by the forward's argument names, or a multi-omics set's modalities named
    so, is put in the forward's order (:func:`in_forward_order`); ``stored`` is the layout
    the model was given first (see :func:`input_blocks`).
    """
    order = None
    if isinstance(X, Mapping):
        X = in_forward_order(X, module)
    elif isinstance(X, MultiOmicsDataset):
        order = list(in_forward_order(X.omics, module))
    matrix, blocks, feature_names, named = input_blocks(X, stored, order)
    return ArrayDataset(
        labels=None,
        sample_ids=sample_ids_of(X, len(matrix)),
        class_names=[],
        truth=None,
        meta={"inputs": blocks, "feature_names": feature_names, "columns_named": named},
        X=matrix,
    )


def table_feature_names(X: Any, array: np.ndarray) -> np.ndarray | None:
    """A DataFrame's columns, or a table Dataset's own feature names (genes), if any."""
    names = align_frames({"X": X})[1].get("X")
    own = getattr(X, "feature_names", None) if isinstance(X, Dataset) else None
    if names is None and own is not None and array.ndim == 2 and len(own) == array.shape[1]:
        names = np.asarray(own).astype(str)
    return names


def typed_input(X: np.ndarray, kind: str, vocab: int | None = None) -> np.ndarray:
    """``X`` in the dtype the module takes: int64 token ids within ``vocab`` (the embedding
    layer's size) for ``kind='tokens'``, float32 otherwise; DataError naming the fault."""
    if kind == "tokens":
        if X.dtype.kind not in "iu":
            raise DataError("kind='tokens' takes integer token ids.")
        if vocab is not None and X.size and (X.min() < 0 or X.max() >= vocab):
            i, j = np.argwhere((X < 0) | (X >= vocab))[0][:2]
            raise DataError(
                f"token id {X[i, j]} (sample {i}, position {j}) is outside the embedding "
                f"layer's vocabulary (ids 0..{vocab - 1}); encode the data as the module "
                "was trained."
            )
        return X.astype(np.int64)
    if X.dtype.kind not in "fiub":
        raise DataError(f"kind={kind!r} takes numbers, got dtype {X.dtype}.")
    return X.astype(np.float32)
