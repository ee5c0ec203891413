"""Hostile inputs, round 8 (file 10, continuing test_hostile_inputs9.py): labels files of a
clinical sheet's shape, and sequence files as users export them.

Each case runs the real CLI entry point (or the reader) on tiny files in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(10).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]
_FIT = ["--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]


def _bare(path: Path) -> Path:
    rows = [["sample", *_GENES]] + [[f"p{i}", *map(str, _X[i])] for i in range(24)]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    return path


def _sheet(path: Path) -> Path:
    """A clinical sheet: id, age, diagnosis, sex (the label is not the second column)."""
    rows = "".join(f"p{i},{30 + i},{_LABELS[i]},{'MF'[i % 2]}\n" for i in range(24))
    path.write_text("sample,age,Diagnosis,sex\n" + rows)
    return path


def test_label_col_names_the_column_of_a_labels_file(tmp_path):
    """--labels sheet.csv --label-col diagnosis was 'give --labels or --label-col, not both',
    while the error for the sheet alone asked which of its columns is the label."""
    out = tmp_path / "run"
    argv = ["fit", str(_bare(tmp_path / "e.csv")), "--labels", str(_sheet(tmp_path / "s.csv"))]
    assert run([*argv, "--label-col", "diagnosis", "--model", "mlp", "--out", str(out), *_FIT]) == 0
    from attnscope.io import read_data
    from attnscope.io._labelfile import read_label_file

    data = read_data(tmp_path / "e.csv", labels=tmp_path / "s.csv", label_col="diagnosis")
    assert [data.class_names[c] for c in data.labels] == _LABELS
    assert read_label_file(tmp_path / "s.csv", "sex")["p1"] == "F"


def test_label_col_names_the_column_of_a_labels_file_for_fasta(tmp_path):
    from attnscope.io import read_data

    seqs = ["".join(np.random.default_rng(k).choice(list("ACGT"), 20)) for k in range(24)]
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">p{k}\n{s}\n" for k, s in enumerate(seqs)))
    data = read_data(fasta, labels=_sheet(tmp_path / "s.csv"), label_col="Diagnosis")
    assert [data.class_names[c] for c in data.labels] == _LABELS


@pytest.mark.parametrize(
    ("column", "phrase"),
    [
        ("smoker", "line 1: no column 'smoker' after the ids; the labels file has columns"),
        (None, "which one is the label? Name it with --label-col NAME"),
    ],
    ids=["absent-column", "no-column-named"],
)
def test_a_labels_file_column_that_is_not_there_is_named(tmp_path, capsys, column, phrase):
    out = tmp_path / "run"
    argv = ["fit", str(_bare(tmp_path / "e.csv")), "--labels", str(_sheet(tmp_path / "s.csv"))]
    argv += ["--label-col", column] if column else []
    line = one_error(
        run([*argv, "--model", "mlp", "--out", str(out), *_FIT]), capsys.readouterr().err, out
    )
    assert phrase in line, line


def test_a_semicolon_labels_file_is_read(tmp_path):
    """European spreadsheet exports: 'expected two columns (id, label), found 1'."""
    from attnscope.io import read_data

    labels = tmp_path / "l.csv"
    labels.write_text("".join(f"p{i};{_LABELS[i]}\n" for i in range(24)))
    data = read_data(_bare(tmp_path / "e.csv"), labels=labels)
    assert [data.class_names[c] for c in data.labels] == _LABELS


def test_a_sequence_table_without_its_header_row_says_so(tmp_path, capsys):
    """It was read as an expression matrix: 'value 'TTTCC...' is not a number'."""
    seqs = ["".join(np.random.default_rng(k).choice(list("ACGT"), 30)) for k in range(24)]
    path = tmp_path / "s.csv"
    path.write_text("".join(f"s{k},{s},{k % 2}\n" for k, s in enumerate(seqs)))
    out = tmp_path / "run"
    code = run(["fit", str(path), "--model", "cnn", "--out", str(out), *_FIT])
    line = one_error(code, capsys.readouterr().err, out)
    assert f"{path}, line 1: ['s0', '{seqs[0]}', '0'] is a row of data, not column names" in line


# ------------------------------------------------------------ new data for a fitted run
@pytest.fixture(scope="module")
def table_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round10")
    rows = [["sample", "label", *_GENES]]
    rows += [[f"p{i}", _LABELS[i], *map(str, _X[i])] for i in range(24)]
    (folder / "e.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    out = folder / "run"
    argv = ["fit", str(folder / "e.csv"), "--model", "mlp", "--label-col", "label"]
    assert run([*argv, "--out", str(out), *_FIT]) == 0
    return out


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (
            lambda text: text.replace(f",{_X[0, 0]},", ",NA,", 1),
            "1 missing (NaN/empty) or infinite values; first at sample 'p0', feature 'G0'",
        ),
        (
            lambda text: text.replace(",", ";").replace(".", ","),
            "It has a decimal comma: write",
        ),
        (
            lambda text: text.replace("G", "g"),
            "6 differ only in case (the data's ['g0', 'g1', 'g2']); rename them.",
        ),
    ],
    ids=["nan", "decimal-commas", "gene-case"],
)
def test_new_unlabelled_tables_are_refused_for_their_own_fault(
    table_run, tmp_path, capsys, edit, phrase
):
    """A NaN or decimal commas in a table without the run's label column were reported as
    'label column 'label' not found' (the unlabelled read's error was hidden)."""
    path = tmp_path / "new.csv"
    path.write_text(edit(_bare(tmp_path / "b.csv").read_text()))
    out = tmp_path / "p.tsv"
    line = one_error(
        run(["predict", str(table_run), str(path), "-o", str(out)]), capsys.readouterr().err, out
    )
    assert phrase in line, line
    assert "label column 'label' not found" not in line


def test_a_table_without_its_header_row_says_so(tmp_path, capsys):
    """'label column 'label' not found; columns are ['p0', 'normal', '0.126', ...]'."""
    rows = [[f"p{i}", _LABELS[i], *map(str, _X[i])] for i in range(24)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert "The first line holds numbers, not column names: add a header row." in line, line


def test_blank_lines_above_a_tables_header_are_skipped(tmp_path, capsys):
    """'cannot tell the data format' (and with --format, 'the header has 0 fields')."""
    rows = [["sample", "label", *_GENES]] + [
        [f"p{i}", _LABELS[i] if i != 2 else "", *map(str, _X[i])] for i in range(24)
    ]
    rows[3][0] = ""  # sample p2: no id, named by its line below two blank lines
    path = tmp_path / "t.csv"
    path.write_text("\n\n" + "\n".join(",".join(r) for r in rows) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert f"{path}, line 6: no sample id in column 1" in line, line
    from attnscope.io import read_data

    rows[3][0] = "p2"
    path.write_text("\n\n" + "\n".join(",".join(r) for r in rows) + "\n")
    data = read_data(path, label_col="label")
    assert data.feature_names.tolist() == _GENES and len(data) == 23  # p2 has no label


def test_a_file_of_blank_lines_says_so(tmp_path):
    from attnscope.errors import DataError
    from attnscope.io import detect_format

    path = tmp_path / "t.csv"
    path.write_text("\n  \n\r\n")
    with pytest.raises(DataError, match=r"t\.csv: the file holds only blank lines"):
        detect_format(path)


@pytest.mark.parametrize("n", ["0", "1", "-5"])
def test_simulate_with_too_few_samples_names_the_option(tmp_path, capsys, n):
    """It said 'n_samples must be at least n_classes (2)', the simulator's parameter."""
    out = tmp_path / "sim"
    code = run(["simulate", "expression", "--out", str(out), "--n-samples", n])
    line = one_error(code, capsys.readouterr().err, out)
    assert f"--n-samples must be at least 2 (a class each), got {n}." in line, line


def test_a_long_table_without_its_variable_column_names_it(tmp_path, capsys):
    """It was read as an expression matrix: 'duplicate sample ids ['st0', ...]'."""
    path = tmp_path / "ts.csv"
    rows = "".join(f"st{k},{t},{k + t},{k % 2}\n" for k in range(24) for t in (0, 1, 2))
    path.write_text("id,time,value,outcome\n" + rows)
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "attn_lstm", "--label-col", "outcome", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert "columns ['variable'] not found" in line, line


def test_a_pancan_run_predicts_on_its_own_data(tmp_path, capsys):
    """Only an expression table's run stores its orientation: a PANCAN folder (read through
    the expression reader) stored one too, and 'predict RUN' refused it ('orientation does
    not apply to pancan data')."""
    from _hostile import seed, write_seed

    folder = tmp_path / "pancan"
    folder.mkdir()
    write_seed(seed("pancan_data"), folder, [])
    out = tmp_path / "run"
    assert run(["fit", str(folder), "--model", "mlp", "--out", str(out), *_FIT]) == 0
    assert "orientation" not in (out / "config.toml").read_text()
    assert run(["predict", str(out), "-o", str(tmp_path / "p.tsv")]) == 0
    assert len((tmp_path / "p.tsv").read_text().splitlines()) == 17
