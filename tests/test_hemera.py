"""HEMERA: model, MLM pre-training, estimator, LIG per SNP, locus metrics, Manhattan plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from attnscope.data import GenotypeDataset
from attnscope.errors import DataError
from attnscope.estimators._hemera import HEMERAClassifier
from attnscope.explain import (
    Attribution,
    attribute,
    per_snp_carriers,
    snp_importance,
    top_snps_per_chromosome,
)
from attnscope.io import snp_qc_mask
from attnscope.metrics._loci import ld_r2, locus_recovery, match_known_loci, nearest_locus
from attnscope.models.hemera import (
    GENOTYPE_OFFSET,
    HEMERA,
    MASK,
    MEAN,
    MISSING,
    genotype_tokens,
    hemera_memory_estimate,
    sinusoidal_encoding,
)
from attnscope.train._mlm import mask_tokens, pretrain_mlm


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models: one thread avoids oversubscription on a shared machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def need(path: Path) -> Path:
    """Skip when a shared data file is absent."""
    if not path.exists():
        pytest.skip(f"shared data file {path} is not available")
    return path


def _genotypes(n: int, m: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.binomial(2, rng.uniform(0.1, 0.5, m), size=(n, m)).astype(np.int8)


def _cohort(g: np.ndarray, y: np.ndarray) -> GenotypeDataset:
    """Genotypes and labels as a cohort on two chromosomes, SNPs 1 kb apart."""
    n, m = g.shape
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


def _dataset(n: int = 120, m: int = 60, seed: int = 0) -> GenotypeDataset:
    g = _genotypes(n, m, seed)
    g[:, 5] = 0  # monomorphic: QC must drop it
    return _cohort(g, (g[:, 10].astype(int) + g[:, 40] - g[:, 50] > 1).astype(np.int64))


CAUSAL = 11


def _one_snp_cohort(n: int = 160, m: int = 24) -> GenotypeDataset:
    """Carriers of SNP ``CAUSAL`` are the cases."""
    g = _genotypes(n, m, seed=3)
    return _cohort(g, (g[:, CAUSAL] > 0).astype(np.int64))


@pytest.fixture(scope="module")
def fitted() -> tuple[HEMERAClassifier, GenotypeDataset]:
    data = _dataset()
    est = HEMERAClassifier(epochs=10, pretrain_epochs=1, lr=5e-3, val_size=0, batch_size=40)
    return est.fit(data), data


# -- model -------------------------------------------------------------------------------
def test_tokens_and_encoding() -> None:
    tok = genotype_tokens(torch.tensor([[0, 1, 2, -1]]))
    assert tok.tolist() == [[GENOTYPE_OFFSET, GENOTYPE_OFFSET + 1, GENOTYPE_OFFSET + 2, MISSING]]
    pe = sinusoidal_encoding(torch.tensor([0.0, 3.0]), 6)
    assert pe.shape == (2, 6)
    assert torch.allclose(pe[0], torch.tensor([0.0, 1, 0, 1, 0, 1]))
    assert torch.allclose(pe[1, :2], torch.tensor([np.sin(3.0), np.cos(3.0)], dtype=torch.float32))


def test_cls_shortcut_equals_all_queries_and_attention_shapes() -> None:
    torch.manual_seed(0)
    model = HEMERA(50, 2, n_layers=2, heads=3, k=8).eval()
    tok = genotype_tokens(torch.as_tensor(_genotypes(4, 50)))
    out = model(tok)
    full = model(tok, mlm=True)
    assert torch.allclose(out.logits, full.logits, atol=1e-5)
    assert out.attention["cls"].shape == (4, 3, 8)
    assert out.attention["snp"].shape == (4, 50)
    assert full.extras["mlm_logits"].shape == (4, 50, 7)


def test_mean_token_embeds_to_training_mean() -> None:
    model = HEMERA(3, 2, dim=4)
    freq = torch.tensor(
        [[0, 0, 0, 0, 0.5, 0.5, 0], [0, 0, 0, 0.2, 0, 0, 0.8], [0, 0, 0, 0, 1, 0, 0]]
    )
    model.embed.token_freq.copy_(freq)
    w = model.embed.table.weight[:7]
    got = model.embed(torch.tensor([[MEAN, MEAN, GENOTYPE_OFFSET + 1]]))
    assert torch.allclose(got[0, 0], 0.5 * w[4] + 0.5 * w[5])
    assert torch.allclose(got[0, 1], 0.2 * w[3] + 0.8 * w[6])
    assert torch.allclose(got[0, 2], w[5])


def _saved_bytes(model: HEMERA, n: int, *, mlm: bool) -> int:
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    tok = torch.full((2, n), GENOTYPE_OFFSET, dtype=torch.long)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(tok, mlm=mlm)
        (out.logits.sum() + (out.extras["mlm_logits"].sum() if mlm else 0)).backward()
    return total


@pytest.mark.parametrize("mlm", [False, True])
def test_linformer_memory_is_linear_full_is_quadratic(mlm: bool) -> None:
    sizes = (300, 600, 1200)
    lin = [_saved_bytes(HEMERA(n, 2, k=16), n, mlm=mlm) for n in sizes]
    assert lin[2] / lin[1] < 2.2 and lin[1] / lin[0] < 2.2
    if mlm:  # every query attends to every key: the (n, n) matrix dominates
        full = [_saved_bytes(HEMERA(n, 2, attention="full"), n, mlm=True) for n in sizes]
        assert full[2] / full[1] > 3.0
        assert hemera_memory_estimate(379_000, 1, attention="full", mlm=True) > 8e9
    assert hemera_memory_estimate(379_000, 8) < 8e9


# -- MLM ---------------------------------------------------------------------------------
def test_mask_tokens_only_genotypes() -> None:
    tok = genotype_tokens(torch.as_tensor(_genotypes(50, 200)))
    tok[:, :20] = MISSING
    gen = torch.Generator().manual_seed(0)
    masked, hidden = mask_tokens(
        tok, mask_token=MASK, mask_fraction=0.4, maskable=range(4, 7), generator=gen
    )
    assert not hidden[:, :20].any()
    assert abs(float(hidden[:, 20:].float().mean()) - 0.4) < 0.03
    assert (masked[hidden] == MASK).all() and (masked[~hidden] == tok[~hidden]).all()


def test_pretrain_mlm_learns() -> None:
    torch.manual_seed(0)
    g = _genotypes(64, 40)
    tok = genotype_tokens(torch.as_tensor(g))
    model = HEMERA(40, 2)
    hist = pretrain_mlm(
        model,
        tok,
        mask_token=MASK,
        maskable=range(4, 7),
        epochs=6,
        batch_size=32,
        lr=1e-2,
        generator=torch.Generator().manual_seed(0),
    )
    losses = [e["mlm_loss"] for e in hist.epochs]
    assert losses[-1] < losses[0] - 0.1


def test_pretrain_mlm_reports_each_epoch_when_verbose(capsys) -> None:
    # minutes of pre-training on a cohort were silent, even with --verbose
    tok = genotype_tokens(torch.as_tensor(_genotypes(16, 10)))
    opts = {"mask_token": MASK, "maskable": range(4, 7), "epochs": 2, "batch_size": 8}
    pretrain_mlm(HEMERA(10, 2), tok, verbose=True, **opts)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" mlm_loss=")[0] for line in lines] == [
        "pre-training (MLM): epoch 1/2",
        "pre-training (MLM): epoch 2/2",
    ]
    pretrain_mlm(HEMERA(10, 2), tok, **opts)
    assert capsys.readouterr().err == ""


# -- estimator ---------------------------------------------------------------------------
def test_qc_mask() -> None:
    g = np.array([[0, 0, 2, -1], [0, 1, 2, -1], [0, 1, 2, 1], [0, 0, 2, 0]], dtype=np.int8)
    keep, freq, missing = snp_qc_mask(g, maf=0.1, max_missing=0.5)
    assert keep.tolist() == [False, True, False, True]
    assert np.allclose(freq, [0, 0.25, 0, 0.25]) and np.allclose(missing, [0, 0, 0, 0.5])
    keep, _, _ = snp_qc_mask(g, maf=0.1, max_missing=0.25)
    assert keep.tolist() == [False, True, False, False]


def test_fit_predict_save_load(fitted, tmp_path) -> None:
    est, data = fitted
    assert "rs5" not in est.spec_["snp_ids"] and est.spec_["n_snps"] == data.n_snps - 1
    assert est.pretrain_history_ is not None and len(est.pretrain_history_.epochs) == 1
    assert est.evaluate(data)["auroc"] > 0.8
    proba = est.predict_proba(data)
    est.save(tmp_path / "m")
    again = HEMERAClassifier.load(tmp_path / "m")
    assert np.allclose(again.predict_proba(data), proba, atol=1e-6)
    # Columns in another order are matched by SNP id; a missing SNP is a clear error.
    perm = np.random.default_rng(1).permutation(data.n_snps)
    shuffled = GenotypeDataset(
        labels=data.labels,
        sample_ids=data.sample_ids,
        class_names=data.class_names,
        truth=None,
        meta={},
        genotypes=data.genotypes[:, perm],
        snp_ids=data.snp_ids[perm],
        chromosomes=data.chromosomes[perm],
        positions=data.positions[perm],
    )
    assert np.allclose(est.predict_proba(shuffled), proba, atol=1e-6)
    with pytest.raises(DataError, match="missing from the data"):
        est.predict_proba(
            shuffled.__class__(
                labels=None,
                sample_ids=data.sample_ids,
                class_names=[],
                truth=None,
                meta={},
                genotypes=data.genotypes[:, 1:],
                snp_ids=data.snp_ids[1:],
                chromosomes=data.chromosomes[1:],
                positions=data.positions[1:],
            )
        )


def test_lig_completeness_and_carrier_importance(fitted) -> None:
    est, data = fitted
    sub = data.subset(np.arange(6))
    att = attribute(est, sub, method="lig", target=1, n_steps=16)
    assert att.values.shape == (6, est.spec_["n_snps"])
    assert att.meta["convergence_delta_max"] >= 0
    spec = est.attribution_spec(sub)
    with torch.no_grad():
        diff = (
            spec.forward(spec.inputs[0])[:, 1] - spec.forward(spec.baselines[0].expand(6, -1))[:, 1]
        )
    assert np.allclose(
        att.values.sum(axis=1), diff.numpy(), atol=5e-3 + 0.02 * diff.abs().max().item()
    )
    table = snp_importance(att, sub, top=5)
    assert len(table) == 10 and set(table["chromosome"]) == {"1", "2"}


def test_per_snp_carriers_and_top_per_chromosome() -> None:
    values = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, 5.0]])
    geno = np.array([[1, 0, 0], [2, 0, 1]])
    attr = Attribution(values=values, method="lig", target=np.zeros(2, np.int64))
    imp, n = per_snp_carriers(attr, geno, how="mean", return_counts=True)
    # no carrier: NaN (undefined), never 0 ("no effect")
    assert np.allclose(imp, [2.0, np.nan, 5.0], equal_nan=True) and n.tolist() == [2, 0, 1]
    scores = np.array([0.1, -0.9, 0.5, 0.3, -0.2, 0.8])
    chrom = np.array(["2", "1", "1", "2", "1", "2"])
    assert top_snps_per_chromosome(scores, chrom, top=2).tolist() == [1, 2, 5, 3]
    assert top_snps_per_chromosome(scores, chrom, top=1, absolute=False).tolist() == [2, 5]


# -- loci metrics ------------------------------------------------------------------------
def test_match_known_loci_against_lung_cancer_table(data_dir) -> None:
    from attnscope.io import read_known_loci

    known = read_known_loci(need(data_dir / "reference" / "lung_cancer_GWS_loci_71_hg19.tsv"))
    assert len(known) >= 60  # 71 variants; note rows without a locus are skipped
    rng = np.random.default_rng(0)
    pick = rng.choice(len(known), 30)
    chrom = np.array([f"chr{c}" for c in known["chromosome"].to_numpy()[pick]])
    pos = known["position"].to_numpy()[pick] + rng.integers(-3_000_000, 3_000_000, 30)
    got = match_known_loci(chrom, pos, known, window=1_000_000)
    # Brute force over every (query, locus) pair.
    same = chrom[:, None] == np.char.add("chr", known["chromosome"].to_numpy().astype(str))[None]
    dist = np.where(same, np.abs(pos[:, None] - known["position"].to_numpy()[None]), np.inf)
    assert np.allclose(got["distance"], dist.min(axis=1))
    assert (got["match"].to_numpy() == (dist.min(axis=1) <= 1_000_000)).all()
    assert (got["locus_position"].to_numpy() == known["position"].to_numpy()[dist.argmin(1)]).all()
    assert "rs71658797" in match_known_loci(["1"], [77_000_000], known)["nearest_locus"].tolist()
    none = match_known_loci(["Y"], [1], known)
    assert none["nearest_locus"].isna().all() and not none["match"].any()
    with pytest.raises(DataError, match="lacks columns"):
        match_known_loci(["1"], [1], pd.DataFrame({"id": ["a"]}))


def test_ld_r2_matches_corrcoef() -> None:
    g = _genotypes(80, 6, seed=3).astype(np.int64)
    g[:, 1] = g[:, 0]
    g[:, 2] = 2 - g[:, 0]
    r2 = ld_r2(g, [0, 0, 3], [1, 2, 4])
    assert np.allclose(r2[:2], 1.0)
    assert np.isclose(r2[2], np.corrcoef(g[:, 3], g[:, 4])[0, 1] ** 2)
    g[:10, 4] = -1
    ok = slice(10, None)
    assert np.isclose(ld_r2(g, [3], [4])[0], np.corrcoef(g[ok, 3], g[ok, 4])[0, 1] ** 2)


def test_locus_recovery_and_nearest() -> None:
    chrom = np.array(["1"] * 5 + ["2"] * 5)
    pos = np.tile(np.arange(5) * 100, 2)
    scores = np.array([0, 9, 0, 0, 0, 0, 0, 0, 8, 7.0])
    out = locus_recovery(scores, chrom, pos, ["1", "2"], [100, 0], window=0, top=2)
    assert out["precision"] == 0.5 and out["recall"] == 0.5
    out = locus_recovery(scores, chrom, pos, ["1", "2"], [100, 0], window=400, top=3)
    assert out["precision"] == 1.0 and out["recall"] == 1.0
    idx, dist = nearest_locus(["1", "3"], [260, 5], ["1", "1"], [100, 300])
    assert idx.tolist() == [1, -1] and dist[0] == 40 and np.isinf(dist[1])


def test_manhattan_plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from attnscope.pl._manhattan import manhattan

    chrom = np.array(["10", "2", "2", "1", "X"])
    ax = manhattan(
        np.arange(5.0),
        chrom,
        [5, 1, 9, 3, 4],
        known_chromosomes=["chr2", "7"],
        known_positions=[4, 1],
        highlight=[0],
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "10", "X"]
    assert len(ax.collections) == 2 and len(ax.lines) == 2  # zero line + one known locus
    with pytest.raises(DataError):
        manhattan([1.0], ["1", "2"], [1, 2])


def test_lig_singles_out_the_deciding_snp() -> None:
    data = _one_snp_cohort()
    est = HEMERAClassifier(
        epochs=12, pretrain_epochs=0, lr=5e-3, val_size=0, batch_size=32, random_state=0
    ).fit(data)
    assert est.evaluate(data)["auroc"] > 0.95
    sub = data.subset(np.arange(32))
    att = attribute(est, sub, method="lig", target=1, n_steps=8)
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
