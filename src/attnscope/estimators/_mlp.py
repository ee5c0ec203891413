"""Multilayer perceptron for tabular data (expression matrices and the like)."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import TabularDataset, encode_labels
from attnscope.errors import DataError
from attnscope.estimators._base import BaseClassifier
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
    **train_params
        Training options of :class:`~attnscope.estimators.BaseClassifier`.
    """

    name: ClassVar[str] = "mlp"
    dataset_type = TabularDataset

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] | list[int] = (256, 64),
        dropout: float = 0.3,
        **train_params: Any,
    ) -> None:
        super().__init__(**train_params)
        self.hidden = hidden
        self.dropout = dropout

    def _dataset_from_arrays(self, X: Any, y: Any | None) -> TabularDataset:
        names = getattr(X, "columns", None)
        ids = getattr(X, "index", None)
        try:
            arr = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise DataError(f"X must be numeric (samples x features): {exc}") from exc
        if arr.ndim != 2:
            raise DataError(f"X must be 2-D (samples x features), got shape {arr.shape}.")
        labels, class_names = (None, list(getattr(self, "classes_", [])))
        if y is not None:
            labels, class_names = encode_labels(np.asarray(y))
        fitted_names = getattr(self, "spec_", {}).get("feature_names")
        if names is not None:
            feature_names = np.asarray(names).astype(str)
        elif fitted_names is not None and len(fitted_names) == arr.shape[1]:
            feature_names = np.asarray(fitted_names)
        else:
            feature_names = np.array([f"f{j}" for j in range(arr.shape[1])])
        return TabularDataset(
            labels=labels,
            sample_ids=np.asarray(ids).astype(str)
            if ids is not None
            else np.arange(len(arr)).astype(str),
            class_names=class_names,
            truth=None,
            meta={},
            X=arr,
            feature_names=feature_names,
        )

    def _check_data(self, data: Any) -> None:
        spec = getattr(self, "spec_", None)
        if spec is not None and data.n_features != spec["n_features"]:
            raise DataError(
                f"the model was trained on {spec['n_features']} features, this data has "
                f"{data.n_features}; use the same feature columns."
            )

    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {
            "n_features": int(data.n_features),
            "n_classes": len(self.classes_),
            "hidden": [int(h) for h in self.hidden],
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
