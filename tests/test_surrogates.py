"""Batched KernelSHAP and LIME against exact Shapley values, closed forms and captum."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec
from attnscope.errors import ConfigError
from attnscope.explain._core import METHODS


@pytest.fixture(autouse=True)
def _one_thread():
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


def _spec(net: nn.Module, x: Tensor, base: Tensor) -> AttributionSpec:
    def forward(t: Tensor) -> Tensor:
        return net(t)

    return AttributionSpec(
        inputs=(x,),
        forward=forward,
        baselines=(base.view(1, -1),),
        to_features=lambda a: a[0].detach().numpy(),
        raw_inputs=(x,),
        raw_forward=forward,
        remove=lambda raw, mask: (torch.where(mask, base.view(1, -1), raw[0]),),
    )


def _net(n_features: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_features, 16), nn.Tanh(), nn.Linear(16, 3)).eval()


def _data(n: int, f: int, seed: int = 1) -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, f, generator=g), torch.randn(f, generator=g) * 0.5


def _exact_shapley(net: nn.Module, x: Tensor, base: Tensor, target: np.ndarray) -> np.ndarray:
    """Shapley values by enumerating every coalition (2^M model calls per sample)."""
    n, m = x.shape
    masks = torch.tensor(list(itertools.product([0, 1], repeat=m)), dtype=torch.bool)
    with torch.no_grad():
        v = net(torch.where(masks[None], x[:, None], base).reshape(-1, m)).reshape(n, -1, 3)
    v = v[torch.arange(n), :, torch.as_tensor(target)].double().numpy()  # (n, 2^m)
    index = {tuple(int(b) for b in row): j for j, row in enumerate(masks.int().tolist())}
    phi = np.zeros((n, m))
    for j, row in enumerate(masks.int().tolist()):
        for i in range(m):
            if row[i]:
                continue
            k = sum(row)
            w = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
            with_i = list(row)
            with_i[i] = 1
            phi[:, i] += w * (v[:, index[tuple(with_i)]] - v[:, j])
    return phi


def _run(method: str, spec: AttributionSpec, target: np.ndarray, seed: int = 0, **kw):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        values, meta = METHODS[method](None, spec, target, **kw)
    return values, meta


@pytest.mark.parametrize("m", [3, 7, 10])
def test_kernel_shap_enumerated_equals_exact_shapley(m):
    net = _net(m)
    x, base = _data(9, m)
    target = np.arange(9) % 3
    values, meta = _run("kernel_shap", _spec(net, x, base), target, n_samples=2**m)
    assert meta["n_groups"] == m
    np.testing.assert_allclose(values, _exact_shapley(net, x, base, target), atol=1e-5)


def test_kernel_shap_sampled_is_close_to_exact_and_efficient():
    m = 10  # 1,022 coalitions; 400 draws samples them
    net = _net(m, seed=3)
    x, base = _data(20, m, seed=4)
    target = np.zeros(20, dtype=np.int64)
    values, _ = _run("kernel_shap", _spec(net, x, base), target, n_samples=400)
    exact = _exact_shapley(net, x, base, target)
    with torch.no_grad():
        total = (net(x)[:, 0] - net(base.view(1, -1))[0, 0]).numpy()
    np.testing.assert_allclose(values.sum(1), total, atol=1e-5)  # efficiency holds exactly
    scale = np.abs(exact).max()
    assert np.abs(values - exact).max() < 0.1 * scale
    assert np.corrcoef(values.ravel(), exact.ravel())[0, 1] > 0.98


def test_kernel_shap_linear_closed_form():
    m = 40  # far more coalitions than draws: the sampled path
    lin = nn.Linear(m, 2)
    torch.manual_seed(5)
    x, base = _data(16, m, seed=6)
    target = np.array([0, 1] * 8)
    # window=1: one group per feature (the default would join 40 features into 25 windows)
    spec = _spec(lin.eval(), x, base)
    values, _ = _run("kernel_shap", spec, target, n_samples=100, window=1)
    w = lin.weight.detach().numpy()[target]
    np.testing.assert_allclose(values, w * (x - base).numpy(), atol=1e-4)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_kernel_shap_close_to_captum_at_equal_draws():
    from captum.attr import KernelShap

    m = 6
    net = _net(m, seed=7)
    x, base = _data(12, m, seed=8)
    target = np.arange(12) % 3
    ours, _ = _run("kernel_shap", _spec(net, x, base), target, n_samples=300)
    torch.manual_seed(0)
    with torch.no_grad():
        theirs = (
            KernelShap(net)
            .attribute(
                x,
                baselines=base.view(1, -1),
                target=torch.as_tensor(target),
                n_samples=300,
                perturbations_per_eval=300,
            )
            .numpy()
        )
    exact = _exact_shapley(net, x, base, target)
    scale = np.abs(exact).max()
    assert np.abs(ours - theirs).max() < 0.05 * scale
    assert np.abs(ours - exact).max() <= np.abs(theirs - exact).max() + 1e-6


def test_lime_matches_captum_lime_on_a_linear_model():
    from captum._utils.models.linear_model import SkLearnLinearRegression
    from captum.attr import Lime
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    m = 8
    lin = nn.Linear(m, 2).eval()
    x, base = _data(10, m, seed=9)
    target = np.array([1, 0] * 5)
    spec = _spec(lin, x, base)
    ours, _ = _run("lime", spec, target, n_samples=120, alpha=0.0)
    kernel = get_exp_kernel_similarity_function("euclidean", kernel_width=0.75 * np.sqrt(m))
    lime = Lime(lin, interpretable_model=SkLearnLinearRegression(), similarity_func=kernel)
    with torch.no_grad():
        theirs = np.stack(
            [
                lime.attribute(
                    x[i : i + 1],
                    baselines=base.view(1, -1),
                    target=int(target[i]),
                    n_samples=120,
                ).numpy()[0]
                for i in range(len(x))
            ]
        )
    expected = lin.weight.detach().numpy()[target] * (x - base).numpy()
    np.testing.assert_allclose(ours, expected, atol=1e-4)  # a linear model is its own surrogate
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_lime_groups_share_a_value_and_ridge_shrinks():
    m = 12
    lin = nn.Linear(m, 2).eval()
    x, base = _data(6, m, seed=10)
    target = np.zeros(6, dtype=np.int64)
    spec = _spec(lin, x, base)
    grouped, meta = _run("lime", spec, target, n_samples=64, window=3, alpha=0.0)
    assert meta["n_groups"] == 4
    g = grouped.reshape(6, 4, 3)
    np.testing.assert_allclose(g, np.broadcast_to(g[..., :1], g.shape))
    plain, _ = _run("lime", spec, target, n_samples=64, alpha=0.0)
    shrunk, _ = _run("lime", spec, target, n_samples=64, alpha=10.0)
    assert np.abs(shrunk).sum() < np.abs(plain).sum()


@pytest.mark.parametrize("method", ["lime", "kernel_shap"])
def test_surrogates_reject_bad_draws(method):
    x, base = _data(2, 3)
    with pytest.raises(ConfigError, match="n_samples"):
        _run(method, _spec(_net(3), x, base), np.zeros(2, dtype=np.int64), n_samples=0)


def test_kernel_shap_groups_keep_four_draws_per_unknown():
    """200 draws over 100 windows interpolated the draws (two seeds' maps on 200-bp DNA
    correlated at 0.06); the default windows now leave >= 4 draws per group."""
    net = nn.Sequential(nn.Linear(200, 8), nn.Tanh(), nn.Linear(8, 3)).eval()
    x, base = _data(6, 200, seed=5)
    target = np.zeros(6, dtype=np.int64)
    spec = _spec(net, x, base)
    _, meta = _run("kernel_shap", spec, target, n_samples=200)
    assert meta["n_groups"] == 50
    _, meta = _run("kernel_shap", spec, target, n_samples=2000)
    assert meta["n_groups"] == 100  # max_features caps it
    a, _ = _run("kernel_shap", spec, target, seed=0, n_samples=200)
    b, _ = _run("kernel_shap", spec, target, seed=1, n_samples=200)
    rho = [np.corrcoef(a[i], b[i])[0, 1] for i in range(6)]
    assert np.mean(rho) > 0.8  # other draws, the same map
