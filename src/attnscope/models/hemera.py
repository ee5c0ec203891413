"""HEMERA: a Linformer over SNP genotype tokens (arXiv 2510.07477).

Reads top to bottom as the architecture::

    tokens (b, n) ─▶ GenotypeEmbedding (b, n, d)
        ─▶ + sinusoidal positional encoding of each SNP (SNP index or scaled genomic position)
        ─▶ prepend the [CLS] embedding (b, 1 + n, d)
        ─▶ L x pre-norm block [LinformerAttention, FeedForward]
        ─▶ [CLS] ─▶ LayerNorm ─▶ Linear ─▶ logits (b, n_classes)
                 └▶ (mlm=True) every SNP token ─▶ LayerNorm ─▶ Linear ─▶ mlm logits (b, n, vocab)

    snp_gate=True (not in the paper): a per-SNP gate s (n,) scales each SNP's deviation from
    its mean training embedding before the Linformer, x_j = mean_j + s_j (e_j - mean_j), and
    the gated deviations, pooled over SNPs, also reach the logits through a linear path:
    logits += Linear(sum_j s_j (e_j - mean_j)). s starts at 0 (the estimator's gate_l1 keeps
    it sparse) and the genotype embeddings start on one line, so the linear path starts as
    a logistic model on centred dosages with weights s; s = 1 with the linear path at 0 is
    the paper's network.

Axis letters: b batch, n SNP tokens (+1 for [CLS]), d model width, h heads, e head width
(d / h), k projected sequence length of the Linformer.

Memory is linear in ``n``: keys and values are projected along the sequence axis to ``k``
rows *before* the key/value matrices are formed (``E^T (X W_K) = (E^T X) W_K``), so no
(b, n, d) key or value tensor exists, and the attention matrix is (b, h, n, k). For
classification the last layer only needs the [CLS] query, so it computes one row of
attention instead of ``n`` (the result is the same as computing all rows and keeping [CLS]).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from attnscope.core import ModelOutput
from attnscope.models._genotype_tokens import (
    CLS,
    GENOTYPE_OFFSET,
    MASK,
    MEAN,
    MISSING,
    N_TOKENS,
    PAD,
    VOCAB_SIZE,
    genotype_tokens,
    uint8_tokens,
)
from attnscope.models._hemera_memory import hemera_memory_estimate

__all__ = [
    "CLS",
    "GENOTYPE_OFFSET",
    "HEMERA",
    "MASK",
    "MEAN",
    "MISSING",
    "N_TOKENS",
    "PAD",
    "VOCAB_SIZE",
    "GenotypeEmbedding",
    "LinformerAttention",
    "genotype_tokens",
    "hemera_memory_estimate",
    "sinusoidal_encoding",
    "uint8_tokens",
]


def sinusoidal_encoding(positions: Tensor, dim: int) -> Tensor:
    """Transformer sinusoidal encoding of real-valued positions.

    Parameters
    ----------
    positions : Tensor of shape (n,), float
    dim : int

    Returns
    -------
    Tensor of shape (n, dim)
        ``sin(p / 10000^(2i/dim))`` in even columns, ``cos`` in odd ones.
    """
    half = (dim + 1) // 2
    freq = torch.exp(
        -math.log(10000.0)
        * torch.arange(half, device=positions.device, dtype=torch.float32)
        * 2
        / dim
    )
    angles = positions.float().unsqueeze(1) * freq.unsqueeze(0)
    pe = torch.stack([angles.sin(), angles.cos()], dim=2).reshape(positions.shape[0], 2 * half)
    return pe[:, :dim]


class GenotypeEmbedding(nn.Module):
    """``nn.Embedding(VOCAB_SIZE, dim)`` whose ``MEAN`` token is the mean training embedding.

    ``token_freq`` (n_snps, N_TOKENS) holds, per sequence position, the training frequency
    of each real token; ``MEAN`` at position j embeds to ``token_freq[j] @ weight[:N_TOKENS]``,
    which is the average of the training individuals' embeddings at j. This is the layer the
    integrated-gradients attributions are taken at.
    """

    token_freq: Tensor

    def __init__(self, n_snps: int, dim: int) -> None:
        super().__init__()
        self.table = nn.Embedding(VOCAB_SIZE, dim)
        freq = torch.zeros(n_snps, N_TOKENS)
        freq[:, GENOTYPE_OFFSET] = 1.0
        self.register_buffer("token_freq", freq)

    def forward(self, tokens: Tensor) -> Tensor:
        """Tokens (b, n) -> embeddings (b, n, d)."""
        emb = self.table(tokens)
        is_mean = tokens == MEAN
        if bool(is_mean.any()):
            mean = self.token_freq @ self.table.weight[:N_TOKENS]  # (n, d)
            emb = torch.where(is_mean.unsqueeze(-1), mean.unsqueeze(0).to(emb.dtype), emb)
        return emb


class FeedForward(nn.Module):
    """Position-wise MLP: Linear -> GELU -> Dropout -> Linear."""

    def __init__(self, dim: int, mult: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, dim * mult), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim * mult, dim)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class LinformerAttention(nn.Module):
    """Multi-head self-attention whose keys and values are projected along the sequence.

    Parameters
    ----------
    dim : int
    seq_len : int
        Fixed number of tokens (SNPs + [CLS]); the projections E, F are (seq_len, k).
    heads : int, default 1
    k : int, default 36
        Projected length; ``attention="full"`` ignores it (plain softmax attention over
        ``seq_len`` keys, quadratic memory, kept for comparison).
    dropout : float, default 0.1
    attention : {"linformer", "full"}, default "linformer"
    proj_init : float, default 1.0
        E and F start as N(0, (proj_init / sqrt(seq_len))^2) (1: the Linformer's scale).
    """

    def __init__(
        self,
        dim: int,
        seq_len: int,
        *,
        heads: int = 1,
        k: int = 36,
        dropout: float = 0.1,
        attention: str = "linformer",
        proj_init: float = 1.0,
    ) -> None:
        super().__init__()
        self.heads, self.attention = heads, attention
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)
        if attention == "linformer":
            # std proj_init/sqrt(n): 1 keeps a projected row an average-sized sum at any n.
            std = proj_init / math.sqrt(seq_len)
            self.proj_k = nn.Parameter(torch.randn(seq_len, k) * std)
            self.proj_v = nn.Parameter(torch.randn(seq_len, k) * std)

    def _split(self, t: Tensor) -> Tensor:
        b, m, d = t.shape
        return t.view(b, m, self.heads, d // self.heads).transpose(1, 2)  # (b, h, m, e)

    def forward(self, x: Tensor, *, cls_only: bool = False) -> tuple[Tensor, Tensor, Tensor]:
        """Attend from every token (or only [CLS], position 0) to the whole sequence.

        Parameters
        ----------
        x : Tensor of shape (b, n, d)
            Normalised inputs.
        cls_only : bool, default False
            Compute the output for the [CLS] query only.

        Returns
        -------
        out : Tensor of shape (b, n or 1, d)
        weights : Tensor of shape (b, h, k) (linformer) or (b, h, n) (full)
            The [CLS] query's attention over the projected (or all) keys.
        snp_weights : Tensor of shape (b, n)
            Linear weight of each token's value vector in the [CLS] output, averaged over
            heads: ``weights @ F^T`` for the Linformer, ``weights`` for full attention.
        """
        b, _, d = x.shape
        queries = x[:, :1] if cls_only else x
        q = self._split(self.to_q(queries)) / math.sqrt(d // self.heads)
        if self.attention == "linformer":
            # Project along the sequence first: (E^T X) W_K == E^T (X W_K), never (b, n, d).
            k = self._split(self.to_k(torch.einsum("bnd,nk->bkd", x, self.proj_k)))
            v = self._split(self.to_v(torch.einsum("bnd,nk->bkd", x, self.proj_v)))
        else:
            k, v = self._split(self.to_k(x)), self._split(self.to_v(x))
        attn = torch.softmax(q @ k.transpose(-1, -2), dim=-1)  # (b, h, m, k or n)
        out = self.dropout(attn) @ v  # (b, h, m, e)
        out = out.transpose(1, 2).reshape(b, queries.shape[1], d)
        cls_w = attn[:, :, 0]
        if self.attention == "linformer":
            snp_w = torch.einsum("bhk,nk->bn", cls_w, self.proj_v) / self.heads
        else:
            snp_w = cls_w.mean(dim=1)
        return self.to_out(out), cls_w, snp_w


class Block(nn.Module):
    """Pre-norm residual block: ``x + attn(norm(x))`` then ``x + ff(norm(x))``."""

    def __init__(
        self,
        dim: int,
        seq_len: int,
        *,
        heads: int,
        k: int,
        ff_mult: int,
        dropout: float,
        attention: str,
        proj_init: float = 1.0,
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = LinformerAttention(
            dim,
            seq_len,
            heads=heads,
            k=k,
            dropout=dropout,
            attention=attention,
            proj_init=proj_init,
        )
        self.norm2 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim, ff_mult, dropout)

    def forward(self, x: Tensor, *, cls_only: bool = False) -> tuple[Tensor, Tensor, Tensor]:
        a, w, snp_w = self.attn(self.norm1(x), cls_only=cls_only)
        x = (x[:, :1] if cls_only else x) + a
        return x + self.ff(self.norm2(x)), w, snp_w


class HEMERA(nn.Module):
    """Linformer classifier over SNP tokens with an MLM head.

    Parameters
    ----------
    n_snps : int
        Fixed number of SNP tokens per individual.
    n_classes : int
    dim : int, default 36
        Embedding and model width.
    n_layers : int, default 1
    heads : int, default 1
        Must divide ``dim``.
    k : int, default 36
        Linformer projected length.
    ff_mult : int, default 2
    dropout : float, default 0.1
    attention : {"linformer", "full"}, default "linformer"
    proj_init : float, default 1.0
        E and F start as N(0, (proj_init / sqrt(seq_len))^2) (1: the Linformer's scale).
    snp_gate : bool, default False
        Add the per-SNP gate ``snp_gate`` (n_snps,), initialised to 0, and the linear path
        ``gate_head`` (d -> n_classes, no bias) over the gated deviations (module docstring).
        False is the paper's network (no extra parameters).

    Notes
    -----
    Buffers set from data (saved with the weights): ``positions`` (n_snps,) the value fed to
    the sinusoidal encoding of each SNP (index or scaled genomic position), and
    ``embed.token_freq`` (the MEAN-token baseline). The [CLS] token gets no positional
    encoding.

    ``forward`` returns ``ModelOutput`` with ``attention["cls"]`` (b, h, k): the last
    layer's [CLS] query over the k projected keys (over all n + 1 keys for full attention),
    and ``attention["snp"]`` (b, n): how much each SNP's value vector weighs in the [CLS]
    output (``cls @ F^T``, head-averaged; SNP order as the input). Projected-key attention
    mixes SNPs through learned E and F, so neither is a per-SNP importance by itself; use
    layer integrated gradients for that.
    """

    positions: Tensor
    embed: GenotypeEmbedding

    def __init__(
        self,
        n_snps: int,
        n_classes: int,
        *,
        dim: int = 36,
        n_layers: int = 1,
        heads: int = 1,
        k: int = 36,
        ff_mult: int = 2,
        dropout: float = 0.1,
        attention: str = "linformer",
        proj_init: float = 1.0,
        snp_gate: bool = False,
    ) -> None:
        super().__init__()
        seq_len = n_snps + 1
        self.embed = GenotypeEmbedding(n_snps, dim)
        self.register_buffer("positions", torch.arange(n_snps, dtype=torch.float32))
        self.blocks = nn.ModuleList(
            Block(
                dim,
                seq_len,
                heads=heads,
                k=k,
                ff_mult=ff_mult,
                dropout=dropout,
                attention=attention,
                proj_init=proj_init,
            )
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)
        self.mlm_norm = nn.LayerNorm(dim)
        self.mlm_head = nn.Linear(dim, N_TOKENS)
        self.snp_gate: nn.Parameter | None = None
        self.gate_head: nn.Linear | None = None
        if snp_gate:
            self.snp_gate = nn.Parameter(torch.zeros(n_snps))
            self.gate_head = nn.Linear(dim, n_classes, bias=False)
            self._additive_start(self.gate_head)

    @torch.no_grad()
    def _additive_start(self, head: nn.Linear) -> None:
        """Genotype embeddings on one line, ``e_g = (g - 1) a``, and a linear path reading
        ``+1`` per counted allele into the last class: the gated path starts as a logistic
        model on centred dosages whose per-SNP weights are the gates."""
        a = self.embed.table.weight[GENOTYPE_OFFSET + 2] / 2
        for g in range(3):
            self.embed.table.weight[GENOTYPE_OFFSET + g] = (g - 1) * a
        head.weight.zero_()
        head.weight[-1] = a / a.square().sum()

    def forward(self, tokens: Tensor, *, mlm: bool = False) -> ModelOutput:
        """Classify SNP tokens.

        Parameters
        ----------
        tokens : Tensor of shape (b, n_snps), int
            See :func:`genotype_tokens`; the model prepends [CLS].
        mlm : bool, default False
            Also return ``extras["mlm_logits"]`` of shape (b, n_snps, N_TOKENS) (needs every
            query in the last layer, so it costs more memory).

        Returns
        -------
        ModelOutput
            With ``snp_gate``: ``extras["gate_logits"]`` (b, n_classes), the linear path's
            share of ``logits`` (the rest comes from the [CLS] attention output).
        """
        x = self.embed(tokens.long())  # (b, n, d): the layer LIG attributes at
        gate_logits = None
        if self.snp_gate is not None and self.gate_head is not None:
            mean = self.embed.token_freq @ self.embed.table.weight[:N_TOKENS]  # (n, d)
            dev = x - mean.to(x.dtype)
            x = mean + self.snp_gate.unsqueeze(-1) * dev
            gate_logits = self.gate_head(torch.einsum("bnd,n->bd", dev, self.snp_gate))
        x = x + sinusoidal_encoding(self.positions, x.shape[-1]).unsqueeze(0)
        cls = self.embed.table.weight[CLS].expand(x.shape[0], 1, -1)  # no encoding on [CLS]
        x = torch.cat([cls, x], dim=1)
        last = len(self.blocks) - 1
        w = snp_w = x.new_zeros(0)
        for i, block in enumerate(self.blocks):
            x, w, snp_w = block(x, cls_only=(i == last and not mlm))
        logits = self.head(self.norm(x[:, 0]))
        extras = {}
        if gate_logits is not None:
            logits = logits + gate_logits
            extras["gate_logits"] = gate_logits
        if mlm:
            extras["mlm_logits"] = self.mlm_head(self.mlm_norm(x[:, 1:]))
        return ModelOutput(logits=logits, attention={"cls": w, "snp": snp_w[:, 1:]}, extras=extras)
