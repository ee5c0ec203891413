"""Hostile inputs, round 13: a user's own PyTorch module and attnscope's estimators inside
scikit-learn (refits, ``set_params``, ``score``), pandas frames with MultiIndex labels, and
run folders edited after ``fit``.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written; library cases assert the DataError / ConfigError and its key phrase.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from _hostile import one_error
from attnscope.cli import run
from attnscope.errors import ConfigError, DataError

_RNG = np.random.default_rng(16)
_X = _RNG.normal(size=(30, 5)).astype(np.float32)
_Y = (_X[:, 0] > 0).astype(int)


def _mlp(**params):
    from attnscope.estimators import MLPClassifier

    return MLPClassifier(epochs=1, hidden=[8], val_size=0, **params)


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))


# ---------------------------------------------------------------- estimators refitted
def test_a_refit_on_other_columns_forgets_the_first_fit():
    """A refit on 4 columns was refused against the 5 of the first fit (stale ``spec_``)."""
    labels = np.array(["a", "b"])[_Y]
    model = _mlp().fit(_X, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(_X[:, :4], labels)
    assert model.n_features_in_ == 4 and model.predict(_X[:, :4]).shape == (30,)


@pytest.mark.parametrize(
    ("y", "weight", "phrase"),
    [
        (np.array(["c"] * 30), None, "only 1 class"),
        (np.arange(30) % 3, -np.ones(30), "sample_weight: Negative values"),
    ],
)
def test_a_failed_refit_leaves_an_unfitted_model_not_the_old_network(y, weight, phrase):
    """The old network answered under the new labels (['x', 'y', 'z'] from a network of
    'a'/'b'), or predict raised an IndexError; a negative weight was a bare ValueError."""
    from attnscope.errors import NotFittedError

    model = _mlp().fit(_X, np.array(["a", "b"])[_Y])
    with pytest.raises(DataError, match=phrase):
        model.fit(_X, y, sample_weight=weight)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(_X)


def test_set_params_with_an_unknown_name_is_a_config_error_with_a_hint():
    """scikit-learn's bare ValueError became a ConfigError (still a ValueError) naming the
    closest parameter, for attnscope's estimators, a wrapped module and inside a search."""
    from sklearn.model_selection import GridSearchCV

    from attnscope.explain import wrap_module

    with pytest.raises(ConfigError, match="no parameter 'hiddn'; did you mean 'hidden'"):
        _mlp().set_params(hiddn=3)
    with pytest.raises(ConfigError, match="no parameter 'epoch'; did you mean 'epochs'"):
        wrap_module(_net(), kind="table").set_params(epoch=3)
    with pytest.raises(ValueError, match="did you mean 'lr'"):
        GridSearchCV(_mlp(), {"lrr": [1e-3]}, cv=2).fit(_X, _Y)
    assert _mlp().set_params(hidden=[3], lr=0.1).lr == 0.1


# ---------------------------------------------------------------- a user's module
def test_score_of_a_wrapped_module_takes_class_indices():
    """``score(X, y)`` with class indices (as the docs say y holds) raised scikit-learn's
    'Mix of label input types' ValueError: predict gives the names '0', '1'."""
    from attnscope.explain import wrap_module

    model = wrap_module(_net(), kind="table")
    expected = float((model.predict_proba(_X).argmax(axis=1) == _Y).mean())
    assert model.score(_X, _Y) == pytest.approx(expected)
    named = wrap_module(_net(), kind="table", classes=["lo", "hi"])
    assert named.score(_X, np.array(["lo", "hi"])[_Y]) == pytest.approx(expected)


def test_a_module_returning_predicted_classes_is_a_config_error():
    """A forward ending in argmax (int64 classes) became 'does not require grad'."""
    from attnscope.explain import attribute, wrap_module

    class Argmax(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(5, 2)

        def forward(self, x):
            return self.lin(x).argmax(1)

    with pytest.raises(ConfigError, match=r"returned torch\.int64 values, not float logits"):
        attribute(wrap_module(Argmax(), kind="table"), _X, method="integrated_gradients")


def test_multiindex_columns_and_rows_name_features_and_samples():
    """A frame from ``pd.concat({...}, axis=1)`` (MultiIndex columns) or with a MultiIndex
    of samples crashed with 'setting an array element with a sequence'."""
    from attnscope.explain import attribute, wrap_module

    parts = {"rna": pd.DataFrame(_X[:, :2], columns=["g1", "g2"]),
             "meth": pd.DataFrame(_X[:, 2:], columns=["c1", "c2", "c3"])}  # fmt: skip
    frame = pd.concat(parts, axis=1)
    frame.index = pd.MultiIndex.from_arrays([["p"] * 30, range(30)])
    result = attribute(wrap_module(_net(), kind="table"), frame, method="saliency")
    assert list(result.feature_names) == ["rna:g1", "rna:g2", "meth:c1", "meth:c2", "meth:c3"]
    assert list(result.sample_ids[:2]) == ["p:0", "p:1"]
    labels = pd.Series(_Y, index=frame.index)[::-1]  # paired by id, not position
    model = _mlp().fit(frame.set_axis(list("abcde"), axis=1), labels)
    assert model.predict(frame.set_axis(list("abcde"), axis=1)).shape == (30,)


# ---------------------------------------------------------------- run folders edited
_GENES = [f"G{k}" for k in range(6)]
_FIT = ["--model", "mlp", "--label-col", "label", "--set", "epochs=1", "--set", "val_size=0",
        "--set", "hidden=[8]", "--no-baselines", "-q"]  # fmt: skip


def _table(path: Path) -> Path:
    values = np.round(np.random.default_rng(16).normal(size=(24, 6)), 3)
    rows = [",".join(["sample", "label", *_GENES])]
    rows += [",".join([f"p{i}", "ab"[i % 2], *map(str, values[i])]) for i in range(24)]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run16")
    out = folder / "run"
    assert run(["fit", str(_table(folder / "expr.csv")), "--out", str(out), *_FIT]) == 0
    return out


def _edited(run_dir: Path, tmp_path: Path, name: str, key: str, value) -> Path:
    edited = tmp_path / "run"
    shutil.copytree(run_dir, edited)
    content = json.loads((edited / name).read_text()) if (edited / name).exists() else {}
    content[key] = value
    (edited / name).write_text(json.dumps(content))
    return edited


@pytest.mark.parametrize("value", [{"foo": 1}, [1, 2], {"epochs": "x"}])
def test_a_model_json_history_edited_is_one_error(run_dir, tmp_path, capsys, value):
    """model.json's 'history' of the wrong shape was an internal TypeError in predict."""
    edited = _edited(run_dir, tmp_path, "model.json", "history", value)
    out = tmp_path / "pred.tsv"
    code = run(["predict", str(edited), str(_table(tmp_path / "new.csv")), "--output", str(out)])
    line = one_error(code, capsys.readouterr().err, out)
    assert "model.json: 'history' is not a training history" in line


_ROW = {"method": "saliency", "status": "ok", "n_samples": 4, "deletion_auc": 0.5,
        "insertion_auc": 0.5, "comprehensiveness": 0.01, "sufficiency": 0.03,
        "sanity_corr": 0.1, "sanity_pass": True, "label_corr": 0.1, "label_pass": True,
        "noise_sensitivity": 0.7, "seconds": 0.06, "sanity_threshold": 0.5}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("metrics.json", "history", 5),
        ("metrics.json", "evaluate", "x"),
        ("metrics.json", "data", [1]),
        ("metrics.json", "test", 1.5),
        ("trust.json", "rows", [{**_ROW, "method": 5}]),
    ],
)
def test_report_on_run_files_of_the_wrong_types_notes_it(run_dir, tmp_path, name, key, value):
    """A hand-edited metrics.json ('history': 5) or trust.json (a method named 5) stopped
    the report with an internal TypeError or AttributeError; now the section is left out
    with a note."""
    edited = _edited(run_dir, tmp_path, name, key, value)
    target = tmp_path / "r.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(["report", str(edited), "--out", str(target), "-q"]) == 0
    html = target.read_text()
    # a history that is no history is passed over for model.json's; the others cost a section
    assert ("could not be built" in html) == (key != "history")


# ---------------------------------------------------------------- AnnData on disk
def test_a_backed_anndata_sparse_or_without_x_is_read_or_named(tmp_path):
    """``read_h5ad(path, backed="r")`` with a sparse X crashed with 'setting an array
    element with a sequence'; one without X raised h5py's KeyError."""
    import anndata
    import scipy.sparse as sp

    obs = pd.DataFrame({"label": np.array(["a", "b"])[_Y]}, index=[f"c{i}" for i in range(30)])
    sparse = anndata.AnnData(X=sp.csc_matrix(_X), obs=obs)
    sparse.write_h5ad(tmp_path / "sparse.h5ad")
    backed = anndata.read_h5ad(tmp_path / "sparse.h5ad", backed="r")
    model = _mlp().fit(backed, "label")
    in_memory = anndata.read_h5ad(tmp_path / "sparse.h5ad")
    assert (model.predict_proba(backed) == model.predict_proba(in_memory)).all()

    no_x = anndata.AnnData(X=None, obs=obs, layers={"counts": _X})
    no_x.write_h5ad(tmp_path / "layer.h5ad")
    backed = anndata.read_h5ad(tmp_path / "layer.h5ad", backed="r")
    with pytest.raises(DataError, match=r"adata\.X is empty; give layer="):
        _mlp().fit(backed, "label")


# ---------------------------------------------------------------- simulate --set
@pytest.mark.parametrize(
    ("modality", "option", "phrase"),
    [
        ("dna", "gc_content=2", "gc_content must lie in [0, 1], got 2"),  # internal ValueError
        ("dna", "copies=-1", "copies and motif_length must be >= 1"),  # no motif planted
        ("dna", "mutation_rate=NaN", "mutation_rate=nan: mutation_rate takes a finite number"),
        ("dna", "length=NaN", "length=nan: length takes a finite number"),  # int vs str
        ("dna", "n_classes=true", "n_classes takes a finite number"),  # one class, silently
        ("dna", "motif_length=2.5", "motif_length takes a whole number"),
        ("dna", "random_state=3", "give the seed as --seed"),
        ("genotypes", "n_snp=50", "no option 'n_snp'; did you mean 'n_snps'"),
    ],
)
def test_simulate_options_are_checked_by_name_and_type(tmp_path, capsys, modality, option, phrase):
    """Simulator options reached the simulator unchecked: an internal error, Python's
    own TypeError text, or (copies=-1, n_classes=true) a data set without its signal."""
    out = tmp_path / "sim"
    code = run(["simulate", modality, "--out", str(out), "--n-samples", "10", "--set", option])
    assert phrase in one_error(code, capsys.readouterr().err, out)


def test_simulate_reads_a_whole_float_as_the_whole_number(tmp_path):
    """``--set n_genes=1e3`` (JSON's float) was an internal AxisError."""
    from attnscope.io import read_data

    out = tmp_path / "sim"
    argv = ["simulate", "expression", "--out", str(out), "--n-samples", "10", "-q"]
    assert run([*argv, "--set", "n_genes=1e2", "--set", "pathway_size=[5,10]"]) == 0
    assert read_data(out / "data.npz").n_features == 100


def test_nan_in_a_series_names_its_time_and_variable_not_a_flat_column():
    """NaN at (time 2, variable 1) of a (time x variable) input was reported as 'column 7'
    of the flattened sample, with 'before training' while explaining."""
    from attnscope.explain import attribute, wrap_module

    series = _RNG.normal(size=(6, 4, 3)).astype(np.float32)
    series[1, 2, 1] = np.nan
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    with pytest.raises(DataError, match=r"first at sample 1, position \(2, 1\)\); impute or drop"):
        attribute(wrap_module(net, kind="timeseries"), series, method="saliency")
