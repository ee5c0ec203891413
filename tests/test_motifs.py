"""Dinucleotide shuffles, shuffled references, hypothetical contributions and motif discovery."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from attnscope.core import AttributionSpec
from attnscope.errors import ConfigError, DataError
from attnscope.explain import attribute_spec, dinucleotide_shuffle, discover_motifs


def _onehot(tokens: np.ndarray) -> np.ndarray:
    """(n, L) codes 0..3 (4 = all-zero column) -> (n, 4, L) float32."""
    eye = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])
    return eye[tokens].transpose(0, 2, 1).copy()


def _dinucs(x: np.ndarray) -> np.ndarray:
    """Counts of the 25 symbol pairs (zero column = fifth symbol), shape (..., 25)."""
    t = np.where(x.sum(axis=-2) > 0, x.argmax(axis=-2), 4)
    pairs = t[..., :-1] * 5 + t[..., 1:]
    return np.stack([(pairs == p).sum(axis=-1) for p in range(25)], axis=-1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dinucleotide_shuffle_keeps_every_dinucleotide_count(seed):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (40, int(rng.integers(5, 80))))
    tokens[rng.random(tokens.shape) < 0.05] = 4  # N columns are kept as a fifth symbol
    x = _onehot(tokens)
    shuf = dinucleotide_shuffle(x, n_shuffles=7, random_state=seed)
    assert shuf.shape == (40, 7, 4, tokens.shape[1]) and shuf.dtype == np.float32
    np.testing.assert_array_equal(_dinucs(shuf), np.broadcast_to(_dinucs(x)[:, None], (40, 7, 25)))
    np.testing.assert_array_equal(
        shuf[..., 0], np.broadcast_to(x[:, None, :, 0], shuf[..., 0].shape)
    )
    np.testing.assert_array_equal(
        shuf[..., -1], np.broadcast_to(x[:, None, :, -1], shuf[..., 0].shape)
    )
    assert (shuf != x[:, None]).any(axis=(2, 3)).mean() > 0.5  # shuffles really move bases
    np.testing.assert_array_equal(shuf, dinucleotide_shuffle(x, n_shuffles=7, random_state=seed))


def test_dinucleotide_shuffle_rejects_bad_input():
    with pytest.raises(DataError, match="shape"):
        dinucleotide_shuffle(np.zeros((2, 5, 10)))
    with pytest.raises(DataError, match="0/1"):
        dinucleotide_shuffle(np.full((1, 4, 10), 0.5))
    with pytest.raises(ConfigError, match="n_shuffles"):
        dinucleotide_shuffle(np.zeros((1, 4, 10)), n_shuffles=0)


def _conv_spec(n: int = 10, length: int = 40, seed: int = 0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Conv1d(4, 6, 5),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(6 * (length - 4), 2),
    )
    tokens = np.random.default_rng(seed).integers(0, 4, (n, length))
    x = torch.as_tensor(_onehot(tokens))
    spec = AttributionSpec(
        inputs=(x,),
        forward=net,
        baselines=(torch.zeros(1, 4, length),),
        to_features=lambda a: a[0].sum(dim=1).detach().numpy(),
        raw_inputs=(x,),
        raw_forward=net,
        remove=lambda raw, mask: raw,
        meta={"one_hot": True},
    )
    return SimpleNamespace(module_=net), spec, x, net


def test_deeplift_shap_with_shuffles_equals_tangermeme():
    tangermeme = pytest.importorskip("tangermeme.deep_lift_shap")
    est, spec, x, net = _conv_spec()
    ours = attribute_spec(
        est,
        spec,
        method="deeplift_shap",
        baselines="shuffle",
        n_shuffles=6,
        target=1,
        random_state=5,
    )
    refs = torch.as_tensor(dinucleotide_shuffle(x, n_shuffles=6, random_state=5))
    theirs = tangermeme.deep_lift_shap(net, x, target=1, references=refs, batch_size=7)
    np.testing.assert_allclose(ours.values, theirs.sum(dim=1).numpy(), atol=1e-6)
    assert ours.meta["n_shuffles"] == 6 and ours.meta["convergence_delta_max"] < 1e-4
    hyp = attribute_spec(
        est,
        spec,
        method="hypothetical_contributions",
        base="deeplift_shap",
        n_shuffles=6,
        target=1,
        random_state=5,
    )
    theirs_hyp = tangermeme.deep_lift_shap(
        net, x, target=1, references=refs, batch_size=7, hypothetical=True
    )
    assert hyp.values.shape == (10, 40, 4) and list(hyp.feature_names) == list("ACGT")
    np.testing.assert_allclose(hyp.values, theirs_hyp.numpy().transpose(0, 2, 1), atol=1e-6)


def _linear_spec(n: int = 8, length: int = 30):
    rng = np.random.default_rng(3)
    w = torch.as_tensor(rng.normal(size=(2, 4, length)).astype(np.float32))

    def forward(x):
        return torch.einsum("nbl,cbl->nc", x, w)

    x = torch.as_tensor(_onehot(rng.integers(0, 4, (n, length))))
    spec = AttributionSpec(
        inputs=(x,),
        forward=forward,
        baselines=(torch.zeros(1, 4, length),),
        to_features=lambda a: a[0].sum(dim=1).detach().numpy(),
        raw_inputs=(x,),
        raw_forward=forward,
        remove=lambda raw, mask: raw,
        meta={"one_hot": True},
    )
    return SimpleNamespace(module_=torch.nn.Identity()), spec, x, w


@pytest.mark.parametrize("method", ["integrated_gradients", "gradient_shap"])
def test_shuffled_references_on_a_linear_model(method):
    est, spec, x, w = _linear_spec()
    # one shuffle: every path integral of a linear model is w * (x - r) exactly
    attr = attribute_spec(
        est, spec, method=method, baselines="shuffle", n_shuffles=1, target=0, random_state=2
    )
    ref = torch.as_tensor(dinucleotide_shuffle(x, n_shuffles=1, random_state=2))[:, 0]
    expected = (w[0] * (x - ref)).sum(dim=1).numpy()
    np.testing.assert_allclose(attr.values, expected, atol=1e-5)
    # many shuffles: the mean over the sample's own shuffles (IG) / a draw among them
    many = attribute_spec(
        est, spec, method=method, baselines="shuffle", n_shuffles=5, target=0, random_state=2
    )
    refs = torch.as_tensor(dinucleotide_shuffle(x, n_shuffles=5, random_state=2))
    total = many.values.sum(axis=1)
    if method == "integrated_gradients":
        gap = spec.forward(x)[:, 0] - spec.forward(refs.reshape(-1, *x.shape[1:])).reshape(8, 5, 2)[
            ..., 0
        ].mean(1)
        np.testing.assert_allclose(total, gap.numpy(), atol=1e-4)  # completeness
    with pytest.raises(ConfigError, match="not known"):
        attribute_spec(est, spec, method=method, baselines="dinuc", target=0)


def test_hypothetical_gradient_is_the_base_centred_gradient():
    est, spec, _x, w = _linear_spec()
    hyp = attribute_spec(est, spec, method="hypothetical", target=1)
    expected = (w[1] - w[1].mean(dim=0, keepdim=True)).T.numpy()  # (length, 4)
    np.testing.assert_allclose(hyp.values, np.broadcast_to(expected, hyp.values.shape), atol=1e-6)
    np.testing.assert_allclose(hyp.values.sum(axis=-1), 0, atol=1e-6)


def test_shuffles_need_one_hot_dna():
    est, spec, _x, _w = _linear_spec()
    spec.meta["one_hot"] = False
    for method, opts in (
        ("deeplift_shap", {"baselines": "shuffle"}),
        ("integrated_gradients", {"baselines": "shuffle"}),
        ("hypothetical_contributions", {}),
    ):
        with pytest.raises(ConfigError, match="one-hot"):
            attribute_spec(est, spec, method=method, target=0, **opts)


def _planted(n: int, length: int, motif: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random DNA with ``motif`` at a random place (either strand); hypothetical
    contributions: the one-hot motif there (1 per observed base), small noise elsewhere."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (n, length))
    code = np.array(["ACGT".index(c) for c in motif])
    hyp = rng.normal(0, 0.01, (n, length, 4)).astype(np.float32)
    for i in range(n):
        m = code if rng.random() < 0.5 else (3 - code)[::-1]
        s = int(rng.integers(0, length - len(m)))
        tokens[i, s : s + len(m)] = m
        hyp[i, s + np.arange(len(m)), m] += 1.0
    return hyp, tokens + 1  # attnscope token codes


def test_discover_motifs_recovers_a_planted_ctcf_site(data_dir, tmp_path):
    pytest.importorskip("modiscolite")
    from attnscope.io import read_jaspar

    path = data_dir / "reference" / "jaspar" / "JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf"
    if not path.is_file():
        pytest.skip(f"shared data file {path} is not available")
    library = read_jaspar(path)
    ctcf = library["MA0139.1"].consensus()
    hyp, tokens = _planted(600, 100, ctcf, seed=0)
    res = discover_motifs(hyp, tokens, motifs=library, n_leiden_runs=2, n_jobs=1)
    top = res.patterns[0]
    assert top.pattern_id == "pos_patterns.pattern_0" and top.n_seqlets >= 80
    assert top.best()["id"] == "MA0139.1" and top.best()["q_value"] < 0.05
    assert ctcf in top.consensus or ctcf[::-1].translate(str.maketrans("ACGT", "TGCA")) in (
        top.consensus
    )
    from attnscope.pl import motif_logo

    res.save(tmp_path, logo=motif_logo)
    rows = (tmp_path / "patterns.tsv").read_text().splitlines()
    assert rows[0].startswith("pattern\tn_seqlets") and "MA0139.1 CTCF" in rows[1]
    saved = json.loads((tmp_path / "patterns.json").read_text())
    assert np.asarray(saved["patterns"][0]["ppm"]).shape[1] == 4
    assert (tmp_path / "logos" / "pos_patterns.pattern_0.png").stat().st_size > 1000


def test_discover_motifs_finds_nothing_in_noise():
    pytest.importorskip("modiscolite")
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, 5, (300, 80))
    for scores in (rng.normal(size=(300, 80)), rng.random((300, 80))):  # signed, unsigned
        res = discover_motifs(scores, tokens, motifs={}, n_leiden_runs=2)
        assert all(p.n_seqlets < 100 for p in res.patterns)


def test_discover_motifs_rejects_bad_shapes():
    with pytest.raises(DataError, match="do not match"):
        discover_motifs(np.zeros((3, 50, 4)), np.ones((3, 60), np.uint8), motifs={})
    with pytest.raises(DataError, match="shorter than"):
        discover_motifs(np.zeros((3, 20)), np.ones((3, 20), np.uint8), motifs={})


def test_motifs_command_writes_the_pattern_table(tmp_path, capsys):
    pytest.importorskip("modiscolite")
    from attnscope.cli import run

    sim = tmp_path / "sim"
    assert run(["simulate", "dna", "--out", str(sim), "--n-samples", "300"]) == 0
    data = str(sim / "data.npz")
    fit = ["fit", data, "--model", "cnn", "--out", str(tmp_path / "run"), "--set", "epochs=2"]
    assert run([*fit, "--set", "n_filters=8"]) == 0
    args = ["motifs", str(tmp_path / "run"), data, "--n-leiden-runs", "2", "--motifs"]
    jaspar = tmp_path / "one.jaspar"
    jaspar.write_text(">M1 toy\nA [ 9 0 0 0 ]\nC [ 0 9 0 0 ]\nG [ 0 0 9 0 ]\nT [ 0 0 0 9 ]\n")
    assert run([*args, str(jaspar)]) == 0
    out = tmp_path / "run" / "motifs"
    header = (out / "patterns.tsv").read_text().splitlines()[0]
    assert header.split("\t")[:3] == ["pattern", "n_seqlets", "consensus"]
    saved = json.loads((out / "patterns.json").read_text())
    assert (
        saved["options"]["n"] == 150 and saved["options"]["method"] == "hypothetical_contributions"
    )
    assert run(["report", str(tmp_path / "run")]) == 0
    html = (tmp_path / "run" / "report.html").read_text()
    # the report's motif table lists exactly the patterns the command saved
    assert ('id="motif-table"' in html) == bool(saved["patterns"])
    assert all(p["pattern"] in html for p in saved["patterns"])
    capsys.readouterr()
    assert run([*args, str(jaspar)]) == 2  # RUN/motifs exists: --force needed
    assert "--force" in capsys.readouterr().err
    assert run([*args, str(jaspar), "--force", "--target", "nope"]) == 2
    # without DATA: the run's own data, so the same sequences and patterns
    own = ["motifs", str(tmp_path / "run"), "--n-leiden-runs", "2", "--motifs", str(jaspar)]
    assert run([*own, "--force"]) == 0
    again = json.loads((out / "patterns.json").read_text())
    assert again["options"]["n"] == 150
    assert [p["consensus"] for p in again["patterns"]] == [
        p["consensus"] for p in saved["patterns"]
    ]


def test_discover_motifs_short_windows_still_find_patterns():
    """Seqlets shorter than modisco's 30-base trimming window (splice-site settings)."""
    pytest.importorskip("modiscolite")
    hyp, tokens = _planted(600, 40, "CAGGTAAGT", seed=2)
    res = discover_motifs(
        hyp, tokens, motifs={}, sliding_window_size=9, flank_size=3, n_leiden_runs=2
    )
    assert res.options["trim_to_window_size"] == 15 and res.options["initial_flank_to_add"] == 3
    assert res.patterns and res.patterns[0].n_seqlets >= 80
    top = res.patterns[0].consensus
    assert "GGTAAG" in top or "CTTACC" in top
