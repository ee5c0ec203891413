"""Tests of the multi-omics fusion network, its estimator, explanations and plots."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnscope.data import MultiOmicsDataset
from attnscope.errors import ConfigError, DataError
from attnscope.estimators import make_estimator
from attnscope.estimators._fusion import FusionClassifier, without_modalities
from attnscope.models.fusion import AttentionPool, FusionNet, drop_modalities
from attnscope.sim import simulate_multiomics

DIMS = {"a": 12, "b": 10, "c": 6}
INFORMATIVE = {"a": 4, "b": 3}


@pytest.fixture(scope="module")
def data() -> MultiOmicsDataset:
    return simulate_multiomics(
        240, modalities=DIMS, informative=INFORMATIVE, effect_size=2.0, random_state=1
    )


@pytest.fixture(scope="module")
def fitted(data: MultiOmicsDataset) -> FusionClassifier:
    torch.set_num_threads(1)
    est = FusionClassifier(dim=8, epochs=30, batch_size=64, lr=5e-3, random_state=0)
    return est.fit(data.subset(np.arange(180)))


# -- network --------------------------------------------------------------------------
def test_forward_shapes_and_normalisation() -> None:
    torch.manual_seed(0)
    net = FusionNet([7, 5, 3], 3, modalities=["x", "y", "z"], index=[[0, 2, 4, 6], None, None])
    net.eval()
    xs = [torch.randn(4, 7), torch.randn(4, 5), torch.randn(4, 3)]
    present = torch.tensor([[1, 1, 1], [1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=torch.bool)
    out = net(*xs, present)
    assert out.logits.shape == (4, 3)
    assert out.attention["x"].shape == (4, 4)  # four selected columns become tokens
    beta = out.attention["modality"]
    assert torch.allclose(beta.sum(1), torch.ones(4), atol=1e-5)
    assert torch.all(beta[~present] == 0)
    for j, m in enumerate(["x", "y", "z"]):
        sums = out.attention[m].sum(1)
        assert torch.allclose(sums, present[:, j].float(), atol=1e-5)
    cross = out.extras["cross:x->y"]
    assert cross.shape == (4, 4, 5)
    assert out.extras["cross_heads:y->x"].shape == (4, 2, 5, 4)
    # Rows sum to one where the key modality is present, zero where it is absent.
    assert torch.allclose(cross.sum(-1), present[:, 1:2].float().expand(4, 4), atol=1e-5)
    assert out.extras["self:z"].shape == (4, 2, 3, 3)


def test_absent_modality_values_do_not_matter() -> None:
    torch.manual_seed(0)
    net = FusionNet([6, 4], 2).eval()
    present = torch.tensor([[True, False]] * 3)
    x = torch.randn(3, 6)
    a = net(x, torch.randn(3, 4), present).logits
    b = net(x, 100 * torch.randn(3, 4), present).logits
    assert torch.allclose(a, b, atol=1e-5)


def test_ablations_change_the_structure() -> None:
    net = FusionNet([6, 4, 3], 2, use_cross=False, use_modality_attention=False).eval()
    out = net(torch.randn(5, 6), torch.randn(5, 4), torch.randn(5, 3))
    assert not [k for k in out.extras if k.startswith("cross")]
    assert torch.allclose(out.attention["modality"], torch.full((5, 3), 1 / 3))
    pairs = FusionNet([6, 4, 3], 2, cross_pairs=[(0, 2)]).eval()
    keys = {k for k in pairs(torch.randn(2, 6), torch.randn(2, 4), torch.randn(2, 3)).extras}
    assert {"cross:m0->m2", "cross:m2->m0"} <= keys and "cross:m0->m1" not in keys
    with pytest.raises(ConfigError):
        FusionNet([6, 4], 2, cross_pairs=[(0, 0)])
    with pytest.raises(ConfigError):
        FusionNet([6, 4], 2, dim=10, n_heads=3)


def test_drop_modalities_never_drops_all() -> None:
    gen = torch.Generator().manual_seed(0)
    present = torch.ones(4000, 3, dtype=torch.bool)
    present[:2000, 0] = False
    kept = drop_modalities(present, 0.9, generator=gen)
    assert bool(kept.any(dim=1).all())
    assert not bool((kept & ~present).any())
    # Drops happen at about the asked rate where a sample keeps other modalities.
    assert 0.05 < float(kept[2000:].float().mean()) < 0.5


def test_attention_pool_mask() -> None:
    pool = AttentionPool(4, n_items=3)
    x = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, False, True], [False, False, True]])
    pooled, w = pool(x, mask)
    assert torch.allclose(w[1], torch.tensor([0.0, 0.0, 1.0]))
    assert torch.allclose(pooled[1], x[1, 2], atol=1e-6)


# -- estimator ------------------------------------------------------------------------
def test_fit_predicts_held_out_data(data: MultiOmicsDataset, fitted: FusionClassifier) -> None:
    test = data.subset(np.arange(180, 240))
    assert fitted.score(test) > 0.65  # chance is 0.5 (balanced classes)
    proba = fitted.predict_proba(test)
    assert proba.shape == (60, 2) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert list(fitted.classes_) == data.class_names


def test_prediction_with_a_modality_absent(
    data: MultiOmicsDataset, fitted: FusionClassifier
) -> None:
    test = data.subset(np.arange(180, 240))
    att = fitted.attention_weights(without_modalities(test, "c"))
    assert np.all(att["modality"][:, 2] == 0) and np.allclose(att["modality"].sum(1), 1, atol=1e-5)
    assert np.all(att["c"] == 0)
    # The noise modality "c" is not needed; losing it costs little.
    assert fitted.score(without_modalities(test, "c")) > fitted.score(test) - 0.1
    with pytest.raises(DataError, match="no modality present"):
        fitted.predict(without_modalities(test, ["a", "b", "c"]))


def test_seed_reproducible_and_save_load(
    data: MultiOmicsDataset, fitted: FusionClassifier, tmp_path
) -> None:
    train, test = data.subset(np.arange(100)), data.subset(np.arange(180, 240))
    first, second, other = (
        FusionClassifier(dim=8, epochs=3, random_state=seed).fit(train) for seed in (0, 0, 1)
    )
    assert np.allclose(first.predict_proba(test), second.predict_proba(test), atol=1e-6)
    assert not np.allclose(first.predict_proba(test), other.predict_proba(test), atol=1e-4)
    fitted.save(tmp_path / "run")
    loaded = FusionClassifier.load(tmp_path / "run")
    assert np.allclose(loaded.predict_proba(test), fitted.predict_proba(test), atol=1e-6)
    assert isinstance(make_estimator("fusion", {"dim": 8}), FusionClassifier)


def test_feature_selection_and_errors(data: MultiOmicsDataset) -> None:
    train = data.subset(np.arange(120))
    est = FusionClassifier(dim=8, epochs=2, max_features=5, random_state=0).fit(train)
    index = est.spec_["index"]
    assert [len(i) if i is not None else DIMS[m] for i, m in zip(index, DIMS)] == [5, 5, 5]
    # ANOVA selection finds most planted features of the strong modality "a".
    truth_a = np.flatnonzero(data.meta["truth"]["a"])
    assert len(set(index[0]) & set(truth_a.tolist())) >= 3
    att = est.attention_weights(train)
    unselected = np.setdiff1d(np.arange(DIMS["a"]), index[0])
    assert att["a"].shape == (120, DIMS["a"]) and np.all(att["a"][:, unselected] == 0)
    with pytest.raises(ConfigError, match="cross pair"):
        FusionClassifier(cross_pairs=[("a", "zz")], epochs=1).fit(train)
    renamed = MultiOmicsDataset(
        labels=train.labels,
        sample_ids=train.sample_ids,
        class_names=train.class_names,
        truth=None,
        meta={},
        omics={"b": train.omics["b"], "a": train.omics["a"], "c": train.omics["c"]},
        feature_names={m: train.feature_names[m] for m in ("b", "a", "c")},
    )
    # modalities in another order are realigned by name, never taken by position
    assert np.allclose(est.predict_proba(renamed), est.predict_proba(train), atol=1e-5)
    unnamed = MultiOmicsDataset(
        labels=train.labels,
        sample_ids=train.sample_ids,
        class_names=train.class_names,
        truth=None,
        meta={},
        omics={"b": train.omics["b"], "a": train.omics["a"], "c": train.omics["c"]},
    )
    with pytest.raises(DataError, match="a features are missing"):
        est.predict(unnamed)


def test_arrays_input() -> None:
    rng = np.random.default_rng(0)
    X = {"u": rng.normal(size=(40, 4)), "v": rng.normal(size=(40, 3))}
    y = (X["u"][:, 0] > 0).astype(int)
    est = FusionClassifier(dim=4, epochs=2, random_state=0).fit(X, y)
    assert est.predict(X).shape == (40,)
    with pytest.raises(DataError):
        est.predict(np.zeros((40, 7)))


# -- explanations ---------------------------------------------------------------------
def test_attribution_methods(data: MultiOmicsDataset, fitted: FusionClassifier) -> None:
    from attnscope.explain import attribute

    test = data.subset(np.arange(180, 240))
    n_feat = sum(DIMS.values())
    grad = attribute(fitted, test, method="input_x_gradient")
    assert grad.values.shape == (60, n_feat) and grad.feature_names[0] == "a:a_0001"
    att = attribute(fitted, test, method="attention")
    assert att.values.shape == (60, n_feat)
    assert np.allclose(att.values.sum(1), 1, atol=1e-4)  # sum_i beta_i sum_j alpha_ij = 1
    beta = attribute(fitted, test, method="modality_weights")
    assert beta.values.shape == (60, 3) and list(beta.feature_names) == list(DIMS)
    cross = attribute(fitted, test, method="cross_attention", pair="b->a")
    assert cross.values.shape == (60, DIMS["b"], DIMS["a"])
    assert len(cross.meta["row_names"]) == DIMS["b"]
    with pytest.raises(ConfigError, match="no cross-attention"):
        attribute(fitted, test, method="cross_attention", pair="a->q")
    assert np.abs(grad.values).sum() > 0
    # A modality marked absent gets exactly zero gradient attribution and attention.
    hidden = attribute(fitted, without_modalities(test, "b"), method="input_x_gradient")
    b0, b1 = fitted.attribution_spec(test).meta["slices"]["b"]
    assert np.all(hidden.values[:, b0:b1] == 0) and np.abs(hidden.values[:, :b0]).sum() > 0
    # The spec's removal replaces features by the training mean.
    spec = fitted.attribution_spec(test)
    mask = torch.zeros(60, n_feat, dtype=torch.bool)
    mask[:, :3] = True
    removed = spec.remove(spec.raw_inputs, mask)
    assert torch.allclose(removed[0][:, :3], spec.baselines[0][:, :3].expand(60, 3))
    assert torch.equal(removed[1], spec.raw_inputs[1])


def test_top_features_and_subgroups(data: MultiOmicsDataset, fitted: FusionClassifier) -> None:
    test = data.subset(np.arange(180, 240))
    top = fitted.top_features(test, k=3)
    assert len(top) == 60 * 3 * 3 and set(top["modality"]) == set(DIMS)
    first = top[top["rank"] == 1]["alpha"].to_numpy()
    third = top[top["rank"] == 3]["alpha"].to_numpy()
    assert np.all(first >= third)
    table = fitted.subgroup_attention(test)
    assert len(table) == 3 + sum(DIMS.values())
    assert set(table["test"]) == {"mann-whitney"}
    assert np.all(table["q_value"] >= table["p_value"] - 1e-12)
    groups = np.array(["g1", "g2", "g3"])[np.arange(60) % 3]
    kw = fitted.subgroup_attention(test, by=groups, level="modality")
    assert len(kw) == 3 and set(kw["test"]) == {"kruskal-wallis"}
    assert {"mean_g1", "mean_g2", "mean_g3"} <= set(kw.columns)
    with pytest.raises(DataError, match="one group"):
        fitted.subgroup_attention(test, by=np.zeros(60))


def test_plots(data: MultiOmicsDataset, fitted: FusionClassifier) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope.explain import attribute
    from attnscope.pl import cross_attention_heatmap, modality_weights

    test = data.subset(np.arange(180, 240))
    beta = attribute(fitted, test, method="modality_weights")
    ax = modality_weights(beta, groups=np.asarray(test.class_names)[test.y])
    assert len(ax.get_xticklabels()) == 3
    cross = attribute(fitted, test, method="cross_attention", pair="a->b")
    ax2 = cross_attention_heatmap(cross, top=5)
    assert ax2.images[0].get_array().shape == (5, 5)
    plt.close("all")


def test_linear_probe_init_matches_logistic_regression(data: MultiOmicsDataset) -> None:
    from sklearn.linear_model import LogisticRegression

    train, test = data.subset(np.arange(150)), data.subset(np.arange(150, 240))
    est = FusionClassifier(dim=8, epochs=0, init_C=0.5, random_state=0).fit(train)
    x_tr = np.hstack([train.omics[m] for m in DIMS])
    x_te = np.hstack([test.omics[m] for m in DIMS])
    mean, sd = x_tr.mean(0), x_tr.std(0, ddof=1)
    ref = LogisticRegression(C=0.5, max_iter=2000).fit((x_tr - mean) / sd, train.y)
    expected = ref.predict_proba((x_te - mean) / sd)
    # Untrained network = the regression (up to the small identity embeddings).
    assert np.abs(est.predict_proba(test) - expected).max() < 0.03
    rand = FusionClassifier(dim=8, epochs=0, init_C=None, random_state=0).fit(train)
    assert np.abs(rand.predict_proba(test) - expected).max() > 0.1
    with pytest.raises(ConfigError, match="init_C"):
        FusionClassifier(init_C=0.0, epochs=0).fit(train)
    # alpha_init="probe": same start, the importance moved into alpha.
    probe = FusionClassifier(dim=8, epochs=0, init_C=0.5, alpha_init="probe").fit(train)
    assert np.abs(probe.predict_proba(test) - expected).max() < 0.03
    alpha = probe.attention_weights(test)["a"].mean(axis=0)
    top = np.argsort(-alpha)[: INFORMATIVE["a"]]
    assert len(set(top.tolist()) & set(np.flatnonzero(data.meta["truth"]["a"]).tolist())) >= 3
    assert np.allclose(est.attention_weights(test)["a"], 1 / DIMS["a"], atol=1e-6)
    with pytest.raises(ConfigError, match="alpha_init"):
        FusionClassifier(alpha_init="x", epochs=0).fit(train)


def test_attention_finetune_trains_the_pools_only(data: MultiOmicsDataset) -> None:
    """finetune="attention": every weight outside the attention pools keeps its start, the
    pools move (alpha leaves its start), and attention_lr reaches the optimiser."""
    train, test = data.subset(np.arange(150)), data.subset(np.arange(150, 240))
    params = dict(dim=8, init_C=0.5, alpha_init="probe", random_state=0, batch_size=50)
    start = FusionClassifier(epochs=0, **params).fit(train)
    tuned = FusionClassifier(epochs=5, finetune="attention", attention_lr=0.05, **params)
    tuned.fit(train)
    s0, s1 = start.module_.state_dict(), tuned.module_.state_dict()
    pools = ("feature_pool.", "modality_pool.")
    for name, value in s0.items():
        if name.startswith(pools):
            continue
        assert torch.equal(value, s1[name]), name
    moved = [n for n in s0 if n.startswith(pools) and not torch.equal(s0[n], s1[n])]
    assert any(n.startswith("feature_pool.") for n in moved)
    a0, a1 = start.attention_weights(test)["a"], tuned.attention_weights(test)["a"]
    assert np.abs(a1 - a0).max() > 1e-3
    groups = tuned._param_groups(tuned.module_)
    assert groups is not None and len(groups) == 1
    assert groups[0]["lr"] == 0.05 and groups[0]["weight_decay"] == 0.0
    # "all" with attention_lr: two groups, the pools at their own rate.
    both = FusionClassifier(attention_lr=0.02, **params)._param_groups(tuned.module_)
    assert both is not None and [g.get("lr") for g in both] == [None, 0.02]
    assert FusionClassifier(**params)._param_groups(tuned.module_) is None
    with pytest.raises(ConfigError, match="finetune"):
        FusionClassifier(finetune="heads", epochs=0).fit(train)
    with pytest.raises(ConfigError, match="attention_lr"):
        FusionClassifier(attention_lr=0.0, epochs=0).fit(train)
