"""What every network's ``forward`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor

__all__ = ["ModelOutput"]


@dataclass
class ModelOutput:
    """Logits plus the model's own explanation signals.

    Attributes
    ----------
    logits : Tensor of shape (batch, n_classes)
    attention : dict of str -> Tensor
        Named attention levels (``"position"``, ``"gene"``, ``"pathway"``, ``"time"``,
        ``"modality"``, ...), each with the batch on the first axis.
    extras : dict of str -> Tensor
        Anything else the model exposes (prototype similarities, masked logits, ...).
    """

    logits: Tensor
    attention: dict[str, Tensor] = field(default_factory=dict)
    extras: dict[str, Tensor] = field(default_factory=dict)
