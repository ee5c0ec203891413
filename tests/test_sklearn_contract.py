"""scikit-learn's estimator checks on the table estimators, and the contract they imply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.metrics import accuracy_score
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

from attnscope.data import TabularDataset
from attnscope.errors import AttnscopeWarning, ConfigError, DataError, NotFittedError
from attnscope.estimators import HAINClassifier, MLPClassifier
from attnscope.train import TrainConfig, fit_module, weighted_cross_entropy

#: The only scikit-learn checks allowed to fail, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training: a weight of 2 is not the same optimisation path as a repeated "
        "sample (the batches, their order and the number of steps per epoch differ)"
    ),
}


@parametrize_with_checks(
    [MLPClassifier(epochs=10, lr=1e-2, hidden=(32,), val_size=0.0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    torch.set_num_threads(2)
    check(estimator)


HAIN_CHECKS = [  # HAIN fits take seconds (a 300-step last-layer refit): the checks that need no fit
    ec.check_do_not_raise_errors_in_init_or_set_params,
    ec.check_no_attributes_set_in_init,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_estimators_unfitted,
    ec.check_estimators_empty_data_messages,
    ec.check_complex_data,
    ec.check_estimator_sparse_array,
    ec.check_classifiers_regression_target,
]


@pytest.mark.parametrize("check", HAIN_CHECKS, ids=lambda c: c.__name__)
def test_hain_passes_the_contract_checks(check):
    est = HAINClassifier(epochs=1, dim=8, n_heads=2, key_dim=4, n_clusters=2, val_size=0.0)
    check("HAINClassifier", est)


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 4))
    X[:, 0] += 3.0 * y
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


def _mlp(**kw):
    return MLPClassifier(epochs=15, lr=1e-2, hidden=(16,), **kw)


def test_reordered_dataframe_is_realigned_by_name():
    X, y = _table()
    est = _mlp().fit(X, y)
    assert est.n_features_in_ == 4 and list(est.feature_names_in_) == ["a", "b", "c", "d"]
    shuffled = X[["d", "c", "b", "a"]]
    np.testing.assert_array_equal(est.predict_proba(shuffled), est.predict_proba(X))
    ds = TabularDataset(
        labels=y, sample_ids=np.arange(60).astype(str), class_names=["0", "1"], truth=None,
        meta={}, X=shuffled.to_numpy(np.float32), feature_names=np.array(["d", "c", "b", "a"]),
    )  # fmt: skip
    np.testing.assert_allclose(est.predict_proba(ds), est.predict_proba(X), rtol=1e-6)


def test_unknown_or_missing_columns_are_refused_by_name():
    X, y = _table()
    est = _mlp().fit(X, y)
    with pytest.raises(DataError, match=r"missing 1 fitted feature\(s\) \['a'\].*unknown.*\['z'\]"):
        est.predict(X.rename(columns={"a": "z"}))
    with pytest.raises(DataError, match=r"missing 1 fitted feature\(s\) \['d'\]"):
        est.predict(X[["a", "b", "c"]])


def test_labels_keep_their_dtype_and_accuracy_score_works():
    X, y = _table()
    y10 = np.where(y == 1, 10, 2)  # str sorting would put "10" before "2"
    est = _mlp().fit(X.to_numpy().tolist(), y10)  # list input
    assert est.classes_.dtype.kind == "i" and est.classes_.tolist() == [2, 10]
    pred = est.predict(X.to_numpy())
    assert pred.dtype.kind == "i" and set(pred) <= {2, 10}
    assert accuracy_score(y10, pred) == est.score(X.to_numpy(), y10) > 0.7


def test_not_fitted_is_both_attnscope_and_sklearn_error():
    X, _ = _table()
    for method in ("predict", "predict_proba"):
        with pytest.raises(NotFittedError) as info:
            getattr(_mlp(), method)(X)
        assert isinstance(info.value, SkNotFittedError)
    with pytest.raises(NotFittedError):
        _mlp().score(X, np.zeros(60))


def test_dict_class_weight_and_sample_weight_shift_the_predictions():
    X, y = _table()
    Xn = X.to_numpy()
    Xn[:, 0] = np.random.default_rng(1).normal(size=60)  # no signal: the weights decide
    heavy = _mlp(class_weight={0: 100.0, 1: 0.01}, val_size=0.0).fit(Xn, y)
    assert (heavy.predict(Xn) == 0).mean() > 0.9
    sw = np.where(y == 1, 100.0, 0.01)
    weighted = _mlp(val_size=0.0).fit(Xn, y, sample_weight=sw)
    assert (weighted.predict(Xn) == 1).mean() > 0.9
    with pytest.raises(ValueError, match="sample_weight"):
        _mlp().fit(Xn, y, sample_weight=np.ones(3))


def test_small_data_trains_without_a_validation_share_and_warns():
    X, _ = _table(n=10)
    with pytest.warns(AttnscopeWarning, match="cannot hold a stratified val_size=0.3"):
        est = _mlp(val_size=0.3).fit(X.iloc[:5], [0, 1, 0, 1, 2])
    assert est.n_train_ == 5 and est.history_.best_epoch == 14


def test_sparse_complex_and_continuous_inputs_get_sklearn_wording():
    import scipy.sparse as sp

    X, y = _table()
    with pytest.raises(TypeError, match="Sparse data was passed"):
        _mlp().fit(sp.csr_matrix(X.to_numpy()), y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        _mlp().fit(X.to_numpy() + 1j, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        _mlp().fit(X, np.linspace(0, 1, 60))


def test_weighted_loss_equals_repeating_samples_and_ones_equal_unweighted():
    g = torch.Generator().manual_seed(0)
    logits, y = torch.randn(6, 3, generator=g), torch.tensor([0, 1, 2, 0, 1, 2])
    cw = torch.tensor([1.0, 2.0, 0.5])
    ones = weighted_cross_entropy(logits, y, cw, torch.ones(6))
    torch.testing.assert_close(ones, F.cross_entropy(logits, y, weight=cw))
    w = torch.tensor([1.0, 2.0, 3.0, 1.0, 0.0, 2.0])
    rep = torch.repeat_interleave(torch.arange(6), w.long())
    torch.testing.assert_close(
        weighted_cross_entropy(logits, y, cw, w), F.cross_entropy(logits[rep], y[rep], weight=cw)
    )


def test_fit_module_with_unit_sample_weights_equals_unweighted():
    X, y = _table()
    x, t = torch.as_tensor(X.to_numpy(), dtype=torch.float32), torch.as_tensor(y)
    cfg = TrainConfig(epochs=3, batch_size=16, lr=1e-2)
    nets = []
    for sw in (None, torch.ones(60)):
        torch.manual_seed(0)
        net = torch.nn.Linear(4, 2)
        fit_module(net, (x,), t, config=cfg, sample_weight=sw)
        nets.append(net)
    torch.testing.assert_close(nets[0].weight, nets[1].weight)


def test_a_loss_without_sample_weight_is_refused():
    X, y = _table()
    est = _mlp()
    est._loss_fn = lambda: lambda m, i, t, cw, e: F.cross_entropy(m(*i).logits, t)  # type: ignore[method-assign]
    with pytest.raises(ConfigError, match="does not support sample_weight"):
        est.fit(X, y, sample_weight=np.ones(60))


def test_anndata_goes_straight_into_fit_with_obs_key_layer_and_sparse():
    import anndata
    import scipy.sparse as sp

    X, y = _table()
    adata = anndata.AnnData(
        X=np.zeros((60, 4), dtype=np.float32),
        obs=pd.DataFrame(
            {"cell_type": np.where(y == 1, "B", "T")}, index=[f"c{i}" for i in range(60)]
        ),
        var=pd.DataFrame(index=["a", "b", "c", "d"]),
    )
    adata.layers["logcounts"] = sp.csr_matrix(X.to_numpy(np.float32))
    est = _mlp().fit(adata, "cell_type", layer="logcounts")
    assert est.classes_.tolist() == ["B", "T"] and list(est.feature_names_in_) == list("abcd")
    dense = _mlp().fit(X, np.where(y == 1, "B", "T"))
    np.testing.assert_allclose(est.predict_proba(adata), dense.predict_proba(X), rtol=1e-5)
    assert est.score(adata, "cell_type") == dense.score(X, np.where(y == 1, "B", "T"))
    with pytest.raises(DataError, match="no layer 'raw'"):
        _mlp().fit(adata, "cell_type", layer="raw")
