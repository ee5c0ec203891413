"""Homology-aware splits: k-mer sets, exact Jaccard near-duplicates, groups kept on one side."""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pytest

from attnscope.data import (
    SequenceDataset,
    homology_groups,
    homology_split,
    kmer_sets,
    near_duplicate_pairs,
    near_duplicate_share,
    run_split,
)
from attnscope.errors import DataError


def test_kmer_sets_known_codes():
    # ACGTA: 2-mers AC, CG, GT, TA -> codes 0*4+1, 1*4+2, 2*4+3, 3*4+0; N and pad break k-mers
    tokens = np.array([[1, 2, 3, 4, 1], [1, 1, 1, 5, 1], [1, 2, 0, 0, 0]], np.uint8)
    m = kmer_sets(tokens, k=2).toarray()
    assert m.shape == (3, 16)
    assert sorted(np.flatnonzero(m[0])) == [1, 6, 11, 12]
    assert sorted(np.flatnonzero(m[1])) == [0]  # AA twice counts once; AN, NA skipped
    assert sorted(np.flatnonzero(m[2])) == [1]
    with pytest.raises(DataError, match="2-D"):
        kmer_sets(tokens[0])


def _family_data(seed: int = 0, n_families: int = 30, copies: int = 3, length: int = 120):
    """Random families of near-identical sequences (one point mutation each) plus singletons."""
    rng = np.random.default_rng(seed)
    rows, fam = [], []
    for f in range(n_families):
        base = rng.integers(1, 5, length)
        for _ in range(copies):
            seq = base.copy()
            hit = rng.choice(length, 1, replace=False)
            seq[hit] = rng.integers(1, 5, 1)
            rows.append(seq)
            fam.append(f)
    for s in range(60):
        rows.append(rng.integers(1, 5, length))
        fam.append(n_families + s)
    return np.array(rows, np.uint8), np.array(fam)


def _jaccard(a: np.ndarray, b: np.ndarray, k: int) -> float:
    sa = {tuple(a[i : i + k]) for i in range(len(a) - k + 1)}
    sb = {tuple(b[i : i + k]) for i in range(len(b) - k + 1)}
    return len(sa & sb) / len(sa | sb)


def test_near_duplicate_pairs_equal_brute_force_jaccard():
    tokens, _ = _family_data(n_families=8, copies=3, length=60)
    tokens = tokens[:50]
    i, j = near_duplicate_pairs(tokens, k=6, threshold=0.5, block=7)
    found = set(zip(i.tolist(), j.tolist()))
    expected = {
        (a, b)
        for a, b in combinations(range(len(tokens)), 2)
        if _jaccard(tokens[a], tokens[b], 6) >= 0.5
    }
    assert found == expected and len(expected) >= 15


def test_homology_split_keeps_families_on_one_side():
    tokens, fam = _family_data()
    labels = np.arange(len(fam)) % 2
    groups = homology_groups(tokens)
    # every family is one group, every singleton alone
    assert all(len(np.unique(groups[fam == f])) == 1 for f in range(30))
    assert len(np.unique(groups)) == 30 + 60
    train, val, test = homology_split(tokens, labels, val_size=0.1, test_size=0.2, random_state=3)
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(len(fam)))
    for a, b in ((train, test), (train, val), (val, test)):
        assert not set(fam[a]) & set(fam[b])
    assert abs(len(test) / len(fam) - 0.2) < 0.05
    assert near_duplicate_share(tokens[train], tokens[test]) == 0.0
    # a random split puts most families on both sides
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(fam))
    assert near_duplicate_share(tokens[perm[:100]], tokens[perm[100:]]) > 0.3


def test_run_split_records_the_near_duplicate_share():
    tokens, fam = _family_data()
    data = SequenceDataset(
        labels=np.arange(len(fam)) % 2,
        sample_ids=np.array([f"s{i}" for i in range(len(fam))]),
        class_names=["a", "b"],
        truth=None,
        meta={},
        tokens=tokens,
    )
    _, _, info = run_split(data, test_size=0.25, split="homology", random_state=0)
    assert info == {"method": "homology", "k": 8, "threshold": 0.7, "near_duplicate_share": 0.0}
    _, _, rand = run_split(data, test_size=0.25, split="random", random_state=0)
    assert rand["near_duplicate_share"] > 0.2
    with pytest.raises(DataError, match="unknown split"):
        run_split(data, test_size=0.25, split="kmer")


def test_fit_split_homology_on_the_cli(tmp_path):
    from attnscope.cli import run
    from attnscope.io import write_dataset

    tokens, fam = _family_data(length=80)
    data = SequenceDataset(
        labels=np.arange(len(fam)) % 2,
        sample_ids=np.array([f"s{i}" for i in range(len(fam))]),
        class_names=["neg", "pos"],
        truth=None,
        meta={},
        tokens=tokens,
    )
    path = write_dataset(data, tmp_path / "data.npz")
    out = tmp_path / "run"
    args = ["fit", str(path), "--model", "cnn", "--out", str(out), "--set", "epochs=1"]
    assert run([*args, "--set", "n_filters=4", "--test-split", "homology"]) == 0
    split = json.loads((out / "metrics.json").read_text())["split"]
    assert split["method"] == "homology" and split["near_duplicate_share"] == 0.0
    assert run([*args, "--split", "nope", "--force"]) == 2
