"""Multilayer perceptron for tabular data (expression matrices and the like)."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import TabularDataset
from attnscope.errors import DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._sklearn import align_columns, table_from_arrays
from attnscope.models import MLP

__all__ = ["MLPClassifier", "robust_scale", "standardised_table_spec"]


def robust_scale(x: Tensor) -> Tensor:
    """Per-feature standard deviation for standardising, safe for genes constant in training.

    A probe at the detection floor in every training sample has standard deviation 0; the
    first test sample above the floor would then get a z-score of millions (Golub: 398 of
    7,129 probes in a training fold). As scikit-learn's ``StandardScaler``, such features
    (sd <= 1e-6) keep scale 1, and every scale is at least 1% of the median gene's sd.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_genes)

    Returns
    -------
    Tensor of shape (n_genes,)
    """
    sd = x.std(dim=0)
    sd = torch.where(sd > 1e-6, sd, torch.ones_like(sd))
    return sd.clamp_min(0.01 * float(sd.median()))


class MLPClassifier(BaseClassifier):
    """MLP baseline; inputs are standardised with training statistics inside the network.

    Parameters
    ----------
    hidden : tuple of int, default (256, 64)
    dropout : float, default 0.3
    epochs, batch_size, lr, ..., verbose
        Training options of :class:`~attnscope.estimators.BaseClassifier`.
    """

    name: ClassVar[str] = "mlp"
    dataset_type = TabularDataset

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] | list[int] = (256, 64),
        dropout: float = 0.3,
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
        super().__init__(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            optimizer=optimizer,
            amsgrad=amsgrad,
            patience=patience,
            monitor=monitor,
            min_epochs=min_epochs,
            val_size=val_size,
            clip_grad_norm=clip_grad_norm,
            class_weight=class_weight,
            device=device,
            random_state=random_state,
            verbose=verbose,
        )
        self.hidden = hidden
        self.dropout = dropout

    def _dataset_from_arrays(self, X: Any, y: Any | None, *, reset: bool = False) -> TabularDataset:
        return table_from_arrays(self, X, y, reset=reset)

    def _align(self, data: Any) -> Any:
        """A TabularDataset holding the fitted features in another order is reordered."""
        names = getattr(self, "spec_", {}).get("feature_names")
        if names is None or list(data.feature_names) == list(names):
            return data
        if sorted(map(str, data.feature_names)) != sorted(map(str, names)):
            if _default_names(names) or _default_names(data.feature_names):
                return data  # unnamed (numpy) columns: _check_data compares the counts
            align_columns(_Columns(data.feature_names), np.asarray(names), "the data")
        pos = {f: j for j, f in enumerate(map(str, data.feature_names))}
        order = np.array([pos[str(f)] for f in names])
        from dataclasses import replace

        return replace(data, X=data.X[:, order], feature_names=np.asarray(names))

    def _check_data(self, data: Any) -> None:
        spec = getattr(self, "spec_", None)
        if spec is not None and data.n_features != spec["n_features"]:
            raise DataError(
                f"X has {data.n_features} features, but {type(self).__name__} is expecting "
                f"{spec['n_features']} features as input; use the same feature columns."
            )

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {
            "n_features": int(data.n_features),
            "n_classes": len(self.classes_),
            "hidden": [int(h) for h in np.atleast_1d(self.hidden)],  # hidden=8: one layer
            "dropout": self.dropout,
            "feature_names": data.feature_names.tolist(),
        }

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return MLP(
            spec["n_features"],
            spec["n_classes"],
            hidden=tuple(spec["hidden"]),
            dropout=spec["dropout"],
        )

    def _init_from_data(self, module: nn.Module, data: Any) -> None:
        x = torch.as_tensor(data.X)
        module.mean.copy_(x.mean(dim=0))  # type: ignore[operator]
        module.scale.copy_(robust_scale(x))  # type: ignore[operator]

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        return (torch.as_tensor(data.X),)

    def attribution_spec(self, data: Any) -> AttributionSpec:
        return standardised_table_spec(
            self.module_, self._make_inputs(data)[0], self.spec_["feature_names"]
        )


def _default_names(names: Any) -> bool:
    """True for the placeholder names f0, f1, ... given to unnamed columns."""
    return [str(f) for f in names] == [f"f{j}" for j in range(len(names))]


class _Columns:
    """Just the ``columns`` of a table, for :func:`align_columns`'s error message."""

    def __init__(self, columns: Any) -> None:
        self.columns = np.asarray(columns)


def standardised_table_spec(
    module: nn.Module, x: Tensor, feature_names: Any, **meta: Any
) -> AttributionSpec:
    """Attribution spec of a network that standardises raw features with ``mean`` buffers.

    Attributions are taken on the raw values (the input's own units); the baseline and the
    value of a removed feature are the training mean (zero after standardising). Used by
    the MLP and HAIN.
    """
    mean = cast(Tensor, module.mean).detach().clone().unsqueeze(0)

    def forward(inp: Tensor) -> Tensor:
        return module(inp).logits

    def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
        return (torch.where(mask, mean.expand_as(raw[0]), raw[0]),)

    return AttributionSpec(
        inputs=(x,),
        forward=forward,
        baselines=(mean,),
        to_features=lambda attrs: attrs[0].detach().cpu().numpy(),
        raw_inputs=(x,),
        raw_forward=forward,
        remove=remove,
        feature_names=np.asarray(feature_names),
        meta={"feature_axis": "feature", **meta},
    )
