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
