"""Hostile inputs, round 9: new data of one class for a fitted run, odd genotype calls, and
a user's own module (one or several inputs) given odd data, labels and options.

CLI cases run the real entry point on tiny files in tmp_path; API cases call
:func:`attnscope.explain.attribute`, :func:`attnscope.trust.trust_table` and
:func:`attnscope.explain.wrap_module` directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(11).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]
_FIT = ["--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]


def _table(path: Path, labels: list[str], prefix: str = "p") -> Path:
    rows = [["sample", "label", *_GENES]]
    rows += [[f"{prefix}{i}", lab, *map(str, _X[i])] for i, lab in enumerate(labels)]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    return path


@pytest.fixture(scope="module")
def table_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("round11")
    out = folder / "run"
    argv = ["fit", str(_table(folder / "e.csv", _LABELS)), "--model", "mlp", "--label-col"]
    assert run([*argv, "label", "--out", str(out), *_FIT]) == 0
    return out


def test_predict_takes_a_labelled_file_of_one_class(table_run, tmp_path, capsys):
    """It said 'only 1 class found; a classifier needs at least two' (labels are not used)."""
    new = _table(tmp_path / "one.csv", ["normal"] * 10, prefix="q")
    out = tmp_path / "p.tsv"
    assert run(["predict", str(table_run), str(new), "--output", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert rows[0].split("\t")[:2] == ["sample_id", "predicted"] and len(rows) == 11


def test_evaluate_scores_a_file_of_one_class_and_says_auroc_needs_two(table_run, tmp_path, capsys):
    import shutil

    copy = Path(shutil.copytree(table_run, tmp_path / "run"))
    new = _table(tmp_path / "one.csv", ["tumor"] * 10, prefix="q")
    assert run(["evaluate", str(copy), str(new), "--methods", "saliency"]) == 0
    err = capsys.readouterr().err
    assert "all of class 'tumor': AUROC and AUPRC need samples of two classes" in err
    metrics = json.loads((copy / "metrics.json").read_text())["evaluate"]
    assert metrics["auroc"] is None and metrics["n_samples"] == 10
    predicted = np.asarray(metrics["confusion_matrix"])[1]  # row of the true class 'tumor'
    assert metrics["accuracy"] == pytest.approx(predicted[1] / 10)
    assert "AUROC" in metrics["note"]


def test_a_one_class_file_of_a_class_unseen_in_training_is_still_refused(
    table_run, tmp_path, capsys
):
    new = _table(tmp_path / "one.csv", ["benign"] * 10, prefix="q")
    line = one_error(run(["evaluate", str(table_run), str(new)]), capsys.readouterr().err)
    assert "benign" in line


def test_fit_still_refuses_one_class(tmp_path, capsys):
    new = _table(tmp_path / "one.csv", ["normal"] * 10)
    argv = ["fit", str(new), "--model", "mlp", "--label-col", "label", "--out"]
    line = one_error(run([*argv, str(tmp_path / "r"), *_FIT]), capsys.readouterr().err)
    assert "only 1 class" in line


# ------------------------------------------------------------------------- VCF ploidy
def _vcf(path: Path, calls: list[str]) -> Path:
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    samples = [f"s{k}" for k in range(len(calls))]
    body = "".join(
        f"X\t{100 * (j + 1)}\trs{j}\tA\tG\t.\tPASS\t.\tGT\t" + "\t".join(calls) + "\n"
        for j in range(3)
    )
    path.write_text(head + "\t".join(samples) + "\n" + body)
    return path


def test_haploid_calls_read_as_homozygous_like_plink(tmp_path):
    """A male's chrX '1' counted one ALT copy: half a female's '1/1', unlike PLINK's 2."""
    from attnscope.io import read_vcf

    data = read_vcf(_vcf(tmp_path / "x.vcf", ["0", "1", "1/1", "0/1", ".", "2", "0|0"]))
    assert data.genotypes[:, 0].tolist() == [0, 2, 2, 1, -1, 2, 0]


@pytest.mark.parametrize("call", ["0/1/1", "1|1|1|0"])
def test_polyploid_calls_are_refused_naming_line_and_sample(tmp_path, capsys, call):
    """'0/1/1' was capped at 2 copies and read as '1/1'."""
    path = _vcf(tmp_path / "p.vcf", ["0/0", "0/1", call, "1/1"])
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--out", str(out), *_FIT]
    line = one_error(run(argv), capsys.readouterr().err, out)
    assert f"{path}, line 3, sample s2: genotype {call!r} has {len(call) // 2 + 1} alleles" in line
    assert "reads diploid calls" in line
