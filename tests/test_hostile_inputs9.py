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


# ------------------------------------------------------------------- consistency options
@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--seeds", "1"], "--seeds must be at least 2 to compare variants, got 1."),
        (["--jobs", "0"], "--jobs must be positive (or -1 for all cores), got 0."),
        (["--engine", "spark"], "--engine must be 'local' or 'ray', got 'spark'."),
        (["--ig-steps", "0"], "--ig-steps must be at least 1, got 0."),
        (["--top-k", "7"], "--top-k 7 exceeds the 6 cells of each map"),
        (
            ["--engine", "ray", "--no-batched", "--top-k", "3"],
            "--engine ray runs the batched attention-LSTM path; model 'mlp' (or --no-batched) "
            "runs locally: use --engine local with --jobs.",
        ),
    ],
    ids=["seeds-1", "jobs-0", "engine", "ig-steps-0", "top-k-over-features", "ray-generic"],
)
def test_consistency_errors_name_the_options_typed(tmp_path, capsys, monkeypatch, option, expected):
    """They named run_consistency's parameters (n_variants, n_jobs, batched=False); --ig-steps 0
    and a --top-k above the table's features failed only after every variant had trained."""

    def no_training(*args, **kwargs):
        raise AssertionError("variants were trained before the options were checked")

    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", no_training)
    out = tmp_path / "study"
    argv = ["consistency", str(_expression(tmp_path / "e.csv")), "--label-col", "label"]
    argv += ["--model", "mlp", "--methods", "saliency", "--out", str(out), "--set", "epochs=1"]
    line = one_error(run([*argv, *option]), capsys.readouterr().err, out)
    assert expected in line, line


def test_the_library_study_names_its_parameters():
    from attnscope.errors import ConfigError
    from attnscope.run._consistency import run_consistency

    with pytest.raises(ConfigError, match=r"^n_variants must be at least 2"):
        run_consistency(None, model="mlp", n_variants=1)
    with pytest.raises(ConfigError, match=r"^ig_steps must be at least 1, got -1"):
        run_consistency(None, model="mlp", ig_steps=-1)
