"""HEMERA's per-SNP gate option (``snp_gate``): shapes, the paper network when off, the
gate's L1 penalty and parameter group, zero attribution of closed gates, save/load."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnscope.data import GenotypeDataset
from attnscope.estimators._hemera import HEMERAClassifier
from attnscope.explain import attribute
from attnscope.models.hemera import HEMERA, genotype_tokens
from attnscope.train import cross_entropy_loss


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cohort(n: int = 80, m: int = 20, causal: int = 7) -> GenotypeDataset:
    rng = np.random.default_rng(5)
    g = rng.binomial(2, rng.uniform(0.2, 0.5, m), size=(n, m)).astype(np.int8)
    return GenotypeDataset(
        labels=(g[:, causal] > 0).astype(np.int64),
        sample_ids=np.arange(n).astype(str),
        class_names=["control", "case"],
        truth=None,
        meta={},
        genotypes=g,
        snp_ids=np.array([f"rs{j}" for j in range(m)]),
        chromosomes=np.array(["1"] * m),
        positions=np.arange(m) * 1000,
    )


def _tokens(b: int = 6, n: int = 12) -> torch.Tensor:
    return genotype_tokens(torch.randint(0, 3, (b, n)))


def test_gated_shapes_and_linear_share() -> None:
    torch.manual_seed(0)
    model = HEMERA(12, 3, dim=8, k=4, snp_gate=True).eval()
    assert model.snp_gate is not None and model.snp_gate.shape == (12,)
    assert not model.snp_gate.detach().any()  # starts closed
    with torch.no_grad():
        model.snp_gate.normal_()
        out = model(_tokens())
    assert out.logits.shape == out.extras["gate_logits"].shape == (6, 3)
    assert out.attention["snp"].shape == (6, 12)
    assert torch.isfinite(out.logits).all()


def test_off_is_the_paper_network_and_open_gate_matches_it() -> None:
    torch.manual_seed(1)
    paper = HEMERA(12, 2, dim=8, k=4).eval()
    torch.manual_seed(1)
    off = HEMERA(12, 2, dim=8, k=4, snp_gate=False).eval()
    assert off.state_dict().keys() == paper.state_dict().keys()
    tokens = _tokens()
    with torch.no_grad():
        assert torch.equal(off(tokens).logits, paper(tokens).logits)
        assert "gate_logits" not in off(tokens).extras
        gated = HEMERA(12, 2, dim=8, k=4, snp_gate=True).eval()
        missing, unexpected = gated.load_state_dict(paper.state_dict(), strict=False)
        assert set(missing) == {"snp_gate", "gate_head.weight"} and not unexpected
        assert gated.snp_gate is not None and gated.gate_head is not None
        gated.snp_gate.fill_(1.0)  # open gates, no linear path: the paper's forward
        gated.gate_head.weight.zero_()
        torch.testing.assert_close(gated(tokens).logits, paper(tokens).logits)
        gated.snp_gate.fill_(0.5)
        assert not torch.allclose(gated(tokens).logits, paper(tokens).logits)


def test_gate_penalty_and_group_and_off_reduces_to_paper_loss() -> None:
    data = _cohort()
    y = torch.as_tensor(data.y)
    est = HEMERAClassifier(snp_gate=True, gate_l1=0.3, proj_l1=0.0, proj_eps=0.5)
    est.classes_ = np.asarray(data.class_names)
    est.spec_ = est._module_spec(data)
    module = est._build_module(est.spec_).eval()
    with torch.no_grad():
        module.snp_gate.uniform_(-1, 1)
    (tokens,) = est._make_inputs(data)
    plain = cross_entropy_loss(module, [tokens], y, None, 0)
    penalised = est._loss_fn()(module, [tokens], y, None, 0)
    torch.testing.assert_close(penalised, plain + 0.3 * module.snp_gate.abs().sum())
    groups = est._param_groups(module)
    assert groups is not None and len(groups) == 3  # rest; E and F (proj_eps); the gate
    assert [id(p) for p in groups[2]["params"]] == [id(module.snp_gate)]
    assert (groups[2]["eps"], groups[2]["lr"], groups[2]["weight_decay"]) == (1.0, 1.0, 0.0)
    assert groups[1]["eps"] == 0.5 and id(module.snp_gate) not in {
        id(p) for p in groups[0]["params"]
    }
    # Without proj_eps the gate still gets its own group.
    only = est.set_params(proj_eps=None)._param_groups(module)
    assert only is not None and len(only) == 2 and only[1]["params"][0] is module.snp_gate
    # Off: no gate parameter, and gate_l1 does not change the loss (the paper's loss).
    off = HEMERAClassifier(snp_gate=False, gate_l1=0.3, proj_l1=0.0)
    off.classes_ = est.classes_
    off.spec_ = off._module_spec(data)
    assert off.spec_["snp_gate"] is False
    paper_module = off._build_module(off.spec_)
    assert not any("gate" in n for n, _ in paper_module.named_parameters())
    assert off._loss_fn() is cross_entropy_loss


def test_closed_gates_get_zero_lig_and_save_load_round_trip(tmp_path) -> None:
    data = _cohort()
    est = HEMERAClassifier(
        snp_gate=True, gate_l1=1e-3, pretrain_epochs=0, epochs=4, val_size=0, lr=3e-3, dim=8, k=4
    ).fit(data)
    gate = est.module_.snp_gate.detach()
    assert gate.abs().sum() > 0  # training opened some gates
    closed = torch.arange(gate.numel()) % 2 == 0
    with torch.no_grad():
        est.module_.snp_gate[closed] = 0.0
    att = attribute(est, data.subset(np.arange(10)), method="lig", target=1, n_steps=8)
    values = np.asarray(att.values)
    assert np.all(values[:, closed.numpy()] == 0.0)
    assert np.abs(values[:, ~closed.numpy()]).sum() > 0
    est.save(tmp_path / "m")
    back = HEMERAClassifier.load(tmp_path / "m")
    assert back.get_params()["snp_gate"] is True and back.spec_["snp_gate"] is True
    torch.testing.assert_close(back.module_.snp_gate, est.module_.snp_gate)
    np.testing.assert_allclose(back.predict_proba(data), est.predict_proba(data), atol=1e-6)


def test_gate_options_are_type_and_range_checked() -> None:
    from attnscope.errors import ConfigError
    from attnscope.estimators import make_estimator

    est = make_estimator("hemera", {"snp_gate": True, "gate_l1": 0.03, "gate_lr": 1})
    assert (est.snp_gate, est.gate_l1, est.gate_lr) == (True, 0.03, 1)
    with pytest.raises(ConfigError, match="gate_lr"):
        make_estimator("hemera", {"gate_lr": -1.0})
    with pytest.raises(ConfigError, match="gate_l1"):
        make_estimator("hemera", {"gate_l1": float("nan")})


def _noisy_cohort() -> GenotypeDataset:
    """120 x 30, labels from three SNPs plus noise (the regression is not separable)."""
    rng = np.random.default_rng(11)
    g = rng.binomial(2, rng.uniform(0.2, 0.5, 30), size=(120, 30)).astype(np.int8)
    score = g[:, 3] - g[:, 12] + 0.5 * g[:, 20] + rng.normal(0, 1, 120)
    data = _cohort()
    data.genotypes, data.labels = g, (score > np.median(score)).astype(np.int64)
    data.sample_ids = np.arange(120).astype(str)
    data.snp_ids = np.array([f"rs{j}" for j in range(30)])
    data.chromosomes, data.positions = np.array(["1"] * 30), np.arange(30) * 1000
    return data


def test_init_C_starts_as_the_l1_logistic_regression() -> None:
    """Untrained, the gated network predicts as sklearn's L1 regression on the dosages."""
    from sklearn.linear_model import LogisticRegression

    data = _noisy_cohort()
    est = HEMERAClassifier(snp_gate=True, init_C=0.3, pretrain_epochs=0, epochs=0,
                           min_epochs=0, val_size=0.0, dim=8, k=8, maf=0.0)  # fmt: skip
    proba = est.fit(data).predict_proba(data)[:, 1]
    x = np.asarray(data.genotypes, np.float64)
    ref = LogisticRegression(l1_ratio=1.0, C=0.3, solver="liblinear").fit(x, data.y)
    assert (ref.coef_ == 0).any() and (ref.coef_ != 0).any()  # a sparse, non-trivial start
    np.testing.assert_allclose(proba, ref.predict_proba(x)[:, 1], atol=1e-4)
    trained = HEMERAClassifier(snp_gate=True, init_C=0.3, pretrain_epochs=0, epochs=2,
                               val_size=0.0, dim=8, k=8, maf=0.0).fit(data)  # fmt: skip
    assert trained.module_.head.weight.abs().sum() > 0  # the attention path now reaches the logits


@pytest.mark.parametrize(
    ("options", "phrase"),
    [
        ({"snp_gate": False}, "needs snp_gate=True"),
        ({"snp_gate": True, "pretrain_epochs": 1}, "set pretrain_epochs=0"),
        ({"snp_gate": True, "init_C": -1.0}, "init_C"),
    ],
)
def test_init_C_refusals(options, phrase) -> None:
    from attnscope.errors import ConfigError

    opts = {"init_C": 0.3, "pretrain_epochs": 0, "epochs": 0, "dim": 8, "k": 8, **options}
    with pytest.raises(ConfigError, match=phrase):
        HEMERAClassifier(**opts).fit(_noisy_cohort())
