"""AttnGen classifier: saliency-guided masking with a KL consistency term.

Loss per batch (alpha = ``mask_ratio``, lambda = ``kl_weight``)::

    CE(f(x), y) + lambda * KL( p(x) || p(x_masked) )

where ``x_masked`` replaces the ``floor(alpha * L)`` least-salient positions of each
sequence by the pad token. Design decisions (the paper leaves both open):

* **No gradient through the ranking.** Choosing which positions to mask is a discrete
  top-k (sort) that has no useful derivative; the mask is a constant of each step. The
  embeddings still learn from both the clean and the masked forward passes.
* **p(x) is a detached target** (``detach_target=True``), as in consistency
  regularisation (UDA, FixMatch, R-Drop's one-sided form): the masked prediction is
  pulled towards the clean one, never the clean prediction towards the masked one, so the
  KL term cannot trade clean accuracy for agreement, and the cross-entropy alone shapes
  p(x). ``detach_target=False`` gives the symmetric-gradient variant.

As published, the saliency ``s_i`` is the mean of the embedding of the token at position
``i``: it ranks the four bases, not positions in their context, so "the least-salient
positions" are (randomly tie-broken) occurrences of the least-salient base. The
``attention`` explanation inherits this; the position-resolved explanations are the
gradient methods (``"gradient_norm"``, the paper's per-position gradient norm, integrated
gradients, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.data import PAD, SequenceDataset
from attnscope.errors import ConfigError, DataError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._cnn import sequence_dataset_from_arrays
from attnscope.models.attngen import AttnGen

__all__ = ["AttnGenClassifier"]

MASKINGS = ("attention", "random")
SCHEDULES = ("constant", "warmup")


class AttnGenClassifier(BaseClassifier):
    """AttnGen on DNA tokens, trained with saliency-guided masking (see module docs).

    Parameters
    ----------
    mask_ratio : float, default 0.1
        alpha: share of each sequence's positions masked in the consistency pass;
        0 gives plain cross-entropy (the plain CNN of the paper).
    kl_weight : float, default 0.1
        lambda, weight of the KL term.
    masking : {"attention", "random"}, default "attention"
        Mask the least-salient positions or random ones (ablation).
    use_kl : bool, default True
        False keeps the masking but drops the KL term, training with
        ``CE(f(x), y) + lambda * CE(f(x_masked), y)`` instead (the "no KL" ablation); with
        ``kl_weight = 0`` this is plain cross-entropy.
    mask_schedule : {"constant", "warmup"}, default "constant"
        "warmup" raises alpha linearly from ``mask_ratio / warmup_epochs`` to
        ``mask_ratio`` over the first ``warmup_epochs`` epochs.
    warmup_epochs : int, default 5
    detach_target : bool, default True
        Treat p(x) in the KL as a fixed target (no gradient), see the module docs.
    embed_dim : int, default 128
    channels : tuple of int, default (32, 16, 4)
    kernel_size : int, default 8
    hidden : int, default 64
    dropout : float, default 0.3
    weight_decay : float, default 1e-4
    random_state : int, default 42
    **train_params
        Other options of :class:`~attnscope.estimators.BaseClassifier`; the defaults are
        the published ones (Adam, lr 1e-3, batch 64, patience 10 on validation accuracy,
        gradient clipping at 1.0).

    Examples
    --------
    >>> from attnscope.sim import simulate_dna
    >>> data = simulate_dna(n_samples=200, length=64, random_state=0)
    >>> est = AttnGenClassifier(epochs=1).fit(data)
    >>> est.predict_proba(data).shape
    (200, 2)
    """

    name: ClassVar[str] = "attngen"
    dataset_type = SequenceDataset

    def __init__(
        self,
        *,
        mask_ratio: float = 0.1,
        kl_weight: float = 0.1,
        masking: str = "attention",
        use_kl: bool = True,
        mask_schedule: str = "constant",
        warmup_epochs: int = 5,
        detach_target: bool = True,
        embed_dim: int = 128,
        channels: Sequence[int] = (32, 16, 4),
        kernel_size: int = 8,
        hidden: int = 64,
        dropout: float = 0.3,
        weight_decay: float = 1e-4,
        random_state: int = 42,
        **train_params: Any,
    ) -> None:
        super().__init__(weight_decay=weight_decay, random_state=random_state, **train_params)
        self.mask_ratio = mask_ratio
        self.kl_weight = kl_weight
        self.masking = masking
        self.use_kl = use_kl
        self.mask_schedule = mask_schedule
        self.warmup_epochs = warmup_epochs
        self.detach_target = detach_target
        self.embed_dim = embed_dim
        self.channels = channels
        self.kernel_size = kernel_size
        self.hidden = hidden
        self.dropout = dropout

    def fit(
        self,
        X: Any,
        y: Any | None = None,
        *,
        sample_weight: Any = None,
        validation_data: Any | None = None,
        layer: str | None = None,
    ) -> AttnGenClassifier:
        """Train on ``X`` (a SequenceDataset, DNA strings or a token matrix); returns self."""
        self._check_params()
        self.__dict__.pop("spec_", None)  # a refit may use another sequence length
        super().fit(X, y, sample_weight=sample_weight, validation_data=validation_data, layer=layer)
        return self

    # -- data -----------------------------------------------------------------------
    def _dataset_from_arrays(
        self, X: Any, y: Any | None, *, reset: bool = False
    ) -> SequenceDataset:
        # The flatten layer fixes the input length: strings are cut/padded to the fitted one.
        return sequence_dataset_from_arrays(
            X,
            y,
            length=getattr(self, "spec_", {}).get("length"),
            class_names=getattr(self, "classes_", []),
        )

    def _check_params(self) -> None:
        if not 0.0 <= float(self.mask_ratio) < 1.0:
            raise ConfigError(f"mask_ratio must lie in [0, 1), got {self.mask_ratio}.")
        if float(self.kl_weight) < 0:
            raise ConfigError(f"kl_weight must be >= 0, got {self.kl_weight}.")
        if self.masking not in MASKINGS:
            raise ConfigError(f"masking must be one of {MASKINGS}, got {self.masking!r}.")
        if self.mask_schedule not in SCHEDULES:
            raise ConfigError(
                f"mask_schedule must be one of {SCHEDULES}, got {self.mask_schedule!r}."
            )
        if int(self.warmup_epochs) < 1:
            raise ConfigError(f"warmup_epochs must be >= 1, got {self.warmup_epochs}.")
        if len(tuple(self.channels)) < 1:
            raise ConfigError("channels needs at least one convolution block width.")

    def _check_data(self, data: Any) -> None:
        length = getattr(self, "spec_", {}).get("length")
        if length is not None and data.length != length:
            raise DataError(
                f"the model was trained on sequences of length {length}, got length "
                f"{data.length}; pad or truncate to {length} (encode_sequences(..., "
                f"length={length}))."
            )

    # -- network --------------------------------------------------------------------
    def _module_spec(self, data: Any) -> dict[str, Any]:
        return {
            "length": int(data.length),
            "n_classes": len(self.classes_),
            "embed_dim": int(self.embed_dim),
            "channels": [int(c) for c in self.channels],
            "kernel_size": int(self.kernel_size),
            "hidden": int(self.hidden),
            "dropout": float(self.dropout),
        }

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return AttnGen(
            spec["length"],
            spec["n_classes"],
            embed_dim=spec["embed_dim"],
            channels=tuple(spec["channels"]),
            kernel_size=spec["kernel_size"],
            hidden=spec["hidden"],
            dropout=spec["dropout"],
        )

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        return (torch.as_tensor(data.tokens.astype(np.int64)),)

    def alpha_at(self, epoch: int) -> float:
        """Masking ratio used in ``epoch`` (0-based) under ``mask_schedule``."""
        alpha = float(self.mask_ratio)
        if self.mask_schedule == "warmup":
            alpha *= min(1.0, (epoch + 1) / int(self.warmup_epochs))
        return alpha

    def _loss_fn(self):  # type: ignore[no-untyped-def]
        masking = self.masking
        weight = float(self.kl_weight)
        use_kl, detach = bool(self.use_kl), bool(self.detach_target)

        def loss_fn(
            module: nn.Module,
            inputs: Sequence[Tensor],
            y: Tensor,
            class_weight: Tensor | None,
            epoch: int,
        ) -> Tensor:
            alpha = self.alpha_at(epoch)
            active = alpha > 0 and weight > 0
            out = module(*inputs, mask_ratio=alpha if active else 0.0, masking=masking)
            loss = F.cross_entropy(out.logits, y, weight=class_weight)
            if not active:
                return loss
            masked = out.extras["masked_logits"]
            if not use_kl:
                return loss + weight * F.cross_entropy(masked, y, weight=class_weight)
            target = out.logits.detach() if detach else out.logits
            # KL(p(x) || p(x_masked)) = sum p(x) (log p(x) - log p(x_masked))
            kl = F.kl_div(
                F.log_softmax(masked, dim=1),
                F.log_softmax(target, dim=1),
                reduction="batchmean",
                log_target=True,
            )
            return loss + weight * kl

        return loss_fn

    # -- explanations ---------------------------------------------------------------
    def attribution_spec(self, data: Any) -> AttributionSpec:
        """Embeddings are the attribution input; tokens ride along for the padding mask.

        ``remove`` replaces positions by the pad token; ``layer`` is the embedding layer
        (layer integrated gradients on token ids); ``attention`` is the forward saliency.
        """
        (tokens,) = self._make_inputs(data)
        module = cast(AttnGen, self.module_)
        with torch.no_grad():
            embedded = module.embedding(tokens)

        def forward(e: Tensor, tok: Tensor) -> Tensor:
            return module.forward_embedded(e, tok).logits

        def raw_forward(tok: Tensor) -> Tensor:
            return module(tok).logits

        def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
            return (raw[0].masked_fill(mask, PAD),)

        def attention(tok: Tensor) -> dict[str, Tensor]:
            return module(tok).attention

        return AttributionSpec(
            inputs=(embedded,),
            forward=forward,
            # the pad embedding is the zero vector: the baseline is "every position absent"
            baselines=(torch.zeros(1, *embedded.shape[1:]),),
            to_features=lambda attrs: attrs[0].sum(dim=-1).detach().cpu().numpy(),
            raw_inputs=(tokens,),
            raw_forward=raw_forward,
            remove=remove,
            feature_names=np.arange(tokens.shape[1]).astype(str),
            additional_args=(tokens,),
            layer=module.embedding,
            layer_inputs=(tokens,),
            layer_forward=raw_forward,
            attention=attention,
            meta={"feature_axis": "position", "one_hot": False, "pad_token": PAD},
        )
