"""Hostile inputs, round 13 (lead): files as users bring them (SRBCT, PLINK .raw, Zeng .target).

``class,g1,g2,...`` (scikit-learn style, e.g. the SRBCT file) and ``g1,...,label`` tables
were read with their first column as sample ids: the first refused its repeated labels as
"duplicate sample ids", the second silently lost a gene.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import AttnscopeWarning
from attnscope.io import read_expression

_X = np.round(np.random.default_rng(17).normal(size=(8, 3)), 3)


def _write(path: Path, header: list[str], columns: list[list[str]]) -> Path:
    rows = [",".join(header)] + [",".join(r) for r in zip(*columns, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_label_column_first_names_samples_by_row(tmp_path):
    labels = ["a", "b"] * 4
    path = _write(tmp_path / "t.csv", ["class", "g1", "g2", "g3"],
                  [labels, *[list(map(str, c)) for c in _X.T]])  # fmt: skip
    with pytest.warns(AttnscopeWarning, match="no sample id column.*label column"):
        data = read_expression(path, label_col="class")
    assert list(data.sample_ids) == [str(i) for i in range(1, 9)]
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    np.testing.assert_allclose(data.X, _X, atol=1e-6)
    assert [data.class_names[k] for k in data.y] == labels


def test_measurements_in_first_column_stay_a_feature(tmp_path):
    labels = ["a", "b"] * 4
    path = _write(tmp_path / "t.csv", ["g1", "g2", "g3", "label"],
                  [*[list(map(str, c)) for c in _X.T], labels])  # fmt: skip
    with pytest.warns(AttnscopeWarning, match="measurements \\('g1'"):
        data = read_expression(path, label_col="label")
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    np.testing.assert_allclose(data.X, _X, atol=1e-6)


def test_whole_number_ids_still_name_samples(tmp_path, recwarn):
    ids = ["001", "2", "3", "4", "5", "6", "7", "8"]
    path = _write(tmp_path / "t.csv", ["id", "g1", "g2", "g3", "label"],
                  [ids, *[list(map(str, c)) for c in _X.T], ["a", "b"] * 4])  # fmt: skip
    data = read_expression(path, label_col="label")
    assert list(data.sample_ids) == ids
    assert list(data.feature_names) == ["g1", "g2", "g3"]
    assert not [w for w in recwarn if issubclass(w.category, AttnscopeWarning)]


# -- genotypes as allele-count tables (PLINK --export A, R/BGLR matrices) -------------------
_G = np.random.default_rng(18).integers(0, 3, size=(10, 5))


def _raw(path: Path, pheno: list[str], cells: np.ndarray | None = None) -> Path:
    cells = _G.astype(str) if cells is None else cells
    snps = [f"rs{j}_A" for j in range(cells.shape[1])]
    rows = [" ".join(["FID", "IID", "PAT", "MAT", "SEX", "PHENOTYPE", *snps])]
    rows += [" ".join([f"f{i}", f"s{i}", "0", "0", "1", pheno[i], *cells[i]])
             for i in range(len(cells))]  # fmt: skip
    path.write_text("\n".join(rows) + "\n")
    return path


def test_plink_raw_is_detected_and_reads_counts_and_phenotype(tmp_path):
    from attnscope.io import detect_format, read_data

    cells = _G.astype(str)
    cells[3, 2] = "NA"
    pheno = ["1", "2"] * 4 + ["-9", "2"]
    path = _raw(tmp_path / "cohort.raw", pheno, cells)
    assert detect_format(path) == "dosage"
    assert detect_format(path.rename(tmp_path / "cohort.txt")) == "dosage"  # by its header
    with pytest.warns(AttnscopeWarning, match="1 samples without a label"):
        data = read_data(tmp_path / "cohort.txt")
    expected = _G.copy()
    expected[3, 2] = -1
    keep = np.array(pheno) != "-9"
    np.testing.assert_array_equal(data.genotypes, expected[keep])
    assert list(data.sample_ids) == [f"s{i}" for i in range(10) if keep[i]]
    assert data.class_names == ["control", "case"]
    assert list(data.labels) == [0, 1, 0, 1, 0, 1, 0, 1, 1]
    assert list(data.snp_ids) == [f"rs{j}" for j in range(5)]
    assert list(data.positions) == [1, 2, 3, 4, 5]


def test_count_table_with_labels_file_and_pheno_column(tmp_path):
    from attnscope.io import read_data

    table = tmp_path / "snps.csv"
    rows = [",".join(["subject", *[f"m{j}" for j in range(5)]])]
    rows += [",".join([f"A{i}", *_G[i].astype(str)]) for i in range(10)]
    table.write_text("\n".join(rows) + "\n")
    pheno = tmp_path / "pheno.csv"
    pheno.write_text("id,coat\n" + "\n".join(f"A{i},{'wb'[i % 2]}" for i in range(10)) + "\n")
    data = read_data(table, format="dosage", labels=pheno, label_col="coat")
    np.testing.assert_array_equal(data.genotypes, _G)
    assert data.class_names == ["b", "w"]


@pytest.mark.parametrize(
    ("cell", "phrase"), [("0.37", "imputed dosage"), ("3", "0, 1 or 2 copies"), ("AG", "0, 1 or 2")]
)
def test_a_cell_that_is_not_a_count_is_named(tmp_path, cell, phrase):
    from attnscope.errors import DataError
    from attnscope.io import read_dosage

    cells = _G.astype(str)
    cells[4, 1] = cell
    path = _raw(tmp_path / "c.raw", ["1"] * 10, cells)
    with pytest.raises(DataError, match=f"line 6, sample 's4', SNP 'rs1_A'.*{phrase}"):
        read_dosage(path)


def test_hemera_on_a_count_table_read_as_expression_names_the_format(tmp_path, capsys):
    from _hostile import one_error
    from attnscope.cli import run

    table = tmp_path / "snps.csv"
    rows = [",".join(["id", "label", *[f"m{j}" for j in range(5)]])]
    rows += [",".join([f"A{i}", "ab"[i % 2], *_G[i].astype(str)]) for i in range(10)]
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(table), "--model", "hemera", "--label-col", "label", "--out", str(out)]
    assert "--format dosage" in one_error(run(argv), capsys.readouterr().err, out)


def test_raw_column_suffix_is_the_counted_allele_checked_at_prediction(tmp_path, capsys):
    from _hostile import one_error
    from attnscope.cli import run
    from attnscope.io import read_dosage

    pheno = ["1", "2"] * 10
    cells = np.random.default_rng(19).integers(0, 3, size=(20, 5)).astype(str)
    train = _raw(tmp_path / "train.raw", pheno, cells)
    data = read_dosage(train)
    assert list(data.snp_ids) == [f"rs{j}" for j in range(5)]
    assert list(data.meta["alleles"][:, 0]) == ["A"] * 5
    out = tmp_path / "run"
    small = ["epochs=1", "pretrain_epochs=0", "dim=4", "k=4"]
    argv = ["fit", str(train), "--model", "hemera", "--out", str(out), "--no-baselines", "-q"]
    argv += [arg for pair in small for arg in ("--set", pair)]
    assert run(argv) == 0
    flipped = tmp_path / "new.raw"
    flipped.write_text(train.read_text().replace("rs2_A", "rs2_G"))
    predictions = tmp_path / "p.tsv"
    code = run(["predict", str(out), str(flipped), "--output", str(predictions)])
    line = one_error(code, capsys.readouterr().err, predictions)
    assert "rs2" in line and "G" in line


def test_labels_file_without_ids_says_so(tmp_path):
    """Zeng et al.'s .target files: one-hot labels in record order, no ids."""
    from attnscope.errors import DataError
    from attnscope.io._labelfile import read_label_file

    target = tmp_path / "valid.target"
    target.write_text("1\t0\n0\t1\n0\t1\n")
    with pytest.raises(DataError, match="line 3: id '0' repeats line 2; the first column holds"):
        read_label_file(target)
    repeated = tmp_path / "ids.tsv"
    repeated.write_text("s1\ta\ns2\tb\ns1\tb\n")
    with pytest.raises(DataError, match="repeats line 1; give one label per id"):
        read_label_file(repeated)


def test_piped_tables_keep_their_column_names(capsys):
    """Off a terminal rich drew 80 columns: a trust table's names were cut to 'dele…'."""
    from rich.table import Table

    from attnscope.cli._common import console

    names = [f"column_number_{k}" for k in range(12)]
    table = Table(*names)
    table.add_row(*[f"{k}.000" for k in range(12)])
    console().print(table)
    out = capsys.readouterr().out
    assert all(name in out for name in names)
    assert max(len(line) for line in out.splitlines()) < 400  # the content's width, not 10,000


def test_evaluate_replaces_an_earlier_evaluation_only_with_force(tmp_path, capsys):
    """evaluate rewrote trust.json (from 'trust' or an earlier evaluate) and metrics.json's
    evaluate entry without --force, while 'trust' refused the same overwrite."""
    from _hostile import one_error
    from attnscope.cli import run

    table = tmp_path / "t.csv"
    rows = ["id,label,g1,g2,g3"]
    rows += [f"s{i},{'ab'[i % 2]},{i % 3},{i % 5},{i % 7}" for i in range(30)]
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    fit = ["fit", str(table), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    assert run([*fit, "--set", "epochs=1", "--no-baselines", "-q"]) == 0
    evaluate = ["evaluate", str(out), "--methods", "saliency", "--n-samples", "3", "-q"]
    assert run(evaluate) == 0
    before = {f: (out / f).read_text() for f in ("trust.json", "metrics.json")}
    line = one_error(run([*evaluate, "--all-samples"]), capsys.readouterr().err)
    assert "--force" in line and "trust.json" in line
    assert {f: (out / f).read_text() for f in before} == before
    assert run([*evaluate, "--all-samples", "--force"]) == 0
    assert (out / "metrics.json").read_text() != before["metrics.json"]


def test_fit_with_no_epoch_says_the_model_is_untrained(tmp_path, capsys):
    from attnscope.cli import run

    table = tmp_path / "t.csv"
    rows = ["id,label,g1,g2"] + [f"s{i},{'ab'[i % 2]},{i % 3},{i % 5}" for i in range(20)]
    table.write_text("\n".join(rows) + "\n")
    argv = ["fit", str(table), "--model", "mlp", "--label-col", "label", "--no-baselines"]
    assert run([*argv, "--out", str(tmp_path / "r0"), "--set", "epochs=0"]) == 0
    assert "epochs=0: no training epoch ran" in capsys.readouterr().out
    assert run([*argv, "--out", str(tmp_path / "r1"), "--set", "epochs=1"]) == 0
    assert "no training epoch" not in capsys.readouterr().out


def test_count_table_names_repeated_samples_and_snps(tmp_path):
    from attnscope.errors import DataError
    from attnscope.io import read_dosage

    path = _raw(tmp_path / "c.raw", ["1"] * 10)
    text = path.read_text()
    path.write_text(text.replace("s3 ", "s2 ", 1))
    with pytest.raises(DataError, match=r"duplicate sample ids \['s2'\]"):
        read_dosage(path)
    path.write_text(text.replace("rs1_A", "rs0_A", 1))
    with pytest.raises(DataError, match=r"duplicate SNP ids \['rs0_A'\]"):
        read_dosage(path)
