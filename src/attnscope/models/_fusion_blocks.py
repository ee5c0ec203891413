"""The fusion network's attention blocks: multi-head, self- and cross-modal attention.

Axis letters in comments: b batch, h heads, n / m tokens (features) of the query / key
modality, d model dimension.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.errors import ConfigError

__all__ = ["CrossAttention", "MultiHeadAttention", "SelfAttentionBlock"]


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention returning per-head weights.

    Parameters
    ----------
    dim : int
        Model dimension, divisible by ``n_heads``.
    n_heads : int
    dropout : float
        Dropout on the attention weights (training only; returned weights are undropped).
    """

    def __init__(self, dim: int, n_heads: int, *, dropout: float = 0.0) -> None:
        super().__init__()
        if dim % n_heads:
            raise ConfigError(f"dim ({dim}) must be divisible by n_heads ({n_heads}).")
        self.n_heads = n_heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(dim, 2 * dim, bias=False)
        self.out = nn.Linear(dim, dim)
        # Zero output projection: every attention block starts as the identity (residual),
        # which keeps small cohorts from being overfitted by the mixing.
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, context: Tensor, *, need_weights: bool = True
    ) -> tuple[Tensor, Tensor | None]:
        """Queries from ``x`` (b, n, d), keys/values from ``context`` (b, m, d).

        Returns
        -------
        out : Tensor of shape (b, n, d)
        weights : Tensor of shape (b, h, n, m), or None when ``need_weights`` is False
            Rows sum to one.
        """
        b, n, d = x.shape
        m, h = context.shape[1], self.n_heads
        q = self.q(x).view(b, n, h, d // h).transpose(1, 2)  # b h n d/h
        k, v = (t.view(b, m, h, d // h).transpose(1, 2) for t in self.kv(context).chunk(2, -1))
        if not need_weights:
            # Training never reads the maps: the fused kernel is several times faster.
            p = self.drop.p if self.training else 0.0
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
            return self.out(out.transpose(1, 2).reshape(b, n, d)), None
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)  # b h n m
        out = (self.drop(weights) @ v).transpose(1, 2).reshape(b, n, d)
        return self.out(out), weights


class SelfAttentionBlock(nn.Module):
    """Pre-norm transformer block: self-attention then a feed-forward layer, both residual.

    ``dropout`` acts on the residual branches, ``attn_dropout`` on the attention weights
    (default 0: dropping weights forces the slow unfused kernel on CPU).
    """

    def __init__(
        self, dim: int, n_heads: int, *, dropout: float = 0.0, attn_dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, n_heads, dropout=attn_dropout)
        self.norm2 = nn.LayerNorm(dim)
        last = nn.Linear(2 * dim, dim)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), last)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, *, need_weights: bool = True) -> tuple[Tensor, Tensor | None]:
        """``x`` (b, n, d) -> (updated x (b, n, d), weights (b, h, n, n) or None)."""
        y = self.norm1(x)
        a, weights = self.attn(y, y, need_weights=need_weights)
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.norm2(x))), weights


class CrossAttention(nn.Module):
    """Residual update of one modality's tokens by attending to another's.

    Returns the update only; the caller gates it by whether the key modality is present.
    """

    def __init__(
        self, dim: int, n_heads: int, *, dropout: float = 0.0, attn_dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, n_heads, dropout=attn_dropout)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, context: Tensor, *, need_weights: bool = True
    ) -> tuple[Tensor, Tensor | None]:
        """``x`` (b, n, d) queries ``context`` (b, m, d) -> (update (b, n, d), (b, h, n, m))."""
        a, weights = self.attn(self.norm_q(x), self.norm_kv(context), need_weights=need_weights)
        return self.drop(a), weights
