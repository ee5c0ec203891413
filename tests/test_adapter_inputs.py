"""A user's module of several inputs, ``net(rna, methylation)``, through wrap_module."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from attnscope.data import MultiOmicsDataset
from attnscope.errors import ConfigError, DataError
from attnscope.explain import attribute, infer_kind, wrap_module
from attnscope.trust import deletion_curve, trust_table

N = 30


class TwoOmicsNet(nn.Module):
    """Two tables, one encoder each, summed into one head."""

    def __init__(self, n_rna: int = 5, n_meth: int = 3) -> None:
        super().__init__()
        self.rna = nn.Linear(n_rna, 4)
        self.meth = nn.Linear(n_meth, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, rna: torch.Tensor, meth: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.rna(rna) + self.meth(meth)))


def _data() -> tuple[TwoOmicsNet, np.ndarray, np.ndarray, np.ndarray]:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    rna = rng.normal(size=(N, 5)).astype(np.float32)
    meth = rng.normal(size=(N, 3)).astype(np.float32)
    return TwoOmicsNet(), rna, meth, np.arange(N) % 2


def test_several_inputs_equal_captum_on_the_tuple_of_tensors() -> None:
    from captum.attr import IntegratedGradients

    net, rna, meth, _ = _data()
    model = wrap_module(net, kind="table")
    attr = attribute(model, {"rna": rna, "meth": meth}, method="integrated_gradients", n_steps=16)
    inputs = (torch.as_tensor(rna), torch.as_tensor(meth))
    ref = IntegratedGradients(net).attribute(
        inputs,
        baselines=(torch.zeros(1, 5), torch.zeros(1, 3)),
        target=torch.as_tensor(attr.target),
        n_steps=16,
        method="gausslegendre",
    )
    want = torch.cat([r.detach() for r in ref], dim=1).numpy()
    np.testing.assert_allclose(attr.values, want, atol=1e-6)
    assert list(attr.feature_names[:2]) == ["rna:0", "rna:1"]
    assert list(attr.feature_names[-1:]) == ["meth:2"]
    # a tuple is taken in the forward's order (captum's convention; a list is rows)
    listed = attribute(model, (rna, meth), method="integrated_gradients", n_steps=16)
    np.testing.assert_allclose(listed.values, attr.values, atol=1e-7)
    assert infer_kind((rna, meth)) == "table"
    # a plain module is wrapped by its data's kind, several tables included
    plain = attribute(net, {"rna": rna, "meth": meth}, method="integrated_gradients", n_steps=16)
    np.testing.assert_allclose(plain.values, attr.values, atol=1e-7)


def test_multiomics_dataset_names_and_predictions() -> None:
    net, rna, meth, y = _data()
    data = MultiOmicsDataset(
        labels=y,
        sample_ids=np.array([f"p{i}" for i in range(N)]),
        class_names=["a", "b"],
        truth=None,
        meta={},
        omics={"rna": rna, "meth": meth},
        feature_names={"rna": np.array(list("ABCDE")), "meth": np.array(["m1", "m2", "m3"])},
    )
    model = wrap_module(net, kind="table", classes=["a", "b"])
    attr = attribute(model, data, method="saliency")
    assert attr.feature_names.tolist() == [f"rna:{g}" for g in "ABCDE"] + [
        "meth:m1",
        "meth:m2",
        "meth:m3",
    ]
    with torch.no_grad():
        want = torch.softmax(net(torch.as_tensor(rna), torch.as_tensor(meth)), 1).numpy()
    np.testing.assert_allclose(model.predict_proba(data), want, rtol=1e-6)
    assert model.as_dataset(data).y.tolist() == y.tolist()
    # the concatenated matrix is read with the layout the model was first given
    np.testing.assert_allclose(model.predict_proba(np.hstack([rna, meth])), want, rtol=1e-6)


def test_removed_features_of_each_input_take_its_own_baseline() -> None:
    """A deletion step removes features of both tables, each to its own baseline value."""
    net, rna, meth, _ = _data()
    baseline = np.r_[np.full(5, 1.0), np.full(3, -2.0)].astype(np.float32)
    model = wrap_module(net, kind="table", baseline=baseline)
    data = model.as_dataset({"rna": rna, "meth": meth})
    spec = model.attribution_spec(data)
    mask = torch.zeros(N, 8, dtype=torch.bool)
    mask[:, [0, 6]] = True
    r, m = spec.remove(spec.raw_inputs, mask)
    assert (r[:, 0] == 1.0).all() and (m[:, 1] == -2.0).all()
    assert torch.equal(r[:, 1:], torch.as_tensor(rna[:, 1:])) and torch.equal(
        m[:, 0], torch.as_tensor(meth[:, 0])
    )
    curve = deletion_curve(model, data, attribute(model, data, method="saliency"))
    assert np.ptp(curve.scores) > 0  # removing features moves the prediction


def test_trust_table_and_retraining_a_clone() -> None:
    """Every method and metric of the table runs on two inputs; the module is untouched."""
    net, rna, meth, y = _data()
    model = wrap_module(net, kind="table", epochs=1)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rows = trust_table(
        model,
        {"rna": rna, "meth": meth},
        y,
        n_samples=N,
        sanity_samples=8,
        stability_samples=4,
        label_epochs=1,
        method_options={"lime": {"n_samples": 20}, "kernel_shap": {"n_samples": 20}},
    )
    by = {r["method"]: r for r in rows}
    table_methods = {"saliency", "integrated_gradients", "deeplift", "occlusion", "kernel_shap"}
    for name in table_methods:
        assert by[name]["status"] == "ok", (name, by[name]["status"])
        for col in ("deletion_auc", "insertion_auc", "sanity_corr", "label_corr"):
            assert np.isfinite(by[name][col]), (name, col)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    copy = clone(model).fit({"rna": rna, "meth": meth}, y)
    assert copy.input_blocks_ == [("rna", 5), ("meth", 3)]
    assert copy.predict_proba({"rna": rna, "meth": meth}).shape == (N, 2)


def test_several_inputs_errors() -> None:
    net, rna, meth, _ = _data()
    model = wrap_module(net, kind="table")
    with pytest.raises(DataError, match="different numbers of samples"):
        model.as_dataset({"rna": rna, "meth": meth[:-1]})
    with pytest.raises(DataError, match="must each be a table"):
        model.as_dataset({"rna": rna, "meth": meth[:, :, None]})
    model.as_dataset({"rna": rna, "meth": meth})
    with pytest.raises(DataError, match="same inputs"):
        model.as_dataset({"b": meth, "a": rna})
    with pytest.raises(DataError, match="features"):
        model.predict_proba(np.hstack([rna, meth, meth]))
    with pytest.raises(ConfigError, match="kind='table'"):
        wrap_module(net, kind="timeseries").as_dataset({"rna": rna, "meth": meth})


def test_dict_keys_follow_the_forward_arguments_and_a_failed_call_keeps_no_layout() -> None:
    """Keys naming the forward's arguments are put in its order (not paired by position);
    a first call that fails in the module leaves no layout behind; a list is rows."""
    net, rna, meth, _ = _data()
    with torch.no_grad():
        want = torch.softmax(net(torch.as_tensor(rna), torch.as_tensor(meth)), 1).numpy()
    model = wrap_module(net, kind="table")
    with pytest.raises(DataError):  # widths 5 and 3 given to the wrong arguments
        model.predict_proba({"a": meth, "b": rna})
    assert not hasattr(model, "input_blocks_")
    got = model.predict_proba({"meth": meth, "rna": rna})  # the forward's names, other order
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert model.input_blocks_ == [("rna", 5), ("meth", 3)]
    attr = attribute(model, {"meth": meth, "rna": rna}, method="saliency")
    assert attr.feature_names[0] == "rna:0" and attr.feature_names[-1] == "meth:2"
    # a tuple first (unnamed), then the names: adopted
    other = wrap_module(TwoOmicsNet(), kind="table")
    other.predict_proba((rna, meth))
    other.predict_proba({"rna": rna, "meth": meth})
    assert other.input_blocks_ == [("rna", 5), ("meth", 3)]
    # a list of per-sample rows is one table, as before
    single = wrap_module(nn.Linear(5, 2), kind="table")
    np.testing.assert_allclose(single.predict_proba(list(rna)), single.predict_proba(rna))


def test_an_unknown_kind_is_named_when_wrapping() -> None:
    """kind='images' was accepted by wrap_module and refused only at the first explanation."""
    with pytest.raises(ConfigError, match=r"kind must be one of .*got 'images'"):
        wrap_module(torch.nn.Linear(3, 2), kind="images")
    with pytest.raises(ConfigError, match="kind='tokens' needs the embedding layer"):
        wrap_module(torch.nn.Linear(3, 2), kind="tokens")
