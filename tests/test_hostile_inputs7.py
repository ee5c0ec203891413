"""Hostile inputs, round 7: a run's ``config.toml`` or a ``--config`` file of the wrong shape.

TOML that parses but puts a number where a path belongs, or a string where a table belongs,
used to reach the readers and end as an internal TypeError. Each case goes through the real
CLI entry point and must give one ``error:`` line naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _hostile import one_error
from attnscope.cli import run

_CONFIG = 'model = "mlp"\n[data]\npath = "expr.csv"\nlabel_col = "label"\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rows = ["sample,label,G0,G1"] + [f"p{i},{'ab'[i % 2]},{i},{i % 3}" for i in range(12)]
    (tmp_path / "expr.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('path = "expr.csv"', "path = 5", "[data] path must be a string, not int 5"),
        ('path = "expr.csv"', "paths = [1, 2]", "[data] paths must be a list of strings"),
        ('path = "expr.csv"', 'path = "expr.csv"\nclasses = 5', "[data] classes must be a table"),
        ('path = "expr.csv"', 'path = "expr.csv"\nmodalities = "x"', "[data] modalities must"),
        ('label_col = "label"', "labels = 5", "[data] labels must be a string"),
        ('model = "mlp"', "model = 5", "model must be a string, not int 5"),
        ('model = "mlp"', 'model = "mlp"\nparams = 5', "params must be a table ([params])"),
        ("[data]", "data = 5\n[other]", "data must be a table ([data])"),
    ],
)
def test_config_of_the_wrong_shape_names_the_key(folder, capsys, old, new, key):
    config = folder / "config.toml"
    config.write_text(_CONFIG.replace(old, new))
    out = folder / "run"
    code = run(["fit", "--config", str(config), "--out", str(out), "--no-baselines"])
    line = one_error(code, capsys.readouterr().err, out)
    assert f"{config}: {key}" in line, line


def test_damaged_run_config_is_named_by_predict(folder, capsys):
    out = folder / "run"
    argv = ["fit", str(folder / "expr.csv"), "--model", "mlp", "--label-col", "label",
            "--out", str(out), "--set", "epochs=1", "--set", "val_size=0",
            "--no-baselines"]  # fmt: skip
    assert run(argv) == 0
    config = out / "config.toml"
    text = config.read_text()
    config.write_text(text.replace(f'path = "{folder / "expr.csv"}"', "path = 5"))
    assert config.read_text() != text
    line = one_error(run(["predict", str(out)]), capsys.readouterr().err, out / "predictions.tsv")
    assert f"{config}: [data] path must be a string, not int 5" in line, line
