"""HEMERA + LIG on a toy cohort where one SNP decides the label: LIG must single it out."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnscope.data import GenotypeDataset
from attnscope.estimators._hemera import HEMERAClassifier

CAUSAL = 11


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _one_snp_cohort(n: int = 160, m: int = 24) -> GenotypeDataset:
    rng = np.random.default_rng(3)
    g = rng.binomial(2, rng.uniform(0.15, 0.5, m), size=(n, m)).astype(np.int8)
    y = (g[:, CAUSAL] > 0).astype(np.int64)  # carriers of one SNP are the cases
    return GenotypeDataset(
        labels=y,
        sample_ids=np.arange(n).astype(str),
        class_names=["control", "case"],
        truth=None,
        meta={},
        genotypes=g,
        snp_ids=np.array([f"rs{j}" for j in range(m)]),
        chromosomes=np.repeat(["1", "2"], m // 2),
        positions=np.tile(np.arange(m // 2) * 1000, 2),
    )


def test_lig_singles_out_the_deciding_snp() -> None:
    data = _one_snp_cohort()
    est = HEMERAClassifier(
        epochs=12, pretrain_epochs=0, lr=5e-3, val_size=0, batch_size=32, random_state=0
    ).fit(data)
    assert est.evaluate(data)["auroc"] > 0.95
    sub = data.subset(np.arange(32))
    att = est.explain(sub, method="lig", target=1, n_steps=8)
    mean_abs = np.abs(att.values).mean(axis=0)
    order = np.argsort(-mean_abs)
    assert order[0] == CAUSAL
    # By a wide margin (the Linformer init with plain AdamW on E and F gave ~4x here).
    assert mean_abs[order[0]] > 5 * mean_abs[order[1]]
    # Signs: carriers of the deciding SNP are pushed towards "case" relative to non-carriers.
    carrier = sub.genotypes[:, CAUSAL] > 0
    v = att.values[:, CAUSAL]
    assert v[carrier].mean() > 0 > v[~carrier].mean()


def test_projection_param_group_and_l1_penalty() -> None:
    from attnscope.train import TrainConfig, fit_module

    data = _one_snp_cohort(n=40, m=16)
    est = HEMERAClassifier(proj_eps=0.5, proj_l1=0.1, proj_init=0.01)
    est.classes_ = np.asarray(data.class_names)
    est.spec_ = est._module_spec(data)
    module = est._build_module(est.spec_)
    groups = est._param_groups(module)
    assert groups is not None and groups[1]["eps"] == 0.5
    proj = {id(p) for p in groups[1]["params"]}
    assert proj == {id(module.blocks[0].attn.proj_k), id(module.blocks[0].attn.proj_v)}
    assert len(groups[0]["params"]) + len(proj) == len(list(module.parameters()))
    (tokens,) = est._make_inputs(data)
    y = torch.as_tensor(data.y)
    module.eval()  # no dropout: both losses see the same network
    plain = est.set_params(proj_l1=0.0)._loss_fn()(module, [tokens], y, None, 0)
    l1 = (module.blocks[0].attn.proj_k.abs().sum() + module.blocks[0].attn.proj_v.abs().sum()) * 0.1
    penalised = est.set_params(proj_l1=0.1)._loss_fn()(module, [tokens], y, None, 0)
    assert torch.allclose(penalised, plain + l1)
    # fit_module takes the parameter groups and trains only what they hold.
    before = module.blocks[0].attn.proj_v.detach().clone()
    fit_module(module, [tokens], y, config=TrainConfig(epochs=1, batch_size=40), parameters=groups)
    assert not torch.equal(before, module.blocks[0].attn.proj_v.detach())
    assert est.set_params(proj_eps=None)._param_groups(module) is None


def test_model_selection_defaults_reach_the_fit_loop() -> None:
    cfg = HEMERAClassifier()._train_config()
    assert (cfg.monitor, cfg.min_epochs) == ("loss", 3)
    cfg = HEMERAClassifier(min_epochs=0, monitor="auroc")._train_config()
    assert (cfg.monitor, cfg.min_epochs, cfg.optimizer) == ("auroc", 0, "adamw")
