"""Trust metrics: faithfulness, sanity, stability, truth recovery, biology, the trust table."""

from __future__ import annotations

import sys
import warnings
from math import comb
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from attnscope.data import TabularDataset
from attnscope.errors import ConfigError, DataError
from attnscope.explain import Attribution, attribute
from attnscope.metrics import (
    auprc_rows,
    auroc_rows,
    gene_list_overlap,
    geneset_enrichment,
    precision_at_k,
    rank_correlation_rows,
    seed_stability,
    topk_jaccard_rows,
    truth_recovery,
)
from attnscope.trust import (
    comprehensiveness,
    deletion_curve,
    insertion_curve,
    label_randomisation,
    layer_order,
    max_sensitivity,
    parameter_randomisation,
    sufficiency,
    trust_table,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_explain import (
    N_FEATURES,
    ToyTabular,
    _one_thread,  # noqa: F401  (autouse fixture)
    relu_body,
    table,
)


def sparse_linear() -> nn.Linear:
    """Only features 0 and 1 matter, both pushing towards class 1."""
    lin = nn.Linear(N_FEATURES, 2)
    with torch.no_grad():
        lin.weight.zero_()
        lin.weight[1, :2] = 3.0
        lin.bias.zero_()
    return lin


def positive_table(n: int = 20) -> TabularDataset:
    data = table(n)
    data.X = np.abs(data.X) + 0.5  # every feature present and positive
    return data


def _with_values(like: Attribution, values: np.ndarray) -> Attribution:
    return Attribution(values=values, method="x", target=like.target)


# -- faithfulness ---------------------------------------------------------------------------
def test_deleting_true_features_drops_the_score_more_than_random():
    est, data = ToyTabular(sparse_linear()), positive_table()
    truthful = attribute(est, data, method="input_x_gradient", target=1)
    rand = attribute(est, data, method="random", target=1, random_state=0)
    d_true = deletion_curve(est, data, truthful)
    d_rand = deletion_curve(est, data, rand)
    assert d_true.scores.shape == (len(data), 11)
    assert d_true.auc.mean() < d_rand.auc.mean()
    # Removing features 0 and 1 (2 of 6 = the first 40% step) leaves logits equal: p = 0.5.
    np.testing.assert_allclose(d_true.scores[:, 4], 0.5, atol=1e-6)
    i_true = insertion_curve(est, data, truthful)
    assert i_true.auc.mean() > insertion_curve(est, data, rand).auc.mean()
    k = 2 / N_FEATURES
    comp = comprehensiveness(est, data, truthful, k=2)
    full = deletion_curve(est, data, truthful).scores[:, 0]
    np.testing.assert_allclose(comp, full - 0.5, atol=1e-6)
    reverse = _with_values(truthful, -truthful.values)
    assert comprehensiveness(est, data, reverse, k=2).max() < 1e-6
    np.testing.assert_allclose(sufficiency(est, data, truthful, k=2), 0.0, atol=1e-6)
    with pytest.raises(ConfigError):
        deletion_curve(est, data, truthful, fractions=[0.5, 0.2])
    assert k > 0


def test_faithfulness_checks_shapes():
    est, data = ToyTabular(sparse_linear()), positive_table()
    bad = Attribution(values=np.zeros((len(data), 3)), method="x", target=np.zeros(len(data)))
    with pytest.raises(DataError):
        deletion_curve(est, data, bad)


# -- ground truth ------------------------------------------------------------------------------
def test_precision_auroc_auprc_by_hand():
    scores = np.array([[5.0, 4.0, 3.0, 2.0, 1.0]])
    truth = np.array([[True, False, True, False, False]])
    assert precision_at_k(scores, truth, k=2)[0] == 0.5
    assert precision_at_k(scores, truth)[0] == 0.5  # R-precision: k = 2 true features
    # positives at ranks 1 and 3 of 5: 5 of the 6 positive/negative pairs ordered right
    np.testing.assert_allclose(auroc_rows(scores, truth), [5 / 6])
    np.testing.assert_allclose(auprc_rows(scores, truth), [(1 + 2 / 3) / 2])


def test_row_metrics_match_sklearn():
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(0)
    s = rng.normal(size=(8, 30))
    t = rng.random((8, 30)) < 0.3
    t[:, 0] = True
    t[:, 1] = False
    np.testing.assert_allclose(auroc_rows(s, t), [roc_auc_score(a, b) for a, b in zip(t, s)])
    np.testing.assert_allclose(
        auprc_rows(s, t), [average_precision_score(a, b) for a, b in zip(t, s)], rtol=1e-10
    )


def test_truth_recovery_per_sample_and_global():
    values = np.array([[0.1, -3.0, 0.2, 0.0], [2.0, 0.1, -0.3, 0.0]])
    attr = Attribution(values=values, method="x", target=np.zeros(2))
    per = truth_recovery(attr, np.array([[0, 1, 0, 0], [1, 0, 0, 0]], bool))
    assert per["level"] == "sample" and per["precision_at_k"] == 1.0 and per["auroc"] == 1.0
    glob = truth_recovery(attr, np.array([1, 1, 0, 0], bool))
    assert glob["level"] == "global" and glob["precision_at_k"] == 1.0
    assert glob["random_precision"] == 0.5
    with pytest.raises(DataError):
        truth_recovery(attr, np.zeros(3, bool))


# -- biology -----------------------------------------------------------------------------------
def test_gene_list_overlap_hypergeometric_by_hand():
    names = [f"G{i}" for i in range(20)]
    scores = np.arange(20, 0, -1).astype(float)  # G0 ranked first
    out = gene_list_overlap(
        scores, ["G0", "G2", "G10", "G15", "NOT_MEASURED"], k=5, feature_names=names
    )
    assert out["overlap"] == 2 and out["n_list_measured"] == 4 and out["n_measured"] == 20
    # P(X >= 2), X ~ Hypergeom(M=20, n=4, N=5)
    p = sum(comb(4, x) * comb(16, 5 - x) for x in range(2, 5)) / comb(20, 5)
    assert out["p_value"] == pytest.approx(p, rel=1e-10)
    assert out["hits"] == ["G0", "G2"] and out["expected"] == pytest.approx(1.0)


def test_geneset_enrichment_with_bh():
    names = [f"G{i}" for i in range(30)]
    scores = np.arange(30, 0, -1).astype(float)
    sets = {"top": names[:6], "bottom": names[20:26], "tiny": names[:2]}
    rows = geneset_enrichment(scores, sets, k=6, feature_names=names)
    assert [r["set"] for r in rows] == ["top", "bottom"]  # "tiny" is below min_size
    p_top = 1 / comb(30, 6)
    assert rows[0]["p_value"] == pytest.approx(p_top) and rows[0]["fdr"] == pytest.approx(2 * p_top)
    assert rows[1]["p_value"] == pytest.approx(1.0) and rows[1]["overlap"] == 0
    # Bonferroni over the two sets tested ("tiny" was not tested), capped at 1
    assert rows[0]["adjusted_p"] == pytest.approx(2 * p_top) and rows[0]["n_tested"] == 2
    assert rows[1]["adjusted_p"] == 1.0


# -- stability -----------------------------------------------------------------------------------
def test_rank_correlation_rows_matches_scipy_with_ties_constants_and_nan():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, size=(6, 3, 5)).astype(float)  # many ties, maps of shape (3, 5)
    b = a + rng.integers(0, 3, size=a.shape)
    a[1] = 2.0  # constant map: no rank order
    b[2, 0, 0] = np.nan
    got = rank_correlation_rows(a, b)
    flat_a, flat_b = a.reshape(6, -1), b.reshape(6, -1)
    with warnings.catch_warnings():  # scipy warns on the constant map it gives NaN for
        warnings.simplefilter("ignore")
        want = [spearmanr(x, y).statistic for x, y in zip(flat_a, flat_b)]
    np.testing.assert_allclose(got, want)  # NaN where scipy gives NaN
    assert np.isnan(got[1]) and np.isnan(got[2]) and np.isfinite(got[[0, 3, 4, 5]]).all()
    with pytest.raises(DataError):
        rank_correlation_rows(a, b[:, :2])


def test_seed_stability_and_jaccard():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 10))
    same = seed_stability([a, a.copy(), a * 2])
    np.testing.assert_allclose(same["spearman"], 1.0)
    np.testing.assert_allclose(same["jaccard"], 1.0)
    jac = topk_jaccard_rows(np.array([[3.0, 2, 1, 0]]), np.array([[3.0, 0, 2, 1]]), k=2)
    np.testing.assert_allclose(jac, [1 / 3])
    with pytest.raises(ConfigError):
        seed_stability([a])


def test_max_sensitivity_of_linear_saliency_is_zero():
    est, data = ToyTabular(sparse_linear()), positive_table(10)
    sal = max_sensitivity(est, data, method="saliency", n_perturb=3)
    np.testing.assert_allclose(sal[np.isfinite(sal)], 0.0, atol=1e-6)
    ixg = max_sensitivity(est, data, method="input_x_gradient", n_perturb=3, radius=0.1)
    assert np.nanmean(ixg) > 0


# -- sanity -----------------------------------------------------------------------------------
def test_layer_order_is_output_first():
    est, data = ToyTabular(relu_body()), table()
    order = layer_order(est.module_, est.attribution_spec(data))
    assert order == ["body.2", "body.0"]
    # probed once per layout: a layer given parameters afterwards (as shap's DeepExplainer
    # does to the modules it hooks) is found by the next call
    est.module_.body[1].register_parameter("scale", torch.nn.Parameter(torch.ones(1)))
    assert layer_order(est.module_, est.attribution_spec(data)) == ["body.2", "body.1", "body.0"]
    del est.module_.body[1].scale
    assert layer_order(est.module_, est.attribution_spec(data)) == order


def test_layer_order_cache_never_keeps_a_model_alive():
    """The cache is weak on the module and holds only the forward's code: a forward that is
    a partial over the module (no code) is not cached, and a dropped model is collected."""
    import functools
    import gc
    from types import SimpleNamespace

    from attnscope.trust._sanity import _ORDERS

    net = relu_body()
    x = torch.randn(3, net[0].in_features)
    partial = SimpleNamespace(raw_forward=functools.partial(net.forward), raw_inputs=(x,))
    assert layer_order(net, partial) == ["2", "0"] and net not in _ORDERS

    def spec_of(module: nn.Module) -> SimpleNamespace:
        return SimpleNamespace(raw_forward=lambda t: module(t), raw_inputs=(x,))

    closure = spec_of(net)
    assert layer_order(net, closure) == ["2", "0"] and net in _ORDERS
    before = len(_ORDERS)
    del net, partial, closure
    gc.collect()
    assert len(_ORDERS) == before - 1


def test_parameter_randomisation_changes_gradient_maps_but_not_random():
    est, data = ToyTabular(relu_body(seed=2)), table(40, seed=3)
    before = [p.detach().clone() for p in est.module_.parameters()]
    res = parameter_randomisation(est, data, method="saliency", random_state=1)
    assert res.steps == ["body.2", "body.0"] and res.correlations.shape == (2,)
    assert res.correlation < 0.5 and res.passed
    for p, q in zip(before, est.module_.parameters()):  # the original is untouched
        torch.testing.assert_close(p, q.detach())
    floor = parameter_randomisation(est, data, method="random", cascade=False)
    assert floor.correlation == pytest.approx(1.0) and not floor.passed


def test_label_randomisation_with_a_real_estimator():
    from attnscope.estimators import MLPClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    est = MLPClassifier(hidden=(16,), epochs=15, lr=0.01, val_size=0.0).fit(x, y)
    data = est.as_dataset(x, y)
    out = label_randomisation(est, data, method=["saliency", "random"], epochs=3)
    assert set(out) == {"saliency", "random"}
    assert out["random"].correlation == pytest.approx(1.0) and not out["random"].passed
    assert out["saliency"].correlation < out["random"].correlation


# -- trust table -----------------------------------------------------------------------------
def test_trust_table_on_a_fitted_mlp():
    from attnscope.estimators import MLPClassifier

    rng = np.random.default_rng(1)
    n, m = 120, 10
    x = rng.normal(size=(n, m)).astype(np.float32)
    y = (2 * x[:, 0] - 2 * x[:, 1] > 0).astype(int)
    truth = np.zeros(m, bool)
    truth[:2] = True
    data = TabularDataset(
        labels=y,
        sample_ids=np.arange(n).astype(str),
        class_names=["a", "b"],
        truth=truth,
        meta={},
        X=x,
        feature_names=np.array([f"g{j}" for j in range(m)]),
    )
    est = MLPClassifier(hidden=(16,), epochs=30, lr=0.01, val_size=0.0).fit(data)
    rows = trust_table(
        est,
        data,
        methods=["random", "ig", "attention", "lime"],
        n_samples=60,
        sanity_samples=20,
        stability_samples=10,
        label_epochs=2,
        method_samples={"lime": 12},
        method_options={"ig": {"n_steps": 16}},
    )
    by = {r["method"]: r for r in rows}
    assert list(by) == ["random", "integrated_gradients", "attention", "lime"]
    assert by["attention"]["status"].startswith("not applicable")
    ig, rnd = by["integrated_gradients"], by["random"]
    assert ig["precision_at_k"] > rnd["precision_at_k"]
    assert ig["deletion_auc"] < rnd["deletion_auc"] and ig["insertion_auc"] > rnd["insertion_auc"]
    assert ig["sanity_pass"] and not rnd["sanity_pass"] and not rnd["label_pass"]
    assert by["lime"]["n_samples"] == 12 and ig["n_samples"] == 60
    for key in ("seconds_per_sample", "noise_sensitivity", "comprehensiveness", "sufficiency"):
        assert np.isfinite(ig[key]), key


def test_roar_removing_true_features_hurts_more_than_random():
    from attnscope.estimators import MLPClassifier
    from attnscope.trust import roar

    rng = np.random.default_rng(2)
    x = rng.normal(size=(160, 10)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    est = MLPClassifier(hidden=(16,), epochs=20, lr=0.01, val_size=0.0)
    data = est.as_dataset(x, y)
    oracle = Attribution(
        values=np.tile(np.r_[2.0, 1.0, np.zeros(8)], (160, 1)), method="oracle", target=y
    )
    out = roar(est, data, oracle, fractions=(0.2,))
    assert out["fractions"] == [0.2]
    # Without features 0 and 1 nothing predicts y; a random 20% rarely removes both.
    assert out["accuracy"][0] < 0.7 < out["random_accuracy"][0]
