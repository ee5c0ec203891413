"""Your own PyTorch model through the same contract as attnscope's estimators.

:func:`wrap_module` states what a plain ``nn.Module`` takes (a table, one-hot DNA, token ids
with an embedding layer, or a time x variable series) and returns a :class:`TorchModel`:
the object every attribution method (:func:`attnscope.explain.attribute`) and every trust
metric (:func:`attnscope.trust.trust_table`) accepts. Nothing in the module changes; its
forward may return logits, a tuple whose first item is the logits, or a ``ModelOutput``.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import Tensor, nn

from attnscope.core import (
    AttributionSpec,
    CheckedParams,
    batched_forward,
    module_device,
    module_dtype,
    seeded,
)
from attnscope.data import ArrayDataset, Dataset, align_labels
from attnscope.errors import ConfigError, DataError
from attnscope.explain._adapter_inputs import (
    INPUT_KINDS,
    Blocks,
    as_array,
    check_same_blocks,
    check_shape,
    infer_kind,
    is_several,
    sample_ids_of,
    several_inputs_dataset,
    several_kind_error,
    split_inputs,
    table_feature_names,
    typed_input,
)
from attnscope.explain._adapter_labels import (
    check_wrap_options,
    label_codes,
    labels_of,
    probe_width,
    same_columns,
    text_as_sequences,
)

__all__ = ["INPUT_KINDS", "TorchModel", "as_model", "infer_kind", "wrap_module"]


def wrap_module(
    module: nn.Module,
    *,
    kind: str,
    embedding: nn.Module | str | None = None,
    baseline: Any = None,
    classes: Any = None,
    pad_token: int = 0,
    **train_params: Any,
) -> TorchModel:
    """Expose a trained ``nn.Module`` to attnscope's attribution methods and trust metrics.

    Parameters
    ----------
    module : nn.Module
        A trained classifier: ``module(x)`` returns logits of shape (batch, n_classes),
        or a binary model's log-odds of shape (batch,) or (batch, 1), read as two classes
        (see :func:`attnscope.core.logits_of`); also inside a tuple, a dict or a
        ``ModelOutput``. Any floating dtype (inputs are cast to it). A single output
        ending in a sigmoid (a probability) is a ConfigError: return the logit.
    kind : {"table", "onehot", "tokens", "timeseries"}
        What ``module`` takes (see :data:`INPUT_KINDS`; DNA strings for onehot are
        one-hot encoded as for attnscope's CNN). A module of several table inputs,
        ``module(rna, methylation)``, is ``"table"`` and is given its data as a dict of
        arrays (keys naming the forward's arguments are put in its order; other keys are
        taken in the dict's order), a tuple of arrays (captum's convention; a list is rows
        of samples), or a :class:`~attnscope.data.MultiOmicsDataset`: one table per
        input; attributions cover every input's features side by side, named
        ``"input:feature"``. DataFrames (and a Series of labels) are matched by their
        index (sample ids), and their columns name the features.
    embedding : nn.Module or str, optional
        For ``kind="tokens"``: the embedding layer inside ``module`` (or its name in
        ``module.named_modules()``). Gradient methods differentiate its output;
        layer integrated gradients attribute through it.
    baseline : float, array or "mean", optional
        The reference input of gradient methods and the value of a removed feature.
        Default zeros (an all-zero one-hot column is "no base"); ``"mean"`` uses the mean
        of the data being explained. Ignored for tokens, whose reference is ``pad_token``.
    classes : sequence, optional
        Class names in logit order; default ``"0", "1", ...``.
    pad_token : int, default 0
        The "absent" token for ``kind="tokens"``.
    **train_params
        ``epochs``, ``lr``, ``batch_size``, ``random_state``: used only when a trust
        metric retrains a copy (label randomisation, ROAR).

    Returns
    -------
    TorchModel

    Examples
    --------
    >>> trust_table(wrap_module(net, kind="tokens", embedding=net.embed), X, y)  # doctest: +SKIP
    """
    check_wrap_options(module, classes, pad_token, train_params)
    name = embedding if isinstance(embedding, str) or embedding is None else None
    if isinstance(embedding, nn.Module):
        found = [n for n, m in module.named_modules() if m is embedding]
        if not found:
            raise ConfigError("embedding must be a layer inside module (not found in it).")
        name = found[0]
    model = TorchModel(
        module,
        kind=kind,
        embedding=name,
        baseline=baseline,
        classes=None if classes is None else list(classes),
        pad_token=pad_token,
        **train_params,
    )
    model._check_kind()  # a typo of kind is named here, not at the first explanation
    return model


class TorchModel(CheckedParams, ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A user's ``nn.Module`` with the attnscope model contract (see :func:`wrap_module`).

    ``module_`` is the wrapped (trained) module, ``attribution_spec(data)`` describes it to
    the attribution methods, and ``fit`` retrains it in place from a fresh initialisation
    through the one training loop (for trust metrics retraining a :func:`~sklearn.base.clone`).
    """

    name: ClassVar[str] = "torch"
    attribution_methods: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        module: nn.Module,
        *,
        kind: str = "table",
        embedding: str | None = None,
        baseline: Any = None,
        classes: list[Any] | None = None,
        pad_token: int = 0,
        epochs: int = 5,
        lr: float = 1e-3,
        batch_size: int = 64,
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.module = module
        self.kind = kind
        self.embedding = embedding
        self.baseline = baseline
        self.classes = classes
        self.pad_token = pad_token
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    # -- the contract ----------------------------------------------------------------
    @property
    def module_(self) -> nn.Module:
        """The wrapped network (a wrapped module counts as fitted)."""
        return self.module

    @property
    def classes_(self) -> np.ndarray:
        """Class names in logit order."""
        if self.classes is not None:
            return np.asarray([str(c) for c in self.classes])
        n_out = getattr(self, "n_outputs_", None)
        if n_out is None:
            raise ConfigError("give classes= to wrap_module, or call as_dataset(X) first.")
        return np.arange(n_out).astype(str)

    def _check_kind(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ConfigError(f"kind must be one of {sorted(INPUT_KINDS)}, got {self.kind!r}.")
        if self.kind == "tokens" and self._embedding_layer() is None:
            raise ConfigError(
                "kind='tokens' needs the embedding layer: wrap_module(net, kind='tokens', "
                "embedding=net.<embedding layer>)."
            )

    def _embedding_layer(self) -> nn.Module | None:
        if self.embedding is None:
            return None
        layers = dict(self.module.named_modules())
        if self.embedding not in layers:
            raise ConfigError(f"the module has no layer named {self.embedding!r}.")
        return layers[self.embedding]

    def as_dataset(self, X: Any, y: Any | None = None) -> Dataset:
        """``X`` as an :class:`~attnscope.data.ArrayDataset` of this model's input kind.

        ``X`` is an array, an ArrayDataset, or an attnscope Dataset of the matching
        modality (sequences become one-hot or tokens, tables their matrix, time series
        their values; DataFrame columns in the order of the first named table it was given,
        by name). ``y`` holds class indices in logit order or names in ``classes``.
        """
        self._check_kind()
        X = text_as_sequences(X, self.kind)  # DNA strings, as the CNN takes them
        if type(X).__name__ == "AnnData":
            from attnscope.io import from_anndata

            X = from_anndata(X)
        if isinstance(X, ArrayDataset):
            data = X
        elif is_several(X):
            if self.kind != "table":
                raise several_kind_error(self.kind)
            data = several_inputs_dataset(X, self.module, getattr(self, "input_blocks_", None))
        else:
            array = self._array_from(X)
            data = ArrayDataset(
                labels=None,
                sample_ids=sample_ids_of(X, len(array)),
                class_names=[],
                truth=getattr(X, "truth", None),
                meta={"feature_names": table_feature_names(X, array)},
                X=array,
            )
        given, stored = data.meta.get("inputs"), getattr(self, "input_blocks_", None)
        check_same_blocks(stored, given)
        # named columns (DataFrames, also as several inputs) follow the first named table's
        named = data.meta.get("columns_named", not given)
        data = same_columns(data, getattr(self, "feature_names_in_", None) if named else None)
        width = self._probe(data)  # the layout is kept only once the module took it
        if given and (stored is None or stored != given):
            self.input_blocks_ = [(str(k), int(w)) for k, w in given]
        if named and data.meta.get("feature_names") is not None and data.X.ndim == 2:
            self.feature_names_in_ = [str(n) for n in data.meta["feature_names"]]
        if not hasattr(self, "n_outputs_") and self.classes is None:
            self.n_outputs_ = width
        names = [str(c) for c in self.classes_]
        labels = align_labels(y, data.sample_ids) if y is not None else labels_of(X, names)
        if labels is None:
            return replace(data, class_names=names)
        return replace(data, labels=label_codes(labels, names), class_names=names)

    def _probe(self, data: Dataset) -> int:
        """The module's number of outputs, from one sample (see :func:`probe_width`)."""
        inputs = self._make_inputs(data.subset(slice(0, 1)))
        return probe_width(self.module, inputs, self.classes)

    def _array_from(self, X: Any) -> np.ndarray:
        if isinstance(X, Dataset):
            if hasattr(X, "tokens"):
                tokens = np.asarray(X.tokens)
                if self.kind == "tokens":
                    return tokens
                from attnscope.models import one_hot_dna

                return one_hot_dna(torch.as_tensor(tokens)).numpy()
            for attr in ("X", "values", "genotypes"):
                if getattr(X, attr, None) is not None:
                    return np.asarray(getattr(X, attr))
            raise DataError(f"a wrapped module cannot take {X.modality} data.")
        array = as_array(X)
        if array.ndim >= 2:
            check_shape(array, self.kind)
        return array

    def _input_array(self, X: np.ndarray) -> np.ndarray:
        layer = self._embedding_layer() if self.kind == "tokens" else None
        return typed_input(X, self.kind, getattr(layer, "num_embeddings", None))

    def _blocks(self, data: Dataset) -> Blocks | None:
        """The layout of several inputs: the data's own, else the one the model was given."""
        blocks = data.meta.get("inputs") or getattr(self, "input_blocks_", None)
        return [(str(k), int(w)) for k, w in blocks] if blocks else None

    def _make_inputs(self, data: Dataset) -> tuple[Tensor, ...]:
        x = torch.as_tensor(self._input_array(np.asarray(data.X)))  # type: ignore[attr-defined]
        return split_inputs(x, self._blocks(data))

    def _codes(self, data: Dataset) -> np.ndarray:
        return data.y

    def attribution_spec(self, data: Dataset) -> AttributionSpec:
        """Describe the wrapped module to attribution methods (see :class:`AttributionSpec`)."""
        from attnscope.explain._adapter_spec import array_spec, token_spec

        self._check_kind()
        device = module_device(self.module)
        if self.kind == "tokens":
            (tokens,) = self._make_inputs(data)
            layer = self._embedding_layer()
            return token_spec(self.module, layer, tokens.to(device), int(self.pad_token))
        x = torch.as_tensor(self._input_array(np.asarray(data.X))).to(device)  # type: ignore[attr-defined]
        blocks = self._blocks(data)
        names = data.meta.get("feature_names")  # several inputs', or a DataFrame's columns
        return array_spec(
            self.module, x, self._baseline_tensor(x), blocks, self.kind == "onehot", names
        )

    def _baseline_tensor(self, x: Tensor) -> Tensor:
        from attnscope.explain._adapter_spec import baseline_tensor

        return baseline_tensor(self.baseline, x)

    # -- prediction and retraining ----------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes)."""
        from attnscope.core import check_finite_logits

        data = self.as_dataset(X)
        logits = batched_forward(self.module, self._make_inputs(data), batch_size=256)
        check_finite_logits(logits, data.sample_ids)
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class names."""
        proba = self.predict_proba(X)  # first: it reads the number of classes
        return self.classes_[proba.argmax(axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy; ``y`` holds class indices in logit order or names in ``classes``."""
        from sklearn.metrics import accuracy_score

        data = self.as_dataset(X, y)
        pred = self.predict_proba(data).argmax(axis=1)
        return float(accuracy_score(data.y, pred, sample_weight=sample_weight))

    def fit(self, X: Any, y: Any | None = None) -> TorchModel:
        """Re-initialise the wrapped module and train it on ``X`` (attnscope's one loop).

        Used by trust metrics on a :func:`~sklearn.base.clone`; layers without
        ``reset_parameters`` keep their weights.
        """
        from attnscope.train import TrainConfig, fit_module

        data = self.as_dataset(X, y)
        if not any(p.requires_grad for p in self.module.parameters()):
            raise ConfigError(
                "the module has no trainable parameters, so it cannot be retrained (the "
                "trust table's label randomisation retrains a copy): pass "
                "label_randomisation=False to trust_table."
            )
        config = TrainConfig(
            epochs=int(self.epochs),
            lr=float(self.lr),
            batch_size=int(self.batch_size),
            device=str(module_device(self.module)),
            verbose=bool(self.verbose),
        )
        with seeded(self.random_state, config.device):
            for layer in self.module.modules():
                reset = getattr(layer, "reset_parameters", None)
                if callable(reset):
                    reset()
            gen = torch.Generator().manual_seed(int(self.random_state))
            dtype = module_dtype(self.module)  # a float64 or bfloat16 module trains as it is
            inputs = tuple(
                t.to(dtype) if t.is_floating_point() else t for t in self._make_inputs(data)
            )
            self.history_ = fit_module(
                self.module,
                inputs,
                torch.as_tensor(data.y),
                config=config,
                generator=gen,
            )
        return self

    def __sklearn_clone__(self) -> TorchModel:
        """A copy holding its own deep copy of the module (retraining never touches ours)."""
        params = self.get_params(deep=False)
        params["module"] = copy.deepcopy(self.module)
        clone = type(self)(**params)
        for fitted in ("n_outputs_", "input_blocks_", "feature_names_in_"):
            if hasattr(self, fitted):
                setattr(clone, fitted, getattr(self, fitted))
        return clone


def as_model(model: Any, data: Any = None) -> Any:
    """A fitted attnscope model, or a plain ``nn.Module`` wrapped by its data's kind.

    Raises :class:`~attnscope.errors.NotFittedError` for an unfitted estimator.
    """
    from attnscope.core import check_is_fitted

    if isinstance(model, nn.Module):
        kind = infer_kind(data)
        if kind == "tokens":
            raise ConfigError(
                "the data are integers, which a plain module is taken to read as token ids; "
                "for a table of integer values (genotype dosages, counts) pass "
                "wrap_module(net, kind='table'), for token ids wrap_module(net, "
                "kind='tokens', embedding=net.<embedding layer>)."
            )
        return wrap_module(model, kind=kind)
    check_is_fitted(model)
    return model
