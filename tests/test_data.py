"""Containers, DNA encoding, label encoding and splits."""

from __future__ import annotations

import numpy as np
import pytest

from attnscope.data import (
    SequenceDataset,
    TabularDataset,
    encode_labels,
    encode_sequences,
    kfold_indices,
    train_val_test_split,
)
from attnscope.errors import DataError


def test_encode_sequences_codes_case_iupac_and_padding():
    tokens = encode_sequences(["ACGT", "acgtn", "RY"], length=5)
    assert tokens.tolist() == [[1, 2, 3, 4, 0], [1, 2, 3, 4, 5], [5, 5, 0, 0, 0]]


def test_encode_sequences_truncates_to_length():
    assert encode_sequences(["ACGTACGT"], length=3).tolist() == [[1, 2, 3]]


def test_encode_sequences_rejects_other_characters_naming_the_record():
    with pytest.raises(DataError, match=r"seq2.*\['-', 'X'\]"):
        encode_sequences(["ACGT", "AC-X"], ids=["seq1", "seq2"], source="f.fa")


def test_sequence_round_trip_through_tokens():
    seqs = ["ACGTN", "GGA"]
    ds = SequenceDataset(
        labels=None,
        sample_ids=np.array(["a", "b"]),
        class_names=[],
        truth=None,
        meta={},
        tokens=encode_sequences(seqs),
    )
    assert ds.sequences() == seqs


def test_encode_labels_orders_numbers_numerically_and_rejects_one_class():
    codes, names = encode_labels(np.array([10, 2, 2, 10]))
    assert names == ["2", "10"] and codes.tolist() == [1, 0, 0, 1]
    with pytest.raises(DataError, match="only 1 class"):
        encode_labels(["x", "x"])


def test_tabular_rejects_nan_and_duplicates():
    kw = dict(labels=np.array([0, 1]), class_names=["a", "b"], truth=None, meta={})
    with pytest.raises(DataError, match=r"NaN or inf.*sample s2"):
        TabularDataset(
            sample_ids=np.array(["s1", "s2"]),
            X=np.array([[1.0, 2], [np.nan, 1]]),
            feature_names=np.array(["g1", "g2"]),
            **kw,
        )
    with pytest.raises(DataError, match="duplicate sample ids"):
        TabularDataset(
            sample_ids=np.array(["s1", "s1"]),
            X=np.ones((2, 2)),
            feature_names=np.array(["g1", "g2"]),
            **kw,
        )
    with pytest.raises(DataError, match="duplicate feature names"):
        TabularDataset(
            sample_ids=np.array(["s1", "s2"]),
            X=np.ones((2, 2)),
            feature_names=np.array(["g1", "g1"]),
            **kw,
        )


def test_subset_keeps_rows_aligned(small_dna):
    idx = np.array([5, 0, 7])
    sub = small_dna.subset(idx)
    assert sub.sample_ids.tolist() == small_dna.sample_ids[idx].tolist()
    np.testing.assert_array_equal(sub.tokens, small_dna.tokens[idx])
    np.testing.assert_array_equal(sub.truth, small_dna.truth[idx])
    np.testing.assert_array_equal(sub.labels, small_dna.labels[idx])


def test_split_is_stratified_disjoint_and_complete():
    y = np.repeat([0, 1], [70, 30])
    tr, va, te = train_val_test_split(y, val_size=0.1, test_size=0.2, random_state=0)
    assert len(np.intersect1d(tr, te)) == 0 and len(np.intersect1d(tr, va)) == 0
    assert len(tr) + len(va) + len(te) == 100
    assert abs(y[te].mean() - 0.3) < 0.06
    again = train_val_test_split(y, val_size=0.1, test_size=0.2, random_state=0)
    assert all((a == b).all() for a, b in zip((tr, va, te), again))


def test_kfold_covers_each_sample_once():
    y = np.repeat([0, 1, 2], 10)
    folds = kfold_indices(y, n_splits=5, random_state=0)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests.tolist()) == list(range(30))
    with pytest.raises(DataError, match="smallest class"):
        kfold_indices(np.array([0, 0, 0, 1]), n_splits=3)


def test_subset_keeps_a_global_timeseries_truth_even_when_shapes_coincide():
    from attnscope.data import TimeSeriesDataset

    n = t = 4
    truth = np.eye(t, 3, dtype=bool)  # (n_times, n_variables), shared by all samples
    ds = TimeSeriesDataset(
        labels=np.array([0, 1, 0, 1]),
        sample_ids=np.arange(n).astype(str),
        class_names=["a", "b"],
        truth=truth,
        meta={},
        values=np.zeros((n, t, 3)),
        mask=np.ones((n, t, 3), bool),
        static=np.zeros((n, 0)),
        variable_names=np.array(["x", "y", "z"]),
        static_names=np.array([], dtype=str),
        times=np.arange(t),
    )
    np.testing.assert_array_equal(ds.subset([0, 1]).truth, truth)


def test_atomic_writes_get_normal_permissions_and_leave_no_temp_files(tmp_path):
    import os

    from attnscope._utils.files import write_json

    path = write_json(tmp_path / "x.json", {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~mask)
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
