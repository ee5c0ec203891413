"""scikit-learn conventions, reproducibility and save/load of the baseline estimators."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from attnscope.errors import ConfigError, DataError
from attnscope.estimators import BaseClassifier, CNNClassifier, MLPClassifier, make_estimator


def _tabular(seed: int = 0, n: int = 120):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 6)).astype(np.float32)
    X[:, 0] += 2.5 * y
    return X, np.where(y == 1, "case", "control")


def test_mlp_learns_and_orders_classes():
    X, y = _tabular()
    est = MLPClassifier(epochs=60, lr=0.01, hidden=(16,), random_state=0).fit(X, y)
    assert list(est.classes_) == ["case", "control"]
    proba = est.predict_proba(X)
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert est.score(X, y) > 0.8  # Bayes accuracy is 0.89 at this shift
    assert set(est.predict(X)) <= {"case", "control"}


def test_same_seed_same_predictions_other_seed_differs(small_dna):
    a = CNNClassifier(epochs=2, n_filters=8, random_state=3).fit(small_dna).predict_proba(small_dna)
    b = CNNClassifier(epochs=2, n_filters=8, random_state=3).fit(small_dna).predict_proba(small_dna)
    c = CNNClassifier(epochs=2, n_filters=8, random_state=4).fit(small_dna).predict_proba(small_dna)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_get_params_includes_model_and_training_parameters_and_clone_works():
    est = CNNClassifier(n_filters=8, lr=0.01)
    params = est.get_params()
    assert params["n_filters"] == 8 and params["lr"] == 0.01 and "patience" in params
    assert clone(est).get_params() == params


def test_save_load_round_trip_gives_identical_predictions(tmp_path, small_dna):
    est = CNNClassifier(epochs=2, n_filters=8, random_state=0).fit(small_dna)
    est.save(tmp_path / "run")
    assert (tmp_path / "run" / "model.safetensors").is_file()
    loaded = BaseClassifier.load(tmp_path / "run")
    assert isinstance(loaded, CNNClassifier)
    np.testing.assert_allclose(
        loaded.predict_proba(small_dna), est.predict_proba(small_dna), rtol=1e-6
    )
    assert loaded.get_params() == est.get_params()


def test_unfitted_and_mismatched_inputs_raise_clear_errors(small_dna):
    with pytest.raises(ConfigError, match="not fitted"):
        MLPClassifier().predict(np.ones((2, 3)))
    X, y = _tabular()
    est = MLPClassifier(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 6"):
        est.predict(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(DataError, match="takes tabular data"):
        est.predict(small_dna)
    with pytest.raises(DataError, match="only 1 class"):
        MLPClassifier().fit(X, np.zeros(len(X)))


def test_make_estimator_rejects_unknown_names_and_parameters():
    with pytest.raises(ConfigError, match="unknown model"):
        make_estimator("nope")
    with pytest.raises(ConfigError, match="no parameter"):
        make_estimator("cnn", {"n_filterz": 3})
    assert make_estimator("mlp", {"hidden": [8]}).hidden == [8]


def test_evaluate_returns_all_metrics_and_confusion():
    X, y = _tabular()
    est = MLPClassifier(epochs=5, hidden=(8,)).fit(X, y)
    out = est.evaluate(X, y)
    for key in ("accuracy", "balanced_accuracy", "auroc", "auprc", "f1_macro", "f1_weighted"):
        assert 0.0 <= out[key] <= 1.0
    assert np.sum(out["confusion_matrix"]) == len(X)
