"""A seed ensemble seen as one model: the mean probability of a member-axis network.

Axis letters: M members, B batch, C classes.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from attnscope.core import ModelOutput

__all__ = ["MemberEnsemble"]


class MemberEnsemble(nn.Module):
    """The members of a member-axis network averaged into one prediction.

    Parameters
    ----------
    members : nn.Module
        Every parameter carries the member axis M first; ``members(*inputs)`` on a batch
        shared by all members returns logits of shape (M, B, C) (e.g.
        :class:`~attnscope.models.AttentionLSTM` with ``n_members`` > 1).

    Notes
    -----
    ``forward`` returns as logits the log of the members' mean probability,
    ``log(mean_m softmax(z_m))`` of shape (B, C): its softmax is that mean, so
    predictions are the ensemble's, and gradient methods explain the ensemble's
    log-probability. Each attention map is the mean of the members' maps (a map summing
    to one per sample still does).
    """

    def __init__(self, members: nn.Module) -> None:
        super().__init__()
        self.members = members

    @property
    def n_members(self) -> int:
        """Number of members M."""
        return int(getattr(self.members, "n_members"))  # noqa: B009 (nn.Module typing)

    def forward(self, *inputs: Tensor) -> ModelOutput:
        """Score a batch shared by all members.

        Returns
        -------
        ModelOutput
            ``logits`` (B, C): log mean probability; ``attention``: each map averaged
            over members.
        """
        out = self.members(*inputs)
        logits = torch.logsumexp(torch.log_softmax(out.logits, dim=-1), dim=0)
        logits = logits - math.log(out.logits.shape[0])
        attention = {k: v.mean(dim=0) for k, v in (out.attention or {}).items()}
        return ModelOutput(logits=logits, attention=attention)
