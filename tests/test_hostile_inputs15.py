"""Hostile inputs, round 12: a run's config.toml given back to ``fit``.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written; the others assert what the re-run wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(15).normal(size=(24, 6)), 3)
_FIT = ["--model", "mlp", "--label-col", "label", "--set", "epochs=1", "--set", "val_size=0",
        "--set", "hidden=[8]", "--no-baselines", "-q"]  # fmt: skip


def _table(path: Path) -> Path:
    rows = [",".join(["sample", "label", *_GENES])]
    rows += [",".join([f"p{i}", "ab"[i % 2], *map(str, _X[i])]) for i in range(24)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _split(run_dir: Path) -> dict:
    return json.loads((run_dir / "split.json").read_text())


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run15")
    out = folder / "run"
    argv = ["fit", str(_table(folder / "expr.csv")), "--out", str(out), *_FIT]
    assert run([*argv, "--test-size", "0.25", "--seed", "3"]) == 0
    return out


def test_config_of_a_run_repeats_its_split(tmp_path, first_run):
    """``fit --config RUN/config.toml`` drew the default split (0.2, seed 0), not the run's
    (0.25, seed 3): the 're-run' was tested on other samples, silently."""
    out = tmp_path / "again"
    assert run(["fit", "--config", str(first_run / "config.toml"), "--out", str(out), "-q"]) == 0
    before, after = _split(first_run), _split(out)
    assert len(before["test"]) == 6  # 25% of 24
    assert after["test"] == before["test"] and after["train"] == before["train"]


def test_command_line_split_wins_over_the_config(tmp_path, first_run):
    out = tmp_path / "other"
    config = str(first_run / "config.toml")
    argv = ["fit", "--config", config, "--out", str(out), "--test-size", "0.5", "-q"]
    assert run(argv) == 0
    assert len(_split(out)["test"]) == 12


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ('test_size = "a fifth"', "test_size must be a number in [0, 1)"),
        ("split = 2", "split must be a string (random or homology)"),
        ("split_seed = -1", "split_seed of"),
    ],
)
def test_config_split_of_the_wrong_type_is_refused(tmp_path, first_run, capsys, line, phrase):
    text = (first_run / "config.toml").read_text()
    key = line.split(" = ")[0]
    kept = [row for row in text.splitlines() if not row.startswith(f"{key} =")]
    config = tmp_path / "config.toml"
    config.write_text(line + "\n" + "\n".join(kept) + "\n")
    out = tmp_path / "bad"
    code = run(["fit", "--config", str(config), "--out", str(out)])
    err = one_error(code, capsys.readouterr().err)
    assert phrase in err and not out.exists()


# ---------------------------------------------------------------- library edge cases
def test_a_non_number_in_a_jaspar_row_is_named(tmp_path):
    """``A [ 1 2 x ]`` was refused for its row lengths (the 'x' read as nothing), which sent
    the user counting columns instead of to the typo."""
    from attnscope.errors import DataError
    from attnscope.io import read_jaspar

    path = tmp_path / "m.jaspar"
    rows = ["A [ 1 2 x ]", "C [ 3 4 5 ]", "G [ 6 7 8 ]", "T [ 9 1 2 ]"]
    path.write_text(">MA1\tX\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 2: 'x' in the row for base A is not a count"):
        read_jaspar(path)
    path.write_text(">MA1\tX\n" + "\n".join(r.replace("x", "5") for r in rows) + "\n")
    assert read_jaspar(path)["MA1"].counts[0].tolist() == [1, 2, 5]


def test_a_three_dimensional_table_is_refused_by_kind():
    """``wrap_module(net, kind='table')`` on (n, 2, 3) arrays returned 3-D attributions, which
    no table metric (deletion by feature, top features) reads as meant."""
    import torch

    from attnscope.errors import DataError
    from attnscope.explain import attribute, wrap_module

    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 2))
    x = np.random.default_rng(0).normal(size=(5, 2, 3)).astype(np.float32)
    with pytest.raises(DataError, match=r"kind='table' takes float \(n, n_features\)"):
        attribute(wrap_module(net, kind="table"), x, method="saliency")
    flat = attribute(wrap_module(net, kind="table"), x.reshape(5, 6), method="saliency")
    assert flat.values.shape == (5, 6)


def test_an_empty_method_list_is_a_config_error():
    """``trust_table(..., methods=[])`` returned an empty table, as if nothing had failed."""
    import torch

    from attnscope.errors import ConfigError
    from attnscope.explain import wrap_module
    from attnscope.trust import trust_table

    x = np.random.default_rng(1).normal(size=(12, 4)).astype(np.float32)
    with pytest.raises(ConfigError, match="methods is empty"):
        trust_table(
            wrap_module(torch.nn.Linear(4, 2), kind="table"), x, np.arange(12) % 2, methods=[]
        )


def test_a_spec_key_deleted_from_model_json_is_one_error(tmp_path, first_run, capsys):
    """With ``spec.feature_names`` removed, predict worked and explain ended in an internal
    ``KeyError: 'feature_names'``: every estimator reads its saved spec by key."""
    import shutil

    edited = tmp_path / "run"
    shutil.copytree(first_run, edited)
    meta = json.loads((edited / "model.json").read_text())
    del meta["spec"]["feature_names"]
    (edited / "model.json").write_text(json.dumps(meta))
    line = one_error(run(["explain", str(edited), "--method", "saliency"]), capsys.readouterr().err)
    assert "model.json: its 'spec' has no 'feature_names'" in line and "re-run the fit" in line
    assert not (edited / "attributions").exists()


def test_a_seed_study_past_the_largest_seed_names_both_options(tmp_path, capsys):
    """``consistency --seed 4294967295 --seeds 2`` failed on the second variant's model with
    ``random_state must be an integer in [0, 4294967295], got 4294967296``: an option the
    user never gave."""
    data = _table(tmp_path / "expr.csv")
    out = tmp_path / "study"
    argv = ["consistency", str(data), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    line = one_error(run([*argv, "--seed", "4294967295", "--seeds", "2"]), capsys.readouterr().err)
    assert "--seed 4294967295 with --seeds 2 runs past the largest seed" in line
    assert "start at --seed 4294967294 or lower" in line and not out.exists()
