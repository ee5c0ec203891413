"""Hostile inputs, round 8 (file 9): config files, study options, unlabelled new tables and
the files real users bring (Windows line endings, gzip, IUPAC bases, odd tables, moved runs).

Each case runs the real CLI entry point on tiny files in tmp_path and asserts the refusal's
form with ``one_error`` (exit 2, one ``error:`` line, nothing written), or, where the input
is valid, that what was read is what the file says.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(9).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]
_FIT = ["--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]


def _expression(path: Path, label: bool = True, n: int = 24) -> Path:
    head = ["sample", *(["label"] if label else []), *_GENES]
    rows = [[f"p{i}", *([_LABELS[i]] if label else []), *map(str, _X[i])] for i in range(n)]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


# ------------------------------------------------------------------- --config [params]
@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ('epochs = "ten"', "[params] epochs = 'ten' is invalid for model 'mlp'; epochs must be"),
        ("epochs = -3", "[params] epochs = -3 is invalid for model 'mlp'"),
        ("lr = -0.1", "lr must be a number in (0, 10]. Correct it there, or override it with"),
        ("bogus = 1", "[params] 'bogus' is not a parameter of model 'mlp'"),
    ],
    ids=["wrong-type", "negative", "out-of-range", "unknown"],
)
def test_config_params_errors_name_the_file_and_key(tmp_path, capsys, line, phrase):
    """They said '(--set epochs=<value>)' as if the value had been typed on the command line."""
    config = tmp_path / "c.toml"
    config.write_text(f'model = "mlp"\n[params]\n{line}\n')
    out = tmp_path / "run"
    argv = ["fit", str(_expression(tmp_path / "e.csv")), "--label-col", "label"]
    code = run([*argv, "--config", str(config), "--out", str(out), "--no-baselines"])
    err = one_error(code, capsys.readouterr().err, out)
    assert err.startswith(f"error: {config}: [params] ") and phrase in err, err


def test_a_set_value_overrides_a_bad_config_value(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('model = "mlp"\n[params]\nepochs = "ten"\nval_size = 0\n')
    out = tmp_path / "run"
    argv = ["fit", str(_expression(tmp_path / "e.csv")), "--label-col", "label"]
    argv += ["--config", str(config), "--out", str(out), "--no-baselines", "--set", "epochs=1"]
    assert run(argv) == 0 and (out / "model.json").is_file()
