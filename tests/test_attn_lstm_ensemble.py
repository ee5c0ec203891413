"""AttnLSTMClassifier(n_members=M): a seed ensemble trained at once, used as one model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from attnscope.errors import ConfigError

SMALL = {"hidden": 6, "attention_dim": 4, "epochs": 3, "patience": 2, "batch_size": 32}


@pytest.fixture(scope="module")
def shares():
    from attnscope.data import train_val_test_split
    from attnscope.sim import simulate_timeseries

    data = simulate_timeseries(
        160, n_times=8, n_variables=4, n_informative=2, window=(4, 8), random_state=3
    )
    tr, va, te = train_val_test_split(data.y, val_size=0.2, test_size=0.2, random_state=0)
    return data.subset(tr), data.subset(va), data.subset(te)


@pytest.fixture(scope="module")
def ensemble(shares):
    from attnscope.estimators import AttnLSTMClassifier

    train, val, _ = shares
    return AttnLSTMClassifier(n_members=3, random_state=2, **SMALL).fit(train, validation_data=val)


def _member_proba(est, data):
    members = est.module_.members
    inputs = est._make_inputs(data)
    with torch.no_grad():
        return [torch.softmax(members.member(i)(*inputs).logits, -1).numpy() for i in range(3)]


def test_prediction_is_the_members_mean_probability(ensemble, shares):
    test = shares[2]
    proba = ensemble.predict_proba(test)
    np.testing.assert_allclose(proba, np.mean(_member_proba(ensemble, test), axis=0), atol=1e-5)
    assert ensemble.module_.members.seeds == [2, 3, 4]
    hist = ensemble.history_
    assert len(hist.members) == 3 and hist.to_dict()["members"] == hist.members
    # no single kept epoch: each member kept its own; the time is the whole training's
    assert hist.best_epoch == -1
    assert np.isclose(hist.seconds, sum(m["seconds"] for m in hist.members))
    from attnscope.pl._metrics import kept_epochs, training_history

    kept = kept_epochs(hist.to_dict())
    assert kept == sorted({m["best_epoch"] for m in hist.members})
    legend = [t.get_text() for t in training_history(hist.to_dict()).get_legend().get_texts()]
    assert f"members' kept epochs {', '.join(str(e + 1) for e in kept)}" in legend


def test_a_member_is_the_standalone_fit_of_its_seed(shares):
    """Without dropout, member k equals a standalone fit with random_state + k."""
    from attnscope.estimators import AttnLSTMClassifier

    train, val, test = shares
    options = {**SMALL, "dropout": 0.0}
    ens = AttnLSTMClassifier(n_members=2, random_state=7, **options).fit(train, validation_data=val)
    alone = AttnLSTMClassifier(random_state=8, **options).fit(train, validation_data=val)
    inputs = alone._make_inputs(test)
    with torch.no_grad():
        member = ens.module_.members.member(1)(*inputs).logits
    np.testing.assert_allclose(member.numpy(), alone.predict_logits(test), atol=1e-4)
    assert ens.history_.members[1]["best_epoch"] == alone.history_.best_epoch


def test_attention_is_the_members_mean_map_and_gradients_explain_the_ensemble(ensemble, shares):
    from attnscope.explain import attribute

    test = shares[2]
    att = attribute(ensemble, test, method="attention")
    inputs = ensemble._make_inputs(test)
    members = ensemble.module_.members
    with torch.no_grad():
        maps = [members.member(i)(*inputs).attention["cell"].numpy() for i in range(3)]
    np.testing.assert_allclose(att.values, np.mean(maps, axis=0), atol=1e-6)
    np.testing.assert_allclose(att.values.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    # integrated gradients of the log mean probability add up to its change from the baseline
    ig = attribute(ensemble, test, method="integrated_gradients", n_steps=64)
    assert ig.values.shape == att.values.shape
    spec = ensemble.attribution_spec(test)
    target = torch.as_tensor(ig.target)
    with torch.no_grad():
        full = spec.forward(spec.inputs[0], *spec.additional_args)
        base = spec.forward(spec.baselines[0].expand_as(spec.inputs[0]), *spec.additional_args)
    change = (full - base).gather(1, target[:, None])[:, 0].numpy()
    np.testing.assert_allclose(ig.values.sum(axis=(1, 2)), change, atol=2e-2)


def test_save_and_load_keep_the_ensemble(ensemble, shares, tmp_path):
    from attnscope.estimators import AttnLSTMClassifier

    ensemble.save(tmp_path / "m")
    spec = json.loads((tmp_path / "m" / "model.json").read_text())
    assert spec["spec"]["n_members"] == 3
    loaded = AttnLSTMClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(
        loaded.predict_proba(shares[2]), ensemble.predict_proba(shares[2]), atol=1e-6
    )
    assert len(loaded.history_.members) == 3


def test_ensemble_options_are_checked(shares):
    from attnscope.estimators import AttnLSTMClassifier

    train, val, _ = shares
    with pytest.raises(ConfigError, match="n_members"):
        AttnLSTMClassifier(n_members=0, **SMALL).fit(train, validation_data=val)
    with pytest.raises(ConfigError, match="sample_weight is not supported with n_members"):
        AttnLSTMClassifier(n_members=2, **SMALL).fit(
            train, validation_data=val, sample_weight=np.ones(len(train))
        )
    with pytest.raises(ConfigError, match="a seed study trains single models"):
        AttnLSTMClassifier(n_members=2).build_members(train, [0, 1])
    from attnscope.run._consistency import run_consistency

    for batched in (True, False):  # neither path: variants would share members
        with pytest.raises(ConfigError, match="n_members=2: a seed study trains single"):
            run_consistency(train, model="attn_lstm", params={"n_members": 2}, batched=batched)


def test_cli_fits_and_evaluates_an_ensemble(shares, tmp_path, capsys):
    from attnscope.cli import run
    from attnscope.io import write_dataset

    path = write_dataset(shares[0], tmp_path / "ts.npz")
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "attn_lstm", "--out", str(out), "--no-baselines",
            "--set", "n_members=2", "--set", "epochs=2", "--set", "hidden=6"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    model = json.loads((out / "model.json").read_text())
    assert model["spec"]["n_members"] == 2 and model["params"]["n_members"] == 2
    assert run(["evaluate", str(out), str(path), "--no-trust"]) == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    scores = metrics["evaluate"]
    assert scores["n_samples"] == 20 and 0.0 <= scores["auroc"] <= 1.0
    assert len(metrics["history"]["members"]) == 2
    from attnscope.report import build_report

    html = build_report(out)
    assert "(mean over the 2 seed-ensemble members still training)" in html
    assert "the members kept the weights of epochs" in html


def test_the_estimator_trains_the_benchmarks_ensemble(shares):
    """``fit --set n_members=M`` reproduces the M-seed chunk of the seed study and of the
    Raindrop benchmark (``run._batched._train_chunk``), dropout included."""
    from attnscope.estimators import AttnLSTMClassifier
    from attnscope.io import TimeSeriesNormalizer
    from attnscope.run._batched import _train_chunk

    norm = TimeSeriesNormalizer().fit(shares[0])  # as the benchmarks give it
    train, val, test = (norm.transform(d) for d in shares)
    template = AttnLSTMClassifier(random_state=5, **SMALL)
    _, logits, _, _ = _train_chunk(template, train, val, test, [5, 6], 0, 5)
    est = AttnLSTMClassifier(n_members=2, random_state=5, **SMALL).fit(train, validation_data=val)
    chunk = torch.softmax(logits, -1).mean(0).numpy()
    np.testing.assert_allclose(est.predict_proba(test), chunk, atol=1e-5)


def test_numpy_scalar_parameters_as_a_grid_gives_them(shares):
    """``GridSearchCV`` grids come from np.arange / np.logspace: numpy scalars are numbers."""
    from attnscope.estimators import AttnLSTMClassifier
    from attnscope.estimators._params import check_params

    checked = check_params(
        "attn_lstm", {"n_members": np.int64(2), "lr": np.float32(0.5), "delta": np.True_}
    )
    assert checked == {"n_members": 2, "lr": 0.5, "delta": True}
    assert all(type(v) in (int, float, bool) for v in checked.values())
    with pytest.raises(ConfigError, match="epochs must be an integer"):
        check_params("attn_lstm", {"epochs": np.float64(2.5)})
    train, val, _ = shares
    est = AttnLSTMClassifier(n_members=np.int64(2), epochs=np.int64(1), hidden=6)
    assert est.fit(train, validation_data=val).module_.n_members == 2


def test_optional_parameters_pass_the_fit_check():
    """HEMERA's proj_eps=None (the paper's plain AdamW) was refused by the fit-time check."""
    from attnscope.estimators._params import check_params

    assert check_params("hemera", {"proj_eps": None})["proj_eps"] is None


def test_noise_sensitivity_reaches_methods_reading_the_series(ensemble, shares):
    """attention and occlusion evaluate (values, mask, static): the noise on the values
    reaches them, so their noise sensitivity is measured (token models' is undefined)."""
    from attnscope.trust import max_sensitivity

    test = shares[2].subset(np.arange(4))
    for method in ("attention", "occlusion"):
        sens = max_sensitivity(ensemble, test, method=method, n_perturb=2)
        assert np.isfinite(sens).all() and (sens > 0).all(), method
