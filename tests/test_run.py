"""Run directories: held-out scoring by default, a model-independent split, saved inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attnscope.errors import DataError
from attnscope.explain import Attribution
from attnscope.run import evaluate_run, explain_run, fit_run, held_out, trust_run
from attnscope.sim import simulate_dna


@pytest.fixture(scope="module")
def dna():
    return simulate_dna(120, length=40, random_state=0)


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory, dna):
    out = tmp_path_factory.mktemp("runs") / "cnn"
    fit_run(dna, model="cnn", out=out, params={"epochs": 1}, test_size=0.25)
    return out


def test_split_depends_on_the_seed_not_the_model(tmp_path, dna, fitted_run):
    """attngen's default random_state (42) differs from cnn's (0): same test samples."""
    other = tmp_path / "attngen"
    fit_run(dna, model="attngen", out=other, params={"epochs": 1}, test_size=0.25)
    a = json.loads((fitted_run / "split.json").read_text())
    b = json.loads((other / "split.json").read_text())
    assert a["test"] == b["test"] and len(a["test"]) == 30
    moved = tmp_path / "seed1"
    fit_run(dna, model="cnn", out=moved, params={"epochs": 1}, test_size=0.25, split_seed=1)
    assert json.loads((moved / "split.json").read_text())["test"] != a["test"]


def test_evaluate_scores_held_out_samples_only(fitted_run, dna):
    test_ids = json.loads((fitted_run / "split.json").read_text())["test"]
    result = evaluate_run(fitted_run, dna, trust=False)
    assert result["metrics"]["n_samples"] == len(test_ids) == 30
    assert (
        result["metrics"]["scope"]
        == "held-out: 30 samples (90 training samples of the given data excluded)"
    )
    everything = evaluate_run(fitted_run, dna, trust=False, all_samples=True, force=True)
    everything = everything["metrics"]
    assert everything["n_samples"] == 120 and everything["scope"].startswith("ALL samples: 120")
    saved = json.loads((fitted_run / "metrics.json").read_text())["evaluate"]
    assert saved["scope"].startswith("ALL samples")


def test_training_samples_alone_are_refused(fitted_run, dna):
    train_ids = json.loads((fitted_run / "split.json").read_text())["train"]
    index = {s: i for i, s in enumerate(dna.sample_ids)}
    train = dna.subset(np.array([index[s] for s in train_ids]))
    with pytest.raises(DataError, match="--all-samples"):
        held_out(fitted_run, train)


def test_training_samples_under_new_ids_are_still_training_samples(fitted_run, dna):
    """The same cohort re-exported with new ids was scored whole as held-out."""
    from dataclasses import replace

    split = json.loads((fitted_run / "split.json").read_text())
    assert len(split["train_digests"]) == len(split["train"]) == 90
    renamed = replace(dna, sample_ids=np.char.add("new_", dna.sample_ids.astype(str)))
    kept, scope = held_out(fitted_run, renamed)
    index = {s: i for i, s in enumerate(dna.sample_ids)}
    assert sorted(kept.sample_ids) == sorted("new_" + s for s in split["test"])
    assert scope == (
        "held-out: 30 samples (90 training samples of the given data excluded, 90 of them "
        "under new ids (identical content))"
    )
    train = renamed.subset(np.array([index[s] for s in split["train"]]))
    with pytest.raises(DataError, match="90 of them under new ids"):
        held_out(fitted_run, train)
    everything, scope = held_out(fitted_run, renamed, all_samples=True)
    assert len(everything) == 120 and "of which 90 were used in training, 90 of them" in scope
    # the run's own test ids keep its split, even holding a training sample's content
    tokens = dna.tokens.copy()
    tokens[index[split["test"][0]]] = tokens[index[split["train"][0]]]
    assert len(held_out(fitted_run, replace(dna, tokens=tokens))[0]) == 30
    # a run written before digests (ids only) keeps the id rule
    old = fitted_run.parent / "old_run"
    if not old.exists():
        import shutil

        shutil.copytree(fitted_run, old)
        (old / "split.json").write_text(json.dumps({k: split[k] for k in ("train", "test")}))
    assert len(held_out(old, renamed)[0]) == 120


def test_explain_saves_held_out_values_with_their_inputs(fitted_run, dna):
    _, written = explain_run(fitted_run, dna, method="saliency", force=True)
    test_ids = json.loads((fitted_run / "split.json").read_text())["test"]
    back = Attribution.load(written[0])
    assert back.sample_ids.tolist() == test_ids and back.meta["scope"].startswith("held-out")
    index = {s: i for i, s in enumerate(dna.sample_ids)}
    rows = np.array([index[s] for s in test_ids])
    assert np.array_equal(back.inputs["tokens"], dna.tokens[rows])
    assert np.array_equal(back.inputs["truth"], dna.truth[rows])


def test_trust_run_records_its_scope(fitted_run, dna):
    result = trust_run(fitted_run, dna, methods=["random", "saliency"], n_samples=10, force=True)
    saved = json.loads((fitted_run / "trust.json").read_text())
    assert saved["scope"] == result["scope"] and saved["scope"].startswith("held-out: 30")
    assert [r["method"] for r in saved["rows"]] == ["random", "saliency"]


def test_interrupted_fit_leaves_nothing(tmp_path, dna, monkeypatch):
    import attnscope.run._config as config

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(config, "write_config", interrupted)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        fit_run(dna, model="cnn", out=out, params={"epochs": 1})
    # neither the run nor a hidden partial folder: only the checkpoint that --resume reads
    assert [p.name for p in tmp_path.iterdir()] == [".run.checkpoint"]
    with pytest.raises(KeyboardInterrupt):  # without checkpoints: nothing at all
        fit_run(dna, model="cnn", out=tmp_path / "b", params={"epochs": 1}, checkpoint=False)
    assert [p.name for p in tmp_path.iterdir()] == [".run.checkpoint"]


def test_force_replaces_the_whole_run_and_incomplete_runs_are_refused(tmp_path, dna):
    from attnscope.errors import ConfigError

    out = tmp_path / "run"
    out.mkdir()
    (out / "trust.json").write_text("{}")  # a previous run's file
    with pytest.raises(ConfigError, match="--force"):
        fit_run(dna, model="cnn", out=out, params={"epochs": 1})
    fit_run(dna, model="cnn", out=out, params={"epochs": 1}, force=True)
    assert not (out / "trust.json").exists() and (out / "model.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    (out / "split.json").unlink()
    with pytest.raises(ConfigError, match=r"not a complete run directory \(missing split.json\)"):
        evaluate_run(out, dna, trust=False)
    from attnscope.report import write_report

    with pytest.raises(ConfigError, match=r"not a complete run directory \(missing split.json\)"):
        write_report(out)  # the report refuses it too, and writes nothing
    assert not (out / "report.html").exists()
