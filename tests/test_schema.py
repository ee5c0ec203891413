"""A fitted model knows its inputs: realign by name or refuse with the difference named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attnscope.data import align_to_schema, input_schema
from attnscope.errors import DataError
from attnscope.estimators import BaseClassifier, CNNClassifier, MLPClassifier
from attnscope.sim import simulate_dna, simulate_genotypes


@pytest.fixture(scope="module")
def table_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 5)).astype(np.float32)
    y = (x[:, 0] + x[:, 3] > 0).astype(int)
    frame = pd.DataFrame(x, columns=[f"g{j}" for j in range(5)])
    return MLPClassifier(epochs=3, random_state=0).fit(frame, y), frame


def test_reordered_columns_are_realigned_by_name(table_model, tmp_path):
    model, frame = table_model
    shuffled = frame[["g3", "g1", "g4", "g0", "g2"]]
    assert np.allclose(model.predict_proba(shuffled), model.predict_proba(frame), atol=1e-6)
    model.save(tmp_path / "m")
    back = BaseClassifier.load(tmp_path / "m")
    assert back.input_schema_["feature_names"] == list(frame.columns)
    assert np.allclose(back.predict_proba(shuffled), model.predict_proba(frame), atol=1e-6)


def test_other_gene_names_are_refused(table_model):
    model, frame = table_model
    renamed = frame.rename(columns={"g3": "TP53"})
    with pytest.raises(ValueError, match=r"missing 1 fitted feature\(s\) \['g3'\]"):
        model.predict(renamed)
    with pytest.raises(DataError, match=r"1 unknown feature\(s\) \['extra'\]"):
        model.predict(frame.assign(extra=1.0))


def test_sequence_length_rule():
    data = simulate_dna(60, length=30, random_state=0)
    model = CNNClassifier(epochs=1).fit(data)
    short = data.subset(np.arange(5))
    short = type(short)(**{**short.__dict__, "tokens": short.tokens[:, :20], "truth": None})
    padded = align_to_schema(short, model.input_schema_)
    assert padded.tokens.shape == (5, 30) and (padded.tokens[:, 20:] == 0).all()
    longer = np.concatenate([data.tokens[:5], np.ones((5, 4), np.uint8)], axis=1)
    too_long = type(short)(**{**short.__dict__, "tokens": longer})
    with pytest.raises(DataError, match="longer than the 30 bases"):
        model.predict(too_long)


def test_genotypes_are_selected_by_snp_id():
    data = simulate_genotypes(n_samples=20, n_snps=40, random_state=0)
    schema = input_schema(data.select_snps(np.arange(10, 20)))
    reordered = data.select_snps(np.arange(39, -1, -1))
    aligned = align_to_schema(reordered, schema)
    assert aligned.snp_ids.tolist() == data.snp_ids[10:20].tolist()
    assert np.array_equal(aligned.genotypes, data.genotypes[:, 10:20])
    with pytest.raises(DataError, match="SNPs are missing"):
        align_to_schema(data.select_snps(np.arange(15)), schema)
