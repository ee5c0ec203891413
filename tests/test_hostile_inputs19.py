"""Hostile inputs, round 19: the scikit-learn API given what pandas and numpy users hold
(nullable dtypes with NA, class_weight dicts, a bare string, missing sequences, imputed
dosages) and files as spreadsheets export them.

Library cases assert the DataError / ConfigError and its key phrase; CLI cases exit status
2 with one ``error:`` line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attnscope.errors import ConfigError, DataError

_RNG = np.random.default_rng(19)
_X = _RNG.normal(size=(24, 4)).astype(np.float32)
_Y = np.array([0, 1] * 12)


def _mlp(**params):
    from attnscope.estimators import MLPClassifier

    return MLPClassifier(**{"epochs": 1, "hidden": [4], "val_size": 0, **params})


@pytest.mark.parametrize(
    "y",
    [
        pd.Series(["a", "b"] * 11 + [pd.NA, "a"], dtype="string"),
        pd.Series([0, 1] * 11 + [pd.NA, 1], dtype="Int64"),
        pd.Series([True, False] * 11 + [pd.NA, True], dtype="boolean"),
        pd.Categorical(["a", "b"] * 11 + [None, "a"]),
    ],
    ids=["string", "Int64", "boolean", "categorical"],
)
def test_pandas_nullable_labels_with_na_name_the_sample(y):
    """pandas' NA in a "string" Series was a TypeError (boolean value of NA is ambiguous);
    the other nullable dtypes said "Input y contains NaN" without naming the sample."""
    frame = pd.DataFrame(_X, columns=list("abcd"), index=[f"p{i}" for i in range(24)])
    with pytest.raises(DataError, match=r"1 missing label\(s\).*sample 22 \('p22'\)"):
        _mlp().fit(frame, y)
    with pytest.raises(DataError, match=r"1 missing label\(s\).*sample 22;"):
        _mlp().fit(_X, y)


@pytest.mark.parametrize(
    ("weights", "phrase"),
    [
        ({0: 1.0, 5: 2.0}, r"class_weight names \[5\], not classes of y"),
        ({0: -1.0, 1: 1.0}, r"class_weight\[0\] = -1.0: a class weight must be a number >= 0"),
        ({0: float("nan")}, r"class_weight\[0\] = nan"),
        ({0: "2"}, r"class_weight\[0\] = '2'"),
        ({0: 0, 1: 0.0}, "every class weight 0"),
    ],
)
def test_class_weight_dicts_are_checked_as_config(weights, phrase):
    """An unknown class was scikit-learn's ValueError; a negative weight trained to NaN and
    failed inside roc_auc_score ('Input contains NaN')."""
    with pytest.raises(ConfigError, match=phrase):
        _mlp(class_weight=weights).fit(_X, _Y)
    assert _mlp(class_weight={0: 2.0}).fit(_X, _Y).classes_.tolist() == [0, 1]


def test_sequence_estimators_refuse_a_bare_string_and_missing_sequences():
    """``predict("ACGT...")`` predicted one sequence per character (with a padding warning),
    and a NaN of a pandas column (an empty cell) was read as the DNA 'NAN'."""
    from attnscope.estimators import CNNClassifier

    seqs = ["".join(_RNG.choice(list("ACGT"), 20)) for _ in range(24)]
    with pytest.raises(DataError, match=r"missing sequence.*sample 3"):
        CNNClassifier(epochs=1, val_size=0).fit([*seqs[:3], np.nan, *seqs[4:]], _Y)
    est = CNNClassifier(epochs=1, val_size=0).fit(pd.Series(seqs).to_frame(), _Y)
    with pytest.raises(DataError, match=r"X is one string; .*\[seq\]"):
        est.predict(seqs[0])
    assert est.predict([seqs[0]]).shape == (1,)


def test_imputed_dosages_are_refused_not_truncated():
    """A float matrix of imputed dosages (0.37, 1.6) was cast to int8 and trained on as
    0 and 1, a count of 258 as 2; NaN stays the missing code -1."""
    from attnscope.estimators import HEMERAClassifier

    g = _RNG.integers(0, 3, size=(24, 10)).astype(float)
    imputed = g.copy()
    imputed[5, 3] = 1.6
    with pytest.raises(DataError, match=r"found 1.6 at sample 5, SNP column 3.*imputed dosage"):
        HEMERAClassifier(epochs=1, val_size=0).fit(imputed, _Y)
    wrapped = g.astype(np.int64)
    wrapped[0, 0] = 258  # was cast to int8 as 2
    with pytest.raises(DataError, match="found 258 at sample 0, SNP column 0"):
        HEMERAClassifier(epochs=1, val_size=0).fit(wrapped, _Y)
    g[5, 3] = np.nan
    est = HEMERAClassifier(epochs=1, val_size=0)
    assert est.as_dataset(g, _Y, reset=True).genotypes[5, 3] == -1


@pytest.mark.parametrize(
    ("column", "phrase"),
    [
        (["M", "F"] * 12, r"not numbers: \['sex'\] \(could not convert string to float: 'M'\)"),
        (pd.date_range("2020-01-01", periods=24), r"not numbers: \['sex'\]; convert them"),
        (pd.Categorical(["x", "y"] * 12), r"not numbers: \['sex'\]"),
    ],
    ids=["text", "dates", "categorical"],
)
def test_dataframe_columns_that_are_not_numbers_are_named(column, phrase):
    """A text column said only "could not convert string to float: 'M'"; a date column was
    numpy's DTypePromotionError (a TypeError)."""
    frame = pd.DataFrame(_X, columns=list("abcd")).assign(sex=column)
    with pytest.raises(DataError, match=phrase):
        _mlp().fit(frame, _Y)
    with pytest.raises(DataError, match="only supported if all input features have string"):
        _mlp().fit(pd.DataFrame(_X, columns=["a", 1, 2, 3]), _Y)


def test_a_spreadsheets_empty_rows_at_the_end_are_not_samples(tmp_path):
    """Rows of separators only (',,,,', how Excel saves blank rows) ended a table: refused
    as 'no sample id' / 'empty sequence'; in a labels file the second such row was reported
    as 'the first column holds label values, not ids'."""
    from attnscope.io import read_data, read_expression

    rows = [f"p{i}," + ",".join(map(str, _X[i])) for i in range(24)]
    table = tmp_path / "expr.csv"
    table.write_text("\n".join(["sample,g1,g2,g3,g4", *rows, ",,,,", ",,,,"]) + "\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\n" + "".join(f"p{i},{'ab'[i % 2]}\n" for i in range(24)) + ",\n,\n")
    data = read_expression(table, labels=labels)
    assert len(data.sample_ids) == 24 and data.class_names == ["a", "b"]
    seqs = tmp_path / "seqs.csv"
    body = "".join(f"r{i},{'ACGT' * 5},{i % 2}\n" for i in range(24))
    seqs.write_text("id,seq,label\n" + body + ",,\n")
    assert len(read_data(seqs).sample_ids) == 24


def test_fusion_pairs_dataframes_by_sample_id_and_feature_name():
    """A dict of DataFrames was read by position: a table in another row order fused other
    samples, in another column order other genes, a labels Series other labels, and tables
    of different samples trained without a word."""
    from attnscope.estimators import FusionClassifier

    ids = [f"p{i}" for i in range(24)]
    rna = pd.DataFrame(_X, index=ids, columns=["TP53", "ESR1", "GATA3", "FOXA1"])
    meth = pd.DataFrame(_RNG.normal(size=(24, 3)), index=ids, columns=["c1", "c2", "c3"])
    y = pd.Series(_Y, index=ids)
    est = FusionClassifier(epochs=1, val_size=0).fit({"rna": rna, "meth": meth}, y)
    base = est.predict_proba({"rna": rna, "meth": meth})
    shuffled = {"rna": rna.iloc[::-1, ::-1], "meth": meth.sample(frac=1, random_state=0)}
    np.testing.assert_allclose(est.predict_proba(shuffled)[::-1], base, atol=1e-6)
    refit = FusionClassifier(epochs=1, val_size=0).fit({"rna": rna, "meth": meth}, y[::-1])
    np.testing.assert_allclose(refit.predict_proba({"rna": rna, "meth": meth}), base, atol=1e-6)
    with pytest.raises(DataError, match=r"missing 1 fitted feature\(s\) \['FOXA1'\]"):
        est.predict({"rna": rna.drop(columns="FOXA1").assign(XBP1=1.0), "meth": meth})
    other = meth.set_axis([f"q{i}" for i in range(24)])
    with pytest.raises(DataError, match=r"'rna' and 'meth' hold other sample ids"):
        FusionClassifier(epochs=1, val_size=0).fit({"rna": rna, "meth": other}, y)


def test_genotype_and_sequence_estimators_pair_pandas_inputs_by_id():
    """HEMERA read a DataFrame's SNP columns by position (another column order: other SNPs)
    and, like CNN, paired a labels Series with the samples by position, not by id, in fit,
    evaluate and score."""
    from attnscope.estimators import CNNClassifier, HEMERAClassifier

    ids, snps = [f"p{i}" for i in range(24)], [f"rs{j}" for j in range(10)]
    g = pd.DataFrame(_RNG.integers(0, 3, size=(24, 10)), index=ids, columns=snps)
    y = pd.Series(_Y, index=ids)
    est = HEMERAClassifier(epochs=2, val_size=0).fit(g, y)
    base = est.predict_proba(g)
    np.testing.assert_allclose(est.predict_proba(g[snps[::-1]]), base, atol=1e-6)
    again = HEMERAClassifier(epochs=2, val_size=0).fit(g, y[::-1])
    np.testing.assert_allclose(again.predict_proba(g), base, atol=1e-6)
    np.testing.assert_array_equal(est.as_dataset(g, y[::-1]).y, _Y)  # as evaluate reads it
    with pytest.raises(DataError, match=r"SNPs are missing from the data \(e.g. \['rs3'\]\)"):
        est.predict(g.drop(columns="rs3"))
    seqs = pd.Series(["".join(_RNG.choice(list("ACGT"), 20)) for _ in range(24)], index=ids)
    cnn = CNNClassifier(epochs=1, val_size=0).fit(seqs, y)
    cnn_again = CNNClassifier(epochs=1, val_size=0).fit(seqs, y[::-1])
    np.testing.assert_allclose(cnn_again.predict_proba(seqs), cnn.predict_proba(seqs), atol=1e-6)


def test_new_stays_without_a_rare_variable_are_read_as_never_observing_it():
    """New stays in which no one measured one of the model's variables were refused as
    data lacking a column; they are the model's grid with that channel never observed."""
    from attnscope.data import align_to_schema, input_schema
    from attnscope.errors import AttnscopeWarning
    from attnscope.sim import simulate_timeseries

    train = simulate_timeseries(n_samples=12, random_state=0)
    names = list(train.variable_names)
    kept = [v for v in names if v != names[1]]
    new = train.subset(np.arange(4))
    cut = new.variable_names != names[1]
    new = type(new)(**{**vars(new), "values": new.values[:, :, cut], "mask": new.mask[:, :, cut],
                       "variable_names": np.asarray(kept), "truth": None})  # fmt: skip
    with pytest.warns(AttnscopeWarning, match=rf"measured in no stay.*\['{names[1]}'\]"):
        got = align_to_schema(new, input_schema(train))
    assert list(got.variable_names) == names
    assert not got.mask[:, :, 1].any() and not got.values[:, :, 1].any()
    np.testing.assert_array_equal(got.values[:, :, 0], train.values[:4, :, 0])


def test_evaluate_refuses_an_empty_methods_option_before_scoring(tmp_path, capsys):
    """``evaluate RUN --methods ""`` printed the metrics table, then failed in the trust
    table: the option is checked before any work."""
    from attnscope.cli import run

    rows = [f"p{i},{'ab'[i % 2]}," + ",".join(map(str, _X[i])) for i in range(24)]
    (tmp_path / "t.csv").write_text("\n".join(["sample,label,g1,g2,g3,g4", *rows]) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(tmp_path / "t.csv"), "--model", "mlp", "--label-col", "label", "--out",
            str(out), "--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0
    capsys.readouterr()
    assert run(["evaluate", str(out), "--methods", " , "]) == 2
    captured = capsys.readouterr()
    assert "predictive metrics" not in captured.out
    assert captured.err.strip().splitlines() == [
        "error: --methods names no method; give some, or leave it out for all."
    ]


def test_one_hot_labels_are_named_by_every_estimator():
    """One-hot labels given to a sequence model were a TypeError ('only 0-dimensional
    arrays can be converted to Python scalars'); a one-column table is the labels."""
    from attnscope.estimators import CNNClassifier

    seqs = ["".join(_RNG.choice(list("ACGT"), 20)) for _ in range(24)]
    with pytest.raises(DataError, match=r"one label per sample \(1-D\), got shape \(24, 2\)"):
        CNNClassifier(epochs=1, val_size=0).fit(seqs, np.eye(2)[_Y])
    est = CNNClassifier(epochs=1, val_size=0).fit(seqs, _Y.reshape(-1, 1))
    assert est.classes_.tolist() == [0, 1]


@pytest.mark.parametrize("kind", ["cnn", "mlp"])
def test_a_label_list_mixing_text_and_numbers_is_named(kind):
    """numpy turned ["a", 0, 1] into the strings 'a', '0', '1': three classes, silently."""
    from attnscope.estimators import CNNClassifier, MLPClassifier

    X = ["ACGTACGTAC"] * 6 if kind == "cnn" else np.random.default_rng(0).random((6, 3))
    make = CNNClassifier if kind == "cnn" else MLPClassifier
    with pytest.raises(DataError, match="mixes text and numbers"):
        make(epochs=1, val_size=0.0).fit(X, ["a", 0, 1, "a", 0, 1])
    assert make(epochs=1, val_size=0.0).fit(X, [0, 1] * 3).classes_.dtype.kind == "i"


def test_cross_val_score_pairs_a_default_indexed_label_series_by_position():
    """A fold of pd.Series(labels) keeps the rows' original integers as its index: it was
    refused as 'not the data's sample ids', though fitting on every sample paired it by
    position. Integers out of order still are refused (they may be ids)."""
    from sklearn.model_selection import cross_val_score

    from attnscope.data._labels import align_labels
    from attnscope.estimators import MLPClassifier

    ids = [f"p{i}" for i in range(30)]
    X = pd.DataFrame(np.random.default_rng(1).random((30, 4)), index=ids, columns=list("abcd"))
    y = pd.Series(np.arange(30) % 2)
    est = MLPClassifier(epochs=1, val_size=0.0)
    assert len(cross_val_score(est, X, y, cv=3, error_score="raise")) == 3
    fold = y.iloc[[0, 2, 5]]
    assert align_labels(fold, ["p0", "p2", "p5"]) is fold
    with pytest.raises(DataError, match="does not hold the data's sample ids"):
        align_labels(y.iloc[[5, 0, 2]], ["p0", "p2", "p5"])


def test_a_modality_the_fusion_model_was_not_trained_on_is_ignored_with_a_warning():
    from attnscope.errors import AttnscopeWarning
    from attnscope.estimators import FusionClassifier

    rng = np.random.default_rng(0)
    X = {"a": rng.random((40, 5)), "b": rng.random((40, 4))}
    est = FusionClassifier(epochs=1, val_size=0.0).fit(X, np.arange(40) % 2)
    with pytest.warns(AttnscopeWarning, match=r"modalities \['x'\] the model was not trained on"):
        proba = est.predict_proba({**X, "x": rng.random((40, 3))})
    np.testing.assert_allclose(proba, est.predict_proba(X))
