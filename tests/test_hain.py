"""HAIN: network, estimator, explanations, persistence and plots."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.estimators import get_estimator_class
from attnscope.estimators._hain import HAINClassifier, gene_set_pairs, robust_scale
from attnscope.explain import attribute
from attnscope.models.hain import HAIN, segment_softmax

try:
    from attnscope.sim import simulate_expression
except ImportError:  # not re-exported yet
    from attnscope.sim._expression import simulate_expression


@pytest.fixture(scope="module")
def sim():
    return simulate_expression(
        240,
        n_genes=200,
        n_pathways=12,
        pathway_size=(8, 20),
        n_informative_pathways=2,
        effect_size=1.5,
        random_state=3,
    )


@pytest.fixture(scope="module")
def fitted(sim):
    torch.set_num_threads(1)
    train = sim.subset(np.arange(180))
    est = HAINClassifier(gene_sets=sim.meta["gene_sets"], dim=16, epochs=40, random_state=0)
    return est.fit(train)


def test_segment_softmax_matches_per_group_softmax():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(3, 7, 2, generator=g)
    seg = torch.tensor([0, 2, 0, 1, 2, 2, 0])
    out = segment_softmax(scores, seg, 3)
    for s in range(3):
        idx = (seg == s).nonzero().flatten()
        torch.testing.assert_close(out[:, idx], torch.softmax(scores[:, idx], dim=1))


def test_gene_set_pairs_case_insensitive_with_other_group():
    names = ["a", "B", "c", "d", "e"]
    sets = {"S1": ["A", "b", "zz"], "S2": ["b", "C", "D"], "TINY": ["e"]}
    gi, si, groups = gene_set_pairs(sets, names, min_size=2)
    assert groups == ["S1", "S2", "OTHER"]
    pairs = {(groups[s], names[g]) for g, s in zip(gi, si)}
    assert pairs == {
        ("S1", "a"),
        ("S1", "B"),
        ("S2", "B"),
        ("S2", "c"),
        ("S2", "d"),
        ("OTHER", "e"),
    }


def test_forward_outputs_and_overlapping_sets():
    # gene 1 sits in two sets: its alpha is the sum of both memberships
    gi = torch.tensor([0, 1, 1, 2, 3])
    si = torch.tensor([0, 0, 1, 1, 2])
    torch.manual_seed(0)
    model = HAIN(4, 3, gi, si, 3, dim=8, n_heads=2, key_dim=4, prototypes_per_class=2).eval()
    out = model(torch.randn(5, 4))
    assert out.logits.shape == (5, 3)
    assert out.attention["gene"].shape == (5, 4) and out.attention["pathway"].shape == (5, 3)
    assert out.extras["prototype_similarity"].shape == (5, 6)
    # each of the 3 groups distributes one unit of attention per head
    torch.testing.assert_close(out.attention["gene"].sum(1), torch.full((5,), 3.0))
    torch.testing.assert_close(out.attention["gene"][:, 3], torch.ones(5))  # alone in group 2
    torch.testing.assert_close(model.hierarchical(out).sum(1), torch.ones(5))


def test_soft_cluster_grid_path_equals_the_pair_path():
    # soft clusters pair every gene with every cluster (gene-major): that grid takes a dense
    # softmax over genes; the same pairs in another order take the segment softmax
    n_genes, n_groups = 6, 3
    gi = torch.arange(n_genes).repeat_interleave(n_groups)
    si = torch.arange(n_groups).repeat(n_genes)
    order = torch.randperm(gi.numel(), generator=torch.Generator().manual_seed(1))
    opts = {"dim": 8, "n_heads": 2, "key_dim": 4, "soft_clusters": True}
    torch.manual_seed(0)
    grid = HAIN(n_genes, 2, gi, si, n_groups, **opts).eval()
    pairs = HAIN(n_genes, 2, gi[order], si[order], n_groups, **opts).eval()
    state = {k: v for k, v in grid.state_dict().items() if not k.endswith("_index")}
    pairs.load_state_dict(state, strict=False)
    assert grid.genes.grid and not pairs.genes.grid
    x = torch.randn(4, n_genes, requires_grad=True)
    a, b = grid(x), pairs(x)
    torch.testing.assert_close(a.logits, b.logits)
    torch.testing.assert_close(a.attention["gene"], b.attention["gene"])
    torch.testing.assert_close(a.extras["pair_attention"][:, order], b.extras["pair_attention"])
    torch.testing.assert_close(grid.hierarchical(a), pairs.hierarchical(b))
    torch.testing.assert_close(grid.contribution(x), pairs.contribution(x))
    (ga,) = torch.autograd.grad(a.logits[:, 1].sum(), x)
    (gb,) = torch.autograd.grad(b.logits[:, 1].sum(), x)
    torch.testing.assert_close(ga, gb)


def test_contribution_is_zero_at_the_mean_and_follows_the_value_path():
    gi = torch.tensor([0, 1, 1, 2, 3])
    si = torch.tensor([0, 0, 1, 1, 2])
    torch.manual_seed(0)
    model = HAIN(4, 2, gi, si, 3, dim=8, n_heads=2, key_dim=4).eval()
    with torch.no_grad():
        at_mean = model.contribution(torch.zeros(3, 4))  # mean buffer is 0: z = 0
        torch.testing.assert_close(at_mean, torch.zeros(3, 4))
        x = torch.randn(3, 4)
        c = model.contribution(x)
        assert c.shape == (3, 4) and (c >= 0).all() and (c > 0).any()
        model.genes.value.weight[:, :] = 0.0  # no value path: nothing is sent
        torch.testing.assert_close(model.contribution(x), torch.zeros(3, 4))


def test_robust_scale_keeps_constant_genes_at_unit_scale():
    x = torch.tensor([[4.3, 1.0, 5.0], [4.3, 3.0, 5.0 + 1e-9], [4.3, 5.0, 5.0]])
    scale = robust_scale(x)
    torch.testing.assert_close(scale, torch.tensor([1.0, 2.0, 1.0]))
    # a gene with a tiny but non-zero sd is floored at 1% of the median gene's sd
    g = torch.Generator().manual_seed(0)
    tiny = torch.zeros(20, 1)
    tiny[0] = 1e-4
    y = torch.cat([torch.randn(20, 5, generator=g), tiny], dim=1)
    scale = robust_scale(y)
    torch.testing.assert_close(scale[5], 0.01 * y.std(0).median())
    torch.testing.assert_close(scale[:5], y[:, :5].std(0))


def test_forward_scales_to_20000_genes():
    n_genes, n_sets = 20_000, 300
    g = torch.Generator().manual_seed(0)
    gi = torch.randint(0, n_genes, (3 * n_genes,), generator=g)  # ~3 sets per gene
    si = torch.randint(0, n_sets, (3 * n_genes,), generator=g)
    model = HAIN(n_genes, 2, gi, si, n_sets, dim=16, n_heads=4, key_dim=4).eval()
    start = time.perf_counter()
    with torch.no_grad():
        out = model(torch.randn(32, n_genes))
    assert out.attention["gene"].shape == (32, n_genes)
    assert time.perf_counter() - start < 10.0


def test_fit_predicts_and_explains(fitted, sim):
    test = sim.subset(np.arange(180, 240))
    assert fitted.score(test) >= 0.75
    hier = attribute(fitted, test, method="hierarchical")
    assert hier.values.shape == (60, 200)
    np.testing.assert_allclose(hier.values.sum(1), 1.0, rtol=1e-4)
    assert np.asarray(hier.meta["pathway_attention"]).shape == (60, len(fitted.group_names_))
    imp = fitted.feature_importances_
    assert imp.shape == (2, 200) and np.isfinite(imp).all()
    assert fitted.pathway_importances_.shape == (2, len(fitted.group_names_))
    contrib = attribute(fitted, test.subset(np.arange(5)), method="contribution")
    assert contrib.values.shape == (5, 200) and (contrib.values >= 0).all()
    grad = attribute(fitted, test.subset(np.arange(5)), method="gradient")
    assert grad.values.shape == (5, 200) and np.abs(grad.values).sum() > 0


def test_prototypes_are_projected_training_samples(fitted, sim):
    train = sim.subset(np.arange(180))
    ids, classes = fitted.prototype_ids_, fitted.prototype_classes_
    assert len(ids) == 2 * fitted.prototypes_per_class
    row = {s: i for i, s in enumerate(train.sample_ids)}
    idx = np.array([row[s] for s in ids])
    assert (np.asarray(train.class_names)[train.y[idx]] == classes).all()
    emb = fitted._outputs(torch.as_tensor(train.X[idx]))["embedding"]
    torch.testing.assert_close(emb, fitted.module_.prototypes.prototypes.detach())
    uniq = np.unique(idx)  # two prototypes may land on the same sample
    att = attribute(fitted, train.subset(uniq), method="prototypes")
    assert att.values.shape == (len(uniq), len(ids))
    # a prototype's own sample is at distance 0, so no prototype is more similar to it
    rows = np.searchsorted(uniq, idx)
    np.testing.assert_allclose(att.values[rows, np.arange(len(ids))], att.values[rows].max(1))
    ids = np.asarray(att.meta["prototype_ids"])[att.meta["closest"]]
    assert f"training sample {ids[0]}," in att.meta["explanations"][0]


def test_save_load_roundtrip(fitted, sim, tmp_path):
    fitted.save(tmp_path / "run")
    loaded = get_estimator_class("hain").load(tmp_path / "run")
    x = sim.subset(np.arange(180, 200))
    np.testing.assert_allclose(loaded.predict_proba(x), fitted.predict_proba(x), atol=1e-6)
    assert loaded.prototype_ids_.tolist() == fitted.prototype_ids_.tolist()
    np.testing.assert_allclose(loaded.feature_importances_, fitted.feature_importances_)


def test_soft_clusters_when_names_do_not_match(sim):
    small = sim.subset(np.arange(60))
    est = HAINClassifier(gene_sets={"S": ["X1", "X2", "X3"]}, dim=8, n_clusters=3, epochs=2)
    with pytest.warns(AttnscopeWarning, match="soft gene clusters"):
        est.fit(small)
    assert est.spec_["grouping"] == "soft_clusters"
    assert list(est.group_names_) == ["cluster_0", "cluster_1", "cluster_2"]
    assert attribute(est, small, method="hierarchical").values.shape == (60, 200)


@pytest.mark.parametrize("soft", [False, True])
def test_sqrt_size_pooling_scales_each_group_token_by_its_size(soft):
    # out(p) = W p + b, so scaling group s's pooled values by sqrt(n_s) scales W p by it
    if soft:
        gi, si = torch.arange(5).repeat_interleave(2), torch.arange(2).repeat(5)
    else:
        gi, si = torch.tensor([0, 1, 1, 2, 3, 4]), torch.tensor([0, 0, 1, 1, 1, 2])
    sizes = torch.bincount(si).float()
    opts = {"dim": 8, "n_heads": 2, "key_dim": 4, "soft_clusters": soft}
    torch.manual_seed(0)
    mean = HAIN(5, 2, gi, si, len(sizes), **opts).eval()
    scaled = HAIN(5, 2, gi, si, len(sizes), pool_scale="sqrt_size", **opts).eval()
    scaled.load_state_dict(mean.state_dict())  # the gain is not a saved weight
    z = torch.randn(3, 5)
    (tok_mean, a_mean), (tok_scaled, a_scaled) = mean.genes(z), scaled.genes(z)
    offset = mean.genes.group_embedding + mean.genes.out.bias.view(1, 1, -1)
    torch.testing.assert_close(a_scaled, a_mean)  # attention is untouched
    torch.testing.assert_close(
        tok_scaled - offset, (tok_mean - offset) * sizes.sqrt().view(1, -1, 1)
    )


def test_pool_scale_auto_scales_soft_clusters_only(fitted, sim):
    assert fitted.spec_["pool_scale"] == "mean"  # gene sets
    soft = HAINClassifier(dim=8, n_clusters=3, epochs=1).fit(sim.subset(np.arange(60)))
    assert soft.spec_["pool_scale"] == "sqrt_size"
    gain = soft.module_.genes.pool_gain.flatten()  # every cluster holds all 200 genes
    torch.testing.assert_close(gain, torch.full((3,), 200**0.5))


def test_pool_scale_is_saved_with_the_model(sim, tmp_path):
    train = sim.subset(np.arange(60))
    est = HAINClassifier(dim=8, n_clusters=3, epochs=2, pool_scale="sqrt_size").fit(train)
    assert est.spec_["pool_scale"] == "sqrt_size"
    est.save(tmp_path / "run")
    loaded = get_estimator_class("hain").load(tmp_path / "run")
    x = sim.subset(np.arange(60, 80))
    np.testing.assert_allclose(loaded.predict_proba(x), est.predict_proba(x), atol=1e-6)
    with pytest.raises(ConfigError, match="pool_scale"):
        HAINClassifier(pool_scale="sum", epochs=1).fit(train)
    with pytest.raises(ValueError, match="pool_scale"):  # the network alone checks it too
        HAIN(3, 2, torch.arange(3), torch.zeros(3, dtype=torch.long), 1, pool_scale="sum")


def test_bad_params_raise_config_error(sim):
    with pytest.raises(ConfigError, match="multiple of n_heads"):
        HAINClassifier(dim=10, n_heads=4, epochs=1).fit(sim.subset(np.arange(40)))
    with pytest.raises(DataError, match="GMT file not found"):
        HAINClassifier(gene_sets="/no/such.gmt", epochs=1).fit(sim.subset(np.arange(40)))


def test_plots_return_matplotlib_objects(fitted, sim):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope.pl import pathway_attention_heatmap, prototype_view, top_genes_per_class

    test = sim.subset(np.arange(180, 200))
    hier = attribute(fitted, test, method="hierarchical")
    ax = pathway_attention_heatmap(
        np.asarray(hier.meta["pathway_attention"]),
        pathway_names=hier.meta["pathway_names"],
        labels=np.asarray(test.class_names)[test.y],
        top=5,
    )
    assert len(ax.get_yticklabels()) == 5
    fig = top_genes_per_class(
        fitted.feature_importances_,
        feature_names=test.feature_names,
        class_names=list(fitted.classes_),
        k=4,
    )
    assert len(fig.axes) >= 2
    proto = attribute(fitted, test, method="prototypes")
    ax2 = prototype_view(
        proto.values,
        prototype_ids=proto.meta["prototype_ids"],
        prototype_classes=proto.meta["prototype_classes"],
        sample_ids=test.sample_ids,
    )
    assert ax2.get_xlabel().startswith("prototype")
    plt.close("all")


def test_prototype_attribution_names_its_prototype_axis():
    from attnscope.estimators import HAINClassifier
    from attnscope.explain import attribute
    from attnscope.sim import simulate_expression

    data = simulate_expression(120, n_genes=60, n_pathways=6, pathway_size=(5, 12), random_state=0)
    est = HAINClassifier(
        gene_sets=data.meta["gene_sets"], epochs=2, dim=8, n_heads=2, prototypes_per_class=2
    ).fit(data)
    attr = attribute(est, data.subset(np.arange(5)), method="prototypes")
    assert attr.values.shape == (5, 4)
    assert len(attr.feature_names) == 4 and all(
        n.startswith("prototype") for n in attr.feature_names
    )
