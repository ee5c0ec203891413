"""HEMERA's genotype token vocabulary and the dosage -> token conversions."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "CLS",
    "GENOTYPE_OFFSET",
    "MASK",
    "MEAN",
    "MISSING",
    "N_TOKENS",
    "PAD",
    "VOCAB_SIZE",
    "genotype_tokens",
    "uint8_tokens",
]

#: Token vocabulary. Genotype ``g`` in {0, 1, 2} (copies of the counted allele) is token
#: ``GENOTYPE_OFFSET + g``; a missing call is ``MISSING``; ``MASK`` replaces a token hidden
#: for MLM pre-training; ``CLS`` is prepended by the model; ``PAD`` is unused by SNP
#: arrays (fixed length) and kept for compatibility with other token models. ``MEAN`` is
#: not a real token: it embeds to the *mean training embedding* of its SNP (the baseline of
#: layer integrated gradients) and never appears in data.
PAD, MASK, CLS, MISSING = 0, 1, 2, 3
GENOTYPE_OFFSET = 4
N_TOKENS = 7  # real tokens: PAD, MASK, CLS, MISSING, 0, 1, 2
MEAN = 7
VOCAB_SIZE = 8


def genotype_tokens(genotypes: Tensor) -> Tensor:
    """Dosages (b, n) in {-1, 0, 1, 2} (-1 = missing) -> tokens (b, n), int64."""
    g = genotypes.long()
    return torch.where(g < 0, torch.full_like(g, MISSING), g + GENOTYPE_OFFSET)


def uint8_tokens(genotypes: np.ndarray) -> Tensor:
    """Dosages (b, n) int8 in {-1, 0, 1, 2} -> tokens (b, n) uint8, without an int64 copy.

    Equal to ``genotype_tokens(torch.from_numpy(g)).to(torch.uint8)``; a 379K-SNP cohort
    stays one byte per genotype.
    """
    g = np.asarray(genotypes)
    tok = (g + GENOTYPE_OFFSET).astype(np.uint8)
    tok[g < 0] = MISSING
    return torch.from_numpy(tok)
