"""DNA with class-specific planted motifs and the mask of where they are."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.data import ALPHABET, SequenceDataset, encode_sequences
from attnscope.errors import ConfigError

__all__ = ["simulate_dna"]


def simulate_dna(
    n_samples: int = 2000,
    *,
    length: int = 200,
    n_classes: int = 2,
    motifs: Sequence[str] | None = None,
    motif_length: int = 10,
    copies: int = 1,
    mutation_rate: float = 0.1,
    gc_content: float = 0.45,
    random_state: int | None = 0,
) -> SequenceDataset:
    """Random background DNA with one motif per class planted at random positions.

    Each sample of class ``c`` carries ``copies`` instances of motif ``c``; each motif base
    is mutated to a random base with probability ``mutation_rate`` (so the signal is a
    position weight matrix, not an exact string). The truth mask marks the planted bases.

    Parameters
    ----------
    n_samples : int, default 2000
    length : int, default 200
    n_classes : int, default 2
    motifs : sequence of str, optional
        One consensus per class; default random motifs of ``motif_length``.
    copies : int, default 1
        Non-overlapping instances per sample.
    mutation_rate : float, default 0.1
    gc_content : float, default 0.45
        Background base composition.
    random_state : int, optional

    Returns
    -------
    SequenceDataset
        ``truth`` of shape (n_samples, length); ``meta`` holds the motifs and the share of
        positions inside motifs (the precision@k a random ranking expects).
    """
    rng = check_random_state(random_state)
    if not 2 <= n_classes <= n_samples:
        raise ConfigError(f"n_classes must lie in [2, n_samples={n_samples}], got {n_classes}.")
    if copies < 1 or motif_length < 1:
        raise ConfigError(f"copies and motif_length must be >= 1, got {copies}, {motif_length}.")
    for name, share in (("mutation_rate", mutation_rate), ("gc_content", gc_content)):
        if not 0 <= share <= 1:  # NaN too
            raise ConfigError(f"{name} must lie in [0, 1], got {share}.")
    if motifs is None:
        motifs = ["".join(rng.choice(list("ACGT"), motif_length)) for _ in range(n_classes)]
    motifs = [m.upper() for m in motifs]
    if len(motifs) != n_classes:
        raise ConfigError(f"need one motif per class ({n_classes}), got {len(motifs)}.")
    width = max(len(m) for m in motifs)
    if copies * width > length:
        raise ConfigError(f"{copies} motifs of {width} bp do not fit in {length} bp.")
    probs = np.array([(1 - gc_content) / 2, gc_content / 2, gc_content / 2, (1 - gc_content) / 2])
    bases = rng.choice(4, size=(n_samples, length), p=probs)
    labels = np.arange(n_samples) % n_classes
    rng.shuffle(labels)
    truth = np.zeros((n_samples, length), dtype=bool)
    motif_codes = [encode_sequences([m])[0].astype(np.int64) - 1 for m in motifs]
    # Non-overlapping slots: split the sequence into `copies` segments, one motif per segment.
    seg = length // copies
    for c, code in enumerate(motif_codes):
        rows = np.flatnonzero(labels == c)
        w = len(code)
        for k in range(copies):
            starts = k * seg + rng.integers(0, seg - w + 1, size=rows.size)
            cols = starts[:, None] + np.arange(w)[None, :]
            planted = np.broadcast_to(code, cols.shape).copy()
            mutate = rng.random(cols.shape) < mutation_rate
            planted[mutate] = rng.integers(0, 4, size=int(mutate.sum()))
            bases[rows[:, None], cols] = planted
            truth[rows[:, None], cols] = True
    tokens = (bases + 1).astype(np.uint8)
    lut = np.array(list(ALPHABET))
    return SequenceDataset(
        labels=labels.astype(np.int64),
        sample_ids=np.array([f"sim{i:06d}" for i in range(n_samples)]),
        class_names=[f"motif_{c}" for c in range(n_classes)],
        truth=truth,
        meta={
            "motifs": list(motifs),
            "motif_fraction": float(truth.mean()),
            "random_state": random_state,
            "consensus_check": "".join(lut[motif_codes[0]]),
        },
        tokens=tokens,
    )
