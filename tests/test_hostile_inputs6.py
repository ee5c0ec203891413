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

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(6).normal(size=(20, 6)), 3)


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
    line = one_error(code, capsys.readouterr().err)
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


# ------------------------------------------------------------------------------ motifs
def _fasta(n: int, length: int, seed: int = 0, base: str | None = None) -> str:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        seq = base * length if base else "".join(rng.choice(list("ACGT"), length))
        out.append(f">s{i} label={'ab'[i % 2]}\n{seq}\n")
    return "".join(out)


@pytest.fixture(scope="module")
def dna_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dna6")
    (folder / "seqs.fa").write_text(_fasta(24, 50))
    out = folder / "run"
    argv = ["fit", str(folder / "seqs.fa"), "--model", "cnn", "--label-col", "label",
            "--out", str(out), "--set", "epochs=1", "--set", "val_size=0",
            "--no-baselines"]  # fmt: skip
    assert run(argv) == 0
    return out


_LIBRARY = ">MA0139.1 CTCF\nA [ 1 2 3 ]\nC [ 2 1 0 ]\nG [ 0 1 2 ]\nT [ 3 2 1 ]\n"


def _no_attribution(*args, **kwargs):
    raise AssertionError("attribution ran before the options were checked")


def test_motifs_on_all_n_sequences_names_the_file(dna_run, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("attnscope.explain.attribute", _no_attribution)
    path = tmp_path / "all_n.fa"
    path.write_text(_fasta(10, 50, base="N"))
    (tmp_path / "lib.jaspar").write_text(_LIBRARY)
    code = run(["motifs", str(dna_run), str(path), "--motifs", str(tmp_path / "lib.jaspar")])
    line = one_error(code, capsys.readouterr().err)
    assert f"{path}: the 5 sequences of class 'b' hold no A, C, G or T" in line
    assert not (dna_run / "motifs").exists()


def test_zero_contributions_are_a_data_error_not_a_modisco_crash():
    from attnscope.errors import DataError
    from attnscope.explain import discover_motifs

    tokens = np.random.default_rng(0).integers(1, 5, size=(6, 50))
    with pytest.raises(DataError, match="every contribution at an observed base is zero"):
        discover_motifs(np.zeros((6, 50, 4), np.float32), tokens, motifs={})


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--motifs", "{tmp}/bad.jaspar"], "bad.jaspar, line 1: neither JASPAR ('>ID name')"),
        (["--motifs", "{tmp}/missing.jaspar"], "missing.jaspar: motif file not found"),
        (["--motifs", "{tmp}"], "expected a motif file, found a directory"),
        (["--n-leiden-runs", "0"], "--n-leiden-runs must be at least 1, got 0."),
    ],
    ids=["malformed_library", "missing_library", "library_folder", "no_leiden_runs"],
)
def test_motif_options_are_checked_before_attribution(
    dna_run, tmp_path, capsys, monkeypatch, options, expected
):
    monkeypatch.setattr("attnscope.explain.attribute", _no_attribution)
    (tmp_path / "bad.jaspar").write_text("not a motif\n")
    argv = [o.format(tmp=tmp_path) for o in options]
    code = run(["motifs", str(dna_run), str(dna_run.parent / "seqs.fa"), *argv])
    assert expected in one_error(code, capsys.readouterr().err)
    assert not (dna_run / "motifs").exists()


def test_motifs_force_replaces_the_folder_whole(dna_run, tmp_path, capsys):
    library = tmp_path / "ctcf.jaspar"
    library.write_text(_LIBRARY)
    stale = dna_run / "motifs" / "logos" / "pos_patterns.pattern_9.png"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier call")
    argv = ["motifs", str(dna_run), str(dna_run.parent / "seqs.fa"), "--n-samples", "4",
            "--motifs", str(library), "--force"]  # fmt: skip
    try:
        assert run(argv) == 0, capsys.readouterr().err
        assert (dna_run / "motifs" / "patterns.tsv").is_file()
        assert not stale.exists()
        assert not [p for p in dna_run.iterdir() if p.name.startswith(".")]
    finally:
        shutil.rmtree(dna_run / "motifs", ignore_errors=True)


# ------------------------------------------------------------------------- consistency
def _long_series(path: Path, positives: tuple[int, ...] | None = None) -> Path:
    """24 stays, 3 variables, 4 times, outcome 0/1, and no static descriptors at all.

    ``positives``: the stays with outcome 1 (default every odd one).
    """
    rng = np.random.default_rng(6)
    rows = ["id,time,variable,value,outcome"]
    for k in range(24):
        label = k % 2 if positives is None else int(k in positives)
        for t in (0, 1.5, 3, 4.5):
            for var in ("HR", "Temp", "MAP"):
                value = round(float(rng.normal() + label * (var == "HR")), 3)
                rows.append(f"st{k},{t},{var},{value},{label}")
    path.write_text("\n".join(rows) + "\n")
    return path


_CONSISTENCY = ["--model", "attn_lstm", "--label-col", "outcome", "--seeds", "2",
                "--set", "epochs=1"]  # fmt: skip


def test_consistency_without_static_descriptors_and_one_explained_sample(tmp_path, capsys):
    data = _long_series(tmp_path / "series.csv")
    out = tmp_path / "study"
    out.mkdir()
    (out / "consistency.json").write_text("{}")  # an earlier study
    (out / "stale.txt").write_text("from an earlier study")
    argv = ["consistency", str(data), "--out", str(out), *_CONSISTENCY, "--methods",
            "attention,input_x_gradient", "--n-explain", "1", "--force"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    study = json.loads((out / "consistency.json").read_text())
    assert study["split"]["n_explained"] == 1
    assert (out / "per_sample.tsv").read_text().count("\n") == 2  # header + the one sample
    assert not (out / "stale.txt").exists()  # --force replaced the folder whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            ["--n-explain", "0"],
            "--n-explain must be at least 1 (default: all test samples), got 0.",
        ),
        (
            ["--n-explain", "-3"],
            "--n-explain must be at least 1 (default: all test samples), got -3.",
        ),
        (["--top-k", "0"], "--top-k must be at least 1, got 0."),
    ],
    ids=["n_explain_0", "n_explain_negative", "top_k_0"],
)
def test_consistency_counts_are_checked_before_training(
    tmp_path, capsys, monkeypatch, option, expected
):
    def no_training(*args, **kwargs):
        raise AssertionError("variants were trained before the options were checked")

    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", no_training)
    data = _long_series(tmp_path / "series.csv")
    out = tmp_path / "study"
    argv = ["consistency", str(data), "--out", str(out), *_CONSISTENCY, "--methods", "attention"]
    code = run([*argv, *option])
    assert expected in one_error(code, capsys.readouterr().err)
    assert not out.exists()


# ---------------------------------------------------------------- options and splits
def test_one_mlp_width_is_a_list_of_one_and_state_sizes_refuse_lists():
    from attnscope.errors import ConfigError
    from attnscope.estimators import make_estimator

    assert make_estimator("mlp", {"hidden": 8}).hidden == [8]
    assert make_estimator("mlp", {"hidden": (8, 4)}).hidden == (8, 4)
    assert make_estimator("attn_lstm", {"hidden": 8}).hidden == 8
    for model in ("attn_lstm", "gru", "attngen"):
        with pytest.raises(ConfigError, match=r"hidden must be an integer in \[1, 1048576\]"):
            make_estimator(model, {"hidden": [8, 8]})


def test_mlp_with_one_hidden_width_fits(run_dir, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["fit", str(run_dir.parent / "expr.csv"), "--model", "mlp", "--label-col", "label",
            "--out", str(out), "--set", "epochs=1", "--set", "val_size=0", "--set", "hidden=4",
            "--no-baselines"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    assert json.loads((out / "model.json").read_text())["spec"]["hidden"] == [4]


def test_homology_split_of_near_duplicates_only_names_the_groups(tmp_path, capsys):
    one = "ACGTTGCAAGCTTACGGATCCATGCAGTCAGTTGACCAGTAGGCATTACG"
    path = tmp_path / "dups.fa"
    path.write_text("".join(f">d{i} label={'ab'[i % 2]}\n{one}\n" for i in range(20)))
    out = tmp_path / "run"
    code = run(["fit", str(path), "--model", "cnn", "--label-col", "label", "--out", str(out),
                "--test-split", "homology", "--set", "epochs=1", "--no-baselines"])  # fmt: skip
    line = one_error(code, capsys.readouterr().err)
    assert f"{path}: the homology split found no group small enough for the test share" in line
    assert "the 20 sequences form 1 near-duplicate group(s)" in line
    assert not out.exists()


def test_trust_on_held_out_data_of_one_class_warns_and_scores(dna_run, tmp_path, capsys):
    # the training sequences (both classes) and 12 new ones of class 'a': held out, one class
    train = set(json.loads((dna_run / "split.json").read_text())["train"])
    records = (dna_run.parent / "seqs.fa").read_text().split(">")[1:]
    known = "".join(f">{r}" for r in records if r.split()[0] in train)
    new = _fasta(12, 50, seed=9).replace("label=b", "label=a").replace(">s", ">new")
    path = tmp_path / "new_a.fa"
    path.write_text(known + new)
    trust = dna_run / "trust.json"
    try:
        code = run(["trust", str(dna_run), str(path), "--methods", "saliency", "--n-samples", "4"])
        err = capsys.readouterr().err
        assert code == 0, err
        assert "warning: the 4 explained samples hold one class only" in err
        assert "label-randomisation check is left out" in err
        assert json.loads(trust.read_text())["scope"].startswith("held-out: 12 samples (")
    finally:
        trust.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ report
@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("trust.json", "{", "JSONDecodeError: Expecting property name"),
        ("metrics.json", "[]", "a JSON list, not an object"),
    ],
)
def test_report_says_which_run_file_it_could_not_read(
    run_dir, tmp_path, capsys, name, text, problem
):
    damaged = _damaged(run_dir, tmp_path, lambda d: (d / name).write_text(text))
    assert run(["report", str(damaged)]) == 0
    err = capsys.readouterr().err
    warned = [ln for ln in err.splitlines() if ln.startswith("warning: ")]
    assert len(warned) == 1, err
    assert f"warning: report: {damaged / name} could not be read ({problem}" in warned[0]
    assert f"{damaged / name} could not be read" in (damaged / "report.html").read_text()


def test_motifs_on_the_run_of_a_table_model_names_the_dna_models(run_dir, dna_run, capsys):
    code = run(["motifs", str(run_dir), str(dna_run.parent / "seqs.fa")])
    line = one_error(code, capsys.readouterr().err)
    assert (
        f"{run_dir} holds a mlp model of tabular data; motif discovery needs the run of a " in line
    )
    assert "DNA model (" in line and "cnn" in line and "--model" not in line


def test_consistency_with_a_one_class_validation_share_names_the_monitor(tmp_path, capsys):
    data = _long_series(tmp_path / "rare.csv", positives=(1, 3, 5))  # 3 of 24
    out = tmp_path / "study"
    argv = ["consistency", str(data), "--out", str(out), *_CONSISTENCY, "--methods", "attention"]
    line = one_error(run(argv), capsys.readouterr().err)
    assert "validation samples hold one class only, so their AUROC (the early-stopping " in line
    assert "--set monitor=loss" in line
    assert not out.exists()
    assert run([*argv, "--set", "monitor=loss"]) == 0, capsys.readouterr().err
    assert (out / "consistency.json").is_file()


def test_consistency_out_naming_a_file_is_refused_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", _no_attribution)
    data = _long_series(tmp_path / "series.csv")
    argv = ["consistency", str(data), "--out", str(data), *_CONSISTENCY, "--methods", "attention"]
    line = one_error(run(argv), capsys.readouterr().err)
    assert f"{data} exists and is not a directory; choose another --out." in line


# ---------------------------------------------------------------- data versus the schema
def test_schema_errors_name_the_data_file(run_dir, tmp_path, capsys):
    text = (run_dir.parent / "expr.csv").read_text().replace(",G5", ",G5x", 1)
    path = tmp_path / "renamed.csv"
    path.write_text(text.replace("p", "q"))  # new sample ids: held out
    code = run(["evaluate", str(run_dir), str(path), "--no-trust"])
    line = one_error(code, capsys.readouterr().err)
    assert line.startswith(f"error: {path}: 1 of the model's 6 feature columns are missing")


def test_time_grid_mismatch_names_the_file_and_the_training_grid(tmp_path, capsys):
    data = _long_series(tmp_path / "series.csv")
    out = tmp_path / "run"
    argv = ["fit", str(data), "--model", "attn_lstm", "--label-col", "outcome", "--out",
            str(out), "--set", "epochs=1", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    later = tmp_path / "later.csv"  # held-out stays observed up to 6 h: a 7-step grid
    rows = data.read_text().replace("st", "nw").splitlines()
    later.write_text("\n".join([*rows, *(f"nw{k},6,HR,1.0,{k % 2}" for k in range(24))]) + "\n")
    capsys.readouterr()
    code = run(["evaluate", str(out), str(later), "--no-trust"])
    line = one_error(code, capsys.readouterr().err)
    assert f"{later}: the model was trained on a grid of 5 time steps, these series have 7" in line
    assert "the training grid is 5 steps of 1 h; read them on it (reader options hours=5, " in line
