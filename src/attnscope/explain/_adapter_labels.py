"""Labels and option checks of a wrapped module (see :func:`attnscope.explain.wrap_module`).

Labels are read as logit columns (indices or class names), the module's number of outputs
is probed from one sample, ``wrap_module``'s own options are checked before anything
runs; DNA strings become the one-hot or token input a sequence module takes, and named
columns are put in the order the module was first given them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope._utils.numbers import is_finite_number
from attnscope.data import ArrayDataset, Dataset, id_strings
from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.explain._adapter_inputs import INPUT_KINDS, as_array

__all__ = [
    "check_wrap_options",
    "label_codes",
    "labels_of",
    "probe_width",
    "same_columns",
    "text_as_sequences",
]


def labels_of(X: Any, names: list[str]) -> np.ndarray | None:
    """Labels carried by an attnscope Dataset, as names (None for arrays)."""
    if isinstance(X, Dataset) and X.labels is not None:
        return np.asarray(X.class_names)[X.labels]
    return None


def label_codes(y: Any, names: list[str]) -> np.ndarray:
    """Labels as logit columns, shape (n_samples,): class indices, or names in ``names``.

    Whole floats (``1.0``) and booleans are indices; NaN is a missing label (refused).
    """
    y = as_array(y, "y", features=False)
    names = [str(c) for c in names]
    if y.ndim == 2 and y.shape[1] == 1:  # one column (a DataFrame's)
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(
            f"y must hold one label per sample, shape (n_samples,); got shape {y.shape} "
            "(one-hot rows? give y.argmax(axis=1))."
        )
    if y.dtype.kind in "fO":  # NaN, or None among names: missing labels
        gone = [v is None or (isinstance(v, float) and v != v) for v in y.tolist()]
        missing = np.flatnonzero(gone)
        if missing.size:
            raise DataError(
                f"{missing.size} labels are missing (NaN or None), the first at sample "
                f"{missing[0]}; drop those samples or give their labels."
            )
    if y.dtype.kind == "f":
        if np.all(y == np.round(y)):
            y = y.astype(np.int64)
    if y.dtype.kind in "iub":
        y = y.astype(np.int64)
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(
                f"labels must be class indices in 0..{len(names) - 1} (the model's classes "
                f"{names}); got values from {y.min()} to {y.max()}."
            )
        return y
    lut = {n: i for i, n in enumerate(names)}
    unknown = sorted({str(v) for v in y} - set(lut))
    if unknown:
        raise DataError(
            f"labels {unknown[:5]} are not among the classes {names} (the model's, in logit "
            "order); give class indices, or name the classes: wrap_module(net, kind=..., "
            "classes=[...])."
        )
    return np.array([lut[str(v)] for v in y], dtype=np.int64)


def probe_width(module: nn.Module, inputs: tuple[Tensor, ...], classes: Any = None) -> int:
    """The number of logits ``module`` gives for ``inputs`` (one sample).

    A module given data it cannot take (too few features, one table for a forward of two
    inputs) fails inside its own forward: that becomes a DataError naming the inputs it
    was given, and a ``classes`` list of another length a ConfigError.
    """
    from attnscope.core import batched_forward, module_device

    if module_device(module).type == "meta":
        raise ConfigError(
            "the module's parameters are on the 'meta' device (no values): load its weights "
            "(e.g. module.to_empty(device='cpu'), then load_state_dict) first."
        )
    try:
        out = batched_forward(module, inputs)
    except (ConfigError, DataError):
        raise
    except Exception as exc:
        shapes = ", ".join(str(tuple(t.shape)) for t in inputs)
        raise DataError(
            f"the module's forward failed on one sample of the data, given {len(inputs)} "
            f"input(s) of shape {shapes}: {type(exc).__name__}: {exc}. Give the data the "
            "module takes: its number of features, and for a forward of several inputs a "
            "dict or tuple of tables, one per input in its order."
        ) from exc
    if out.ndim != 2 or not out.is_floating_point():
        raise ConfigError(
            f"the module returned {out.dtype} values of shape {tuple(out.shape)} for one "
            "sample; return float logits of shape (batch, n_classes) (or (batch,) for a "
            "binary model's log-odds), not predicted classes or per-position outputs."
        )
    width = int(out.shape[1])
    row = out[0].detach().double()
    if (
        width > 1
        and bool((row >= 0).all() and (row <= 1).all())
        and abs(float(row.sum()) - 1) < 1e-5
    ):
        shown = [round(v, 3) for v in row.tolist()[:4]]
        warnings.warn(
            f"the module's outputs for one sample look like probabilities ({shown}: "
            "each in [0, 1], summing to 1); attnscope reads them as logits and applies "
            "softmax again, which flattens predictions, deletion curves and gradients: "
            "return the logits (drop the final softmax).",
            AttnscopeWarning,
            stacklevel=4,
        )
    check_final_op(module, inputs)
    if classes is not None and len(classes) != width:
        raise ConfigError(
            f"classes names {len(classes)} classes ({list(classes)}) but the module gives "
            f"{width} logits; give one name per logit, in logit order."
        )
    return width


#: Final ops that make probabilities (or their logarithm) of logits, by the name in
#: messages; read as logits, a single one predicts one class for every sample.
_PROBABILITY_OPS = {
    "Sigmoid": ("a sigmoid", "a probability in [0, 1]", 1),
    "Hardsigmoid": ("a hard sigmoid", "a probability in [0, 1]", 1),
    "LogSigmoid": ("a log-sigmoid", "a log-probability <= 0", 0),
}


def _final_op(module: nn.Module, inputs: tuple[Tensor, ...]) -> tuple[str | None, int]:
    """The op ending ``module``'s forward on ``inputs`` (see :func:`attnscope.core.last_op`)
    and its raw number of outputs per sample; ``(None, 0)`` where one forward with
    gradients cannot tell (the probe's own forward reports a failing module)."""
    from attnscope.core import eval_mode, last_op, module_device, module_dtype, raw_logits

    dev, dtype = module_device(module), module_dtype(module)
    # a non-leaf copy that requires grad: a graph even from frozen weights, and a forward
    # writing into its input in place still runs
    batch = [
        t.detach().to(dev, dtype).requires_grad_().clone() if t.is_floating_point() else t.to(dev)
        for t in inputs
    ]
    try:
        with eval_mode(module), torch.enable_grad():
            raw = raw_logits(module(*batch))
    except Exception:
        return None, 0
    return last_op(raw), 1 if raw.ndim == 1 else int(raw.shape[-1])


def check_final_op(module: nn.Module, inputs: tuple[Tensor, ...]) -> None:
    """ConfigError for a single output that ends in a sigmoid (a probability read as
    log-odds: one predicted class for every sample); a warning for several outputs that do
    (probabilities read as logits).

    The module's graph says so, not its values: a genuine logit may lie in [0, 1] too.
    """
    op, width = _final_op(module, inputs)
    if op not in _PROBABILITY_OPS:
        return
    what, values, cls = _PROBABILITY_OPS[op]
    if width == 1:
        raise ConfigError(
            f"the module's single output ends in {what} (torch's {op}): {values}, while "
            "attnscope reads one output per sample as a binary model's log-odds, so every "
            f"sample would be predicted class {cls}; return the logit: drop the final {op} "
            "(e.g. nn.Sequential(*net[:-1])) and train with BCEWithLogitsLoss."
        )
    warnings.warn(
        f"the module's {width} outputs end in {what} (torch's {op}), each {values}, "
        "which attnscope reads as logits and applies softmax to, flattening predictions, "
        f"deletion curves and gradients: return the logits (drop the final {op}).",
        AttnscopeWarning,
        stacklevel=5,
    )


def check_wrap_options(module: Any, classes: Any, pad_token: Any, train: dict[str, Any]) -> None:
    """ConfigError for a :func:`wrap_module` argument of the wrong type or range."""
    from torch import nn

    if not isinstance(module, nn.Module):
        raise ConfigError(f"module must be a torch.nn.Module, got {type(module).__name__}.")
    for key, value in train.items():
        number = is_finite_number(value)
        if key in ("epochs", "batch_size") and not (number and value == int(value) >= 1):
            raise ConfigError(f"{key} must be a whole number >= 1, got {value!r}.")
        if key == "lr" and not (number and 0 < value < float("inf")):
            raise ConfigError(f"lr must be a positive number, got {value!r}.")
    if isinstance(pad_token, bool) or not isinstance(pad_token, int | np.integer):
        raise ConfigError(f"pad_token must be a token id (an integer), got {pad_token!r}.")
    if classes is not None and len(set(map(str, classes))) < len(list(classes)):
        raise ConfigError(f"classes must be distinct names, one per logit; got {list(classes)}.")


def text_as_sequences(X: Any, kind: str) -> Any:
    """DNA strings as a SequenceDataset for a module of one-hot DNA (A, C, G, T channels, as
    the CNN takes them), else ``X``; text for any other module is a DataError (token ids
    are the module's own vocabulary: attnscope's codes would be a silent guess)."""
    arr = X if isinstance(X, np.ndarray) else None
    if isinstance(X, str | list) or type(X).__name__ == "Series":
        arr = np.asarray(X, dtype=object)
    if arr is None or not (arr.dtype.kind in "US" or (arr.size and isinstance(arr.flat[0], str))):
        return X
    if kind != "onehot":
        if isinstance(X, str):  # a path given for data: as_array names the reader
            return X
        fix = (
            "encode the strings as the module was trained (its own token ids)"
            if kind == "tokens"
            else "for DNA strings wrap the module with kind='onehot'"
        )
        raise DataError(
            f"X holds text ({str(arr.flat[0])[:20]!r}, ...) but kind={kind!r} takes "
            f"{INPUT_KINDS[kind]}; {fix}."
        )
    from dataclasses import replace

    from attnscope.estimators._cnn import sequence_dataset_from_arrays

    data = sequence_dataset_from_arrays(X, None)
    series = type(X).__name__ == "Series"  # its index holds the sample ids
    return replace(data, sample_ids=id_strings(X.index)) if series else data


def same_columns(data: ArrayDataset, first: list[str] | None) -> ArrayDataset:
    """``data`` with its named columns in the order of the ``first`` named table the module
    was given (a DataFrame's columns carry meaning; their order in a file does not)."""
    names = data.meta.get("feature_names")
    if first is None or names is None or data.X.ndim != 2 or list(names) == first:
        return data
    from dataclasses import replace

    import pandas as pd

    given = np.asarray(names).astype(str).tolist()
    missing, extra = sorted(set(first) - set(given)), sorted(set(given) - set(first))
    if missing or extra:
        raise DataError(
            f"X's columns are not those the module was first given: missing {missing[:5]}, "
            f"new {extra[:5]}; give the same features (columns are matched by name)."
        )
    order = pd.Index(given).get_indexer(first)
    return replace(data, X=data.X[:, order], meta={**data.meta, "feature_names": np.array(first)})
