"""attnscope Datasets through scikit-learn's CV tools, one modality each (1-2 epochs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils import _safe_indexing

from attnscope import sim
from attnscope.estimators import (
    AttnLSTMClassifier,
    CNNClassifier,
    FusionClassifier,
    HEMERAClassifier,
    MLPClassifier,
)


def _genotypes():
    g = sim.simulate_genotypes(60, n_snps=30, random_state=0)
    burden = g.genotypes[:, :10].sum(axis=1)
    y = np.zeros(60, dtype=np.int64)
    y[np.argsort(burden, kind="stable")[30:]] = 1  # balanced classes
    return replace(g, labels=y, class_names=["control", "case"])


CASES = {
    "sequence": (
        lambda: sim.simulate_dna(60, length=30, motif_length=6, random_state=0),
        lambda: CNNClassifier(epochs=1, n_filters=4),
        "n_filters",
        [4, 8],
    ),
    "table": (
        lambda: sim.simulate_expression(60, n_genes=40, n_pathways=4, pathway_size=(5, 10)),
        lambda: MLPClassifier(epochs=2, hidden=(8,)),
        "dropout",
        [0.0, 0.3],
    ),
    "genotype": (
        _genotypes,
        lambda: HEMERAClassifier(epochs=1, pretrain_epochs=1, batch_size=20),
        "lr",
        [1e-3, 1e-2],
    ),
    "timeseries": (
        lambda: sim.simulate_timeseries(60, n_times=12, n_variables=4, window=(6, 12)),
        lambda: AttnLSTMClassifier(epochs=1, hidden=4, attention_dim=4),
        "lr",
        [1e-3, 1e-2],
    ),
    "multiomics": (
        lambda: sim.simulate_multiomics(
            60, modalities={"mrna": 12, "meth": 8}, informative={"mrna": 4, "meth": 4}
        ),
        lambda: FusionClassifier(epochs=1),
        "lr",
        [1e-3, 1e-2],
    ),
}


def test_dataset_indexing_is_subset():
    data = sim.simulate_dna(20, length=20, motif_length=4, random_state=0)
    idx = np.array([5, 1, 7])
    part = _safe_indexing(data, idx)
    assert data.shape == (20,)
    np.testing.assert_array_equal(part.sample_ids, data.sample_ids[idx])
    np.testing.assert_array_equal(part.tokens, data.tokens[idx])
    np.testing.assert_array_equal(data[data.y == 1].y, np.ones((data.y == 1).sum()))
    with pytest.raises(TypeError, match=r"data\[\[3\]\]"):
        data[3]


@pytest.mark.parametrize("modality", sorted(CASES))
def test_cross_val_score_and_grid_search_take_a_dataset(modality):
    make_data, make_est, param, values = CASES[modality]
    data = make_data()
    scores = cross_val_score(make_est(), data, data.y, cv=3, error_score="raise")
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    grid = GridSearchCV(make_est(), {param: values}, cv=2, error_score="raise").fit(data, data.y)
    assert grid.best_params_[param] in values
    assert list(grid.best_estimator_.classes_) == list(data.class_names)  # names, not codes
    assert (
        grid.predict(data[np.arange(5)]).tolist()
        == grid.best_estimator_.predict(data[np.arange(5)]).tolist()
    )
