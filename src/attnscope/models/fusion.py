"""Attention-based multi-omics fusion network.

Reads top to bottom as the architecture:

1. :class:`FeatureTokens` turns each modality's feature values into tokens
   (standardised value x learned feature embedding + feature identity embedding);
2. :class:`SelfAttentionBlock` mixes the tokens of one modality (multi-head self-attention);
3. :class:`CrossAttention` lets the tokens of modality A attend to those of modality B
   (query from A, key/value from B), for chosen pairs in both directions;
4. :class:`AttentionPool` pools features within a modality, ``h_i = sum_j alpha_ij f_j``,
   and then modalities within a sample, ``z = sum_i beta_i h_i`` with ``beta`` renormalised
   over the modalities present;
5. a linear classification head.

Axis letters in comments: b batch, h heads, n / m tokens (features) of the query / key
modality, d model dimension, k modalities.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import cast

import torch
from torch import Tensor, nn

from attnscope.core import ModelOutput
from attnscope.errors import ConfigError
from attnscope.models._fusion_blocks import CrossAttention, MultiHeadAttention, SelfAttentionBlock

__all__ = [
    "AttentionPool",
    "CrossAttention",
    "FeatureTokens",
    "FusionNet",
    "MultiHeadAttention",
    "SelfAttentionBlock",
    "drop_modalities",
]


class FeatureTokens(nn.Module):
    """Feature values -> tokens: ``z_j * value_j + ident_j``.

    Parameters
    ----------
    n_inputs : int
        Number of columns of the modality's input matrix.
    dim : int
    index : sequence of int, optional
        Columns kept as tokens (feature selection); default all.
    dropout : float, default 0.0
        Training-time dropout on the standardised values (each feature of a sample is set
        to its mean with this probability).

    Notes
    -----
    ``mean`` and ``scale`` (buffers of shape (n_tokens,)) standardise the kept columns with
    training statistics, so attributions stay in the input's own units. The pre-norm
    LayerNorm of the attention blocks sees ``LN(z v + e)``, close to ``sign(z) LN(v)`` where
    ``|z v|`` dominates ``e``: the attention branches mostly see the sign of a value, its size
    reaching the pooling through the residual path only.
    """

    index: Tensor
    mean: Tensor
    scale: Tensor

    def __init__(
        self, n_inputs: int, dim: int, *, index: Sequence[int] | None = None, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(dropout)
        idx = torch.arange(n_inputs) if index is None else torch.as_tensor(list(index))
        self.register_buffer("index", idx.long())
        k = int(idx.numel())
        self.register_buffer("mean", torch.zeros(k))
        self.register_buffer("scale", torch.ones(k))
        self.value = nn.Parameter(torch.randn(k, dim) / math.sqrt(dim))
        self.ident = nn.Parameter(torch.randn(k, dim) * 0.02)

    @property
    def n_tokens(self) -> int:
        """Number of feature tokens."""
        return int(self.value.shape[0])

    def forward(self, x: Tensor) -> Tensor:
        """``x`` of shape (b, n_inputs) -> tokens of shape (b, n_tokens, d)."""
        z = self.drop((x.index_select(1, self.index) - self.mean) / self.scale)
        return z.unsqueeze(-1) * self.value + self.ident


class AttentionPool(nn.Module):
    """Additive attention pooling: ``a_j = softmax_j(w^T tanh(W x_j) + bias_j)``, ``sum_j a_j x_j``.

    ``w`` starts at zero, so the weights start uniform and move only as the data ask.

    Parameters
    ----------
    dim : int
    n_items : int, optional
        When given, a learned per-item prior ``bias_j`` is added to the scores (used at
        the modality level, where each item is one modality).
    """

    def __init__(self, dim: int, *, n_items: int | None = None) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.score = nn.Linear(dim, 1, bias=False)
        nn.init.zeros_(self.score.weight)  # start from uniform weights
        self.bias = nn.Parameter(torch.zeros(n_items)) if n_items else None

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``x`` (b, n, d), optional bool ``mask`` (b, n) -> (pooled (b, d), weights (b, n)).

        Masked items get weight exactly zero; the weights renormalise over the rest.
        """
        s = self.score(torch.tanh(self.proj(x))).squeeze(-1)
        if self.bias is not None:
            s = s + self.bias
        if mask is not None:
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
        weights = torch.softmax(s, dim=-1)
        if mask is not None:
            weights = weights * mask
        return (weights.unsqueeze(-1) * x).sum(dim=1), weights


def drop_modalities(
    present: Tensor, p: float, *, generator: torch.Generator | None = None
) -> Tensor:
    """Randomly hide present modalities with probability ``p``, never all of a sample's.

    Parameters
    ----------
    present : Tensor of shape (b, k), bool
    p : float
        Drop probability per (sample, modality).

    Returns
    -------
    Tensor of shape (b, k), bool
        A sample that would lose every modality keeps one present modality, chosen at random.
    """
    r = torch.rand(present.shape, generator=generator, device=present.device)
    keep = present & (r >= p)
    empty = ~keep.any(dim=1, keepdim=True)
    # Among the present modalities, keep the one with the largest random draw.
    choice = torch.where(present, r, torch.full_like(r, -1.0)).argmax(dim=1, keepdim=True)
    rescue = torch.zeros_like(present).scatter(1, choice, True) & present
    return torch.where(empty, rescue, keep)


class FusionNet(nn.Module):
    """Self-attention within, cross-attention between, hierarchical attention over modalities.

    Parameters
    ----------
    n_features : sequence of int
        Input columns per modality.
    n_classes : int
    modalities : sequence of str, optional
        Names used in the output keys; default ``m0, m1, ...``.
    index : sequence of (sequence of int or None), optional
        Columns kept as tokens per modality (feature selection); default all.
    dim : int, default 16
    n_heads : int, default 2
    n_layers : int, default 1
        Self-attention blocks per modality.
    cross_pairs : sequence of (int, int), optional
        Unordered modality pairs exchanging cross-attention (both directions); default all
        pairs. Ignored when ``use_cross`` is False.
    use_cross : bool, default True
    use_modality_attention : bool, default True
        When False, ``beta`` is uniform over the modalities present (ablation).
    dropout : float, default 0.2
        Dropout on the residual branches and before the head.
    feature_dropout : float, default 0.0
        Dropout on the standardised input values (see :class:`FeatureTokens`).
    modality_dropout : float, default 0.0
        In training mode, each present modality of a sample is hidden with this
        probability (never all of them).
    feature_prior : bool, default False
        Add a learned per-feature prior to the feature-level attention scores (as the
        modality level has), so that alpha can carry a feature's importance on its own.

    Notes
    -----
    ``forward(x_1, ..., x_k[, present])`` takes one (b, n_features_i) tensor per modality
    and an optional bool mask ``present`` of shape (b, k) (default all present). It returns
    a :class:`ModelOutput` with

    - ``attention[<modality>]``: alpha, (b, n_tokens_i), zero where the modality is absent;
    - ``attention["modality"]``: beta, (b, k), zero on absent modalities;
    - ``extras["self:<A>"]``: per-head self-attention of the last block, (b, h, n_A, n_A);
    - ``extras["cross:<A>-><B>"]``: A's features (queries) attending to B's features
      (keys/values), averaged over heads, (b, n_A, n_B); zero where B is absent;
    - ``extras["cross_heads:<A>-><B>"]``: the same per head, (b, h, n_A, n_B).

    The ``extras`` maps are built in eval mode only; in training mode a fused attention
    kernel runs instead (alpha and beta are always returned).
    """

    def __init__(
        self,
        n_features: Sequence[int],
        n_classes: int,
        *,
        modalities: Sequence[str] | None = None,
        index: Sequence[Sequence[int] | None] | None = None,
        dim: int = 16,
        n_heads: int = 2,
        n_layers: int = 1,
        cross_pairs: Sequence[tuple[int, int]] | None = None,
        use_cross: bool = True,
        use_modality_attention: bool = True,
        dropout: float = 0.2,
        feature_dropout: float = 0.0,
        modality_dropout: float = 0.0,
        feature_prior: bool = False,
    ) -> None:
        super().__init__()
        k = len(n_features)
        if k == 0:
            raise ConfigError("FusionNet needs at least one modality.")
        self.modalities = (
            list(modalities) if modalities is not None else [f"m{i}" for i in range(k)]
        )
        if len(self.modalities) != k:
            raise ConfigError(f"{len(self.modalities)} modality names for {k} modalities.")
        index = list(index) if index is not None else [None] * k
        pairs = list(itertools.combinations(range(k), 2)) if cross_pairs is None else cross_pairs
        for i, j in pairs:
            if not (0 <= i < k and 0 <= j < k) or i == j:
                raise ConfigError(
                    f"cross pair ({i}, {j}) must name two different modalities < {k}."
                )
        self.use_cross = use_cross
        self.use_modality_attention = use_modality_attention
        self.modality_dropout = modality_dropout
        # Both directions of every pair: (query modality, key/value modality).
        self.directions = (
            [(i, j) for a, b in pairs for i, j in ((a, b), (b, a))] if use_cross else []
        )
        self.tokens = nn.ModuleList(
            FeatureTokens(n, dim, index=idx, dropout=feature_dropout)
            for n, idx in zip(n_features, index)
        )
        self.self_attn = nn.ModuleList(
            nn.ModuleList(
                SelfAttentionBlock(dim, n_heads, dropout=dropout) for _ in range(n_layers)
            )
            for _ in range(k)
        )
        self.cross = nn.ModuleDict(
            {f"{i}_{j}": CrossAttention(dim, n_heads, dropout=dropout) for i, j in self.directions}
        )
        self.feature_pool = nn.ModuleList(
            AttentionPool(dim, n_items=cast(FeatureTokens, tok).n_tokens if feature_prior else None)
            for tok in self.tokens
        )
        self.modality_pool = AttentionPool(dim, n_items=k) if use_modality_attention else None
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(dim, n_classes))

    def forward(self, *inputs: Tensor) -> ModelOutput:
        """See the class notes for inputs and outputs."""
        k = len(self.modalities)
        if len(inputs) not in (k, k + 1):
            raise ConfigError(f"FusionNet takes {k} modality tensors plus an optional mask.")
        xs = inputs[:k]
        b = xs[0].shape[0]
        present = inputs[k].bool() if len(inputs) > k else torch.ones(b, k, dtype=torch.bool)
        present = present.to(xs[0].device)
        if self.training and self.modality_dropout > 0:
            present = drop_modalities(present, self.modality_dropout)
        attention: dict[str, Tensor] = {}
        extras: dict[str, Tensor] = {}

        # The attention maps are only built outside training (explanations, prediction).
        need = not self.training
        feats = []
        for name, x, tok, blocks in zip(self.modalities, xs, self.tokens, self.self_attn):
            f, weights = tok(x), None
            for block in blocks:  # type: ignore[attr-defined]
                f, weights = block(f, need_weights=need)
            if weights is not None:
                extras[f"self:{name}"] = weights
            feats.append(f)

        if self.directions:
            updates = [torch.zeros_like(f) for f in feats]
            for i, j in self.directions:
                upd, w = self.cross[f"{i}_{j}"](feats[i], feats[j], need_weights=need)
                gate = present[:, j].to(upd.dtype).view(b, 1, 1)
                updates[i] = updates[i] + upd * gate
                if w is not None:
                    key = f"{self.modalities[i]}->{self.modalities[j]}"
                    extras[f"cross_heads:{key}"] = w * gate.unsqueeze(1)
                    extras[f"cross:{key}"] = w.mean(dim=1) * gate
            feats = [f + u for f, u in zip(feats, updates)]

        pooled = []
        for m, (name, pool, f) in enumerate(zip(self.modalities, self.feature_pool, feats)):
            h, alpha = pool(f)
            pooled.append(h)
            attention[name] = alpha * present[:, m : m + 1].to(alpha.dtype)
        stacked = torch.stack(pooled, dim=1)  # b k d
        if self.modality_pool is not None:
            fused, beta = self.modality_pool(stacked, present)
        else:
            beta = present.to(stacked.dtype) / present.sum(dim=1, keepdim=True).clamp_min(1)
            fused = (beta.unsqueeze(-1) * stacked).sum(dim=1)
        attention["modality"] = beta
        return ModelOutput(logits=self.head(fused), attention=attention, extras=extras)
