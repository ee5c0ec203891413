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
        (["--ig-steps", "0"], "--ig-steps must be in [1, 10000] (Gauss-Legendre steps), got 0."),
        (["--ig-steps", "10000000000"], "--ig-steps must be in [1, 10000]"),
        (["--seeds", "1000000000", "--top-k", "3"], "use fewer --seeds or --n-explain."),
        (["--top-k", "7"], "--top-k 7 exceeds the 6 cells of each map"),
        (
            ["--engine", "ray", "--no-batched", "--top-k", "3"],
            "--engine ray runs the batched attention-LSTM path; model 'mlp' (or --no-batched) "
            "runs locally: use --engine local with --jobs.",
        ),
    ],
    ids=[
        "seeds-1",
        "jobs-0",
        "engine",
        "ig-steps-0",
        "ig-steps-huge",
        "seeds-huge",
        "top-k-over-features",
        "ray-generic",
    ],
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
    with pytest.raises(ConfigError, match=r"^ig_steps must be in \[1, 10000\]"):
        run_consistency(None, model="mlp", ig_steps=-1)


# ------------------------------------------------- unlabelled tables, the run's orientation
def _transposed(path: Path, label: bool = True) -> Path:
    """Genes as rows, samples as columns; the labels (when given) as a row named 'label'."""
    head = ["gene", *(f"p{i}" for i in range(24))]
    rows = [["label", *_LABELS]] if label else []
    rows += [[g, *map(str, _X[:, j])] for j, g in enumerate(_GENES)]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


@pytest.mark.parametrize("make", [_expression, _transposed], ids=["samples-rows", "genes-rows"])
def test_an_unlabelled_table_is_predicted_in_the_runs_orientation(tmp_path, capsys, make):
    """predict asked for --label-col on a table without the run's label column: the labels
    had decided its orientation, and 24 samples x 6 genes alone reads as genes x samples."""
    out = tmp_path / "run"
    argv = ["fit", str(make(tmp_path / "train.csv")), "--model", "mlp", "--label-col", "label"]
    assert run([*argv, "--out", str(out), *_FIT]) == 0
    labelled, bare = tmp_path / "labelled.tsv", tmp_path / "bare.tsv"
    assert run(["predict", str(out), str(tmp_path / "train.csv"), "-o", str(labelled)]) == 0
    capsys.readouterr()
    assert run(["predict", str(out), str(make(tmp_path / "new.csv", False)), "-o", str(bare)]) == 0
    assert "the run's label column is not in" in capsys.readouterr().err
    assert bare.read_text() == labelled.read_text()  # the same samples, the same way round
    line = one_error(
        run(["evaluate", str(out), str(tmp_path / "new.csv")]), capsys.readouterr().err
    )
    assert "That label column 'label' is the run's own (from fit)" in line, line
    other = (_transposed if make is _expression else _expression)(tmp_path / "other.csv", False)
    code = run(["predict", str(out), str(other), "-o", str(tmp_path / "o.tsv")])
    line = one_error(code, capsys.readouterr().err, tmp_path / "o.tsv")
    assert "Its samples carry those names: the table was read the other way round" in line


# ------------------------------------------------------------------------- odd tables
def _rows(edit=lambda i, r: r, head=None) -> str:
    head = head or ["sample", "label", *_GENES]
    rows = [edit(i, [f"p{i}", _LABELS[i], *map(str, _X[i])]) for i in range(24)]
    return "\n".join(",".join(r) for r in [head, *rows]) + "\n"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (
            _rows(lambda i, r: [*r, ""]),
            "every data row ends with an empty field that the header does not have",
        ),
        (_rows(lambda i, r: ["", *r[1:]] if i == 2 else r), "line 4: no sample id in column 1"),
        (
            _rows(lambda i, r: [r[0], r[1], *r[1:]], ["sample", "label", "label", *_GENES]),
            "columns [2, 3] are all named 'label'; rename or remove the repeats.",
        ),
        (_rows(lambda i, r: [r[0], "", *r[2:]]), "every sample's label is missing (empty or NA)"),
    ],
    ids=["rows-end-with-a-delimiter", "blank-sample-id", "label-column-twice", "no-labels"],
)
def test_odd_tables_are_refused_naming_the_fault(tmp_path, capsys, text, phrase):
    """Were: 'value 'normal' is not a number (feature 'sample')' (the header shifted by one),
    a sample silently named 'nan', '--label-col label' advised to a user who gave it, and
    'no labels found'."""
    path = tmp_path / "t.csv"
    path.write_text(text)
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert phrase in line, line


def test_a_nameless_empty_last_column_is_dropped():
    """A delimiter ending every line, header included: it was 24 NaN in feature ''."""
    import tempfile

    from attnscope.io import read_data

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_text(_rows(lambda i, r: [*r, ""], ["sample", "label", *_GENES, ""]))
        data = read_data(path, label_col="label")
    assert data.feature_names.tolist() == _GENES
    np.testing.assert_allclose(data.X, _X.astype(np.float32))


def test_a_label_field_with_spaces_around_the_equals_sign_is_named(tmp_path, capsys):
    path = tmp_path / "s.fa"
    path.write_text("".join(f">s{k} label = {k % 2}\nACGTACGTAC\n" for k in range(24)))
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "cnn", "--label-col", "label", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert "line 1: header 's0 label = 0': the 'label=' field has no value next to '='" in line


# ---------------------------------------------------------------------------- genotypes
def _vcf(path: Path, sites: list[tuple[str, list[str]]]) -> Path:
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    body = "".join(
        f"1\t{100 * (j + 1)}\trs{j}\tA\t{alt}\t.\tPASS\t.\tGT\t"
        + "\t".join(calls[k % len(calls)] for k in range(24))
        + "\n"
        for j, (alt, calls) in enumerate(sites)
    )
    path.write_text(head + "\t".join(f"s{k}" for k in range(24)) + "\n" + body)
    return path


def test_no_snp_passing_qc_names_the_file_and_the_setting(tmp_path, capsys):
    path = _vcf(tmp_path / "x.vcf", [("G", ["0|0", ".|.", "1|1", "1|0"])] * 4)
    pheno = tmp_path / "p.txt"
    pheno.write_text("".join(f"s{k} {1 + k % 2}\n" for k in range(24)))
    out = tmp_path / "run"
    argv = ["fit", str(path), "--pheno", str(pheno), "--model", "hemera", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert f"{path}: none of its 4 SNPs passes QC (maf >= 0.01, missing <= 0.1)" in line
    assert "--set max_missing=0.5" in line


def test_an_h5ad_without_cells_says_so(tmp_path):
    import anndata
    import pandas as pd

    from attnscope.errors import DataError
    from attnscope.io import read_h5ad

    obs = pd.DataFrame({"label": pd.Series([], dtype=str)}, index=pd.Index([], dtype=str))
    anndata.AnnData(np.zeros((0, 3), np.float32), obs=obs).write_h5ad(tmp_path / "z.h5ad")
    with pytest.raises(DataError, match=r"z.h5ad: no samples \(0 rows of data\)"):
        read_h5ad(tmp_path / "z.h5ad", label_key="label")


# ------------------------------------------------------------------ long time series
def _long_rows(edit=lambda i, r: r, sep: str = ",") -> str:
    rows = [
        [f"st{k}", str(t), v, f"{_X[k, 0] + t:.3f}", str(k % 2)]
        for k in range(24)
        for t in (0, 1.5, 3)
        for v in ("HR", "Temp")
    ]
    lines = [sep.join(r) for r in [["id", "time", "variable", "value", "outcome"], *rows]]
    edited = [lines[0], *(sep.join(edit(i, r)) for i, r in enumerate(rows))]
    return "\n".join(edited) + "\n"


@pytest.mark.parametrize(
    ("edit", "sep", "phrase"),
    [
        (lambda i, r: [r[0], r[1], "", *r[3:]] if i == 5 else r, ",", "line 7: the variable is"),
        (lambda i, r: ["", *r[1:]] if i == 3 else r, ",", "line 5: the id is missing"),
        (
            lambda i, r: [r[0], r[1].replace(".", ","), *r[2:]],
            ";",
            "time '1,5' is neither a number of hours nor HH:MM[:SS]. It has a decimal comma",
        ),
        (
            lambda i, r: [r[0], f"2020-01-01 0{r[1][0]}:00", *r[2:]],
            ",",
            "Dates are not read: write hours since the start of each stay.",
        ),
    ],
    ids=["blank-variable", "blank-id", "semicolons-decimal-commas", "timestamps"],
)
def test_long_series_lines_are_refused_naming_the_fault(tmp_path, capsys, edit, sep, phrase):
    """A blank variable became a channel 'nan' (a blank id a stay 'nan'); a ';' table was
    split on commas ('Expected 2 fields in line 4, saw 3')."""
    path = tmp_path / "ts.csv"
    path.write_text(_long_rows(edit, sep))
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "attn_lstm", "--label-col", "outcome", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert phrase in line, line


def test_long_series_observations_dropped_or_merged_warn(tmp_path):
    """Negative times were dropped and clashing repeats averaged, both silently."""
    from attnscope.errors import AttnscopeWarning
    from attnscope.io import read_long_timeseries

    path = tmp_path / "ts.csv"
    path.write_text(_long_rows(lambda i, r: [r[0], str(float(r[1]) - 2), *r[2:]]))
    with pytest.warns(AttnscopeWarning, match=r"96 observations at times before 0 h were dropped"):
        data = read_long_timeseries(path, label_col="outcome")
    assert data.values.shape == (24, 2, 2)
    path.write_text(_long_rows() + "st0,0,HR,99,0\nst1,0,HR,1.5,1\n")
    with pytest.warns(AttnscopeWarning, match=r"4 lines give one stay, time and variable"):
        data = read_long_timeseries(path, label_col="outcome")
    assert data.values[0, 0, 0] == pytest.approx((_X[0, 0] + 99) / 2, abs=1e-3)


# ------------------------------------------------------------------ moved or damaged runs
@pytest.fixture(scope="module")
def table_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round9")
    out = folder / "run"
    argv = ["fit", str(_expression(folder / "e.csv")), "--model", "mlp", "--label-col", "label"]
    assert run([*argv, "--out", str(out), *_FIT]) == 0
    return out


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(run_dir, tmp_path / "copy"))


@pytest.mark.parametrize("command", ["predict", "explain", "trust", "evaluate"])
def test_a_run_whose_training_data_moved_says_so(table_run, tmp_path, capsys, command):
    """It said '<old path>: no such file or folder', as if the user had typed that path."""
    copy = _copy(table_run, tmp_path)
    (copy / "config.toml").write_text(
        (copy / "config.toml").read_text().replace(str(table_run.parent), str(tmp_path / "gone"))
    )
    line = one_error(run([command, str(copy)]), capsys.readouterr().err)
    assert f"{copy} was fitted on {tmp_path / 'gone' / 'e.csv'}, which is no longer there" in line
    assert "give the data after the run (e.g. attnscope predict RUN DATA)" in line


@pytest.mark.parametrize("command", ["predict", "explain", "evaluate"])
def test_a_run_without_its_config_is_refused_before_its_data(table_run, tmp_path, capsys, command):
    """The data was read without the run's label column: 'value 'normal' is not a number'."""
    copy = _copy(table_run, tmp_path)
    (copy / "config.toml").unlink()
    data = table_run.parent / "e.csv"
    line = one_error(run([command, str(copy), str(data)]), capsys.readouterr().err)
    assert f"{copy} is not a complete run directory (missing config.toml)" in line, line


def test_a_file_named_like_the_attributions_folder_is_named(table_run, tmp_path, capsys):
    """It was 'error: File exists (.../attributions)', after the attribution had run."""
    copy = _copy(table_run, tmp_path)
    (copy / "attributions").write_text("mine")
    code = run(["explain", str(copy), "--method", "saliency"])
    line = one_error(code, capsys.readouterr().err)
    assert f"{copy / 'attributions'} is a file, not a folder; move it away" in line, line
    assert (copy / "attributions").read_text() == "mine"


# ---------------------------------------------------------------- options at their limits
@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["trust", "{run}", "--methods", "attention", "--force"], "no method of --methods applies"),
        (
            ["evaluate", "{run}", "{data}", "--methods", "attention", "--force"],
            "MLPClassifier has no attention",
        ),
        (["trust", "{run}", "--methods", ",", "--force"], "--methods names no method"),
        (["trust", "{run}", "--n-samples", "0", "--force"], "--n-samples (n_samples) must be"),
    ],
    ids=["trust-attention-on-mlp", "evaluate-attention-on-mlp", "trust-no-method", "n-samples-0"],
)
def test_a_trust_table_without_a_method_is_refused_and_writes_nothing(
    table_run, tmp_path, capsys, argv, phrase
):
    """--methods attention on an MLP (or ',') replaced trust.json by an empty table, exit 0,
    and evaluate had already written metrics.json."""
    copy = _copy(table_run, tmp_path)
    (copy / "trust.json").write_text('{"rows": ["mine"]}')
    metrics = (copy / "metrics.json").read_text()
    filled = [a.format(run=copy, data=table_run.parent / "e.csv") for a in argv]
    line = one_error(run(filled), capsys.readouterr().err)
    assert phrase in line, line
    assert (copy / "trust.json").read_text() == '{"rows": ["mine"]}'
    assert (copy / "metrics.json").read_text() == metrics
