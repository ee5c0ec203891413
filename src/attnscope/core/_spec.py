"""How an estimator exposes its network to attribution methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["AttributionSpec"]


@dataclass
class AttributionSpec:
    """Everything an attribution method needs, independent of the architecture.

    Attributes
    ----------
    inputs : tuple of Tensor
        Float tensors the attribution is taken with respect to (one-hot DNA, expression,
        token embeddings, ...), samples first.
    forward : callable
        ``forward(*inputs, *additional_args) -> logits`` of shape (batch, n_classes).
    baselines : tuple of Tensor
        Reference inputs, one per tensor in ``inputs``, broadcastable to a batch
        (e.g. zeros, the training mean, the mean training embedding).
    to_features : callable
        Maps attribution tensors (same shapes as ``inputs``) to a numpy array of shape
        (n_samples, *feature_shape): e.g. sum over the one-hot or embedding axis.
    feature_names : ndarray of str, optional
        Names along the feature axis (genes, SNP ids, positions).
    additional_args : tuple
        Non-differentiable extra forward arguments (token ids for padding masks).
    layer : nn.Module, optional
        Embedding layer for layer methods (layer integrated gradients), with
        ``layer_inputs`` the raw inputs (token ids) that feed the model's full forward
        ``layer_forward(*layer_inputs) -> logits``.
    layer_baselines : tuple of Tensor
        Reference inputs for layer methods, one per tensor in ``layer_inputs``,
        broadcastable to a batch (e.g. the pad token, or the dosage-0 token of every SNP);
        empty means captum's default (zeros of the layer's input).
    remove : callable, optional
        ``remove(raw_inputs, mask) -> raw_inputs`` replaces the features where the bool
        ``mask`` (n_samples, *feature_shape) is True by the "absent" value (pad token,
        baseline value); used by deletion/insertion curves and ablation.
    raw_inputs : tuple of Tensor
        The estimator's model inputs (what ``remove`` and ``raw_forward`` take).
    raw_forward : callable
        ``raw_forward(*raw_inputs) -> logits``.
    attention : callable, optional
        ``attention(*raw_inputs) -> dict[str, Tensor]`` of the model's own attention.
    """

    inputs: tuple[Tensor, ...]
    forward: Callable[..., Tensor]
    baselines: tuple[Tensor, ...]
    to_features: Callable[[tuple[Tensor, ...]], np.ndarray]
    raw_inputs: tuple[Tensor, ...]
    raw_forward: Callable[..., Tensor]
    remove: Callable[[tuple[Tensor, ...], Tensor], tuple[Tensor, ...]]
    feature_names: np.ndarray | None = None
    additional_args: tuple[Any, ...] = ()
    layer: nn.Module | None = None
    layer_inputs: tuple[Tensor, ...] = ()
    layer_forward: Callable[..., Tensor] | None = None
    layer_baselines: tuple[Tensor, ...] = ()
    attention: Callable[..., dict[str, Tensor]] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Number of samples (first axis of the raw inputs)."""
        return int(self.raw_inputs[0].shape[0])

    def to(self, device: str | torch.device) -> AttributionSpec:
        """A copy whose tensors live on ``device`` (the model's), the same spec otherwise.

        Inputs that are one and the same tensor (e.g. a CNN's one-hot input that is also
        its raw input) stay one tensor, so perturbing one perturbs the other.
        """
        dev = torch.device(device)
        return self._map_tensors(lambda x: x.device != dev, lambda x: x.to(dev))

    def rows(self, index: np.ndarray) -> AttributionSpec:
        """The spec of the samples at ``index`` (shape (k,)), the same spec otherwise.

        Every tensor with the sample axis (inputs, raw and layer inputs, per-sample extra
        arguments and baselines) is indexed; tensors shared by the batch (a (1, ...)
        baseline, the model's weights in ``forward``) are kept. One tensor used in two
        places stays one tensor, as in :meth:`to`.
        """
        n = self.n_samples
        idx = torch.as_tensor(np.asarray(index, dtype=np.int64))
        return self._map_tensors(
            lambda x: bool(x.ndim) and x.shape[0] == n and n > 1, lambda x: x[idx.to(x.device)]
        )

    def _map_tensors(
        self, applies: Callable[[Tensor], bool], fn: Callable[[Tensor], Tensor]
    ) -> AttributionSpec:
        """A copy with ``fn`` applied to every tensor of the spec's tensor fields for which
        ``applies`` holds, once per tensor (one tensor in two places stays one)."""
        done: dict[int, Tensor] = {}

        def one(x: Any) -> Any:
            if not (torch.is_tensor(x) and applies(x)):
                return x
            if id(x) not in done:
                done[id(x)] = fn(x)
            return done[id(x)]

        def every(items: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(one(x) for x in items)

        return replace(
            self,
            inputs=every(self.inputs),
            baselines=every(self.baselines),
            raw_inputs=every(self.raw_inputs),
            additional_args=every(self.additional_args),
            layer_inputs=every(self.layer_inputs),
            layer_baselines=every(self.layer_baselines),
        )
