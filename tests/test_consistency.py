"""Seed-consistency study: the batched attention-LSTM ensemble, the metrics, the command."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from scipy.stats import kendalltau, rankdata, spearmanr

from attnscope.errors import DataError
from attnscope.metrics._agreement import average_ranks
from attnscope.metrics._consistency import (
    coefficient_of_variation,
    consistency_summary,
    mean_pairwise_kendall,
    mean_pairwise_spearman,
    top_cell_agreement,
    topk_jaccard,
)
from attnscope.models.attn_lstm import AttentionLSTM, lstm_sequence


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models run faster on one thread (and do not fight a busy machine for two)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_ts():
    from attnscope.sim import simulate_timeseries

    return simulate_timeseries(
        160, n_times=8, n_variables=4, n_informative=2, window=(4, 8), random_state=3
    )


# -- model -------------------------------------------------------------------------------
def _reference_lstm(xi, w):
    m, b, t, g = xi.shape
    hid = g // 4
    h = xi.new_zeros(m, b, hid)
    c = xi.new_zeros(m, b, hid)
    out = []
    for s in range(t):
        gates = xi[:, :, s] + torch.bmm(h, w.transpose(1, 2))
        i, f, o = (torch.sigmoid(gates[..., k * hid : (k + 1) * hid]) for k in range(3))
        c = f * c + i * torch.tanh(gates[..., 3 * hid :])
        h = o * torch.tanh(c)
        out.append(h)
    return torch.stack(out, 2)


def test_lstm_sequence_matches_autograd_reference():
    gen = torch.Generator().manual_seed(0)
    xi = torch.randn(2, 2, 4, 4, dtype=torch.double, generator=gen, requires_grad=True)
    w = torch.randn(2, 4, 1, dtype=torch.double, generator=gen, requires_grad=True)
    torch.testing.assert_close(lstm_sequence(xi, w), _reference_lstm(xi, w))
    assert torch.autograd.gradcheck(lstm_sequence, (xi, w))


def test_attention_map_and_member_equivalence():
    gen = torch.Generator().manual_seed(1)
    v = torch.randn(6, 7, 4, generator=gen)
    k = (torch.rand(6, 7, 4, generator=gen) < 0.5).float()
    s = torch.randn(6, 2, generator=gen)
    ens = AttentionLSTM(4, 2, 3, n_members=3, seeds=[3, 5, 7], dropout=0.0).eval()
    out = ens(v, k, s)
    assert out.logits.shape == (3, 6, 3)
    cell = out.attention["cell"]
    assert cell.shape == (3, 6, 7, 4) and (cell >= 0).all()
    torch.testing.assert_close(cell.sum((-1, -2)), torch.ones(3, 6))
    # shared 3-D input == the same batch given to every member explicitly
    expanded = ens(*(t.unsqueeze(0).expand(3, *t.shape) for t in (v, k, s)))
    torch.testing.assert_close(expanded.logits, out.logits)
    single = AttentionLSTM(4, 2, 3, seeds=[5], dropout=0.0).eval()(v, k, s)
    torch.testing.assert_close(single.logits, out.logits[1])
    torch.testing.assert_close(ens.member(1)(v, k, s).logits, out.logits[1])


def test_time_since_last_observation_channel():
    mask = torch.tensor([[1.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]]).T[None]
    mod = AttentionLSTM(2, 0, 2, delta=True)
    steps = torch.expm1(mod._time_since(mask) * math.log1p(5))
    # observed -> 0; then 1, 2, ... steps; before the first observation t + 1
    expected = torch.tensor([[0.0, 1.0, 2.0, 0.0, 1.0], [1.0, 2.0, 0.0, 1.0, 2.0]]).T[None]
    torch.testing.assert_close(steps, expected)
    assert mod.w_ih.shape[-1] == 3 * 2
    # the static path to the LSTM is dropped when there are no static descriptors
    assert not mod.static_to_lstm


def test_options_change_the_model_and_clip_bounds_values():
    gen = torch.Generator().manual_seed(2)
    v = torch.randn(5, 6, 3, generator=gen)
    k = (torch.rand(5, 6, 3, generator=gen) < 0.5).float()
    s = torch.randn(5, 2, generator=gen)
    plain = AttentionLSTM(3, 2, 2, seeds=[1], dropout=0.0).eval()
    fed = AttentionLSTM(3, 2, 2, seeds=[1], dropout=0.0, static_to_lstm=True).eval()
    fed.load_state_dict({**plain.state_dict(), "w_static": torch.zeros_like(fed.w_static)})
    torch.testing.assert_close(fed(v, k, s).logits, plain(v, k, s).logits)
    with torch.no_grad():
        fed.w_static.fill_(0.5)
    assert not torch.allclose(fed(v, k, s).logits, plain(v, k, s).logits)
    clipped = AttentionLSTM(3, 2, 2, seeds=[1], dropout=0.0, clip=1.0).eval()
    torch.testing.assert_close(clipped(v, k, s).logits, plain(v.clamp(-1, 1), k, s).logits)


def test_summary_branch_reads_the_baseline_summaries(tiny_ts):
    from attnscope.models.attn_lstm import series_summaries
    from attnscope.run._baselines import summary_features

    v, k = torch.as_tensor(tiny_ts.values), torch.as_tensor(tiny_ts.mask).float()
    k[0, :, 1] = 0.0  # one variable never observed in the first stay
    got = series_summaries(v, k).numpy()
    n_times, n_vars = v.shape[1:]
    ref = summary_features(dataclasses.replace(tiny_ts, mask=k.numpy().astype(bool)))
    ref = ref[:, : 5 * n_vars].copy()
    ref[:, 4 * n_vars :] /= n_times  # the count as a share of the steps
    np.testing.assert_allclose(got, np.nan_to_num(ref, nan=0.0), rtol=1e-5, atol=1e-6)
    assert (got[0, [1, n_vars + 1, 2 * n_vars + 1, 3 * n_vars + 1, 4 * n_vars + 1]] == 0).all()
    # the head's extra weights at zero give the plain model; otherwise the summaries count
    s = torch.as_tensor(tiny_ts.static)
    plain = AttentionLSTM(n_vars, s.shape[1], 2, seeds=[1], dropout=0.0).eval()
    wide = AttentionLSTM(n_vars, s.shape[1], 2, seeds=[1], dropout=0.0, summary_branch=True)
    state = plain.state_dict()
    head = torch.zeros_like(wide.head_w)
    head[..., : state["head_w"].shape[-1]] = state["head_w"]
    wide.load_state_dict({**state, "head_w": head})
    wide.eval()
    torch.testing.assert_close(wide(v, k, s).logits, plain(v, k, s).logits)
    with torch.no_grad():
        wide.head_w[..., -1] = 1.0
    assert not torch.allclose(wide(v, k, s).logits, plain(v, k, s).logits)
    # summary_hidden: the head reads tanh(W summaries + b), the context and statics as before
    deep = AttentionLSTM(
        n_vars, s.shape[1], 2, seeds=[1], dropout=0.0, summary_branch=True, summary_hidden=3
    ).eval()
    assert deep.head_w.shape[-1] == plain.head_w.shape[-1] + 3
    with torch.no_grad():
        deep.head_w[..., : plain.head_w.shape[-1]] = 0.0
    z = torch.tanh(torch.as_tensor(got) @ deep.wide_w[0].T + deep.wide_b[0])
    want = z @ deep.head_w[0, :, -3:].T + deep.head_b[0]
    torch.testing.assert_close(deep(v, k, s).logits, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("options", "min_epochs"),
    [
        ({}, 0),
        ({"delta": True, "static_to_lstm": True, "clip": 3.0, "summary_branch": True}, 3),
        ({"summary_branch": True, "summary_hidden": 5}, 0),
    ],
    ids=["plain", "options_min_epochs", "summary_hidden"],
)
def test_ensemble_member_equals_standalone_training(tiny_ts, options, min_epochs):
    from attnscope.data import train_val_test_split
    from attnscope.estimators._attn_lstm import AttnLSTMClassifier
    from attnscope.train import TrainConfig, fit_members

    tr, va, _ = train_val_test_split(tiny_ts.y, val_size=0.25, test_size=0.0, random_state=0)
    train, val = tiny_ts.subset(tr), tiny_ts.subset(va)
    params = {"hidden": 6, "attention_dim": 4, "dropout": 0.0, "epochs": 4, "patience": 2}
    # the module's and TrainConfig's defaults (the estimator's are the benchmarked settings)
    module_defaults = {"window": 3, "lr": 1e-3, "delta": False}
    est = AttnLSTMClassifier(
        random_state=11,
        batch_size=32,
        min_epochs=min_epochs,
        **params,
        **{**module_defaults, **options},
    )
    est.fit(train, validation_data=val)
    seeds = [4, 11, 9]
    ens = AttentionLSTM(
        4, 2, 2, hidden=6, attention_dim=4, dropout=0.0, n_members=3, seeds=seeds, **options
    )
    cfg = TrainConfig(epochs=4, patience=2, batch_size=32, monitor="auroc", min_epochs=min_epochs)
    inputs = est._make_inputs(train)
    hist = fit_members(
        ens,
        inputs,
        torch.as_tensor(train.y),
        seeds=seeds,
        config=cfg,
        val_inputs=est._make_inputs(val),
        val_y=torch.as_tensor(val.y),
    )
    assert len(hist) == 3 and hist[1].best_epoch == est.history_.best_epoch
    assert all(h.best_epoch >= min_epochs - 1 for h in hist)
    for name, p in est.module_.state_dict().items():
        torch.testing.assert_close(ens.state_dict()[name][1:2], p, atol=1e-5, rtol=1e-4)
    # another member differs (its own seed)
    assert not torch.allclose(ens.state_dict()["w_ih"][0], ens.state_dict()["w_ih"][1])
    # the standalone estimator explains through the registry
    from attnscope.explain import attribute

    att = attribute(est, val, method="attention")
    assert att.values.shape == (len(val), 8, 4)
    np.testing.assert_allclose(att.values.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    ig = attribute(est, val, method="ig", n_steps=4)
    assert ig.values.shape == att.values.shape and np.isfinite(ig.values).all()


# -- metrics -----------------------------------------------------------------------------
def test_metrics_identical_and_reversed_maps():
    rng = np.random.default_rng(0)
    base = rng.random((5, 6, 4))
    same = np.stack([base] * 4)
    res = consistency_summary(same, top_k=3)
    for key in ("spearman", "kendall", "jaccard", "top_agreement"):
        np.testing.assert_allclose(res[key], 1.0)
    np.testing.assert_allclose(res["cv_top"], 0.0, atol=1e-12)
    np.testing.assert_allclose(coefficient_of_variation(same), 0.0, atol=1e-12)
    reversed_ = np.stack([base, 10 - base])
    np.testing.assert_allclose(mean_pairwise_spearman(reversed_, absolute=False), -1.0)
    np.testing.assert_allclose(mean_pairwise_kendall(reversed_, absolute=False), -1.0)
    assert (topk_jaccard(reversed_, k=2, absolute=False) < 1).all()


def test_metrics_match_brute_force():
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=(6, 3, 30)), 1)  # ties included
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    brute = [
        np.mean([spearmanr(abs(x[i, s]), abs(x[j, s]))[0] for i, j in pairs]) for s in range(3)
    ]
    np.testing.assert_allclose(mean_pairwise_spearman(x), brute)
    each = mean_pairwise_spearman(x, per_variant=True)
    own = np.mean([spearmanr(abs(x[2, 0]), abs(x[j, 0]))[0] for j in range(6) if j != 2])
    np.testing.assert_allclose(each[2, 0], own)
    tau = np.mean([kendalltau(abs(x[i, 1]), abs(x[j, 1]))[0] for i, j in pairs])
    np.testing.assert_allclose(mean_pairwise_kendall(x, n_pairs=100)[1], tau)
    np.testing.assert_allclose(average_ranks(np.abs(x)), rankdata(np.abs(x), axis=-1))
    # Jaccard of known top sets: variant 0 tops {0, 1}, variant 1 tops {1, 2}
    maps = np.zeros((2, 1, 5))
    maps[0, 0, [0, 1]] = [2, 1]
    maps[1, 0, [1, 2]] = [2, 1]
    np.testing.assert_allclose(topk_jaccard(maps, k=2), [1 / 3])
    np.testing.assert_allclose(top_cell_agreement(maps), [0.5])


def test_metrics_reject_bad_input():
    with pytest.raises(DataError, match="n_variants"):
        mean_pairwise_spearman(np.zeros((3, 4)))
    with pytest.raises(DataError, match="2 or more"):
        mean_pairwise_spearman(np.zeros((1, 3, 4)))


# -- study and command -------------------------------------------------------------------
def test_generic_path_on_another_model():
    from attnscope.run._consistency import run_consistency
    from attnscope.sim import simulate_expression

    data = simulate_expression(120, n_genes=40, n_pathways=4, pathway_size=(5, 10))
    res = run_consistency(
        data,
        model="mlp",
        n_variants=2,
        methods=("ixg", "ig"),
        params={"epochs": 2, "hidden": (8,)},
        top_k=5,
        ig_steps=4,
        time_standalone=False,
    )
    assert res["path"] == "generic" and res["methods"] == [
        "input_x_gradient",
        "integrated_gradients",
    ]
    assert res["per_sample"]["integrated_gradients"]["spearman"].shape == (res["split"]["n_test"],)
    assert len(res["predictive"]["auroc"]) == 2
    # the seed ensemble: sklearn's AUROC of the variants' mean probability (and no variant's)
    from sklearn.metrics import roc_auc_score

    proba = res["proba"]
    assert proba.shape == (2, res["split"]["n_test"], 2)
    assert np.allclose(proba.sum(-1), 1.0, atol=1e-5)
    from attnscope.data import train_val_test_split

    sp = res["split"]
    te = train_val_test_split(
        data.y, val_size=sp["val_size"], test_size=sp["test_size"], random_state=sp["split_seed"]
    )[2]
    y_test = data.y[te]
    for i in range(2):
        assert np.isclose(roc_auc_score(y_test, proba[i, :, 1]), res["predictive"]["auroc"][i])
    expected = roc_auc_score(y_test, proba.mean(0)[:, 1])
    assert np.isclose(res["predictive"]["ensemble_auroc"], expected)


def test_cli_consistency_on_simulated_series(tmp_path, tiny_ts):
    from attnscope.cli import run
    from attnscope.io import write_dataset

    path = write_dataset(tiny_ts, tmp_path / "ts.npz")
    out = tmp_path / "study"
    args = [
        "consistency", str(path), "--out", str(out), "--seeds", "3", "--top-k", "5",
        "--n-explain", "12", "--ig-steps", "4",
        "--set", "epochs=2", "--set", "hidden=6", "--set", "attention_dim=4",
    ]  # fmt: skip
    assert run(args) == 0
    summary = json.loads((out / "consistency.json").read_text())
    assert summary["n_variants"] == 3 and summary["path"] == "batched"
    assert set(summary["summary"]) == {"attention", "input_x_gradient", "integrated_gradients"}
    assert summary["split"]["normalised_on_train"] is True
    assert summary["timing"]["standalone_seconds"] > 0
    lines = (out / "per_sample.tsv").read_text().splitlines()
    assert len(lines) == 13 and lines[0].startswith("sample_id\ttarget\tattention.spearman")
    assert (out / "plots" / "overview.png").stat().st_size > 0
    assert run(args) == 2  # exists without --force
    # the report of the study folder draws it interactively, not as the PNGs
    from attnscope.report import build_report

    html = build_report(out)
    section = html[html.index('<section id="consistency"') :]
    section = section[: section.index("</section>")]
    assert section.count('class="plotly-graph-div"') == 1 + 3 + 1  # violins, 3 spreads, AUROC
    assert "3 variants of attn_lstm differing only in their random seed" in section
    ensemble = summary["predictive"]["ensemble_auroc"]
    assert f"(a seed ensemble): {ensemble:.3f}" in section and "proba" not in summary
    assert "overview.png" not in html and 'id="notes"' not in html
    mean = summary["summary"]["attention"]["spearman"]["mean"]
    assert f'data-v="{float(mean)!r}"' in section  # the summary table's first cell


def test_batched_path_equals_each_member_through_the_registry(tiny_ts):
    """The members-folded spec gives every member exactly its standalone attributions."""
    from attnscope.estimators import AttnLSTMClassifier
    from attnscope.explain import attribute
    from attnscope.run._batched import _ensemble_attributions

    data = tiny_ts.subset(np.arange(6))
    template = AttnLSTMClassifier(hidden=8, attention_dim=4)
    members = template.build_members(data, [3, 4, 5]).eval()
    target = np.array([0, 1, 1, 0, 1, 0])
    methods = ["attention", "input_x_gradient", "integrated_gradients"]
    maps, _ = _ensemble_attributions(
        template, members, data, target, methods, ig_steps=8, chunk=4, random_state=0
    )
    for i in range(3):
        single = AttnLSTMClassifier(hidden=8, attention_dim=4)
        single.classes_ = np.asarray(data.class_names)
        single.spec_ = template._module_spec(data)
        single.module_ = members.member(i)
        for name in methods:
            options = {"n_steps": 8} if name == "integrated_gradients" else {}
            if name == "attention":
                options["level"] = "cell"
            ref = attribute(single, data, method=name, target=target, **options).values
            assert np.allclose(maps[name][i], ref, atol=1e-5), (i, name)
