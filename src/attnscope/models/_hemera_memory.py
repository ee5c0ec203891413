"""An upper estimate of one HEMERA training step's memory (refuses settings that cannot fit)."""

from __future__ import annotations

from attnscope.models._genotype_tokens import N_TOKENS, VOCAB_SIZE

__all__ = ["hemera_memory_estimate"]


def hemera_memory_estimate(
    n_snps: int,
    batch_size: int,
    *,
    dim: int = 36,
    n_layers: int = 1,
    heads: int = 1,
    k: int = 36,
    ff_mult: int = 2,
    attention: str = "linformer",
    mlm: bool = False,
) -> int:
    """Upper estimate (bytes) of one training step's memory above the interpreter.

    Counts parameters with gradients and two AdamW moments (x4), the activations kept for
    the backward pass, ``(36 + 2 * ff_mult)`` (b, n, d) float tensors per layer where every
    token is a query, 6 for a [CLS]-only last layer, 4 for the embedding, and 5 copies of
    each attention matrix (b, h, queries, keys). The coefficients were calibrated against
    the peak memory measured at 10K and 50K SNPs (``benchmarks/hemera_scale.py``) and
    rounded up. Used to refuse settings (full attention) that cannot fit before trying.

    Returns
    -------
    int
    """
    n = n_snps + 1
    per_layer_attn = (
        2 * n * k + 4 * dim * dim + 2 * dim if attention == "linformer" else 4 * dim * dim
    )
    n_params = VOCAB_SIZE * dim + n_layers * (per_layer_attn + 2 * ff_mult * dim * dim) + 2 * n
    params = 4 * 4 * n_params
    keys = k if attention == "linformer" else n
    act = 4 * batch_size * n * dim + 2 * batch_size * n
    for i in range(n_layers):
        full = mlm or i < n_layers - 1
        act += (36 + 2 * ff_mult if full else 6) * batch_size * n * dim
        act += 5 * batch_size * heads * (n if full else 1) * keys
    if mlm:
        act += 6 * batch_size * n * N_TOKENS
    return int(params + 4 * act)
