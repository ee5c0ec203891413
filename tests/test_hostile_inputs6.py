"""Hostile inputs, round 6: damaged run directories, motif discovery and consistency options.

Each case goes through the real CLI entry point and asserts exit status 2, exactly one
``error:`` line (the last line of stderr) and its key phrase, and that nothing was written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(6).normal(size=(20, 6)), 3)


def _one_error(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert code == 2, err
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert "Traceback" not in err and "internal error" not in err
    return errors[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run6")
    rows = [",".join(["sample", "label", *_GENES])]
    rows += [f"p{i},{'ab'[i % 2]}," + ",".join(map(str, _X[i])) for i in range(20)]
    (folder / "expr.csv").write_text("\n".join(rows) + "\n")
    out = folder / "run"
    argv = ["fit", str(folder / "expr.csv"), "--model", "mlp", "--label-col", "label",
            "--out", str(out), "--set", "epochs=1", "--set", "val_size=0", "--set",
            "hidden=[8]", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0
    return out


def _damaged(run_dir: Path, tmp_path: Path, edit) -> Path:
    copy = tmp_path / "damaged"
    shutil.copytree(run_dir, copy)
    edit(copy)
    return copy


def _edit_meta(change):
    def edit(folder: Path) -> None:
        meta = json.loads((folder / "model.json").read_text())
        (folder / "model.json").write_text(json.dumps(change(meta)))

    return edit


def _nan_weights(folder: Path) -> None:
    from safetensors.torch import load_file, save_file

    state = load_file(folder / "model.safetensors")
    state["scale"][0] = float("nan")
    save_file(state, folder / "model.safetensors")


def _dict_without(meta: dict, key: str) -> dict:
    return {k: v for k, v in meta.items() if k != key}


#: id, edit of a copy of the run, expected phrase of the one error line.
DAMAGED_RUNS = [
    (
        "config_not_toml",
        lambda d: (d / "config.toml").write_text("model = \n[[["),
        "config.toml is not valid TOML (Invalid value (at line 1, column 9)); correct that line",
    ),
    (
        "model_json_a_list",
        lambda d: (d / "model.json").write_text("[]"),
        "model.json holds a JSON list, not the model's description (an object); re-run the fit.",
    ),
    (
        "model_json_without_spec",
        _edit_meta(lambda m: _dict_without(m, "spec")),
        "model.json: 'spec' is missing or not a JSON object (the file was edited or cut)",
    ),
    (
        "model_json_unknown_parameter",
        _edit_meta(lambda m: {**m, "params": {**m["params"], "frobnicate": 1}}),
        "model.json: unknown MLPClassifier parameter(s) ['frobnicate']",
    ),
    (
        "model_json_spec_not_buildable",
        _edit_meta(lambda m: {**m, "spec": {**m["spec"], "hidden": "wide"}}),
        "model.json: its 'spec' does not describe a MLPClassifier (",
    ),
    (
        "model_json_wider_layer",
        _edit_meta(lambda m: {**m, "spec": {**m["spec"], "hidden": [16]}}),
        "weight 'net.0.weight' has shape (8, 6) in model.safetensors but (16, 6) in "
        "model.json's spec",
    ),
    (
        "nan_weights",
        _nan_weights,
        "model.safetensors: weight 'scale' holds NaN values, so every prediction would be NaN",
    ),
    (
        "split_json_cut",
        lambda d: (d / "split.json").write_text('{"train": ["p1", '),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
    (
        "split_json_a_list",
        lambda d: (d / "split.json").write_text("[1, 2]"),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [c[1:] for c in DAMAGED_RUNS], ids=[c[0] for c in DAMAGED_RUNS]
)
def test_damaged_run_files_are_one_error_naming_the_file(run_dir, tmp_path, capsys, edit, expected):
    damaged = _damaged(run_dir, tmp_path, edit)
    before = sorted(p.name for p in damaged.iterdir())
    code = run(["evaluate", str(damaged), str(run_dir.parent / "expr.csv"), "--no-trust"])
    line = _one_error(code, capsys.readouterr().err)
    assert expected in line and str(damaged) in line
    assert sorted(p.name for p in damaged.iterdir()) == before  # nothing (re)written


def test_damaged_test_predictions_leave_a_note_in_the_report(run_dir, tmp_path, capsys):
    damaged = _damaged(
        run_dir, tmp_path, lambda d: (d / "test_predictions.npz").write_bytes(b"PK\x03\x04cut")
    )
    assert run(["report", str(damaged)]) == 0, capsys.readouterr().err
    from attnscope.report._context import load_run

    context = load_run(damaged)
    assert context.test_scores is None
    assert any("test_predictions.npz could not be read" in n for n in context.notes)


def test_damaged_attribution_file_is_a_data_error(tmp_path):
    from attnscope.errors import DataError
    from attnscope.explain import Attribution

    path = tmp_path / "saliency.npz"
    path.write_bytes(b"PK\x03\x04cut")
    with pytest.raises(DataError, match=r"saliency\.npz is damaged or not an attribution file"):
        Attribution.load(path)
