"""Hostile inputs, round 8: options and files that were refused the wrong way or read wrongly.

Each case runs the real CLI entry point on tiny files in tmp_path and asserts the refusal's
form with ``one_error`` (exit 2, one ``error:`` line, nothing written), or, where the input
is valid, that what was read is what the file says (ids as written, labels where they are).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(8).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]
_FIT = ["--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]


def _expression(path: Path, ids: list[str] | None = None, label: bool = True) -> Path:
    shift = 0.0 if ids is None else 0.5  # other ids: new samples, not the training rows
    ids = ids or [f"p{i}" for i in range(24)]
    head = ["sample", *(["label"] if label else []), *_GENES]
    rows = [
        [ids[i], *([_LABELS[i]] if label else []), *map(str, _X[i] + shift)]
        for i in range(len(ids))
    ]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


@pytest.fixture(scope="module")
def table_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round8")
    data = _expression(folder / "expr.csv")
    out = folder / "run"
    argv = ["fit", str(data), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    assert run([*argv, *_FIT]) == 0
    return out


# ----------------------------------------------------------------------------- seeds
@pytest.mark.parametrize(
    "argv",
    [
        ["trust", "{run}", "--methods", "saliency", "--n-samples", "3", "--seed", "-1"],
        ["simulate", "dna", "--out", "{tmp}/sim", "--n-samples", "10", "--seed", "-1"],
        ["demo", "--out", "{tmp}/demo", "--seed", "-1"],
        ["fit", "{tmp}/expr.csv", "--model", "mlp", "--label-col", "label", "--out",
         "{tmp}/fit", "--set", "random_state=1", "--seed", "5000000000"],
        ["consistency", "{tmp}/expr.csv", "--model", "mlp", "--label-col", "label", "--out",
         "{tmp}/cons", "--seeds", "2", "--methods", "saliency", "--seed", "-1"],
    ],
    ids=["trust", "simulate", "demo", "fit-split", "consistency"],
)  # fmt: skip
def test_a_seed_outside_the_generators_range_is_one_error(table_run, tmp_path, capsys, argv):
    """A negative --seed was numpy's 'expected non-negative integer', an internal error."""
    _expression(tmp_path / "expr.csv")
    filled = [a.format(run=table_run, tmp=tmp_path) for a in argv]
    line = one_error(run(filled), capsys.readouterr().err)
    assert "--seed must be an integer in [0, 4294967295], got" in line, line
    assert not any((tmp_path / name).exists() for name in ("sim", "demo", "fit", "cons"))


def test_the_library_refuses_a_negative_random_state():
    from attnscope._utils.random import check_random_state, torch_generator
    from attnscope.errors import ConfigError

    with pytest.raises(ConfigError, match="random_state must be an integer"):
        check_random_state(-1)
    with pytest.raises(ConfigError, match="random_state must be an integer"):
        torch_generator(2**32)
    assert check_random_state(np.int64(3)).integers(10**6) == np.random.default_rng(3).integers(
        10**6
    )


# ------------------------------------------------------------------------ sample ids
def test_zero_padded_sample_ids_are_kept_as_written(tmp_path, capsys):
    """Ids '000'..'023' were parsed as numbers: predictions said '7' for sample '007', and a
    labels file with ids '0'..'23' silently labelled them."""
    ids = [f"{i:03d}" for i in range(24)]
    data = _expression(tmp_path / "expr.csv", ids)
    out = tmp_path / "run"
    argv = ["fit", str(data), "--model", "mlp", "--label-col", "label", "--out", str(out)]
    assert run([*argv, *_FIT, "--test-size", "0"]) == 0
    tsv = tmp_path / "p.tsv"
    assert run(["predict", str(out), str(data), "-o", str(tsv)]) == 0
    written = [line.split("\t")[0] for line in tsv.read_text().splitlines()[1:]]
    assert written == ids

    bare = _expression(tmp_path / "bare.csv", ids, label=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("".join(f"{i},{y}\n" for i, y in enumerate(_LABELS)))
    capsys.readouterr()
    refit = tmp_path / "refit"
    code = run(["fit", str(bare), "--model", "mlp", "--labels", str(labels), "--out", str(refit)])
    line = one_error(code, capsys.readouterr().err, refit)
    assert "none of the labelled ids (e.g. ['0', '1', '2'])" in line, line
    assert "rows start ['000', '001', '002']" in line, line


# --------------------------------------------------------------------------- FASTA
_SEQS = ["".join(np.random.default_rng(k).choice(list("ACGT"), 30)) for k in range(24)]


def _fasta(path: Path, label=lambda k: str(k % 2), length: int = 30, n: int = 24) -> Path:
    field = (lambda k: f" label={label(k)}") if label is not None else (lambda k: "")
    path.write_text("".join(f">s{k}{field(k)}\n{_SEQS[k][:length]}\n" for k in range(n)))
    return path


@pytest.fixture(scope="module")
def dna_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round8dna")
    out = folder / "run"
    argv = ["fit", str(_fasta(folder / "s.fa")), "--model", "cnn", "--label-col", "label"]
    assert run([*argv, "--out", str(out), *_FIT]) == 0
    return out


def test_na_in_a_label_field_is_not_a_third_class(tmp_path, capsys):
    path = _fasta(tmp_path / "s.fa", label=lambda k: "NA" if k in (4, 9) else str(k % 2))
    out = tmp_path / "run"
    code = run(["fit", str(path), "--model", "cnn", "--label-col", "label", "--out", str(out)])
    line = one_error(code, capsys.readouterr().err, out)
    assert "2 label(s) are missing (the first: sample 's4', 'NA')" in line, line
    from attnscope.data import encode_labels

    with pytest.raises(ValueError, match="sample number 2, 'nan'"):
        encode_labels(np.array(["a", "nan", "b"]))


def test_unlabelled_fasta_is_predicted_by_a_run_fitted_on_a_label_field(dna_run, tmp_path, capsys):
    """predict read the run's --label-col on new records and refused them (no label field)."""
    path = _fasta(tmp_path / "new.fa", label=None, n=8)
    tsv = tmp_path / "p.tsv"
    assert run(["predict", str(dna_run), str(path), "-o", str(tsv)]) == 0
    err = capsys.readouterr().err
    assert "the run's label column is not in" in err, err
    assert [r.split("\t")[0] for r in tsv.read_text().splitlines()[1:]] == [
        f"s{k}" for k in range(8)
    ]
    code = run(["evaluate", str(dna_run), str(path)])
    line = one_error(code, capsys.readouterr().err, dna_run / "trust.json")
    assert "That label column 'label' is the run's own (from fit)" in line, line


def test_sequences_shorter_than_training_warn_that_they_are_padded(dna_run, tmp_path, capsys):
    path = _fasta(tmp_path / "short.fa", length=12, n=8)
    assert run(["predict", str(dna_run), str(path), "-o", str(tmp_path / "p.tsv")]) == 0
    err = capsys.readouterr().err
    assert "at most 12 bp but the model was trained on 30 bp: they are padded with N" in err


# ------------------------------------------------------------------------ outputs
@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("p.parquet", "predictions are a text table; name the file .tsv"),
        ("p.tsv.gz", "predictions are a text table; name the file .tsv"),
        ("{run}/model.json", "predictions are a text table"),
        ("folder", "is a directory; give --output a file name"),
    ],
)
def test_predict_output_that_is_not_a_text_table_is_refused(
    table_run, tmp_path, capsys, name, phrase
):
    """A .parquet name got tab-separated text; ``-o RUN/model.json --force`` replaced the model."""
    (tmp_path / "folder").mkdir()
    target = Path(name.format(run=table_run)) if "{run}" in name else tmp_path / name
    before = target.read_bytes() if target.is_file() else None
    code = run(["predict", str(table_run), "-o", str(target), "--force"])
    line = one_error(code, capsys.readouterr().err)
    assert phrase in line, line
    assert (target.read_bytes() if target.is_file() else None) == before
    assert not list(tmp_path.glob("p.*"))


def test_report_never_replaces_a_file_that_is_not_its_own(table_run, tmp_path, capsys):
    """report has no --force; ``--out table.tsv`` replaced the user's table with HTML."""
    for name, phrase in (
        ("table.tsv", "the report is an HTML page; name the file .html"),
        ("mine.html", "exists and is not an attnscope report; choose another --out"),
    ):
        target = tmp_path / name
        target.write_text("keep\n")
        line = one_error(
            run(["report", str(table_run), "--out", str(target)]), capsys.readouterr().err
        )
        assert phrase in line, line
        assert target.read_text() == "keep\n"
    page = tmp_path / "r.html"
    assert run(["report", str(table_run), "--out", str(page)]) == 0
    assert run(["report", str(table_run), "--out", str(page)]) == 0  # its own page: rewritten
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ----------------------------------------------------------------------- genotypes
def test_repeated_genotype_sample_ids_name_the_file_and_line(tmp_path, capsys):
    """A VCF header or a .fam naming one sample twice was 'duplicate sample ids', no file."""
    from _hostile import seed, write_seed

    vcf = write_seed(seed("vcf"), tmp_path / "v", [])
    head, rest = vcf.read_text().split("\ts1\t", 1)
    vcf.write_text(head + "\ts0\t" + rest)  # samples s0, s0, s2, ...
    out = tmp_path / "run"
    argv = ["--model", "hemera", "--out", str(out), *_FIT]
    code = run(["fit", str(vcf), "--labels", str(tmp_path / "v" / "x.pheno"), *argv])
    line = one_error(code, capsys.readouterr().err, out)
    assert f"{vcf}, line 2: the header names samples ['s0'] more than once" in line, line

    prefix = write_seed(seed("plink_fam"), tmp_path / "p", [])
    fam = tmp_path / "p" / "c.fam"
    rows = fam.read_text().splitlines()
    fam.write_text("\n".join([*rows[:3], rows[0], *rows[4:]]) + "\n")  # line 4 repeats line 1
    line = one_error(run(["fit", str(prefix), *argv]), capsys.readouterr().err, out)
    assert f"{fam}, line 4: family 'f0' and individual 's0' repeat an earlier line" in line, line


# ------------------------------------------------------------------- small options
def test_explain_top_below_zero_is_refused_before_attribution(table_run, capsys):
    """--top -1 printed every feature but the last (a slice [:-1])."""
    out = table_run / "attributions" / "saliency.npz"
    code = run(["explain", str(table_run), "--method", "saliency", "--top", "-1"])
    line = one_error(code, capsys.readouterr().err, out)
    assert "--top must be 0 or more (0 prints no table), got -1" in line, line


def test_a_class_unseen_in_training_names_the_file_and_count(table_run, tmp_path, capsys):
    path = _expression(tmp_path / "new.csv", [f"q{i}" for i in range(24)])
    path.write_text(path.read_text().replace(",normal,", ",other,", 3))
    code = run(["evaluate", str(table_run), str(path), "--no-trust"])
    line = one_error(code, capsys.readouterr().err)
    assert f"{path}: labels ['other'] (3 samples) were not seen in training" in line, line


def test_motifs_on_sequences_shorter_than_the_window_is_refused_before_attribution(
    dna_run, tmp_path, capsys
):
    """Found after attributing every sequence, with a fix ('lower sliding_window_size') the
    command does not take."""
    path = _fasta(tmp_path / "s.fa")
    code = run(["motifs", str(dna_run), str(path), "--n-samples", "4"])
    line = one_error(code, capsys.readouterr().err, dna_run / "motifs")
    assert "the model reads sequences of 30 bp, shorter than modisco's window (21 + 2 x 10" in line


_MOTIF = ">MA0001.1 X\nA [ 1 2 3 ]\nC [ 1 2 3 ]\nG [ 1 2 3 ]\nT [ 1 2 3 ]\n"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (_MOTIF + _MOTIF, "line 6: motif id 'MA0001.1' repeats an earlier motif"),
        (_MOTIF.replace("[ 1 2 3 ]", "[ 0 2 3 ]"), "has no counts at position 1 (1 such"),
        (
            "AC M1\nP0 A C G T\n01 1 0 0 0\n02 1 1 1 1\n//\nAC M1\nP0 A C G T\n01 1 1 1 1\n//\n",
            "line 6: motif id 'M1' repeats an earlier motif",
        ),
    ],
    ids=["jaspar-repeat", "jaspar-empty-column", "transfac-repeat"],
)
def test_motif_files_with_repeated_ids_or_empty_positions_are_refused(tmp_path, text, phrase):
    """A repeated id silently replaced the earlier motif; an all-zero column is 0/0."""
    from attnscope.errors import DataError
    from attnscope.io import read_jaspar

    path = tmp_path / "m.txt"
    path.write_text(text)
    with pytest.raises(DataError, match="line") as info:
        read_jaspar(path)
    assert phrase in str(info.value), info.value


def _vcf(path: Path, n: int = 24) -> Path:
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    gts = ("0/0", "0/1", "1/1")
    body = "".join(
        f"1\t{100 * (j + 1)}\trs{j}\tA\tG\t.\tPASS\t.\tGT\t"
        + "\t".join(gts[(j * k + k) % 3] for k in range(n))
        + "\n"
        for j in range(6)
    )
    path.write_text(head + "\t".join(f"s{k}" for k in range(n)) + "\n" + body)
    return path


def test_vcf_takes_the_phenotype_column_named_by_label_col(tmp_path, capsys):
    """--label-col is documented for phenotype columns, but a VCF refused it ('does not
    apply'); without --pheno it now says what the column belongs to."""
    import json

    vcf = _vcf(tmp_path / "x.vcf")
    pheno = tmp_path / "multi.txt"
    rows = [f"s{k} s{k} {30 + k} {1 + k % 2}" for k in range(24)]
    pheno.write_text("FID IID age status\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    argv = ["--model", "hemera", "--out", str(out), *_FIT]
    assert run(["fit", str(vcf), "--pheno", str(pheno), "--label-col", "status", *argv]) == 0
    assert json.loads((out / "model.json").read_text())["classes"] == ["control", "case"]
    capsys.readouterr()
    code = run(["fit", str(vcf), "--pheno", str(pheno), *argv, "--force"])
    line = one_error(code, capsys.readouterr().err)
    assert "several value columns ['age', 'status']; pass the one to use: --label-col NAME" in line
    bare = tmp_path / "bare"
    code = run(["fit", str(vcf), "--label-col", "status", *argv[:2], "--out", str(bare)])
    line = one_error(code, capsys.readouterr().err, bare)
    assert "--label-col status (pheno_col=) names a column of a phenotype file" in line, line


def test_two_classes_naming_the_same_file_are_refused(tmp_path, capsys):
    """Every sequence was read twice, once per class: a data set of contradictions."""
    path = _fasta(tmp_path / "s.fa", label=None)
    out = tmp_path / "run"
    argv = ["fit", "--class", f"a={path}", "--class", f"b={tmp_path}/./s.fa", "--model", "cnn"]
    line = one_error(run([*argv, "--out", str(out), *_FIT]), capsys.readouterr().err, out)
    assert f"classes 'a' and 'b' name the same file {tmp_path}/s.fa" in line, line


def test_repeated_trust_methods_and_aliases_give_one_row_each(table_run, capsys):
    """'saliency,saliency,ixg,input_x_gradient' computed and stored four rows, two twice."""
    import json

    argv = ["trust", str(table_run), "--methods", "saliency,saliency,ixg,input_x_gradient"]
    assert run([*argv, "--n-samples", "3", "--force"]) == 0
    rows = json.loads((table_run / "trust.json").read_text())["rows"]
    assert [r["method"] for r in rows] == ["saliency", "input_x_gradient"]


def _long(path: Path, label: bool = True) -> Path:
    rows = ["id,time,variable,value" + (",outcome" if label else "")]
    for k in range(24):
        for t in (0, 1.5, 3):
            for var in ("HR", "Temp"):
                rows.append(f"st{k},{t},{var},{_X[k, 0] + t:.3f}" + (f",{k % 2}" if label else ""))
    path.write_text("\n".join(rows) + "\n")
    return path


def _h5ad(path: Path, label: bool = True) -> Path:
    import anndata
    import pandas as pd

    obs = pd.DataFrame({"label": _LABELS} if label else {}, index=[f"c{i}" for i in range(24)])
    var = pd.DataFrame(index=_GENES)
    anndata.AnnData(X=_X.astype(np.float32), obs=obs, var=var).write_h5ad(path)
    return path


@pytest.mark.parametrize(
    ("make", "model", "column"),
    [(_long, "attn_lstm", "outcome"), (_h5ad, "mlp", "label")],
    ids=["long-csv", "h5ad"],
)
def test_unlabelled_new_data_is_predicted_by_a_run_fitted_with_label_col(
    tmp_path, capsys, make, model, column
):
    """A long CSV without the run's label column, or an h5ad whose obs lacks its key, was
    refused by predict ('label column not found'): now read unlabelled, with a warning."""
    suffix = ".csv" if make is _long else ".h5ad"
    out = tmp_path / "run"
    data = make(tmp_path / f"train{suffix}")
    argv = ["fit", str(data), "--model", model, "--label-col", column, "--out", str(out)]
    assert run([*argv, *_FIT]) == 0
    new = make(tmp_path / f"new{suffix}", label=False)
    tsv = tmp_path / "p.tsv"
    assert run(["predict", str(out), str(new), "-o", str(tsv)]) == 0
    assert "the run's label column is not in" in capsys.readouterr().err
    assert len(tsv.read_text().splitlines()) == 25
    line = one_error(run(["evaluate", str(out), str(new)]), capsys.readouterr().err)
    assert f"That label column {column!r} is the run's own (from fit)" in line, line


# --------------------------------------------------------------------- labels files
@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("sample,age,sex\n{rows3}", "the labels file has columns ['sample', 'age', 'sex']; which"),
        ("{rows3}", "line 1: 3 fields (['p0', '30', 'normal']); a labels file holds two"),
        (
            "sample,age,label\np0,30\n",
            "line 2: 2 fields, but the header puts the label in column 3",
        ),
    ],
    ids=["no-label-column", "no-header", "short-row"],
)
def test_a_labels_file_of_several_columns_never_has_its_label_guessed(
    tmp_path, capsys, text, phrase
):
    """'sample,age,label' labelled every sample by its age (the second field)."""
    rows3 = "".join(f"p{i},{30 + i},{_LABELS[i]}\n" for i in range(24))
    labels = tmp_path / "labels.csv"
    labels.write_text(text.format(rows3=rows3))
    data = _expression(tmp_path / "expr.csv", label=False)
    out = tmp_path / "run"
    argv = ["fit", str(data), "--labels", str(labels), "--model", "mlp", "--out", str(out)]
    line = one_error(run([*argv, *_FIT]), capsys.readouterr().err, out)
    assert phrase in line, line


def test_a_labels_file_with_a_label_column_uses_it(tmp_path):
    from attnscope.io import read_data

    labels = tmp_path / "labels.csv"
    rows = "".join(f"p{i},{30 + i},{_LABELS[i]},\n" for i in range(24))  # trailing comma too
    labels.write_text("sample,age,label,\n" + rows)
    data = read_data(_expression(tmp_path / "expr.csv", label=False), labels=labels)
    assert data.class_names == ["normal", "tumor"]
    assert [data.class_names[c] for c in data.labels] == _LABELS


def test_genotypes_counting_the_other_allele_are_refused(tmp_path, capsys):
    """Same SNP ids with REF/ALT swapped: every dosage was read the other way round."""
    vcf = _vcf(tmp_path / "x.vcf")
    pheno = tmp_path / "pheno.txt"
    pheno.write_text("".join(f"s{k} {1 + k % 2}\n" for k in range(24)))
    out = tmp_path / "run"
    argv = ["fit", str(vcf), "--pheno", str(pheno), "--model", "hemera", "--out", str(out)]
    assert run([*argv, *_FIT, "--test-size", "0"]) == 0
    lines = vcf.read_text().splitlines()
    swap = {"0/0": "1/1", "1/1": "0/0"}
    fields = lines[2].split("\t")  # rs0: REF A, ALT G -> REF G, ALT A, genotypes recoded
    fields[3], fields[4] = fields[4], fields[3]
    fields[9:] = [swap.get(g, g) for g in fields[9:]]
    flipped = tmp_path / "flipped.vcf"
    flipped.write_text("\n".join([*lines[:2], "\t".join(fields), *lines[3:]]) + "\n")
    tsv = tmp_path / "p.tsv"
    capsys.readouterr()
    code = run(["predict", str(out), str(flipped), "-o", str(tsv)])
    line = one_error(code, capsys.readouterr().err, tsv)
    assert f"{flipped}: SNP rs0 counts allele A here but G in training (1 such SNPs)" in line
    assert run(["predict", str(out), str(vcf), "-o", str(tsv)]) == 0  # the same coding: read
