"""AttnGen: network, masking, loss, estimator, attributions, plots, Genomic Benchmarks path."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from attnscope.errors import ConfigError, DataError
from attnscope.estimators import make_estimator
from attnscope.estimators._attngen import AttnGenClassifier
from attnscope.models.attngen import AttnGen, least_salient_mask, masked_softmax
from attnscope.sim import simulate_dna


@pytest.fixture(scope="module")
def motif_data():
    return simulate_dna(288, length=40, motif_length=8, mutation_rate=0.0, random_state=1)


@pytest.fixture(scope="module")
def fitted(motif_data):
    return AttnGenClassifier(epochs=4, batch_size=32, random_state=0).fit(motif_data)


# -- network -------------------------------------------------------------------------------
def test_masked_softmax_ignores_padding():
    scores = torch.tensor([[1.0, 5.0, 2.0, 9.0], [0.0, 0.0, 0.0, 0.0]])
    valid = torch.tensor([[True, True, True, False], [False, False, False, False]])
    out = masked_softmax(scores, valid)
    assert torch.allclose(out[0, :3], torch.softmax(scores[0, :3], dim=0))
    assert out[0, 3] == 0
    assert torch.all(out[1] == 0)  # a fully padded row gives zeros, not NaN


def test_least_salient_mask_picks_lowest_valid_positions():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(50, 30, generator=gen)
    valid = torch.ones(50, 30, dtype=torch.bool)
    valid[:, 20:] = torch.arange(50)[:, None] % 2 == 0  # odd rows padded after 20
    mask = least_salient_mask(scores, valid, 0.25, generator=gen)
    n_valid = valid.sum(1)
    assert torch.equal(mask.sum(1), torch.floor(n_valid * 0.25).long())
    assert not (mask & ~valid).any()
    # every masked score is below every unmasked valid score in its row
    worst_masked = scores.masked_fill(~mask, -math.inf).amax(1)
    best_kept = scores.masked_fill(mask | ~valid, math.inf).amin(1)
    assert torch.all(worst_masked < best_kept)


def test_least_salient_mask_breaks_ties_at_random():
    scores = torch.zeros(400, 20)  # all tied: the choice must not favour the start
    mask = least_salient_mask(scores, torch.ones(400, 20, dtype=torch.bool), 0.1)
    per_position = mask.float().mean(0)
    assert per_position[:2].mean() < 0.3  # a left-to-right tie-break would give 1.0
    assert per_position.std() < 0.06


@pytest.mark.parametrize("length", [7, 60, 101])
def test_attngen_shapes_and_padding(length):
    net = AttnGen(length, 3).eval()
    tokens = torch.randint(1, 5, (4, length))
    tokens[1, length // 2 :] = 0
    out = net(tokens, mask_ratio=0.5)
    assert out.logits.shape == (4, 3)
    attn = out.attention["position"]
    assert attn.shape == (4, length)
    assert torch.allclose(attn.sum(1), torch.ones(4))
    assert torch.all(attn[1, length // 2 :] == 0)
    mask = out.extras["mask"]
    assert torch.equal(mask.sum(1), torch.floor((tokens != 0).sum(1) * 0.5).long())
    # the masked copy equals a forward on tokens with those positions set to pad
    again = net(tokens.masked_fill(mask, 0)).logits
    assert torch.allclose(out.extras["masked_logits"], again, atol=1e-5)


def test_saliency_is_mean_embedding():
    net = AttnGen(12, 2).eval()
    tokens = torch.randint(1, 6, (3, 12))
    out = net(tokens)
    expected = net.embedding(tokens).mean(-1)
    assert torch.allclose(out.extras["saliency"], expected)
    assert "masked_logits" not in out.extras


# -- loss ----------------------------------------------------------------------------------
def _batch(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, 5, (16, 24), generator=g), torch.randint(0, 2, (16,), generator=g)


def test_loss_alpha_zero_is_cross_entropy():
    est = AttnGenClassifier(mask_ratio=0.0)
    net = AttnGen(24, 2).eval()
    tokens, y = _batch()
    loss = est._loss_fn()(net, [tokens], y, None, 0)
    assert torch.allclose(loss, F.cross_entropy(net(tokens).logits, y))


@pytest.mark.parametrize("detach", [True, False])
def test_loss_is_ce_plus_weighted_kl(detach):
    est = AttnGenClassifier(mask_ratio=0.25, kl_weight=0.5, detach_target=detach)
    net = AttnGen(24, 2).eval()
    tokens, y = _batch()
    torch.manual_seed(3)
    loss = est._loss_fn()(net, [tokens], y, None, 0)
    torch.manual_seed(3)
    out = net(tokens, mask_ratio=0.25)
    p = torch.softmax(out.logits, 1)
    kl = p * (torch.log_softmax(out.logits, 1) - torch.log_softmax(out.extras["masked_logits"], 1))
    expected = F.cross_entropy(out.logits, y) + 0.5 * kl.sum(1).mean()
    assert torch.allclose(loss, expected, atol=1e-6)
    assert kl.sum(1).mean() > 0  # masking changed the prediction


def test_detached_target_changes_gradient_not_loss():
    """Detaching p(x) keeps the loss value but removes the KL pull on the clean pass."""
    tokens, y = _batch(1)
    losses, grads = {}, {}
    for detach in (True, False):
        torch.manual_seed(0)
        net = AttnGen(24, 2).eval()
        est = AttnGenClassifier(mask_ratio=0.25, kl_weight=1.0, detach_target=detach)
        torch.manual_seed(5)
        loss = est._loss_fn()(net, [tokens], y, None, 0)
        loss.backward()
        losses[detach], grads[detach] = loss.detach(), net.embedding.weight.grad.clone()
    assert torch.allclose(losses[True], losses[False])
    assert not torch.allclose(grads[True], grads[False])


def test_warmup_schedule():
    est = AttnGenClassifier(mask_ratio=0.2, mask_schedule="warmup", warmup_epochs=4)
    assert [round(est.alpha_at(e), 6) for e in range(6)] == [0.05, 0.1, 0.15, 0.2, 0.2, 0.2]
    assert AttnGenClassifier(mask_ratio=0.2).alpha_at(0) == 0.2


@pytest.mark.parametrize(
    "params",
    [{"mask_ratio": 1.2}, {"masking": "top"}, {"mask_schedule": "cosine"}, {"kl_weight": -1}],
)
def test_bad_parameters_raise_config_error(params, motif_data):
    with pytest.raises(ConfigError):
        AttnGenClassifier(epochs=1, **params).fit(motif_data)


# -- estimator -----------------------------------------------------------------------------
def test_published_defaults_and_registry():
    est = make_estimator("attngen", {"mask_ratio": 0.1, "kl_weight": 0.1})
    assert isinstance(est, AttnGenClassifier)
    p = est.get_params()
    assert (p["lr"], p["batch_size"], p["weight_decay"], p["patience"]) == (1e-3, 64, 1e-4, 10)
    assert (p["clip_grad_norm"], p["random_state"], p["optimizer"]) == (1.0, 42, "adam")


def test_fit_learns_planted_motifs(fitted, motif_data):
    assert fitted.score(motif_data) > 0.8
    assert fitted.predict_proba(motif_data).shape == (len(motif_data), 2)


def test_same_seed_same_model(motif_data):
    motif_data = motif_data.subset(np.arange(96))
    a = AttnGenClassifier(epochs=1, random_state=3).fit(motif_data).predict_proba(motif_data)
    b = AttnGenClassifier(epochs=1, random_state=3).fit(motif_data).predict_proba(motif_data)
    c = AttnGenClassifier(epochs=1, random_state=4).fit(motif_data).predict_proba(motif_data)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_wrong_length_is_a_data_error(fitted):
    with pytest.raises(DataError, match="longer than the 40 bases"):
        fitted.predict(simulate_dna(10, length=50, motif_length=8, random_state=0))


def test_strings_are_padded_to_training_length(fitted, motif_data):
    seqs = [s[:30] for s in motif_data.sequences()[:5]]
    assert fitted.predict_proba(np.array(seqs)).shape == (5, 2)


def test_save_load_round_trip(fitted, motif_data, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = AttnGenClassifier.load(tmp_path / "m")
    # saved as JSON: tuples come back as lists
    assert json.loads(json.dumps(loaded.get_params())) == json.loads(
        json.dumps(fitted.get_params())
    )
    assert np.allclose(loaded.predict_proba(motif_data), fitted.predict_proba(motif_data))


# -- attributions --------------------------------------------------------------------------
def test_attribution_spec_is_consistent(fitted, motif_data):
    spec = fitted.attribution_spec(motif_data.subset(np.arange(8)))
    (tokens,) = spec.raw_inputs
    with torch.no_grad():
        via_emb = spec.forward(*spec.inputs, *spec.additional_args)
        assert torch.allclose(via_emb, spec.raw_forward(tokens), atol=1e-5)
        assert torch.allclose(spec.layer_forward(*spec.layer_inputs), via_emb, atol=1e-5)
        assert torch.count_nonzero(spec.layer(torch.zeros(1, 3, dtype=torch.long))) == 0
    mask = torch.zeros_like(tokens, dtype=torch.bool)
    mask[:, :5] = True
    (removed,) = spec.remove((tokens,), mask)
    assert torch.all(removed[:, :5] == 0) and torch.equal(removed[:, 5:], tokens[:, 5:])
    assert spec.attention is not None
    assert spec.attention(tokens)["position"].shape == tokens.shape


def test_gradient_norm_method(fitted, motif_data):
    from attnscope.explain import attribute

    data = motif_data.subset(np.arange(6))
    attr = attribute(fitted, data, method="gradient_norm", target=0)
    assert attr.values.shape == (6, 40) and (attr.values >= 0).all()
    spec = fitted.attribution_spec(data)
    e = spec.inputs[0][:1].clone().requires_grad_(True)
    spec.forward(e, spec.additional_args[0][:1])[0, 0].backward()
    assert np.allclose(attr.values[0], e.grad[0].norm(dim=-1).numpy(), atol=1e-6)


def test_integrated_gradients_recover_planted_motif(fitted, motif_data):
    """IG on the embeddings (pad baseline) puts the top positions inside the motif."""
    from attnscope.explain import attribute

    data = motif_data.subset(np.arange(120))
    attr = attribute(fitted, data, method="integrated_gradients", target=data.y, n_steps=20)
    k = int(data.truth.sum(1)[0])
    top = np.argsort(-np.abs(attr.values), axis=1)[:, :k]
    precision = np.take_along_axis(data.truth, top, axis=1).mean()
    assert precision > 1.5 * data.truth.mean()  # a random ranking expects truth.mean()


def test_generic_methods_work_on_embeddings(fitted, motif_data):
    from attnscope.explain import attribute

    attr = attribute(fitted, motif_data.subset(np.arange(5)), method="input_x_gradient")
    assert attr.values.shape == (5, 40) and np.isfinite(attr.values).all()


# -- plots ---------------------------------------------------------------------------------
def test_plots_return_axes(fitted, motif_data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope.explain import attribute
    from attnscope.pl import attribution_logo, masking_curves, saliency_track

    data = motif_data.subset(np.arange(3))
    attr = attribute(fitted, data, method="gradient_norm")
    ax = saliency_track(attr, index=1, sequence=data.tokens[1], truth=data.truth[1], top_k=5)
    assert len(ax.lines) >= 1 and ax.get_xticklabels()[0].get_text() in "ACGTN"
    ax = attribution_logo(attr.values[0], data.sequences()[0], start=5, stop=25)
    assert len(ax.patches) + len(ax.texts) + len(ax.collections) > 0
    ax = masking_curves([0, 5, 10], {"top": np.array([[0.9, 0.6, 0.5], [0.8, 0.5, 0.5]])})
    assert len(ax.lines) == 1 and len(ax.collections) == 1  # mean line and std band
    with pytest.raises(DataError):
        masking_curves([0, 5], {"top": [0.9, 0.6, 0.5]})
    with pytest.raises(DataError):
        saliency_track(attr.values[0], sequence="ACGT")
    plt.close("all")


# -- Genomic Benchmarks layout, end to end -------------------------------------------------
def test_genomic_benchmarks_folder_end_to_end(tmp_path):
    import attnscope.io

    reader = getattr(attnscope.io, "read_genomic_benchmarks", None)
    if reader is None:
        pytest.skip("attnscope.io.read_genomic_benchmarks is not available yet")
    root = tmp_path / "demo_human_or_worm"
    sim = simulate_dna(80, length=40, motif_length=8, mutation_rate=0.0, random_state=2)
    seqs = sim.sequences()
    for split, rows in (("train", range(0, 60)), ("test", range(60, 80))):
        for i in rows:
            cls = ("human", "worm")[int(sim.y[i])]
            folder = root / split / cls
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{i}.txt").write_text(seqs[i])
    train = reader(root, split="train")
    test = reader(root, split="test")
    assert sorted(train.class_names) == ["human", "worm"] and len(train) == 60
    est = AttnGenClassifier(epochs=1, batch_size=32).fit(train)
    assert est.predict(test).shape == (20,)
    assert set(est.predict(test)) <= {"human", "worm"}


def test_benchmark_helpers():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import _attngen_data
    import attngen as bench

    tokens = np.array([[1, 2, 1, 2, 5, 1]], dtype=np.uint8)  # A C A C N A
    counts = _attngen_data.kmer_counts(tokens, ks=(1, 2))
    # 1-mers: A 3/5, C 2/5 (N skipped); 2-mers AC, CA, AC valid -> AC 2/3, CA 1/3
    assert np.allclose(counts[0, :4], [0.6, 0.4, 0, 0])
    assert np.isclose(counts[0, 4 + 1], 2 / 3) and np.isclose(counts[0, 4 + 4], 1 / 3)
    # (the de novo motif is attnscope.explain.discover_motifs now: tested in test_motifs)
    mask = bench.top_mask(np.array([[0.1, 0.9, 0.5, 0.7]]), 2, np.random.default_rng(0))
    assert mask.tolist() == [[False, True, False, True]]
    from _motifs_patterns import strongest_dinucleotide

    # strongest adjacent pair by summed |CWM|: positions 1-2 (G then T), not the A at 3
    cwm = np.array([[0, 0, 0.1, 0], [0, 0, 2.0, 0], [0, 0, 0, -1.5], [1.2, 0, 0, 0]])
    assert strongest_dinucleotide(cwm) == "GT"
    assert strongest_dinucleotide(cwm[:1]) == ""


def test_benchmark_val_chosen_setting_uses_validation_only():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import _attngen_rows

    def unit(vals: dict[str, tuple[float, float]]) -> dict:
        return {v: {"val_accuracy": va, "accuracy": te} for v, (va, te) in vals.items()}

    # seed 1: mask0.20 is best on validation though mask0.10 is best on test
    recs = [
        unit({"attngen_mask0.10": (0.80, 0.90), "attngen_mask0.20": (0.85, 0.70)}),
        unit({"attngen_mask0.10": (0.90, 0.88), "attngen_mask0.20": (0.70, 0.95)}),
    ]
    (r,) = _attngen_rows.val_chosen_rows("d", recs, "sweep")
    assert r["chosen"] == ["attngen_mask0.20", "attngen_mask0.10"]
    assert np.isclose(r["mean"], (0.70 + 0.88) / 2) and r["values"] == [0.70, 0.88]
    del recs[0]["attngen_mask0.10"]["val_accuracy"]  # units from before: no row
    assert _attngen_rows.val_chosen_rows("d", recs, "sweep") == []


def test_noise_sensitivity_is_undefined_for_methods_reading_tokens(fitted, motif_data):
    """Noise added to the embeddings never reaches token ids: attention, occlusion and LIG
    maps would not move, and a 0 would read as perfectly stable."""
    from attnscope.explain import METHOD_READS
    from attnscope.trust import max_sensitivity

    data = motif_data.subset(np.arange(6))
    for method in ("attention", "occlusion", "layer_integrated_gradients", "lime"):
        assert METHOD_READS[method] in ("raw", "layer")
        assert np.isnan(max_sensitivity(fitted, data, method=method, n_perturb=2)).all()
    saliency = max_sensitivity(fitted, data, method="saliency", n_perturb=2)
    assert np.isfinite(saliency).all() and (saliency > 0).all()
