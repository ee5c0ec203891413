"""Data sets and the k-mer logistic-regression baseline of ``benchmarks/attngen.py``.

Also used by ``benchmarks/motifs.py`` (:func:`subsample`) and ``benchmarks/homology.py``.
"""

from __future__ import annotations

import numpy as np

from _attngen_config import LOADERS
from attnscope.data import SequenceDataset, train_val_test_split


def load_real(name: str) -> SequenceDataset:
    """A real data set through its ``attnscope.datasets`` loader."""
    import attnscope.datasets as ds

    fn_name, kwargs = LOADERS[name]
    return getattr(ds, fn_name)(**kwargs)  # type: ignore[no-any-return]


def load_sim(n: int) -> SequenceDataset:
    from attnscope.sim import simulate_dna

    return simulate_dna(n, length=100, motif_length=10, mutation_rate=0.1, random_state=7)


def subsample(data: SequenceDataset, n_max: int) -> SequenceDataset:
    """Stratified subsample of at most ``n_max`` sequences (fixed seed)."""
    if len(data) <= n_max:
        return data
    _, _, keep = train_val_test_split(
        data.y, val_size=0.0, test_size=n_max / len(data), random_state=123
    )
    return data.subset(keep)  # type: ignore[return-value]


# -- k-mer logistic regression -------------------------------------------------------------
def kmer_counts(tokens: np.ndarray, ks: tuple[int, ...] = (1, 2, 3, 4, 5, 6)) -> np.ndarray:
    """Frequencies of every k-mer (k in ``ks``), shape (n, sum 4**k); windows with N skipped."""
    from numpy.lib.stride_tricks import sliding_window_view

    base = tokens.astype(np.int64) - 1  # A0 C1 G2 T3, pad -1, N 4
    ok = (base >= 0) & (base <= 3)
    n = tokens.shape[0]
    blocks = []
    for k in ks:
        win = sliding_window_view(np.where(ok, base, 0), k, axis=1)
        valid = sliding_window_view(ok, k, axis=1).all(axis=2)
        codes = (win * (4 ** np.arange(k - 1, -1, -1))).sum(axis=2)
        flat = (np.arange(n)[:, None] * 4**k + codes)[valid]
        counts = np.bincount(flat, minlength=n * 4**k).reshape(n, 4**k).astype(np.float32)
        blocks.append(counts / np.maximum(valid.sum(axis=1, keepdims=True), 1))
    return np.concatenate(blocks, axis=1)


def kmer_lr(train: SequenceDataset, test: SequenceDataset) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    clf.fit(kmer_counts(train.tokens), train.y)
    return float((clf.predict(kmer_counts(test.tokens)) == test.y).mean())
