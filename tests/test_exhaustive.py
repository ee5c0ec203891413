"""Batched feature ablation, occlusion and ISM equal the per-feature references on a CNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.errors import ConfigError
from attnscope.explain._core import METHODS

LENGTH = 23


@pytest.fixture(autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(4, 6, 5, padding=2)
        self.head = nn.Linear(6, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(torch.relu(self.conv(x)).amax(dim=2))


def _dna(n: int = 7, seed: int = 1) -> Tensor:
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n, LENGTH))].transpose(0, 2, 1)
    x[0, :, 4] = 0.0  # an N: no observed base, all four bases are alternatives
    return torch.as_tensor(np.ascontiguousarray(x))


def _spec(net: nn.Module, x: Tensor) -> AttributionSpec:
    return AttributionSpec(
        inputs=(x,),
        forward=net,
        baselines=(torch.zeros(1, 4, LENGTH),),
        to_features=lambda a: a[0].sum(1).detach().numpy(),
        raw_inputs=(x,),
        raw_forward=net,
        remove=lambda raw, mask: (torch.where(mask[:, None, :], 0.0, raw[0]),),
        meta={"one_hot": True},
    )


def _captum_presence(net: nn.Module, x: Tensor, target: np.ndarray, method: str, **kw):
    """The previous implementation: captum on the presence vector, one sample chunk."""
    from captum.attr import FeatureAblation, Occlusion

    def forward(z: Tensor, raw: Tensor) -> Tensor:
        return net(torch.where((z < 0.5)[:, None, :], 0.0, raw))

    cls = FeatureAblation if method == "feature_ablation" else Occlusion
    z = torch.ones(len(x), LENGTH)
    with torch.no_grad():
        return (
            cls(forward)
            .attribute(
                z, baselines=0.0, target=torch.as_tensor(target), additional_forward_args=(x,), **kw
            )
            .numpy()
        )


def _ism_reference(net: nn.Module, x: Tensor, target: np.ndarray, reduce: str) -> np.ndarray:
    """Every position x every base not observed, one variant at a time."""
    out = np.zeros((len(x), LENGTH))
    with torch.no_grad():
        for i in range(len(x)):
            ref = float(net(x[i : i + 1])[0, target[i]])
            for p in range(LENGTH):
                d = []
                for base in range(4):
                    if x[i, base, p] > 0.5:
                        continue
                    v = x[i : i + 1].clone()
                    v[0, :, p] = 0.0
                    v[0, base, p] = 1.0
                    d.append(ref - float(net(v)[0, target[i]]))
                d_arr = np.asarray(d)
                out[i, p] = {
                    "mean": d_arr.mean(),
                    "mean_abs": np.abs(d_arr).mean(),
                    "max_abs": np.abs(d_arr).max(),
                }[reduce]
    return out


@pytest.mark.parametrize("batch_size", [5, 64, 100_000])
@pytest.mark.parametrize("reduce", ["mean", "mean_abs", "max_abs"])
def test_ism_equals_one_variant_at_a_time(reduce, batch_size):
    net, x = SmallCNN().eval(), _dna()
    target = np.arange(len(x)) % 3
    values, meta = METHODS["ism"](None, _spec(net, x), target, reduce=reduce, batch_size=batch_size)
    assert meta == {"reduce": reduce} and values.shape == (len(x), LENGTH)
    np.testing.assert_allclose(values, _ism_reference(net, x, target, reduce), atol=1e-5)


@pytest.mark.parametrize("batch_size", [3, 40, 100_000])
def test_feature_ablation_equals_captum(batch_size):
    net, x = SmallCNN().eval(), _dna()
    target = np.arange(len(x)) % 3
    spec = _spec(net, x)
    values, meta = METHODS["feature_ablation"](None, spec, target, batch_size=batch_size)
    ref = _captum_presence(net, x, target, "feature_ablation")
    np.testing.assert_allclose(values, ref, atol=1e-5)
    assert meta["n_groups"] == LENGTH
    grouped, meta = METHODS["feature_ablation"](None, spec, target, window=5, batch_size=batch_size)
    mask = torch.as_tensor(np.arange(LENGTH) // 5).unsqueeze(0)
    ref = _captum_presence(net, x, target, "feature_ablation", feature_mask=mask)
    np.testing.assert_allclose(grouped, ref, atol=1e-5)
    assert meta["n_groups"] == 5


@pytest.mark.parametrize(("window", "stride"), [(10, None), (4, 3), (7, 7), (1, 1)])
@pytest.mark.parametrize("batch_size", [4, 100_000])
def test_occlusion_equals_captum(window, stride, batch_size):
    net, x = SmallCNN().eval(), _dna()
    target = np.arange(len(x)) % 3
    opts = {"window": window, "batch_size": batch_size}
    if stride is not None:
        opts["stride"] = stride
    values, meta = METHODS["occlusion"](None, _spec(net, x), target, **opts)
    ref = _captum_presence(
        net,
        x,
        target,
        "occlusion",
        sliding_window_shapes=(window,),
        strides=(stride or max(1, window // 2),),
    )
    np.testing.assert_allclose(values, ref, atol=1e-5)
    assert meta["window"] == [window]


def test_occlusion_rejects_a_window_wider_than_the_input():
    net, x = SmallCNN().eval(), _dna(2)
    with pytest.raises(ConfigError, match="window"):
        METHODS["occlusion"](None, _spec(net, x), np.zeros(2, dtype=np.int64), window=(99,))
