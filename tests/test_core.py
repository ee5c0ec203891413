"""The core contract: devices, the batched runner, seeding and autocast."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from attnscope.core import (
    AttributionSpec,
    autocast,
    batched_forward,
    logits_of,
    module_device,
    placed,
    resolve_device,
    seeded,
)
from attnscope.errors import ConfigError

CUDA = torch.cuda.is_available()


def test_resolve_device_names_and_refusals() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ConfigError, match="unknown device 'gpu'"):
        resolve_device("gpu")
    if not CUDA:
        with pytest.raises(ConfigError, match="no CUDA"):
            resolve_device("cuda:1")
    else:
        with pytest.raises(ConfigError, match="CUDA device"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")


def test_unavailable_device_is_a_config_error_at_fit() -> None:
    from attnscope.estimators import MLPClassifier

    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    y = np.arange(20) % 2
    if CUDA:
        pytest.skip("this machine has CUDA: the refusal cannot be shown")
    with pytest.raises(ConfigError, match="not available"):
        MLPClassifier(epochs=1, device="cuda").fit(x, y)


def test_seeded_restores_the_global_state() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with seeded(7):
        inside = torch.rand(3)
    after = torch.rand(3)
    with seeded(7):
        again = torch.rand(3)
    assert torch.equal(inside, again) and torch.equal(after, expected)


def test_placed_moves_and_returns_home() -> None:
    net = nn.Linear(2, 2)
    with placed(net, None) as dev:
        assert dev == torch.device("cpu")
    with placed(net, "cpu") as dev:
        assert module_device(net) == dev
    if CUDA:
        with placed(net, "cuda") as dev:
            assert module_device(net).type == "cuda"
        assert module_device(net).type == "cpu"


def test_batched_forward_members_and_logits() -> None:
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    x = torch.randn(10, 4)
    whole = batched_forward(net, (x,), batch_size=3)
    assert torch.allclose(whole, net(x), atol=1e-6)

    class Members(nn.Module):  # member axis first: (M, B, F) -> (M, B, C)
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(2, 4, 3))

        def forward(self, v: torch.Tensor) -> tuple[torch.Tensor]:
            return (torch.einsum("mbf,mfc->mbc", v, self.w),)

    members = Members()
    out = batched_forward(members, (x,), batch_size=4, members=2)
    assert out.shape == (2, 10, 3)
    assert torch.allclose(out[1], x @ members.w[1], atol=1e-5)
    with pytest.raises(ConfigError, match="logits"):
        logits_of({"a": 1})


def test_bf16_autocast_attribution_is_close_to_float32() -> None:
    from attnscope.explain import attribute

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
    x = np.random.default_rng(0).normal(size=(30, 6)).astype(np.float32)
    ref = attribute(net, x, method="input_x_gradient", target=1).values
    low = attribute(net, x, method="input_x_gradient", target=1, precision="bf16").values
    assert np.corrcoef(ref.ravel(), low.ravel())[0, 1] > 0.99
    with pytest.raises(ConfigError, match="precision"):
        with autocast("cpu", "fp8"):
            pass


def _identity_spec(x: torch.Tensor, **fields) -> AttributionSpec:
    """A spec whose input is also its raw input (one tensor in two places)."""
    return AttributionSpec(
        inputs=(x,),
        forward=lambda t, *_: t,
        baselines=(torch.zeros(1, x.shape[1]),),
        to_features=lambda a: a[0].numpy(),
        raw_inputs=(x,),
        raw_forward=lambda t: t,
        remove=lambda raw, mask: raw,
        **fields,
    )


def test_spec_to_keeps_shared_tensors_shared() -> None:
    x = torch.randn(4, 3)
    spec = _identity_spec(x)
    moved = spec.to("cpu")
    assert moved.inputs[0] is moved.raw_inputs[0] and moved.n_samples == 4


def test_spec_rows_keep_shared_tensors_shared_and_shared_baselines_whole() -> None:
    x = torch.randn(4, 3)
    spec = _identity_spec(
        x,
        additional_args=(torch.arange(4), 7),
        layer_baselines=(torch.ones(4, 3),),  # one per sample: indexed with them
    )
    part = spec.rows(np.array([3, 1]))
    assert part.inputs[0] is part.raw_inputs[0] and part.n_samples == 2
    torch.testing.assert_close(part.inputs[0], x[[3, 1]])
    assert part.baselines[0].shape == (1, 3)  # shared by the batch: kept
    assert part.additional_args[0].tolist() == [3, 1] and part.additional_args[1] == 7
    assert part.layer_baselines[0].shape == (2, 3)


@pytest.mark.parametrize(
    ("model", "methods"),
    [
        ("cnn", ["saliency", "occlusion"]),
        ("attngen", ["layer_integrated_gradients", "attention"]),
        ("attn_lstm", ["integrated_gradients"]),
        ("hemera", ["layer_integrated_gradients"]),
        ("fusion", ["integrated_gradients", "attention"]),
        ("hain", ["saliency", "attention"]),
    ],
)
def test_attributing_spec_rows_equals_those_rows_of_the_whole(model, methods) -> None:
    """What the sanity checks split by rank under torchrun: a block of a spec's rows is
    attributed as in the whole spec (one-hot, token + padding-mask and series inputs)."""
    from attnscope import sim
    from attnscope.estimators import make_estimator
    from attnscope.explain import attribute_spec

    params: dict = {"epochs": 1, "random_state": 0}
    if model == "attn_lstm":
        data = sim.simulate_timeseries(40, n_times=6, n_variables=3, window=(2, 5), random_state=0)
    elif model == "hemera":
        data = sim.simulate_phenotype(sim.simulate_genotypes(40, n_snps=30, random_state=0))
        params.update(dim=4, k=4, pretrain_epochs=0, min_epochs=0)
    elif model == "fusion":
        omics = {"rna": 12, "meth": 8}
        data = sim.simulate_multiomics(40, modalities=omics, informative={"rna": 3, "meth": 2})
    elif model == "hain":
        data = sim.simulate_expression(40, n_genes=60, n_pathways=4, random_state=0)
    else:
        data = sim.simulate_dna(40, length=30, random_state=0)
    est = make_estimator(model, params).fit(data)
    spec = est.attribution_spec(data)
    idx = np.array([5, 0, 17, 39])
    for method in methods:
        whole = attribute_spec(est, spec, method=method, random_state=0)
        part = attribute_spec(est, spec.rows(idx), method=method, random_state=0)
        np.testing.assert_allclose(part.values, whole.values[idx], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(part.target, whole.target[idx])
