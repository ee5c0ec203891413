"""Baselines beside every run, the verdict sentence, and the time-series normaliser in a run."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

from attnscope.data import SequenceDataset, TabularDataset
from attnscope.run import fit_run, predict_run
from attnscope.run._baselines import (
    association_test,
    kmer_counts,
    summary_features,
    verdict,
    verdict_margin,
)
from attnscope.sim import simulate_timeseries


def _planted_table(n: int = 240, p: int = 30, seed: int = 0) -> TabularDataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] - X[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return TabularDataset(
        X=X,
        feature_names=np.array([f"f{j}" for j in range(p)]),
        labels=y,
        class_names=np.array(["a", "b"]),
        sample_ids=np.array([f"s{i}" for i in range(n)]),
        truth=None,
        meta={},
    )


def test_planted_table_baselines_beat_chance_and_the_verdict_matches(tmp_path):
    data = _planted_table()
    out = tmp_path / "mlp"
    summary = fit_run(data, model="mlp", out=out, params={"epochs": 1}, test_size=0.25)
    saved = json.loads((out / "metrics.json").read_text())
    base = saved["baselines"]
    assert set(base) == {"L2 logistic regression", "random forest", "gradient boosting"}
    for row in base.values():
        assert set(row) == {"accuracy", "auroc", "auprc", "seconds"}
        assert row["auroc"] > 0.8 and row["accuracy"] > 0.6  # chance is 0.5
    assert base["L2 logistic regression"]["auroc"] > 0.95  # the signal is linear
    # The sentence is the rule applied to the saved numbers.
    best_name = max(base, key=lambda k: base[k]["auroc"])
    test_y = data.y[np.isin(data.sample_ids, json.loads((out / "split.json").read_text())["test"])]
    margin = verdict_margin(base[best_name]["auroc"], test_y)
    assert saved["verdict"] == verdict("mlp", saved["test"]["auroc"], base, margin)
    assert f"mlp (AUROC {saved['test']['auroc']:.3f})" in saved["verdict"]
    assert f"{best_name} ({base[best_name]['auroc']:.3f})" in saved["verdict"]
    assert summary["verdict"] == saved["verdict"] and f"{margin:.3f}" in saved["verdict_rule"]


def test_no_baselines_writes_none(tmp_path):
    fit_run(
        _planted_table(80),
        model="mlp",
        out=tmp_path / "r",
        params={"epochs": 1},
        test_size=0.25,
        baselines=False,
    )
    saved = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert "baselines" not in saved and "verdict" not in saved


def test_verdict_branches_and_margin():
    base = {"random forest": {"auroc": 0.92}, "L2 logistic regression": {"auroc": 0.90}}
    assert verdict("cnn", 0.915, base, 0.01).startswith(
        "cnn (AUROC 0.915) is within 0.010 of the best baseline, random forest (0.920)"
    )
    assert "does not earn its place" in verdict("cnn", 0.915, base, 0.01)
    assert "trails the best baseline, random forest (0.920), by 0.100" in verdict(
        "cnn", 0.82, base, 0.01
    )
    assert "earns its place here" in verdict("cnn", 0.95, base, 0.01)
    # An exact tie is never a win; a bigger test set gives a smaller margin (>= 0.01).
    assert "does not earn" in verdict("cnn", 0.92, base, 0.0)
    small = verdict_margin(0.8, np.r_[np.zeros(20), np.ones(20)].astype(int))
    large = verdict_margin(0.8, np.r_[np.zeros(2000), np.ones(2000)].astype(int))
    assert small > large >= 0.01 and 0.05 < small < 0.1


def test_kmer_counts_match_a_python_count():
    seqs = ["ACGTACGTNAC", "GGGGCC"]
    lut = {c: i + 1 for i, c in enumerate("ACGTN")}
    tokens = np.zeros((2, 11), np.uint8)
    for i, s in enumerate(seqs):
        tokens[i, : len(s)] = [lut[c] for c in s]
    got = kmer_counts(tokens, ks=(3,))
    for i, s in enumerate(seqs):
        kmers = [s[j : j + 3] for j in range(len(s) - 2) if "N" not in s[j : j + 3]]
        expect = np.zeros(64)
        for km in kmers:
            expect[int("".join(str("ACGT".index(c)) for c in km), 4)] += 1
        np.testing.assert_allclose(got[i], expect / len(kmers), rtol=1e-6)
    assert kmer_counts(tokens).shape == (2, 64 + 256 + 1024)


def test_summary_features_match_a_loop():
    data = simulate_timeseries(6, n_times=8, n_variables=3, window=(4, 8), random_state=1)
    feats = summary_features(data)
    v = data.values.shape[2]
    for i in range(len(data)):
        for j in range(v):
            obs = data.values[i, data.mask[i, :, j], j]
            got = feats[i, [j, v + j, 2 * v + j, 3 * v + j, 4 * v + j]]
            if obs.size == 0:
                assert np.isnan(got[:4]).all() and got[4] == 0
            else:
                expect = [obs.mean(), obs.min(), obs.max(), obs[-1], obs.size]
                np.testing.assert_allclose(got, expect, rtol=1e-5)
    np.testing.assert_array_equal(feats[:, 5 * v :], data.static)


def test_association_test_is_the_armitage_trend_test():
    from scipy import stats

    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, size=(300, 5))
    y = (g[:, 0] + rng.normal(size=300) > 1.2).astype(int)
    stat, p = association_test(g, y)
    r = np.array([np.corrcoef(g[:, j], y)[0, 1] for j in range(5)])
    np.testing.assert_allclose(stat, 300 * r**2, rtol=1e-9)
    np.testing.assert_allclose(p, stats.chi2.sf(300 * r**2, 1), rtol=1e-9)
    assert p[0] < 1e-6 and stat.argmax() == 0


def test_dna_run_has_a_kmer_baseline(tmp_path):
    from attnscope.sim import simulate_dna

    data = simulate_dna(160, length=40, random_state=0)
    assert isinstance(data, SequenceDataset)
    summary = fit_run(data, model="cnn", out=tmp_path / "cnn", params={"epochs": 1})
    assert list(summary["baselines"]) == ["k-mer logistic regression"]
    assert re.match(r"cnn \(AUROC \d\.\d{3}\)", summary["verdict"])


# -- time series: the normaliser is fitted on training samples and saved in the run ----------
def test_time_series_run_saves_and_applies_a_training_normaliser(tmp_path):
    from attnscope.estimators import BaseClassifier
    from attnscope.io import TimeSeriesNormalizer

    data = simulate_timeseries(120, n_times=12, n_variables=4, window=(6, 12), random_state=0)
    out = tmp_path / "lstm"
    fit_run(data, model="attn_lstm", out=out, params={"epochs": 1}, test_size=0.25)
    spec = json.loads((out / "model.json").read_text())["spec"]
    split = json.loads((out / "split.json").read_text())
    train = data.subset(np.flatnonzero(np.isin(data.sample_ids, split["train"])))
    test = data.subset(np.flatnonzero(np.isin(data.sample_ids, split["test"])))
    reference = TimeSeriesNormalizer().fit(train)
    np.testing.assert_allclose(spec["normalizer"]["mean"], reference.mean_)
    assert not np.allclose(spec["normalizer"]["mean"], TimeSeriesNormalizer().fit(data).mean_)
    est = BaseClassifier.load(out)
    # Raw data is normalised inside the model; pre-normalised data is used as given.
    np.testing.assert_allclose(
        est.predict_proba(test), est.predict_proba(reference.transform(test)), rtol=1e-5
    )
    path, n = predict_run(out, _npz(tmp_path, test))
    assert n == len(test)
    saved = np.loadtxt(path, delimiter="\t", skiprows=1, usecols=(2, 3))
    np.testing.assert_allclose(saved, est.predict_proba(test), atol=1e-5)
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["baselines"]) == ["gradient boosting (summary features)"]


def _npz(tmp_path: Path, data) -> Path:
    from attnscope.io import write_dataset

    return write_dataset(data, tmp_path / "test.npz")


def test_attn_lstm_defaults_are_the_benchmarked_settings():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import consistency
    finally:
        sys.path.pop(0)
    from attnscope.estimators import AttnLSTMClassifier

    params = consistency.default_params()
    assert params == {k: AttnLSTMClassifier().get_params()[k] for k in consistency.SETTINGS}
    assert params["hidden"] == 16 and params["window"] == 1 and params["delta"] is True
    recorded = json.loads(
        (Path(__file__).resolve().parents[1] / "benchmarks/results/consistency.json").read_text()
    )["params"]
    assert params == recorded


def test_tiny_training_classes_skip_the_baselines_and_say_why():
    from attnscope.run._baselines import fit_baselines

    data = _planted_table(40)
    small = data.subset(np.r_[np.flatnonzero(data.y == 0)[:4], np.flatnonzero(data.y == 1)[:1]])
    scores, extra = fit_baselines(small, data.subset(np.r_[20:40]))
    assert scores == {} and extra["baselines_skipped"].startswith("a class has 1 training")


def test_genotype_baseline_refits_to_the_same_figures():
    """liblinear shuffles its coordinates: the L1 baseline is seeded, so a re-run repeats it."""
    from attnscope.run._baselines import _models
    from attnscope.sim import simulate_genotypes, simulate_phenotype

    data = simulate_phenotype(
        simulate_genotypes(150, n_snps=400, random_state=0),
        n_causal=5,
        heritability=0.5,
        random_state=0,
    )
    coefs = []
    for _ in range(3):
        features, model = _models(data, 0)["L1 logistic regression"]
        coefs.append(model.fit(features(data), data.y)[-1].coef_.copy())
    assert np.count_nonzero(coefs[0]) > 0
    np.testing.assert_array_equal(coefs[0], coefs[1])
    np.testing.assert_array_equal(coefs[0], coefs[2])
