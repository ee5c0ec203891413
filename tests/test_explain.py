"""Attribution methods on toy models whose attributions are known analytically."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec, auto_batch_size, bytes_per_row, reused_probes
from attnscope.data import SequenceDataset, TabularDataset
from attnscope.errors import ConfigError
from attnscope.estimators import BaseClassifier
from attnscope.explain import (
    METHODS,
    Attribution,
    attribute,
    feature_groups,
    feature_importance,
    per_class,
    per_group,
    per_snp_carriers,
)
from attnscope.models import ModelOutput, one_hot_dna

N_FEATURES = 6


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models run fastest on one thread (no OpenMP hand-offs on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# -- toy estimators ----------------------------------------------------------------------
class _Net(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: Tensor) -> ModelOutput:
        return ModelOutput(logits=self.body(x))


class ToyTabular(BaseClassifier):
    """A fixed network on a table; removed features (and the baseline) are 0."""

    name: ClassVar[str] = "toy_tabular"
    dataset_type = TabularDataset

    def __init__(self, body: nn.Module | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.body = body
        if body is not None:
            self.module_ = _Net(body).eval()
            self.classes_ = np.array(["a", "b"])

    def attribution_spec(self, data: Any) -> AttributionSpec:
        x = torch.as_tensor(data.X)
        module = self.module_

        def forward(inp: Tensor) -> Tensor:
            return module(inp).logits

        return AttributionSpec(
            inputs=(x,),
            forward=forward,
            baselines=(torch.zeros(1, x.shape[1]),),
            to_features=lambda a: a[0].detach().numpy(),
            raw_inputs=(x,),
            raw_forward=forward,
            remove=lambda raw, mask: (torch.where(mask, 0.0, raw[0]),),
            feature_names=data.feature_names,
        )


def linear_body(seed: int = 0) -> nn.Linear:
    g = torch.Generator().manual_seed(seed)
    lin = nn.Linear(N_FEATURES, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(2, N_FEATURES, generator=g))
        lin.bias.copy_(torch.randn(2, generator=g))
    return lin


def relu_body(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(N_FEATURES, 8), nn.ReLU(), nn.Linear(8, 2))


def table(n: int = 12, seed: int = 0) -> TabularDataset:
    rng = np.random.default_rng(seed)
    return TabularDataset(
        labels=np.arange(n) % 2,
        sample_ids=np.arange(n).astype(str),
        class_names=["a", "b"],
        truth=None,
        meta={},
        X=rng.normal(size=(n, N_FEATURES)).astype(np.float32),
        feature_names=np.array([f"g{j}" for j in range(N_FEATURES)]),
    )


class ToyDNA(BaseClassifier):
    """A linear model on one-hot DNA: logit_c = sum_p W[c, base_p, p]."""

    name: ClassVar[str] = "toy_dna"
    dataset_type = SequenceDataset

    def __init__(self, length: int = 12, **kw: Any) -> None:
        super().__init__(**kw)
        self.length = length
        g = torch.Generator().manual_seed(3)
        self.weight = torch.randn(2, 4, length, generator=g)
        lin = nn.Linear(4 * length, 2)
        with torch.no_grad():
            lin.weight.copy_(self.weight.reshape(2, -1))
            lin.bias.zero_()
        self.module_ = _Net(nn.Sequential(nn.Flatten(), lin)).eval()
        self.classes_ = np.array(["a", "b"])

    def attribution_spec(self, data: Any) -> AttributionSpec:
        x = one_hot_dna(torch.as_tensor(data.tokens))
        module = self.module_

        def forward(inp: Tensor) -> Tensor:
            return module(inp).logits

        return AttributionSpec(
            inputs=(x,),
            forward=forward,
            baselines=(torch.zeros(1, *x.shape[1:]),),
            to_features=lambda a: a[0].sum(dim=1).detach().numpy(),
            raw_inputs=(x,),
            raw_forward=forward,
            remove=lambda raw, mask: (raw[0] * (~mask).unsqueeze(1).float(),),
            meta={"one_hot": True},
        )


def dna(n: int = 5, length: int = 12) -> SequenceDataset:
    rng = np.random.default_rng(0)
    return SequenceDataset(
        labels=np.arange(n) % 2,
        sample_ids=np.arange(n).astype(str),
        class_names=["a", "b"],
        truth=None,
        meta={},
        tokens=rng.integers(1, 5, size=(n, length)).astype(np.uint8),
    )


class _TokenNet(nn.Module):
    """Embedding, attention pooling over positions, linear head."""

    def __init__(self, vocab: int = 6, dim: int = 4) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.score = nn.Linear(dim, 1)
        self.head = nn.Linear(dim, 2)

    def from_embeddings(self, e: Tensor) -> tuple[Tensor, Tensor]:
        w = torch.softmax(self.score(e).squeeze(-1), dim=1)
        return self.head((w.unsqueeze(-1) * e).sum(1)), w

    def forward(self, ids: Tensor) -> ModelOutput:
        logits, w = self.from_embeddings(self.embed(ids))
        return ModelOutput(logits=logits, attention={"position": w})


class ToyTokens(BaseClassifier):
    """A token model exposing its embedding layer and its attention."""

    name: ClassVar[str] = "toy_tokens"
    dataset_type = SequenceDataset

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.module_ = _TokenNet().eval()
        self.classes_ = np.array(["a", "b"])

    def attribution_spec(self, data: Any) -> AttributionSpec:
        ids = torch.as_tensor(data.tokens).long()
        net = self.module_
        emb = net.embed(ids).detach()

        def raw_forward(t: Tensor) -> Tensor:
            return net(t).logits

        return AttributionSpec(
            inputs=(emb,),
            forward=lambda e: net.from_embeddings(e)[0],
            baselines=(torch.zeros(1, *emb.shape[1:]),),
            to_features=lambda a: a[0].sum(-1).detach().numpy(),
            raw_inputs=(ids,),
            raw_forward=raw_forward,
            remove=lambda raw, mask: (torch.where(mask, 0, raw[0]),),
            layer=net.embed,
            layer_inputs=(ids,),
            layer_forward=raw_forward,
            attention=lambda t: net(t).attention,
        )


# -- analytic values ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def linear() -> tuple[ToyTabular, TabularDataset, np.ndarray]:
    body = linear_body()
    return ToyTabular(body), table(), body.weight.detach().numpy()


def _w_target(w: np.ndarray, target: np.ndarray) -> np.ndarray:
    return w[target]  # (n, F): each sample's target-class weights


@pytest.mark.parametrize(
    "method, options",
    [
        ("integrated_gradients", {}),
        ("ig", {"n_steps": 8}),
        ("input_x_gradient", {}),
        ("deeplift", {}),
        ("feature_ablation", {}),
        ("occlusion", {"window": 1}),
        ("kernel_shap", {"n_samples": 200}),
    ],
)
def test_linear_model_attribution_is_input_times_weight(linear, method, options):
    est, data, w = linear
    attr = attribute(est, data, method=method, **options)
    expected = data.X * _w_target(w, attr.target)
    np.testing.assert_allclose(attr.values, expected, rtol=1e-3, atol=1e-3)
    assert attr.values.shape == (len(data), N_FEATURES)
    assert attr.sample_ids is not None and list(attr.sample_ids) == list(data.sample_ids)


def test_ig_uses_the_given_baseline(linear):
    est, data, w = linear
    attr = attribute(est, data, method="ig", baselines=0.5)
    np.testing.assert_allclose(attr.values, (data.X - 0.5) * w[attr.target], rtol=1e-4, atol=1e-4)


def test_saliency_of_linear_model_is_abs_weight(linear):
    est, data, w = linear
    attr = attribute(est, data, method="saliency", target=1)
    np.testing.assert_allclose(
        attr.values, np.broadcast_to(np.abs(w[1]), attr.values.shape), rtol=1e-6
    )
    sg = attribute(est, data, method="smoothgrad", target=1)  # gradient constant under noise
    np.testing.assert_allclose(sg.values, attr.values, rtol=1e-5)
    vg = attribute(est, data, method="vargrad", target=1)
    np.testing.assert_allclose(vg.values, 0.0, atol=1e-6)


def test_lime_recovers_the_linear_ranking(linear):
    est, data, w = linear
    attr = attribute(est, data, method="lime", n_samples=300, alpha=1e-4)
    expected = data.X * w[attr.target]
    corr = np.corrcoef(attr.values.ravel(), expected.ravel())[0, 1]
    assert corr > 0.9


@pytest.mark.parametrize("method", ["lime", "kernel_shap"])
def test_surrogates_follow_random_state(linear, method):
    est, data, _ = linear
    sub = data.subset(np.arange(4))
    runs = [attribute(est, sub, method=method, n_samples=40, random_state=s) for s in (1, 1, 2)]
    np.testing.assert_array_equal(runs[0].values, runs[1].values)
    assert not np.array_equal(runs[0].values, runs[2].values)


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift", "deeplift_shap"])
def test_completeness_on_relu_network(method):
    est, data = ToyTabular(relu_body()), table(seed=1)
    options = {"deeplift_shap": {"n_baselines": 4}, "integrated_gradients": {"n_steps": 150}}
    attr = attribute(est, data, method=method, **options.get(method, {}))
    spec = est.attribution_spec(data)
    with torch.no_grad():
        fx = spec.forward(spec.inputs[0]).numpy()[np.arange(len(data)), attr.target]
        if method == "deeplift_shap":  # the references are random data rows
            assert attr.meta["convergence_delta_max"] < 1e-3
            return
        fb = spec.forward(spec.baselines[0]).numpy()[0, attr.target]
    np.testing.assert_allclose(attr.values.sum(axis=1), fx - fb, atol=2e-3)
    assert attr.meta["convergence_delta_max"] < 2e-3


def test_gradient_shap_matches_ig_in_expectation_on_linear(linear):
    est, data, w = linear
    attr = attribute(est, data, method="gradient_shap", n_samples=50, n_baselines=12)
    assert attr.values.shape == data.X.shape
    # For a linear model GradientShap = (x - E[reference]) * w, with references drawn from
    # the data: the attribution sums match f(x) - E f(reference) up to sampling.
    corr = np.corrcoef(attr.values.ravel(), (data.X * w[attr.target]).ravel())[0, 1]
    assert corr > 0.8


def test_ism_matches_weight_differences():
    est, data = ToyDNA(), dna()
    attr = attribute(est, data, method="ism", batch_size=7)  # odd size: exercises blocks
    w = est.weight.numpy()  # (class, base, position)
    ref = data.tokens.astype(int) - 1  # base index per position
    pos = np.arange(data.length)
    for i, t in enumerate(attr.target):
        wr = w[t][ref[i], pos]
        expected = (3 * wr - (w[t].sum(axis=0) - wr)) / 3  # mean over the three alternatives
        np.testing.assert_allclose(attr.values[i], expected, rtol=1e-4, atol=1e-5)
    mx = attribute(est, data, method="ism", reduce="max_abs")
    assert (mx.values >= np.abs(attr.values) - 1e-6).all()


def test_token_model_attention_and_layer_ig():
    est, data = ToyTokens(), dna(n=6, length=9)
    att = attribute(est, data, method="attention")
    assert att.values.shape == (6, 9) and att.meta["level"] == "position"
    np.testing.assert_allclose(att.values.sum(axis=1), 1.0, rtol=1e-5)
    lig = attribute(est, data, method="lig", n_steps=64)
    spec = est.attribution_spec(data)
    with torch.no_grad():
        fx = spec.raw_forward(spec.raw_inputs[0])[np.arange(6), lig.target]
        fb = spec.raw_forward(torch.zeros_like(spec.raw_inputs[0]))[np.arange(6), lig.target]
    np.testing.assert_allclose(lig.values.sum(axis=1), (fx - fb).numpy(), atol=5e-3)
    np.testing.assert_allclose(lig.base_values, fb.numpy(), rtol=1e-5)  # the pad reference
    # Perturbation methods work through spec.remove on token ids, too.
    ab = attribute(est, data, method="feature_ablation")
    assert ab.values.shape == (6, 9) and np.isfinite(ab.values).all()


def test_every_registered_method_runs_on_a_relu_table():
    est, data = ToyTabular(relu_body()), table(n=6)
    for method in METHODS:
        try:
            attr = attribute(est, data, method=method, random_state=1)
        except ConfigError as exc:  # the model has no attention / embedding / one-hot DNA
            assert method in (
                "attention",
                "layer_integrated_gradients",
                "ism",
                "hypothetical_contributions",
            ), exc
            continue
        assert attr.values.shape == (6, N_FEATURES), method
        assert np.isfinite(attr.values).all(), method
        assert attr.method == method and attr.seconds >= 0


def test_random_is_seeded(linear):
    est, data, _ = linear
    a = attribute(est, data, method="random", random_state=3).values
    b = attribute(est, data, method="random", random_state=3).values
    c = attribute(est, data, method="random", random_state=4).values
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_errors_name_the_fix(linear):
    est, data, _ = linear
    with pytest.raises(ConfigError, match="unknown attribution method"):
        attribute(est, data, method="nope")
    with pytest.raises(ConfigError, match="no attention"):
        attribute(est, data, method="attention")
    with pytest.raises(ConfigError, match="embedding layer"):
        attribute(est, data, method="lig")
    with pytest.raises(ConfigError, match="one-hot DNA"):
        attribute(est, data, method="ism")
    relu = nn.ReLU()
    shared = ToyTabular(
        nn.Sequential(nn.Linear(N_FEATURES, 8), relu, nn.Linear(8, 8), relu, nn.Linear(8, 2))
    )
    with pytest.raises(ConfigError, match="more than once"):
        attribute(shared, data, method="deeplift")
    for method in ("saliency", "integrated_gradients", "feature_ablation", "lime"):
        with pytest.raises(ConfigError, match="batch_size must be a positive integer, got 0"):
            attribute(est, data, method=method, batch_size=0)


@pytest.mark.parametrize(("make", "method"), [(ToyDNA, "ism"), (ToyTokens, "lig")])
@pytest.mark.parametrize("batch_size", [0, -1])
def test_ism_and_lig_refuse_a_batch_size_below_one(make, method, batch_size):
    """They counted their rows by hand and ran with 0 or -1 rows per pass."""
    with pytest.raises(ConfigError, match="batch_size must be a positive integer"):
        attribute(make(), dna(), method=method, batch_size=batch_size)


# -- memory-aware chunking -----------------------------------------------------------------
def test_auto_batch_size_follows_the_budget(linear):
    est, data, _ = linear
    spec = est.attribution_spec(data)
    per_row = bytes_per_row(spec.forward, spec.inputs)
    assert per_row >= 4 * N_FEATURES
    big = auto_batch_size(spec.forward, spec.inputs, memory_budget=1 << 30, max_rows=10**9)
    small = auto_batch_size(spec.forward, spec.inputs, memory_budget=3 * per_row)
    assert small == 3 and big > small
    wide = torch.zeros(2, 100 * N_FEATURES)
    assert bytes_per_row(lambda x: x.sum(1, keepdim=True), (wide,)) > per_row


def test_reused_probes_probe_a_forward_once_per_input_shape():
    calls = []

    def make_forward():  # a new closure of the same code each time, as a rebuilt spec has
        def forward(x):
            calls.append(len(x))
            return x.sum(1, keepdim=True)

        return forward

    x, wide = torch.zeros(4, 8), torch.zeros(4, 16)
    outside = bytes_per_row(make_forward(), (x,))
    with reused_probes():
        first = bytes_per_row(make_forward(), (x,))
        again = bytes_per_row(make_forward(), (x,))
        other = bytes_per_row(make_forward(), (wide,))  # another shape: probed anew
        grad_free = bytes_per_row(make_forward(), (x,), grad=False)
    assert outside == first == again and other > first and grad_free < first
    assert len(calls) == 4  # outside, first, wide, grad-free; the repeat was not probed
    bytes_per_row(make_forward(), (x,))
    assert len(calls) == 5  # the block's memory ends with it


def test_tiny_budget_gives_the_same_ig(linear):
    est, data = ToyTabular(relu_body()), table()
    a = attribute(est, data, method="ig", n_steps=16).values
    b = attribute(est, data, method="ig", n_steps=16, memory_budget=2000).values
    c = attribute(est, data, method="ig", n_steps=16, batch_size=5).values
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError):
        attribute(est, data, method="ig", memory_budget=-1)


# -- groups and aggregations ---------------------------------------------------------------
def test_group_ablation_gives_each_member_the_group_effect(linear):
    est, data, w = linear
    sets = {"s1": ["g0", "g1"], "s2": ["g4"]}
    attr = attribute(est, data, method="feature_ablation", groups=sets)
    contrib = data.X * w[attr.target]
    np.testing.assert_allclose(attr.values[:, 0], contrib[:, :2].sum(1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(attr.values[:, 1], attr.values[:, 0])
    np.testing.assert_allclose(attr.values[:, 2], contrib[:, 2], rtol=1e-4, atol=1e-5)
    ids, names = feature_groups((6,), window=4)
    assert ids.tolist() == [0, 0, 0, 0, 1, 1] and names == ["0-3", "4-5"]
    with pytest.raises(ConfigError, match="overlap"):
        feature_groups((6,), groups={"a": [0, 1], "b": [1, 2]})


def _attr(values: np.ndarray, target: np.ndarray | None = None) -> Attribution:
    values = np.asarray(values, dtype=float)
    t = np.zeros(len(values), int) if target is None else target
    return Attribution(values=values, method="x", target=t, feature_names=np.array(["a", "b", "c"]))


def test_aggregations_by_hand():
    a = _attr([[1.0, -2.0, 0.0], [-3.0, 2.0, 1.0]], target=np.array([0, 1]))
    np.testing.assert_allclose(feature_importance(a), [2.0, 2.0, 0.5])
    np.testing.assert_allclose(feature_importance(a, how="mean"), [-1.0, 0.0, 0.5])
    pc = per_class(a)
    np.testing.assert_allclose(pc[1], [3.0, 2.0, 1.0])
    g = per_group(a, {"ab": ["a", "b"], "bc": ["b", "c"]})
    np.testing.assert_allclose(g.values, [[3.0, 2.0], [5.0, 3.0]])
    assert g.names == ["ab", "bc"] and g.sizes.tolist() == [2, 2]
    chrom = per_group(a, np.array(["1", "2", "1"]), statistic="mean")
    np.testing.assert_allclose(chrom.values, [[0.5, 2.0], [2.0, 2.0]])
    carriers = per_snp_carriers(a, np.array([[0, 1, 0], [2, 1, 0]]))
    np.testing.assert_allclose(carriers[:2], [3.0, 2.0])
    assert np.isnan(carriers[2])


def test_attribution_round_trip(tmp_path, linear):
    est, data, _ = linear
    attr = attribute(est, data, method="ig", n_steps=8)
    back = Attribution.load(attr.save(tmp_path / "ig.npz"))
    np.testing.assert_array_equal(back.values, attr.values)
    assert back.method == "integrated_gradients" and "convergence_delta_max" in back.meta


# -- command line --------------------------------------------------------------------------
def test_cli_explain_and_trust(tmp_path, small_dna, capsys):
    import json

    from attnscope.cli import run
    from attnscope.io import write_dataset
    from attnscope.run import fit_run

    run_dir = tmp_path / "run"
    params = {"epochs": 1, "n_filters": 4, "kernel_size": 5, "val_size": 0.0}
    fit_run(small_dna, model="cnn", out=run_dir, params=params, test_size=0.0)
    data = write_dataset(small_dna.subset(np.arange(30)), tmp_path / "data.npz")
    # every sample trained this run (test size 0): scoring them must be asked for
    args = ["explain", str(run_dir), str(data), "--method", "ig", "--n-samples", "10"]
    assert run(args) == 2 and "--all-samples" in capsys.readouterr().err
    args.append("--all-samples")
    assert run(args) == 0, capsys.readouterr().err
    back = Attribution.load(run_dir / "attributions" / "integrated_gradients.npz")
    assert back.values.shape == (10, small_dna.length)
    assert "top features" in capsys.readouterr().out
    assert run(args) == 2 and "--force" in capsys.readouterr().err
    assert run(["explain", str(run_dir), str(data), "--method", "nope"]) == 2
    trust = ["trust", str(run_dir), str(data), "--methods", "random,saliency", "--n-samples", "12"]
    trust.append("--all-samples")
    assert run(trust) == 0, capsys.readouterr().err
    rows = json.loads((run_dir / "trust.json").read_text())["rows"]
    assert [r["method"] for r in rows] == ["random", "saliency"]
    assert "explanation trust" in capsys.readouterr().out


class _Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(1, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out[:, -1])


def test_architectures_without_gradient_or_deeplift_rules_get_clear_errors():
    from dataclasses import replace

    data = dna(n=4, length=9)

    class IdsOnly(ToyTokens):
        """A spec whose attribution inputs are the token ids themselves."""

        def attribution_spec(self, data: Any) -> AttributionSpec:
            spec = super().attribution_spec(data)
            return replace(spec, inputs=spec.raw_inputs, forward=spec.raw_forward)

    est = IdsOnly()
    with pytest.raises(ConfigError, match="token ids"):
        attribute(est, data, method="saliency")
    with pytest.raises(ConfigError, match="token ids"):
        attribute(est, data, method="deeplift")
    assert attribute(est, data, method="occlusion", window=3).values.shape == (4, 9)
    with pytest.raises(ConfigError, match="recurrent"):
        attribute(ToyTabular(_Recurrent()), table(n=4), method="deeplift")


def test_targets_by_name_and_bad_targets_or_options_are_config_errors(linear):
    est, data, _ = linear
    by_index = attribute(est, data, method="saliency", target=1)
    name = str(est.classes_[1])
    np.testing.assert_array_equal(
        attribute(est, data, method="saliency", target=name).values, by_index.values
    )
    for bad, match in (
        (5, "not a class index"),
        (-1, "not a class index"),
        (np.zeros(3, int), "one per sample"),
        ("nope", "not a class"),
    ):
        with pytest.raises(ConfigError, match=match):
            attribute(est, data, method="saliency", target=bad)
    with pytest.raises(ConfigError, match="no option 'n_stepz'"):
        attribute(est, data, method="ig", n_stepz=3)
