"""Hostile inputs, round 5: files a user of the field brings, through the real CLI entry point.

Each case writes a tiny file into tmp_path and asserts the exit status, that stderr holds
exactly one ``error:`` line and its key phrase (or the warning), and that no run directory
is left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(5).normal(size=(16, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(16)]


def _table(cells: Callable[[int, int], str] | None = None, sep: str = ",") -> str:
    """A 16-sample expression table (sample, label, 6 genes); ``cells(i, j)`` overrides."""
    rows = [sep.join(["sample", "label", *_GENES])]
    for i in range(16):
        vals = [cells(i, j) if cells else str(_X[i, j]) for j in range(6)]
        rows.append(sep.join([f"p{i}", _LABELS[i], *vals]))
    return "\n".join(rows) + "\n"


def _ts(
    value: Callable[[int, str], str] | None = None,
    label: Callable[[int], str] = lambda k: str(k % 2),
) -> str:
    rows = ["id,time,variable,value,outcome"]
    for k in range(16):
        for t in (0, 1.5, 3):
            for var in ("HR", "Temp"):
                v = value(k, var) if value else str(round(float(_X[k, 0]) + t, 3))
                rows.append(f"st{k},{t},{var},{v},{label(k)}")
    return "\n".join(rows) + "\n"


def _fit(tmp_path: Path, capsys, args: list[str]) -> tuple[int, str, Path]:
    out = tmp_path / "run"
    code = run(["fit", *args, "--out", str(out), "--set", "epochs=1", "--set", "val_size=0",
                "--no-baselines"])  # fmt: skip
    return code, capsys.readouterr().err, out


# ------------------------------------------------------------------ numbers in tables
#: file name, text, model options, expected phrase of the one error line.
NUMBER_CASES = [
    (
        "decimal_comma.tsv",
        _table(lambda i, j: str(_X[i, j]).replace(".", ","), sep="\t"),
        ["--model", "mlp", "--label-col", "label"],
        "It has a decimal comma: write '",
    ),
    (
        "thousands.csv",
        _table(lambda i, j: f'"1,{i:03d}.5"' if j == 0 else str(_X[i, j])),
        ["--model", "mlp", "--label-col", "label"],
        "value '1,000.5' is not a number (sample 'p0', feature 'G0'; 16 such cells). It has "
        "thousands separators: write '1000.5'",
    ),
    (
        "excel_eu.csv",  # ';'-separated with decimal commas: detected, then the comma named
        _table(lambda i, j: str(_X[i, j]).replace(".", ","), sep=";"),
        ["--model", "mlp", "--label-col", "label"],
        "excel_eu.csv, line 2: value",
    ),
    (
        "ts_missing.csv",
        _ts(lambda k, var: "" if var == "Temp" else "1.0"),
        ["--model", "attn_lstm", "--label-col", "outcome"],
        "ts_missing.csv, line 3: the value is missing (empty or NA). Fix or remove the line",
    ),
    (
        "ts_comma.csv",
        _ts(lambda k, var: '"1,5"'),
        ["--model", "attn_lstm", "--label-col", "outcome"],
        "value '1,5' is not a finite number within float32 range. It has a decimal comma",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "options", "expected"), NUMBER_CASES, ids=[c[0] for c in NUMBER_CASES]
)
def test_numbers_written_for_humans_name_the_fix(tmp_path, capsys, name, text, options, expected):
    path = tmp_path / name
    path.write_text(text)
    line = one_error(*_fit(tmp_path, capsys, [str(path), *options]))
    assert expected in line, line
    assert "np.float64" not in line


def test_semicolon_table_with_decimal_points_is_read(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    path.write_text(_table(sep=";"))
    code, err, out = _fit(tmp_path, capsys, [str(path), "--model", "mlp", "--label-col", "label"])
    assert (out / "model.safetensors").is_file()
    assert code == 0, err
    from attnscope.io import read_data

    data = read_data(path, label_col="label")
    np.testing.assert_allclose(data.X, _X.astype(np.float32))
    assert data.class_names == ["normal", "tumor"]


# ------------------------------------------------------------------------- labels
def test_label_with_a_trailing_space_is_not_a_third_class(tmp_path, recwarn):
    from attnscope.io import read_data

    path = tmp_path / "ts.csv"  # st3 (class 1) is 'tumor ', the others 'tumor' / 'normal'
    path.write_text(_ts(label=lambda k: ("tumor" if k % 2 else "normal") + " " * (k == 3)))
    data = read_data(path, label_col="outcome")
    assert data.class_names == ["normal", "tumor"]  # was a third class 'tumor ' (+ a warning)
    assert data.labels.tolist() == [k % 2 for k in range(16)]
    assert not [w for w in recwarn if "differ only" in str(w.message)]


def test_labels_differing_in_case_still_warn():
    from attnscope.data import encode_labels
    from attnscope.errors import AttnscopeWarning

    with pytest.warns(AttnscopeWarning, match=r"'Tumor' / 'tumor' differ only in case"):
        codes, names = encode_labels(np.array(["Tumor", "tumor ", " normal"]))
    assert names == ["Tumor", "normal", "tumor"] and codes.tolist() == [0, 2, 1]


# ---------------------------------------------------------------------- sequences
_SEQS = ["ACGTACGTAC", "GGCCAATTGG", "ACGTTTGACA", "TTGACCAAGT"]


def _fasta(header: Callable[[int], str] = lambda k: f"s{k} label={k % 2}", seq=str) -> str:
    return "".join(f">{header(k)}\n{seq(s)}\n" for k, s in enumerate(_SEQS * 2))


#: file name, FASTA text, expected phrase of the one error line.
FASTA_CASES = [
    ("rna.fa", _fasta(seq=lambda s: s.replace("T", "U")), "'U' is RNA: write T for U"),
    ("gaps.fa", _fasta(seq=lambda s: s[:3] + "--" + s[3:]), "Remove the alignment gaps"),
    ("protein.fa", _fasta(seq=lambda s: "MKLV" + s), "looks like a protein sequence"),
    (
        "no_name.fa",
        _fasta(header=lambda k: "" if k == 2 else f"s{k} label={k % 2}"),
        "no_name.fa, line 5: header without an id; write the id first, e.g. '>seq5 label=",
    ),
    (
        "label_only.fa",  # '> label=1': the first word is the label field, not a name
        _fasta(header=lambda k: f" label={k % 2}" if k == 3 else f"s{k} label={k % 2}"),
        "label_only.fa, line 7: header without an id",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), FASTA_CASES, ids=[c[0] for c in FASTA_CASES])
def test_fasta_mistakes_name_the_line_and_the_fix(tmp_path, capsys, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    line = one_error(*_fit(tmp_path, capsys, [str(path), "--model", "cnn", "--label-col", "label"]))
    assert expected in line, line


def test_rna_in_a_sequence_table_names_the_fix(tmp_path, capsys):
    path = tmp_path / "seqs.csv"
    path.write_text("id,seq,label\n" + "".join(f"r{k},ACGUAC,{k % 2}\n" for k in range(8)))
    line = one_error(*_fit(tmp_path, capsys, [str(path), "--model", "cnn"]))
    assert "seqs.csv, line 2 (id 'r0')" in line and "'U' is RNA: write T for U" in line


# ------------------------------------------------------------- genotypes, h5ad, GMT
def test_bim_with_a_repeated_snp_id_names_file_and_line(tmp_path, capsys):
    from _hostile import seed, write_seed

    write_seed(seed("plink_bim"), tmp_path, [])
    bim = tmp_path / "c.bim"
    bim.write_text(bim.read_text().replace("rs3", "rs1"))
    line = one_error(*_fit(tmp_path, capsys, [str(tmp_path / "c"), "--model", "hemera"]))
    assert f"{bim}, line 4: SNP id 'rs1' repeats line 2 (1 repeated ids)" in line


def test_h5ad_with_repeated_var_names_is_one_line(tmp_path, capsys):
    import anndata
    import pandas as pd

    obs = pd.DataFrame({"label": _LABELS}, index=[f"p{k}" for k in range(16)])
    var = pd.DataFrame(index=["G0", "G1", "G1", "G3", "G4", "G5"])
    path = tmp_path / "x.h5ad"
    with pytest.warns(UserWarning):  # anndata's own, when the object is built
        adata = anndata.AnnData(_X.astype(np.float32), obs=obs, var=var)
    adata.write_h5ad(path)
    code, err, out = _fit(tmp_path, capsys, [str(path), "--model", "mlp", "--label-col", "label"])
    assert one_error(code, err, out).endswith("duplicate var names (features) ['G1'] "
                                               "(1 repeated); they must be unique: rename them "
                                               "or aggregate the repeats.")  # fmt: skip
    assert err.count("\n") == 1  # anndata's 'make_unique' warning no longer precedes it


def test_gmt_set_without_genes_is_skipped_with_a_warning(tmp_path):
    from attnscope.errors import AttnscopeWarning, DataError
    from attnscope.io import read_gmt

    path = tmp_path / "sets.gmt"
    path.write_text("A\tdesc\tG0\tG1\nEMPTY\tdesc\nB\t\tG2\t\n")
    with pytest.warns(AttnscopeWarning, match=r"1 gene set\(s\) without genes skipped: 'EMPTY'"):
        assert read_gmt(path) == {"A": ["G0", "G1"], "B": ["G2"]}
    path.write_text("A G0 G1 G2\n")  # spaces, not tabs
    with pytest.raises(DataError, match=r"sets.gmt, line 1: .* found no tab; GMT files are tab"):
        read_gmt(path)


@pytest.mark.parametrize(("make", "phrase"), [("dir", "found a directory"), ("none", "not found")])
def test_gene_sets_option_names_a_directory_or_a_missing_file(tmp_path, capsys, make, phrase):
    path = tmp_path / "expr.csv"
    path.write_text(_table())
    sets = tmp_path / "sets"
    if make == "dir":
        sets.mkdir()
    args = [str(path), "--model", "hain", "--label-col", "label", "--gene-sets", str(sets)]
    line = one_error(*_fit(tmp_path, capsys, args))
    assert f"{sets}: " in line and phrase in line and "dict" not in line


# --------------------------------------------------------------- runs versus data
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run5")
    (folder / "expr.csv").write_text(_table())
    out = folder / "run"
    argv = ["fit", str(folder / "expr.csv"), "--model", "mlp", "--label-col", "label",
            "--out", str(out), "--set", "epochs=1", "--set", "val_size=0",
            "--no-baselines"]  # fmt: skip
    assert run(argv) == 0
    return out


def test_run_directory_given_as_data_says_so(run_dir, tmp_path, capsys):
    line = one_error(*_fit(tmp_path, capsys, [str(run_dir), "--model", "mlp"]))
    assert f"{run_dir}: this is an attnscope run directory (model.json), not data" in line


@pytest.mark.parametrize("command", ["explain", "evaluate", "predict"])
def test_data_file_given_as_run_says_so(run_dir, capsys, command):
    data = run_dir.parent / "expr.csv"
    code = run([command, str(data), str(data)])
    line = one_error(code, capsys.readouterr().err, run_dir.parent / "nothing")
    assert f"{data} is a file, not a run directory; give the run directory" in line


def test_data_of_another_modality_names_the_models_that_take_it(tmp_path, capsys):
    from _hostile import seed, write_seed

    write_seed(seed("plink_bed"), tmp_path, [])
    line = one_error(*_fit(tmp_path, capsys, [str(tmp_path / "c"), "--model", "mlp"]))
    assert "MLPClassifier takes tabular data, got genotype data; models for genotype data: " in line
    assert "hemera (--model NAME)" in line


def test_labels_file_on_a_run_fitted_with_a_label_column(run_dir, capsys):
    """The run stores --label-col; --labels given now replaces it (was 'not both')."""
    folder = run_dir.parent
    text = _table().splitlines()
    (folder / "nolab.csv").write_text(
        "\n".join(",".join(ln.split(",")[:1] + ln.split(",")[2:]) for ln in text) + "\n"
    )
    (folder / "labels.csv").write_text(
        "sample,label\n" + "".join(f"p{k},{y}\n" for k, y in enumerate(_LABELS))
    )
    argv = ["evaluate", str(run_dir), str(folder / "nolab.csv"), "--labels",
            str(folder / "labels.csv"), "--no-trust", "--all-samples"]  # fmt: skip
    code = run(argv)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "not both" not in err


def test_report_out_naming_a_directory_is_one_line(run_dir, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    code = run(["report", str(run_dir), "--out", str(folder)])
    line = one_error(code, capsys.readouterr().err, tmp_path / "nothing")
    assert f"{folder} is a directory; give the path of a file to write" in line
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".reports.*"))


def test_gene_sets_matching_no_measured_gene_warn_on_explain(run_dir, tmp_path, capsys):
    sets = tmp_path / "sets.gmt"
    sets.write_text("A\tdesc\tX0\tX1\tX2\nB\tdesc\tY0\tY1\tY2\n")
    data = run_dir.parent / "expr.csv"
    argv = ["explain", str(run_dir), str(data), "--label-col", "label", "--method", "saliency",
            "--gene-sets", str(sets), "--force"]  # fmt: skip
    code = run(argv)
    err = capsys.readouterr().err
    assert code == 0, err
    warned = [ln for ln in err.splitlines() if ln.startswith("warning: enrichment: no gene set")]
    assert len(warned) == 1 and "feature names must be gene symbols" in warned[0], err


def test_default_gene_sets_stay_quiet_on_non_gene_features(run_dir, capsys):
    data = run_dir.parent / "expr.csv"
    argv = ["explain", str(run_dir), str(data), "--label-col", "label", "--method", "saliency",
            "--force"]  # fmt: skip
    assert run(argv) == 0
    assert "enrichment: no gene set" not in capsys.readouterr().err
