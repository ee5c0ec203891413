"""Hostile inputs, round 13 (lead): expression tables without a sample id column.

``class,g1,g2,...`` (scikit-learn style, e.g. the SRBCT file) and ``g1,...,label`` tables
were read with their first column as sample ids: the first refused its repeated labels as
"duplicate sample ids", the second silently lost a gene.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import AttnscopeWarning
from attnscope.io import read_expression

_X = np.round(np.random.default_rng(17).normal(size=(8, 3)), 3)


def _write(path: Path, header: list[str], columns: list[list[str]]) -> Path:
    rows = [",".join(header)] + [",".join(r) for r in zip(*columns, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_label_column_first_names_samples_by_row(tmp_path):
    labels = ["a", "b"] * 4
    path = _write(tmp_path / "t.csv", ["class", "g1", "g2", "g3"],
                  [labels, *[list(map(str, c)) for c in _X.T]])  # fmt: skip
    with pytest.warns(AttnscopeWarning, match="no sample id column.*label column"):
        data = read_expression(path, label_col="class")
    assert list(data.sample_ids) == [str(i) for i in range(1, 9)]
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    np.testing.assert_allclose(data.X, _X, atol=1e-6)
    assert [data.class_names[k] for k in data.y] == labels


def test_measurements_in_first_column_stay_a_feature(tmp_path):
    labels = ["a", "b"] * 4
    path = _write(tmp_path / "t.csv", ["g1", "g2", "g3", "label"],
                  [*[list(map(str, c)) for c in _X.T], labels])  # fmt: skip
    with pytest.warns(AttnscopeWarning, match="measurements \\('g1'"):
        data = read_expression(path, label_col="label")
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    np.testing.assert_allclose(data.X, _X, atol=1e-6)


def test_whole_number_ids_still_name_samples(tmp_path, recwarn):
    ids = ["001", "2", "3", "4", "5", "6", "7", "8"]
    path = _write(tmp_path / "t.csv", ["id", "g1", "g2", "g3", "label"],
                  [ids, *[list(map(str, c)) for c in _X.T], ["a", "b"] * 4])  # fmt: skip
    data = read_expression(path, label_col="label")
    assert list(data.sample_ids) == ids
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    assert not [w for w in recwarn if issubclass(w.category, AttnscopeWarning)]
