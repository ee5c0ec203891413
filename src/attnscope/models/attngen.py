"""AttnGen: a small CNN on token embeddings whose saliency comes from the embeddings.

Architecture as published in "AttnGen: Attention-Guided Saliency Learning for
Interpretable Genomic Sequence Classification" (arXiv 2605.14073)::

    tokens (B, L) ──Embedding(6, 128, pad 0)──▶ E (B, L, D)
        ├─ saliency s = mean_d E[:, :, d]        (B, L)   -> A = softmax over non-pad positions
        └─ 3 x [Conv1d k=8 -> BatchNorm -> ReLU -> MaxPool 2]   channels D -> 32 -> 16 -> 4
           flatten (4 * L / 8) -> Dropout -> Linear -> ReLU -> Dropout -> Linear -> logits

Axis letters: B batch, L positions, D embedding dimension, C channels.

With ``mask_ratio > 0`` the forward pass also replaces the ``floor(mask_ratio * L)``
least-salient positions of each sequence by the pad token and returns the logits of
that masked copy in ``extras["masked_logits"]`` (the training signal of the KL term).

Note that ``s_i`` depends on the token at position ``i`` only (it is the mean of that
token's embedding vector), so the saliency ranks nucleotide *types*; positions holding
the same base tie, and ties are broken at random (:func:`least_salient_mask`).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor, nn

from attnscope.core import ModelOutput

__all__ = ["AttnGen", "least_salient_mask", "masked_softmax"]

#: Token vocabulary: 0 pad, 1..5 = A, C, G, T, N (see :data:`attnscope.data.ALPHABET`).
VOCAB_SIZE = 6
PAD = 0


def masked_softmax(scores: Tensor, valid: Tensor) -> Tensor:
    """Softmax over the last axis with invalid positions given zero weight.

    Parameters
    ----------
    scores : Tensor of shape (B, L)
    valid : Tensor of shape (B, L), bool
        False at padding. A row without any valid position gets all zeros.

    Returns
    -------
    Tensor of shape (B, L)
    """
    filled = scores.masked_fill(~valid, float("-inf"))
    out = torch.softmax(filled, dim=-1)
    return torch.nan_to_num(out, nan=0.0)


def least_salient_mask(
    scores: Tensor, valid: Tensor, ratio: float, *, generator: torch.Generator | None = None
) -> Tensor:
    """Mark the ``floor(ratio * n_valid)`` lowest-scoring valid positions of each row.

    Ties are broken uniformly at random (a random permutation followed by a stable sort),
    so equal scores do not always mask the start of the sequence.

    Parameters
    ----------
    scores : Tensor of shape (B, L)
        Saliency; random scores give random masking.
    valid : Tensor of shape (B, L), bool
        Padding is never selected and does not count towards the length.
    ratio : float in [0, 1]
    generator : torch.Generator, optional
        For the tie-breaking permutation (default: the global torch RNG).

    Returns
    -------
    Tensor of shape (B, L), bool
        True where the position is to be masked.
    """
    b, length = scores.shape
    k = torch.floor(valid.sum(dim=1).to(torch.float64) * ratio).to(torch.long)  # (B,)
    if length == 0 or int(k.max()) == 0:
        return torch.zeros_like(valid)
    perm = torch.rand(b, length, generator=generator, device=scores.device).argsort(dim=1)
    shuffled = scores.detach().gather(1, perm).masked_fill(~valid.gather(1, perm), float("inf"))
    order = perm.gather(1, torch.sort(shuffled, dim=1, stable=True).indices)  # ascending
    rank_selected = torch.arange(length, device=scores.device)[None, :] < k[:, None]
    return torch.zeros_like(valid).scatter(1, order, rank_selected)


class ConvBlock(nn.Sequential):
    """Conv1d ("same" length) -> BatchNorm -> ReLU -> MaxPool(2), on (B, C, L).

    An even kernel needs one more zero on the right than on the left to keep the length.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int) -> None:
        super().__init__(
            nn.ConstantPad1d(((kernel_size - 1) // 2, kernel_size // 2), 0.0),
            nn.Conv1d(c_in, c_out, kernel_size),
            nn.BatchNorm1d(c_out),
            nn.ReLU(),
            nn.MaxPool1d(2, ceil_mode=True),
        )


class AttnGen(nn.Module):
    """The AttnGen network.

    Parameters
    ----------
    length : int
        Sequence length L (the flattened head depends on it).
    n_classes : int
    embed_dim : int, default 128
    channels : tuple of int, default (32, 16, 4)
        Output channels of the three convolution blocks.
    kernel_size : int, default 8
    hidden : int, default 64
        Width of the first fully connected layer.
    dropout : float, default 0.3

    Examples
    --------
    >>> net = AttnGen(length=60, n_classes=3)
    >>> out = net(torch.randint(1, 5, (2, 60)))
    >>> out.logits.shape, out.attention["position"].shape
    (torch.Size([2, 3]), torch.Size([2, 60]))
    """

    def __init__(
        self,
        length: int,
        n_classes: int,
        *,
        embed_dim: int = 128,
        channels: tuple[int, ...] = (32, 16, 4),
        kernel_size: int = 8,
        hidden: int = 64,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.length = int(length)
        self.embedding = nn.Embedding(VOCAB_SIZE, embed_dim, padding_idx=PAD)
        widths = (embed_dim, *channels)
        self.features = nn.Sequential(
            *(ConvBlock(c_in, c_out, kernel_size) for c_in, c_out in itertools.pairwise(widths))
        )
        pooled = self.length
        for _ in channels:
            pooled = math.ceil(pooled / 2)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(widths[-1] * pooled, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def classify(self, embedded: Tensor) -> Tensor:
        """Logits (B, n_classes) from embeddings ``embedded`` of shape (B, L, D)."""
        return self.head(self.features(embedded.transpose(1, 2)))

    def saliency(self, embedded: Tensor, tokens: Tensor) -> tuple[Tensor, Tensor]:
        """Raw saliency ``s`` (B, L) and attention ``A`` (softmax over non-pad positions)."""
        s = embedded.mean(dim=-1)
        return s, masked_softmax(s, tokens != PAD)

    def forward_embedded(self, embedded: Tensor, tokens: Tensor) -> ModelOutput:
        """Forward from embeddings (B, L, D); ``tokens`` (B, L) give the padding mask.

        This is the entry point of attribution methods that differentiate with respect
        to the embeddings.
        """
        s, attn = self.saliency(embedded, tokens)
        return ModelOutput(
            logits=self.classify(embedded), attention={"position": attn}, extras={"saliency": s}
        )

    def forward(
        self,
        tokens: Tensor,
        *,
        mask_ratio: float = 0.0,
        masking: str = "attention",
        generator: torch.Generator | None = None,
    ) -> ModelOutput:
        """Classify token ids.

        Parameters
        ----------
        tokens : Tensor of shape (B, L), int
        mask_ratio : float, default 0.0
            Share of positions replaced by the pad token in the masked copy; 0 skips it.
        masking : {"attention", "random"}, default "attention"
            Mask the least-salient positions, or positions drawn uniformly at random.
        generator : torch.Generator, optional
            Random source for random masking and tie-breaking.

        Returns
        -------
        ModelOutput
            ``logits`` (B, n_classes); ``attention["position"]`` (B, L); ``extras``:
            ``saliency`` (B, L) and, when ``mask_ratio > 0``, ``mask`` (B, L) bool and
            ``masked_logits`` (B, n_classes).
        """
        tokens = tokens.long()
        embedded = self.embedding(tokens)
        out = self.forward_embedded(embedded, tokens)
        if mask_ratio > 0:
            valid = tokens != PAD
            if masking == "random":
                scores = torch.rand(tokens.shape, generator=generator, device=tokens.device)
            else:
                scores = out.extras["saliency"]
            # The ranking is a discrete choice: no gradient flows through it.
            mask = least_salient_mask(scores.detach(), valid, mask_ratio, generator=generator)
            masked = self.embedding(tokens.masked_fill(mask, PAD))
            out.extras["mask"] = mask
            out.extras["masked_logits"] = self.classify(masked)
        return out
