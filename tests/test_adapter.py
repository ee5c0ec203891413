"""A user's own nn.Module through wrap_module: every method and the whole trust table."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from attnscope.errors import ConfigError, DataError, NotFittedError
from attnscope.explain import METHODS, TorchModel, attribute, infer_kind, wrap_module
from attnscope.trust import trust_table

N = 40


class TableNet(nn.Module):
    def __init__(self, n_features: int = 6) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class OneHotNet(nn.Module):
    """One-hot DNA (n, 4, L), channels first; returns a (logits, extra) tuple."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, 5, 5, padding=2)
        self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv(x)).amax(dim=2)
        return self.head(h), h


class TokenNet(nn.Module):
    def __init__(self, vocab: int = 12, dim: int = 6) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.head = nn.Linear(dim, 2)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.embed(tokens)).mean(dim=1))


class SeriesNet(nn.Module):
    def __init__(self, n_vars: int = 3) -> None:
        super().__init__()
        self.rnn = nn.GRU(n_vars, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(x)
        return self.head(h[-1])


def _case(kind: str) -> tuple[nn.Module, np.ndarray, np.ndarray, dict]:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    y = np.arange(N) % 2
    if kind == "table":
        return TableNet(), rng.normal(size=(N, 6)).astype(np.float32), y, {}
    if kind == "onehot":
        tokens = rng.integers(0, 4, size=(N, 20))
        x = np.eye(4, dtype=np.float32)[tokens].transpose(0, 2, 1)
        return OneHotNet(), x, y, {}
    if kind == "tokens":
        net = TokenNet()
        return net, rng.integers(1, 12, size=(N, 10)), y, {"embedding": net.embed}
    return SeriesNet(), rng.normal(size=(N, 7, 3)).astype(np.float32), y, {}


@pytest.mark.parametrize("kind", ["table", "onehot", "tokens", "timeseries"])
def test_inferred_kind(kind: str) -> None:
    _, x, _, _ = _case(kind)
    assert infer_kind(x) == kind


def test_plain_module_equals_captum_directly() -> None:
    """A plain nn.Module needs no wrapper for a table; values equal captum's own."""
    from captum.attr import IntegratedGradients, Saliency

    net, x, _, _ = _case("table")
    attr = attribute(net, x, method="integrated_gradients", target=1, n_steps=24)
    ref = IntegratedGradients(net).attribute(
        torch.as_tensor(x),
        baselines=torch.zeros(1, 6),
        target=1,
        n_steps=24,
        method="gausslegendre",
    )
    assert np.allclose(attr.values, ref.detach().numpy(), atol=1e-6)
    sal = attribute(net, x, method="saliency", target=0)
    ref = Saliency(net).attribute(torch.as_tensor(x), target=0, abs=True)
    assert np.allclose(sal.values, ref.numpy(), atol=1e-7)


def test_onehot_values_equal_captum_summed_over_channels() -> None:
    from captum.attr import InputXGradient

    net, x, _, _ = _case("onehot")
    model = wrap_module(net, kind="onehot")
    attr = attribute(model, x, method="input_x_gradient", target=1)
    forward = lambda inp: net(inp)[0]  # noqa: E731
    ref = InputXGradient(forward).attribute(torch.as_tensor(x), target=1).sum(dim=1)
    assert attr.values.shape == (N, 20)
    assert np.allclose(attr.values, ref.detach().numpy(), atol=1e-6)


def test_tokens_lig_equals_captum_and_gradients_flow_through_embedding() -> None:
    from captum.attr import LayerIntegratedGradients

    net, x, _, opts = _case("tokens")
    model = wrap_module(net, kind="tokens", **opts)
    attr = attribute(model, x, method="lig", target=1, n_steps=16)
    ids = torch.as_tensor(x)
    ref = LayerIntegratedGradients(net, net.embed).attribute(
        ids, baselines=torch.zeros_like(ids), target=1, n_steps=16
    )
    assert np.allclose(attr.values, ref.sum(-1).detach().numpy(), atol=1e-5)
    # gradient x input on the embedding output = the same with captum's embedding hook
    ixg = attribute(model, x, method="input_x_gradient", target=1)
    emb = net.embed(ids).detach().requires_grad_(True)
    out = net.head(torch.tanh(emb).mean(dim=1))[:, 1].sum()
    (grad,) = torch.autograd.grad(out, emb)
    assert np.allclose(ixg.values, (grad * emb).sum(-1).detach().numpy(), atol=1e-6)


def test_tokens_without_embedding_is_a_config_error() -> None:
    net, x, _, _ = _case("tokens")
    with pytest.raises(ConfigError, match="embedding"):
        attribute(net, x, method="saliency")
    with pytest.raises(ConfigError, match="embedding"):
        attribute(wrap_module(net, kind="tokens"), x)


@pytest.mark.parametrize("kind", ["table", "onehot", "tokens", "timeseries"])
def test_every_method_and_the_full_trust_table(kind: str) -> None:
    """A user's module of each input kind gets every trust metric of the table."""
    net, x, y, opts = _case(kind)
    model = wrap_module(net, kind=kind, epochs=1, **opts)
    rows = trust_table(
        model,
        x,
        y,
        n_samples=N,
        sanity_samples=8,
        stability_samples=4,
        label_epochs=1,
        method_options={
            "integrated_gradients": {"n_steps": 8},
            "lime": {"n_samples": 20},
            "kernel_shap": {"n_samples": 20},
        },
    )
    by = {r["method"]: r for r in rows}
    not_applicable = {"attention"}  # a plain module returns no attention
    # mutagenesis and hypothetical contributions need one-hot DNA
    not_applicable |= set() if kind == "onehot" else {"ism", "hypothetical_contributions"}
    not_applicable |= set() if kind == "tokens" else {"layer_integrated_gradients"}
    if kind == "timeseries":  # captum's DeepLift has no rule for a GRU's gates
        not_applicable |= {"deeplift", "deeplift_shap"}
    for name, row in by.items():
        if name in not_applicable:
            assert row["status"].startswith("not applicable"), (name, row["status"])
            continue
        if name == "hypothetical_contributions":  # (n, L, 4): not one value per feature
            assert row["status"].startswith(("ok", "metrics not applicable")), row["status"]
            continue
        assert row["status"] == "ok", (name, row["status"])
        for col in ("deletion_auc", "insertion_auc", "sanity_corr", "label_corr"):
            assert np.isfinite(row[col]) or name == "random", (name, col, row[col])
    assert set(by) >= {m for m in METHODS if m not in ("gradient_norm", "attention")} - {
        "hypothetical_contributions"
    }


def test_wrapped_module_stays_untouched_by_label_randomisation() -> None:
    net, x, y, _ = _case("table")
    before = {k: v.clone() for k, v in net.state_dict().items()}
    trust_table(wrap_module(net, kind="table", epochs=1), x, y, methods=["saliency"], n_samples=N)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_labels_by_name_and_errors() -> None:
    net, x, y, _ = _case("table")
    model = wrap_module(net, kind="table", classes=["healthy", "disease"])
    data = model.as_dataset(x, np.where(y == 1, "disease", "healthy"))
    assert data.y.tolist() == y.tolist() and model.predict(x[:3]).dtype.kind == "U"
    with pytest.raises(DataError, match="not among the classes"):
        model.as_dataset(x, np.full(N, "other"))
    with pytest.raises(ConfigError, match="kind"):
        attribute(TorchModel(net, kind="image"), x)


def test_unfitted_estimator_raises_not_fitted() -> None:
    from attnscope.estimators import MLPClassifier

    with pytest.raises(NotFittedError):
        attribute(MLPClassifier(), np.zeros((3, 2), np.float32))


class LogOddsNet(nn.Module):
    """A binary model trained with BCEWithLogitsLoss: one logit per sample, shape (n,)."""

    def __init__(self, column: bool = False) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
        self.column = column

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.body(x)
        return z if self.column else z.squeeze(-1)


def test_a_single_logit_is_a_binary_model_with_split_log_odds() -> None:
    from captum.attr import InputXGradient

    torch.manual_seed(0)
    net, x = LogOddsNet(), np.random.default_rng(0).normal(size=(N, 6)).astype(np.float32)
    z = net(torch.as_tensor(x)).detach().numpy()
    model = wrap_module(net, kind="table")
    proba = model.predict_proba(x)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-5)
    assert proba.shape == (N, 2)
    assert (model.predict(x) == model.classes_[(z > 0).astype(int)]).all()
    # class 1 is half of captum's map of z, class 0 its negative
    ref = InputXGradient(net).attribute(torch.as_tensor(x)).detach().numpy()
    for target, sign in ((1, 0.5), (0, -0.5)):
        got = attribute(model, x, method="input_x_gradient", target=target).values
        np.testing.assert_allclose(got, sign * ref, atol=1e-6)
    column = LogOddsNet(column=True)
    column.load_state_dict(net.state_dict())
    a = attribute(column, x, method="integrated_gradients", n_steps=16)
    b = attribute(net, x, method="integrated_gradients", n_steps=16)
    np.testing.assert_allclose(a.values, b.values, atol=1e-6)
    assert (a.target == (z > 0)).all()  # each sample's predicted class, not column 0


def test_a_single_logit_gives_probability_based_trust_figures() -> None:
    """One softmax column is 1 whatever the input: every deletion curve would be flat."""
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(N, 6)).astype(np.float32)
    rows = trust_table(LogOddsNet(), x, methods=["saliency", "random"])
    assert all(r["status"] == "ok" and r["deletion_auc"] < 0.99 for r in rows)


def test_a_scalar_output_for_the_batch_is_a_config_error() -> None:
    class Summed(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.sum()

    with pytest.raises(ConfigError, match="one row of logits per sample"):
        attribute(Summed(), np.zeros((4, 3), dtype=np.float32), method="saliency")


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_a_model_kept_in_another_dtype_takes_float32_inputs(dtype: torch.dtype) -> None:
    net, x, _, _ = _case("table")
    ref = attribute(net, x, method="integrated_gradients", n_steps=16)
    other = TableNet()
    other.load_state_dict(net.state_dict())
    other.to(dtype)
    got = attribute(other, x, method="integrated_gradients", n_steps=16)
    assert got.values.dtype == np.float32 and (got.target == ref.target).mean() > 0.9
    tol = 1e-5 if dtype == torch.float64 else 0.05 * np.abs(ref.values).max()
    np.testing.assert_allclose(got.values, ref.values, atol=tol)
    assert trust_table(other, x, methods=["saliency"])[0]["status"] == "ok"


def test_a_dict_with_logits_is_read_like_the_tensor() -> None:
    class DictNet(TableNet):
        def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:  # type: ignore[override]
            return {"hidden": x, "logits": self.body(x)}

    net, x, _, _ = _case("table")
    twin = DictNet()
    twin.load_state_dict(net.state_dict())
    a = attribute(net, x, method="saliency").values
    np.testing.assert_array_equal(attribute(twin, x, method="saliency").values, a)
