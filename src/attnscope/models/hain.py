"""HAIN: hierarchical attention gene -> pathway -> sample, with a prototype classifier.

A reading of "Hierarchical Attention Networks for High-Dimensional Data Interpretation"
(HAIN, arXiv 2510.21820), which gives few architectural details; the design here is:

1. **Gene tokens.** Gene ``g`` of a sample is the token ``z_g * w_g + e_g``: its standardised
   expression ``z_g`` times a learned per-gene vector plus a gene identity embedding.
2. **Level 1, genes -> pathways.** Each group (a gene set; genes in no set form an "other"
   group; without gene sets, ``n_clusters`` learned soft clusters) pools its genes by
   multi-head attention with a learned per-group query. Memberships are a flat list of
   ``(group, gene)`` pairs, so a gene in several sets costs one pair per set and the
   softmax is a segment softmax over pairs (``scatter_reduce`` / ``index_add``).
3. **Level 2, pathways -> sample.** A pre-norm transformer block among pathway tokens, then
   multi-head attention pooling to one sample vector.
4. **Prototypes.** ``m`` prototypes per class; the similarity of a sample vector to a
   prototype is ``log((d + 1) / (d + eps))`` with ``d`` the squared distance (ProtoPNet);
   a linear layer turns similarities into logits.

Memory. The token ``z_g w_g + e_g`` is affine in ``z_g``, so its key and (per-head, scalar)
value are ``z_g * a_g + b_g`` with ``a``, ``b`` computed once per forward from the
parameters. The batch-dependent tensors are therefore ``(batch, n_pairs, n_heads)``, never
``(batch, n_genes, dim)``: 20,000 genes in Reactome-sized gene sets fit on a CPU. Soft
clusters pair every gene with every cluster; that full grid is held as (B, G, S, H) and its
segment softmax is a plain softmax over genes (no scatter / gather).

Axis letters in comments: B batch, G genes, P (group, gene) pairs, S groups (pathways),
H heads, K key dimension, D model dimension, M prototypes, C classes.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import ModelOutput

__all__ = ["HAIN", "segment_softmax"]


def segment_softmax(scores: Tensor, segment: Tensor, n_segments: int) -> Tensor:
    """Softmax of ``scores`` over the entries that share a segment.

    Parameters
    ----------
    scores : Tensor of shape (B, P, H)
    segment : Tensor of shape (P,), int64
        Segment (group) of each entry along the second axis.
    n_segments : int

    Returns
    -------
    Tensor of shape (B, P, H)
        Sums to one within every (sample, segment, head).
    """
    b, p, h = scores.shape
    idx = segment.view(1, p, 1).expand(b, p, h)
    peak = scores.new_full((b, n_segments, h), -math.inf)
    peak = peak.scatter_reduce(1, idx, scores.detach(), reduce="amax", include_self=True)
    e = (scores - peak.gather(1, idx)).exp()
    total = scores.new_zeros((b, n_segments, h)).index_add(1, segment, e)
    return e / total.gather(1, idx).clamp_min(1e-30)


class GenePooling(nn.Module):
    """Level 1: multi-head attention pooling of gene tokens inside each group.

    Parameters
    ----------
    n_genes, n_groups : int
    gene_index, group_index : Tensor of shape (P,), int64
        The (group, gene) membership pairs.
    dim, n_heads, key_dim : int
    soft_clusters : bool
        Add ``log softmax`` of a learned gene -> group assignment to the scores (used when
        every gene is paired with every cluster, i.e. no gene sets).
    pool_scale : {"mean", "sqrt_size"}, default "mean"
        ``"mean"``: a group token pools its genes' values as an attention-weighted mean.
        ``"sqrt_size"``: that mean times the square root of the group's size, so that under
        spread attention a token's sample-to-sample spread does not shrink with the group
        (a mean of 7,129 independent genes is ~84x smaller than one gene).
    """

    gene_index: Tensor
    group_index: Tensor
    pool_gain: Tensor

    def __init__(
        self,
        n_genes: int,
        n_groups: int,
        gene_index: Tensor,
        group_index: Tensor,
        *,
        dim: int,
        n_heads: int,
        key_dim: int,
        soft_clusters: bool,
        pool_scale: str = "mean",
    ) -> None:
        super().__init__()
        if pool_scale not in ("mean", "sqrt_size"):
            raise ValueError(f"pool_scale must be 'mean' or 'sqrt_size', got {pool_scale!r}.")
        self.n_groups = n_groups
        self.n_heads = n_heads
        self.key_dim = key_dim
        self.register_buffer("gene_index", gene_index.long())
        self.register_buffer("group_index", group_index.long())
        sizes = torch.bincount(group_index.long(), minlength=n_groups).clamp_min(1).float()
        gain = sizes.sqrt() if pool_scale == "sqrt_size" else torch.ones(n_groups)
        self.register_buffer("pool_gain", gain.view(1, n_groups, 1), persistent=False)
        self.gene_vector = nn.Parameter(torch.randn(n_genes, dim) / math.sqrt(dim))
        self.gene_embedding = nn.Parameter(0.1 * torch.randn(n_genes, dim) / math.sqrt(dim))
        self.query = nn.Parameter(torch.randn(n_groups, n_heads, key_dim) / math.sqrt(key_dim))
        self.key = nn.Linear(dim, n_heads * key_dim, bias=False)
        self.value = nn.Linear(dim, n_heads, bias=False)
        self.group_embedding = nn.Parameter(0.02 * torch.randn(n_groups, dim))
        self.out = nn.Linear(n_heads, dim)
        self.assign = nn.Parameter(0.01 * torch.randn(n_genes, n_groups)) if soft_clusters else None
        # every gene in every group, gene-major (soft clusters): pair tensors are a (G, S)
        # grid, so the segment softmax is a softmax over genes and sums need no scatter
        n_pairs = gene_index.numel()
        self.grid = (
            n_pairs == n_genes * n_groups
            and torch.equal(gene_index.long(), torch.arange(n_genes).repeat_interleave(n_groups))
            and torch.equal(group_index.long(), torch.arange(n_groups).repeat(n_genes))
        )

    def per_gene(self, pairs: Tensor) -> Tensor:
        """Sum pair values over each gene's groups: (B, P, ...) -> (B, G, ...)."""
        b, rest = pairs.shape[0], pairs.shape[2:]
        if self.grid:
            return pairs.view(b, -1, self.n_groups, *rest).sum(2)
        n_genes = self.gene_vector.shape[0]
        return pairs.new_zeros((b, n_genes, *rest)).index_add(1, self.gene_index, pairs)

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """``z`` (B, G) standardised expression -> group tokens (B, S, D), alpha (B, P, H)."""
        gi, si = self.gene_index, self.group_index
        h, k = self.n_heads, self.key_dim
        q = self.query[si]  # P H K
        # key(z w + e) = z key(w) + key(e): two scalars per pair and head
        slope = (self.key(self.gene_vector).view(-1, h, k)[gi] * q).sum(-1) / math.sqrt(k)
        shift = (self.key(self.gene_embedding).view(-1, h, k)[gi] * q).sum(-1) / math.sqrt(k)
        if self.assign is not None:
            shift = shift + F.log_softmax(self.assign, dim=1)[gi, si].unsqueeze(-1)
        if self.grid:  # B G S H: softmax over genes; a gene's value is the same in every group
            b, s = z.shape[0], self.n_groups
            scores = z.view(b, -1, 1, 1) * slope.view(-1, s, h) + shift.view(-1, s, h)
            grid_alpha = torch.softmax(scores, dim=1)
            values = z.unsqueeze(-1) * self.value(self.gene_vector) + self.value(
                self.gene_embedding
            )  # B G H
            pooled = (grid_alpha * values.unsqueeze(2)).sum(1) * self.pool_gain  # B S H
            return self.group_embedding + self.out(pooled), grid_alpha.view(b, -1, h)
        zp = z[:, gi].unsqueeze(-1)  # B P 1
        alpha = segment_softmax(zp * slope + shift, si, self.n_groups)  # B P H
        values = zp * self.value(self.gene_vector)[gi] + self.value(self.gene_embedding)[gi]
        pooled = z.new_zeros((z.shape[0], self.n_groups, h)).index_add(1, si, alpha * values)
        return self.group_embedding + self.out(pooled * self.pool_gain), alpha


class TransformerBlock(nn.Module):
    """Pre-norm multi-head self-attention and feed-forward, each with a residual."""

    def __init__(self, dim: int, n_heads: int, *, dropout: float = 0.1) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, n_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (B, S, D) -> (B, S, D)."""
        y = self.norm1(x)
        x = x + self.drop(self.attn(y, y, y, need_weights=False)[0])
        return x + self.drop(self.ff(self.norm2(x)))


class AttentionPool(nn.Module):
    """Level 2 read-out: multi-head attention pooling of tokens with learned queries."""

    def __init__(self, dim: int, n_heads: int, key_dim: int) -> None:
        super().__init__()
        if dim % n_heads:
            raise ValueError(f"dim ({dim}) must be a multiple of n_heads ({n_heads}).")
        self.n_heads, self.key_dim = n_heads, key_dim
        self.query = nn.Parameter(torch.randn(n_heads, key_dim) / math.sqrt(key_dim))
        self.key = nn.Linear(dim, n_heads * key_dim, bias=False)
        self.value = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``x`` (B, S, D) -> pooled (B, D), beta (B, S, H) summing to one over S."""
        b, s, d = x.shape
        keys = self.key(x).view(b, s, self.n_heads, self.key_dim)
        beta = torch.softmax((keys * self.query).sum(-1) / math.sqrt(self.key_dim), dim=1)
        v = self.value(x).view(b, s, self.n_heads, d // self.n_heads)
        pooled = torch.einsum("bsh,bshe->bhe", beta, v).reshape(b, d)
        return self.out(pooled), beta


class PrototypeLayer(nn.Module):
    """ProtoPNet prototypes: squared distances and log similarities to ``M`` prototypes."""

    prototype_class: Tensor

    def __init__(self, dim: int, n_classes: int, per_class: int, *, eps: float = 1e-4) -> None:
        super().__init__()
        self.eps = eps
        self.prototypes = nn.Parameter(torch.randn(n_classes * per_class, dim) / math.sqrt(dim))
        self.register_buffer(
            "prototype_class", torch.arange(n_classes).repeat_interleave(per_class)
        )

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:
        """``h`` (B, D) -> squared distance (B, M), similarity (B, M)."""
        d = (h.unsqueeze(1) - self.prototypes.unsqueeze(0)).pow(2).sum(-1)
        return d, torch.log((d + 1.0) / (d + self.eps))


class HAIN(nn.Module):
    """Hierarchical attention network over genes and pathways with prototypes.

    Parameters
    ----------
    n_genes : int
    n_classes : int
    gene_index, group_index : Tensor of shape (P,), int64
        Membership pairs: gene ``gene_index[p]`` belongs to group ``group_index[p]``.
    n_groups : int
        Number of groups S (gene sets plus "other", or soft clusters).
    dim : int, default 32
    n_heads : int, default 4
    key_dim : int, default 8
    prototypes_per_class : int, default 3
    dropout : float, default 0.1
    soft_clusters : bool, default False
        Pairs list every gene with every cluster and a learned assignment weights them.
    pool_scale : {"mean", "sqrt_size"}, default "mean"
        How a group token pools its genes (see :class:`GenePooling`).

    Notes
    -----
    ``forward(x)`` takes raw expression (B, G); training mean and scale live in buffers
    ``mean`` and ``scale``, so gradients are in the input's own units. Its output holds
    ``attention["gene"]`` (B, G): head-mean alpha summed over the gene's groups,
    ``attention["pathway"]`` (B, S): head-mean beta, and ``extras`` with
    ``prototype_similarity`` / ``prototype_distance`` (B, M), ``gene_heads`` (B, G, H),
    ``pathway_heads`` (B, S, H), ``pair_attention`` (B, P) and ``embedding`` (B, D).
    """

    mean: Tensor
    scale: Tensor

    def __init__(
        self,
        n_genes: int,
        n_classes: int,
        gene_index: Tensor,
        group_index: Tensor,
        n_groups: int,
        *,
        dim: int = 32,
        n_heads: int = 4,
        key_dim: int = 8,
        prototypes_per_class: int = 3,
        dropout: float = 0.1,
        soft_clusters: bool = False,
        pool_scale: str = "mean",
    ) -> None:
        super().__init__()
        self.n_genes, self.n_groups = n_genes, n_groups
        self.register_buffer("mean", torch.zeros(n_genes))
        self.register_buffer("scale", torch.ones(n_genes))
        self.genes = GenePooling(
            n_genes,
            n_groups,
            gene_index,
            group_index,
            dim=dim,
            n_heads=n_heads,
            key_dim=key_dim,
            soft_clusters=soft_clusters,
            pool_scale=pool_scale,
        )
        self.block = TransformerBlock(dim, n_heads, dropout=dropout)
        self.pool = AttentionPool(dim, n_heads, key_dim)
        self.norm = nn.LayerNorm(dim, elementwise_affine=False)  # bounded prototype distances
        self.prototypes = PrototypeLayer(dim, n_classes, prototypes_per_class)
        self.classifier = nn.Linear(n_classes * prototypes_per_class, n_classes, bias=False)
        with torch.no_grad():  # ProtoPNet start: +1 to the own class, -0.5 to the others
            own = F.one_hot(self.prototypes.prototype_class, n_classes).T.float()  # type: ignore[arg-type]
            self.classifier.weight.copy_(1.5 * own - 0.5)

    def embed(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Sample vectors (B, D), alpha (B, P, H) and beta (B, S, H) for raw ``x`` (B, G)."""
        z = (x - self.mean) / self.scale
        tokens, alpha = self.genes(z)
        h, beta = self.pool(self.block(tokens))
        # unit-scale sample vectors keep d small, where log((d + 1) / (d + eps)) is steep
        return self.norm(h) / math.sqrt(h.shape[-1]), alpha, beta

    def forward(self, x: Tensor) -> ModelOutput:
        """``x`` of shape (B, G), raw expression -> :class:`ModelOutput`."""
        h, alpha, beta = self.embed(x)
        dist, sim = self.prototypes(h)
        gene_heads = self.genes.per_gene(alpha)
        pathway = beta.mean(-1)
        return ModelOutput(
            logits=self.classifier(sim),
            attention={"gene": gene_heads.mean(-1), "pathway": pathway},
            extras={
                "prototype_similarity": sim,
                "prototype_distance": dist,
                "gene_heads": gene_heads,
                "pathway_heads": beta,
                "pair_attention": alpha.mean(-1),
                "embedding": h,
            },
        )

    def hierarchical(self, output: ModelOutput) -> Tensor:
        """Gene importance alpha x beta, summed over the gene's groups: (B, G).

        For each membership pair ``p`` = (group s, gene g): ``alpha[p] * beta[s]``, so a
        sample's values sum to one (the attention mass reaching each gene).
        """
        pair = output.extras["pair_attention"]
        flow = pair * output.attention["pathway"][:, self.genes.group_index]
        return self.genes.per_gene(flow)

    def contribution(self, x: Tensor) -> Tensor:
        """Norm-based gene importance: ``|| W_out (alpha_p * z_g * v_g) || * beta_s`` (B, G).

        The attention weight alone ignores what a gene sends: the part of pathway token
        ``s`` that gene ``g`` changes relative to its training mean (``z_g = 0``) is the
        per-head vector ``alpha_p * z_g * v_g`` (``v_g`` its value weights) mapped by the
        pooling's output layer. Its Euclidean norm times the pathway attention ``beta_s``,
        summed over the gene's groups, is the attention-times-value-norm measure of
        Kobayashi et al. (EMNLP 2020, "Attention is not only a weight").
        """
        gp = self.genes
        gi, si = gp.gene_index, gp.group_index
        z = (x - self.mean) / self.scale
        tokens, alpha = gp(z)
        _, beta = self.pool(self.block(tokens))
        sent = alpha * z[:, gi].unsqueeze(-1) * gp.value(gp.gene_vector)[gi] * gp.pool_gain[0, si]
        norm = (sent @ gp.out.weight.T).norm(dim=-1)  # B P
        flow = norm * beta.mean(-1)[:, si]
        return gp.per_gene(flow)
