"""scikit-learn style base class that every attnscope classifier extends.

A subclass supplies the data conversion and the network; the base class owns
validation, seeding, splitting, the fit loop, prediction, saving and loading.

Parameter names, training options and dataset conversion live in ``_base_data``,
saving and loading in ``_base_persist``.
"""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import Tensor, nn

from attnscope.core import (
    AttributionSpec,
    CheckedParams,
    auto_batch_size,
    batched_forward,
    check_is_fitted,
    eval_mode,
    logits_of,
    seeded,
)
from attnscope.data import Dataset, align_to_schema, input_schema, train_val_test_split
from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.estimators._base_data import param_names, to_dataset, train_config
from attnscope.estimators._base_persist import rebuild, save_estimator
from attnscope.train import History, TrainConfig, cross_entropy_loss, fit_module, load_checkpoint

__all__ = ["BaseClassifier"]


class BaseClassifier(CheckedParams, ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Common fit / predict / save machinery.

    Parameters
    ----------
    epochs : int, default 50
        Maximum number of passes over the training data.
    batch_size : int, default 64
    lr : float, default 1e-3
    weight_decay : float, default 0.0
    optimizer : {"adam", "adamw"}, default "adam"
    amsgrad : bool, default False
    patience : int, default 10
        Epochs without improvement of ``monitor`` before stopping; the best epoch's
        weights are restored.
    monitor : {"accuracy", "balanced_accuracy", "auroc", "loss"}, default "accuracy"
        Validation metric for early stopping.
    min_epochs : int, default 0
        Epochs before this one (counted from 1) are never kept and do not count towards
        ``patience``.
    val_size : float, default 0.1
        Stratified share of the training data held out for early stopping (0 disables it).
    clip_grad_norm : float or None, default 1.0
    class_weight : {"balanced"}, dict or None, default None
        Loss weight per class; a dict maps labels (as in ``classes_``) to weights, the
        classes it does not name weigh 1 (scikit-learn's convention).
    device : {"cpu", "cuda", "cuda:N", "mps", "auto"}, default "cpu"
        Where the network trains; it stays there for prediction and explanation. An
        unavailable device raises :class:`~attnscope.errors.ConfigError` at ``fit``.
    random_state : int, default 0
        Seeds initialisation, batch order, dropout and the validation split.
    verbose : bool, default False
        Show a progress bar on a terminal.
    """

    #: CLI name, e.g. "cnn".
    name: ClassVar[str] = "base"
    #: Extra, model-specific attribution methods: name -> fn(estimator, spec, target, **opts)
    #: returning ``(values, meta)``, found by :func:`attnscope.explain.attribute`.
    attribution_methods: ClassVar[dict[str, Any]] = {}
    dataset_type: ClassVar[type[Dataset]] = Dataset

    def __init__(
        self,
        *,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        optimizer: str = "adam",
        amsgrad: bool = False,
        patience: int = 10,
        monitor: str = "accuracy",
        min_epochs: int = 0,
        val_size: float = 0.1,
        clip_grad_norm: float | None = 1.0,
        class_weight: str | dict[Any, float] | None = None,
        device: str = "cpu",
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.amsgrad = amsgrad
        self.patience = patience
        self.monitor = monitor
        self.min_epochs = min_epochs
        self.val_size = val_size
        self.clip_grad_norm = clip_grad_norm
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters ---------------------------------------------------------------
    @classmethod
    def _get_param_names(cls) -> list[str]:
        """Keyword parameters of every ``__init__`` in the class hierarchy."""
        return param_names(cls)

    def _train_config(self) -> TrainConfig:
        return train_config(self)

    # -- hooks for subclasses -----------------------------------------------------
    def _dataset_from_arrays(self, X: Any, y: Any | None, *, reset: bool = False) -> Dataset:
        raise ConfigError(f"{type(self).__name__} needs a {self.dataset_type.__name__}.")

    def _module_spec(self, data: Dataset) -> dict[str, Any]:
        """JSON-able description of the network built for ``data`` (saved with it)."""
        raise NotImplementedError

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def _init_from_data(self, module: nn.Module, data: Dataset) -> None:
        """Set data-dependent buffers (scalers, baselines) before training."""

    def _make_inputs(self, data: Dataset) -> tuple[Tensor, ...]:
        """Model inputs (CPU tensors, samples first) for ``data``."""
        raise NotImplementedError

    def _loss_fn(self):  # type: ignore[no-untyped-def]
        """``loss_fn(module, inputs, y, class_weight, epoch)``; default cross-entropy."""
        return cross_entropy_loss

    def _param_groups(self, module: nn.Module) -> list[dict[str, Any]] | None:
        """Optimiser parameter groups for fine-tuning; None: one group, every parameter."""
        return None

    def _check_data(self, data: Dataset) -> None:
        """Check a (fitted) model can take ``data``; raise DataError otherwise."""

    def _fit_network(self, module: nn.Module, *args: Any, **kwargs: Any) -> History:
        return fit_module(module, *args, **kwargs)  # a hook: seed ensembles train otherwise

    def attribution_spec(self, data: Dataset) -> AttributionSpec:
        """Describe the network to attribution methods (see :class:`AttributionSpec`)."""
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------
    def as_dataset(self, X: Any, y: Any | None = None, *, reset: bool = False) -> Dataset:
        """Validate ``X`` (a Dataset, arrays or an AnnData) and return this estimator's Dataset.

        ``reset`` (True in ``fit``) records ``classes_`` / ``n_features_in_`` for array input.
        A fitted estimator realigns ``X`` to the input schema it was trained on (columns,
        SNPs, variables, modalities by name; sequence length by the documented rule of
        :mod:`attnscope.data._schema`) or refuses it with the difference named.
        """
        data = self._as_dataset(X, y, reset=reset)
        schema = None if reset else getattr(self, "input_schema_", None)
        return align_to_schema(data, schema) if schema else data

    def _as_dataset(self, X: Any, y: Any | None, *, reset: bool = False) -> Dataset:
        return to_dataset(self, X, y, reset=reset)

    def fit(
        self,
        X: Any,
        y: Any | None = None,
        *,
        sample_weight: Any = None,
        validation_data: Dataset | None = None,
        layer: str | None = None,
    ) -> BaseClassifier:
        """Train on ``X`` (a Dataset, arrays with labels ``y``, or an AnnData).

        A stratified ``val_size`` share is held out for early stopping unless
        ``validation_data`` is given (too few samples for one of every class in it: all
        train, with a warning).

        Parameters
        ----------
        X : Dataset, array-like of shape (n_samples, ...) or AnnData
        y : array-like of shape (n_samples,), optional
            Labels of any dtype (``classes_`` keeps it); for an AnnData the ``obs`` column
            name may be given instead.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights of the training loss.
        validation_data : Dataset, optional
        layer : str, optional
            AnnData layer to read instead of ``adata.X`` (remembered for prediction).

        Returns ``self``.
        """
        from attnscope.estimators._params import check_params
        from attnscope.estimators._sklearn import (
            class_weight_vector,
            is_anndata,
            sample_weights,
            validation_share_fits,
        )

        given = {k: v for k, v in self.get_params().items() if not isinstance(v, dict)}  # as --set
        check_params(self.name, given, estimator=type(self).__name__)
        if y is not None and not isinstance(y, str) and hasattr(X, "iloc"):
            from attnscope.data import align_labels

            y = align_labels(y, X.index)  # labels indexed by sample id meet pandas X by id
        # A refit forgets the previous fit whole (labels, network, widths), so that one that
        # fails leaves an unfitted estimator, not the old network under the new labels.
        for fitted in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            del self.__dict__[fitted]
        if is_anndata(X) or layer is not None:
            from attnscope.estimators._sklearn import table_from_arrays

            if self.dataset_type.modality != "tabular":
                raise DataError(f"{type(self).__name__} cannot take an AnnData (a table).")
            data: Dataset = table_from_arrays(self, X, y, reset=True, layer=layer)
        else:
            data = self.as_dataset(X, y, reset=True)
        if not hasattr(self, "classes_") and y is not None and not isinstance(X, Dataset):
            from dataclasses import replace

            from attnscope.estimators._sklearn import fit_labels

            classes, codes = fit_labels(y)  # the labels' own dtype and order
            if len(codes) == len(data):
                self.classes_ = classes
                data = replace(data, labels=codes, class_names=[str(c) for c in classes])
        if not hasattr(self, "classes_"):
            self.classes_ = np.asarray(data.class_names)
        labels = data.y
        if isinstance(X, Dataset) and hasattr(data, "feature_names"):  # tables
            self.n_features_in_ = len(data.feature_names)
            self.feature_names_in_ = np.array([str(f) for f in data.feature_names], dtype=object)
        config = self._train_config()
        weights = None if sample_weight is None else sample_weights(sample_weight, len(data))
        if np.unique(labels).size < 2:
            raise DataError("the training labels hold only 1 class; a classifier needs two.")
        cw = class_weight_vector(self.class_weight, np.asarray(self.classes_), labels)
        train: Dataset = data
        val = validation_data
        train_idx = np.arange(len(data))
        if val is None and self.val_size > 0 and validation_share_fits(labels, self.val_size):
            train_idx, va_idx, _ = train_val_test_split(
                labels, val_size=self.val_size, test_size=0.0, random_state=self.random_state
            )
            train, val = data.subset(train_idx), data.subset(va_idx)
        self._check_data(train)
        if (reason := train.degenerate()) is not None:
            warnings.warn(f"{reason}.", AttnscopeWarning, stacklevel=2)
        self.input_schema_ = input_schema(train)
        loss_fn = self._loss_fn()
        if weights is not None and "sample_weight" not in inspect.signature(loss_fn).parameters:
            raise ConfigError(f"{type(self).__name__} does not support sample_weight.")
        with seeded(self.random_state, config.device):
            self.spec_ = self._module_spec(train)
            module = self._build_module(self.spec_)
            self._init_from_data(module, train)
            gen = torch.Generator().manual_seed(int(self.random_state))
            val_inputs = self._make_inputs(val) if val is not None else None
            val_y = torch.as_tensor(self._codes(val)) if val is not None else None
            self.history_: History = self._fit_network(
                module,
                self._make_inputs(train),
                torch.as_tensor(train.y),
                config=config,
                val_inputs=val_inputs,
                val_y=val_y,
                loss_fn=loss_fn,
                class_weight=cw,
                generator=gen,
                parameters=self._param_groups(module),
                sample_weight=None if weights is None else torch.as_tensor(weights[train_idx]),
            )
        self.module_ = module  # stays on the training device
        self.n_train_ = len(train)
        return self

    def _codes(self, data: Dataset) -> np.ndarray:
        """Labels of ``data`` as column indices of ``classes_``."""
        names = [str(c) for c in self.classes_]
        unknown = sorted(set(data.class_names) - set(names))
        if unknown:
            source = data.meta.get("source") if isinstance(data.meta, dict) else None
            n = int(np.isin(np.asarray(data.class_names)[data.y], unknown).sum())
            raise DataError(
                f"{str(source) + ': ' if source else ''}labels {unknown} ({n} samples) were not "
                f"seen in training (classes {names}); remove those samples, or fit a model "
                "on data with these classes."
            )
        lut = np.array([names.index(c) for c in data.class_names], dtype=np.int64)
        return lut[data.y]

    def predict_logits(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes): the logits (a seed ensemble's: log mean proba)."""
        check_is_fitted(self)
        data = self._align(self.as_dataset(X))
        self._check_data(data)
        inputs = self._make_inputs(data)
        return batched_forward(
            self.module_, inputs, batch_size=self._inference_batch(inputs)
        ).numpy()

    def _inference_batch(self, inputs: tuple[Tensor, ...]) -> int:
        """Samples per inference pass: at most max(256, batch_size), within the memory budget
        (``ATTNSCOPE_MEMORY_BUDGET``): a wide model gets smaller batches."""
        module = self.module_

        def forward(*xs: Tensor) -> Tensor:
            return logits_of(module(*xs))

        rows = max(256, int(self.batch_size))
        with eval_mode(module):
            return auto_batch_size(forward, inputs, grad=False, max_rows=rows)

    def _align(self, data: Dataset) -> Dataset:
        """Hook: reorder a fitted model's input features by name (tables)."""
        return data

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``."""
        check_is_fitted(self)
        logits = torch.as_tensor(self.predict_logits(X))
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels, of the dtype of the training labels (``classes_``)."""
        check_is_fitted(self)
        return np.asarray(self.classes_)[self.predict_proba(X).argmax(axis=1)]

    def score(self, X: Any, y: Any | None = None, sample_weight: Any = None) -> float:
        """(Weighted) accuracy on ``X`` (labels from the Dataset, ``y`` or an obs key)."""
        check_is_fitted(self)
        if y is not None and not isinstance(X, Dataset) and not isinstance(y, str):
            from sklearn.metrics import accuracy_score

            from attnscope.estimators._sklearn import checked_labels

            y = checked_labels(y, X)  # NaN, None, a Series of other ids: a DataError
            return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))
        data = self.as_dataset(X, y)
        pred = self.predict_proba(data).argmax(axis=1)
        return float(np.average(pred == self._codes(data), weights=sample_weight))

    def evaluate(self, X: Any, y: Any | None = None) -> dict[str, Any]:
        """All predictive metrics plus the confusion matrix on labelled data."""
        from attnscope.metrics import classification_metrics, confusion

        data = self.as_dataset(X, y)
        proba = self.predict_proba(data)
        codes = self._codes(data)
        out: dict[str, Any] = classification_metrics(codes, proba)
        out["confusion_matrix"] = confusion(
            codes, proba.argmax(axis=1), len(self.classes_)
        ).tolist()
        out["classes"] = self.classes_.tolist()
        out["n_samples"] = len(data)
        return out

    # -- persistence --------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors`` + ``model.json`` into ``directory``."""
        return save_estimator(self, directory)

    @classmethod
    def load(cls, directory: str | Path) -> BaseClassifier:
        """Rebuild a fitted estimator from ``save`` output (no code is unpickled)."""
        from attnscope.estimators._registry import get_estimator_class

        _JSON_KIND = {str: "string", dict: "object", list: "array"}
        meta, state = load_checkpoint(directory)
        where = Path(directory) / "model.json"
        for key, kind in (("estimator", str), ("params", dict), ("spec", dict), ("classes", list)):
            if not isinstance(meta.get(key), kind):
                raise DataError(
                    f"{where}: {key!r} is missing or not a JSON {_JSON_KIND[kind]} (the file "
                    "was edited or cut); re-run the fit."
                )
        try:
            klass = get_estimator_class(meta["estimator"])
        except ConfigError as exc:
            raise DataError(
                f"{where}: {exc} Re-run the fit, or use the attnscope version that wrote it."
            ) from exc
        if cls is not BaseClassifier and not issubclass(klass, cls):
            raise DataError(f"{directory} holds a {klass.__name__}, not a {cls.__name__}.")
        return rebuild(klass, meta, state, directory, where)
