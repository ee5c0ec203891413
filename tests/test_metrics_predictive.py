"""Predictive metrics against scikit-learn and hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from attnscope.errors import DataError
from attnscope.metrics import classification_metrics, confusion


def test_binary_metrics_match_hand_values():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.35, 0.65], [0.2, 0.8]])
    m = classification_metrics(y, proba)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["auroc"] == pytest.approx(1.0)
    assert m["balanced_accuracy"] == pytest.approx(0.75)


def test_multiclass_auroc_is_one_vs_rest_mean():
    y = np.array([0, 1, 2, 2])
    proba = np.eye(3)[[0, 1, 2, 1]] * 0.7 + 0.1
    m = classification_metrics(y, proba, metrics=("auroc", "f1_macro"))
    assert 0.5 < m["auroc"] <= 1.0
    assert confusion(y, proba.argmax(1), 3).tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]


def test_bad_shapes_and_names_raise():
    with pytest.raises(DataError):
        classification_metrics(np.array([0, 1]), np.ones((3, 2)))
    with pytest.raises(DataError, match="unknown metrics"):
        classification_metrics(np.array([0, 1]), np.ones((2, 2)) / 2, metrics=("mcc",))
