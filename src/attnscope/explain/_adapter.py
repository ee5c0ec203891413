"""Your own PyTorch model through the same contract as attnscope's estimators.

:func:`wrap_module` states what a plain ``nn.Module`` takes (a table, one-hot DNA, token ids
with an embedding layer, or a time x variable series) and returns a :class:`TorchModel`:
the object every attribution method (:func:`attnscope.explain.attribute`) and every trust
metric (:func:`attnscope.trust.trust_table`) accepts. Nothing in the module changes; its
forward may return logits, a tuple whose first item is the logits, or a ``ModelOutput``.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import Tensor, nn

from attnscope.core import (
    AttributionSpec,
    batched_forward,
    logits_of,
    module_device,
    module_dtype,
    seeded,
)
from attnscope.data import ArrayDataset, Dataset
from attnscope.errors import ConfigError, DataError

__all__ = ["INPUT_KINDS", "TorchModel", "as_model", "infer_kind", "wrap_module"]

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
    on the second axis are ``onehot``; other float 3-D arrays are ``timeseries``.
    """
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
        ``ModelOutput``. Any floating dtype (inputs are cast to it).
    kind : {"table", "onehot", "tokens", "timeseries"}
        What ``module`` takes (see :data:`INPUT_KINDS`).
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
    >>> model = wrap_module(net, kind="tokens", embedding=net.embed)  # doctest: +SKIP
    >>> trust_table(model, X, y)  # doctest: +SKIP
    """
    name = embedding if isinstance(embedding, str) or embedding is None else None
    if isinstance(embedding, nn.Module):
        found = [n for n, m in module.named_modules() if m is embedding]
        if not found:
            raise ConfigError("embedding must be a layer inside module (not found in it).")
        name = found[0]
    return TorchModel(
        module,
        kind=kind,
        embedding=name,
        baseline=baseline,
        classes=None if classes is None else list(classes),
        pad_token=pad_token,
        **train_params,
    )


class TorchModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A user's ``nn.Module`` with the attnscope model contract (see :func:`wrap_module`).

    ``module_`` is the wrapped module itself (already trained), ``attribution_spec(data)``
    describes it to the attribution methods, and ``fit`` retrains it in place from a fresh
    initialisation through attnscope's one training loop (used by the trust metrics that
    retrain a copy made with :func:`sklearn.base.clone`).
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
        their values). ``y`` holds class indices in logit order or names in ``classes``.
        """
        self._check_kind()
        if isinstance(X, ArrayDataset):
            data = X
        else:
            data = ArrayDataset(
                labels=None,
                sample_ids=np.asarray(getattr(X, "sample_ids", np.arange(len(X)).astype(str))),
                class_names=[],
                truth=getattr(X, "truth", None),
                meta={},
                X=self._array_from(X),
            )
        if not hasattr(self, "n_outputs_") and self.classes is None:
            probe = torch.as_tensor(self._input_array(data.X[:1]))
            self.n_outputs_ = int(batched_forward(self.module, (probe,)).shape[1])
        names = list(self.classes_)
        labels = y if y is not None else _labels_of(X, names)
        from dataclasses import replace

        if labels is None:
            return replace(data, class_names=names)
        codes = _codes(np.asarray(labels), names)
        return replace(data, labels=codes, class_names=names)

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
        return np.asarray(X)

    def _input_array(self, X: np.ndarray) -> np.ndarray:
        if self.kind == "tokens":
            if X.dtype.kind not in "iu":
                raise DataError("kind='tokens' takes integer token ids.")
            return X.astype(np.int64)
        if X.dtype.kind not in "fiub":
            raise DataError(f"kind={self.kind!r} takes numbers, got dtype {X.dtype}.")
        return X.astype(np.float32)

    def _make_inputs(self, data: Dataset) -> tuple[Tensor, ...]:
        return (torch.as_tensor(self._input_array(np.asarray(data.X))),)  # type: ignore[attr-defined]

    def _codes(self, data: Dataset) -> np.ndarray:
        return data.y

    def attribution_spec(self, data: Dataset) -> AttributionSpec:
        """Describe the wrapped module to attribution methods (see :class:`AttributionSpec`)."""
        self._check_kind()
        (x,) = self._make_inputs(data)
        x = x.to(module_device(self.module))
        if self.kind == "tokens":
            return self._token_spec(x)
        module, dtype = self.module, module_dtype(self.module)

        def forward(inp: Tensor) -> Tensor:  # float32 in and out, the module's dtype inside
            return logits_of(module(inp.to(dtype))).float()

        base = self._baseline_tensor(x)
        onehot = self.kind == "onehot"

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            full = mask.unsqueeze(1).expand_as(raw[0]) if onehot else mask
            return (torch.where(full, base.to(raw[0].device).expand_as(raw[0]), raw[0]),)

        def to_features(attrs: tuple[Tensor, ...]) -> np.ndarray:
            a = attrs[0].detach()
            return (a.sum(dim=1) if onehot else a).float().cpu().numpy()

        n_features = x.shape[-1] if onehot else int(np.prod(x.shape[1:]))
        return AttributionSpec(
            inputs=(x,),
            forward=forward,
            baselines=(base,),
            to_features=to_features,
            raw_inputs=(x,),
            raw_forward=forward,
            remove=remove,
            feature_names=np.arange(n_features).astype(str) if x.ndim == 2 or onehot else None,
            meta={"feature_axis": "position" if onehot else "feature", "one_hot": onehot},
        )

    def _baseline_tensor(self, x: Tensor) -> Tensor:
        b = self.baseline
        if b is None:
            return torch.zeros(1, *x.shape[1:], device=x.device)
        if isinstance(b, str):
            if b != "mean":
                raise ConfigError(f"baseline must be a number, an array or 'mean', got {b!r}.")
            return x.float().mean(dim=0, keepdim=True)
        t = torch.as_tensor(np.asarray(b, dtype=np.float32), device=x.device)
        return t.expand(1, *x.shape[1:]).clone() if t.dim() < x.dim() else t

    def _token_spec(self, tokens: Tensor) -> AttributionSpec:
        module, layer = self.module, self._embedding_layer()
        assert_layer = layer if layer is not None else nn.Identity()
        pad = torch.full_like(tokens[:1], int(self.pad_token))
        with torch.no_grad():
            embedded = assert_layer(tokens).detach().float()
            pad_embedded = assert_layer(pad).detach().float()

        def raw_forward(ids: Tensor) -> Tensor:
            return logits_of(module(ids)).float()

        def forward(emb: Tensor, ids: Tensor) -> Tensor:
            # Replace the embedding layer's output by ``emb`` (what gradients flow into),
            # in the layer's own dtype (float32 attributions of a bfloat16 model).
            handle = assert_layer.register_forward_hook(lambda _m, _i, out: emb.to(out.dtype))
            try:
                return raw_forward(ids)
            finally:
                handle.remove()

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            return (torch.where(mask, torch.full_like(raw[0], int(self.pad_token)), raw[0]),)

        return AttributionSpec(
            inputs=(embedded,),
            forward=forward,
            baselines=(pad_embedded,),
            to_features=lambda attrs: attrs[0].detach().sum(dim=-1).float().cpu().numpy(),
            raw_inputs=(tokens,),
            raw_forward=raw_forward,
            remove=remove,
            feature_names=np.arange(tokens.shape[1]).astype(str),
            additional_args=(tokens,),
            layer=layer,
            layer_inputs=(tokens,),
            layer_forward=raw_forward,
            layer_baselines=(pad,),
            meta={"feature_axis": "token"},
        )

    # -- prediction and retraining ----------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes)."""
        data = self.as_dataset(X)
        logits = batched_forward(self.module, self._make_inputs(data), batch_size=256)
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class names."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def fit(self, X: Any, y: Any | None = None) -> TorchModel:
        """Re-initialise the wrapped module and train it on ``X`` (attnscope's one loop).

        Used by trust metrics on a :func:`~sklearn.base.clone`; layers without
        ``reset_parameters`` keep their weights.
        """
        from attnscope.train import TrainConfig, fit_module

        data = self.as_dataset(X, y)
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
            self.history_ = fit_module(
                self.module,
                self._make_inputs(data),
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
        if hasattr(self, "n_outputs_"):
            clone.n_outputs_ = self.n_outputs_
        return clone


def _labels_of(X: Any, names: list[str]) -> np.ndarray | None:
    """Labels carried by an attnscope Dataset, as names (None for arrays)."""
    if isinstance(X, Dataset) and X.labels is not None:
        return np.asarray(X.class_names)[X.labels]
    return None


def _codes(y: np.ndarray, names: list[str]) -> np.ndarray:
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


def as_model(model: Any, data: Any = None) -> Any:
    """A fitted attnscope model, or a plain ``nn.Module`` wrapped by its data's kind.

    Raises :class:`~attnscope.errors.NotFittedError` for an unfitted estimator.
    """
    from attnscope.core import check_is_fitted

    if isinstance(model, nn.Module):
        kind = infer_kind(data)
        if kind == "tokens":
            raise ConfigError(
                "a model that takes token ids needs its embedding layer: pass "
                "wrap_module(net, kind='tokens', embedding=net.<embedding layer>)."
            )
        return wrap_module(model, kind=kind)
    check_is_fitted(model)
    return model
