"""A run applied to new data: the run's own labels file (from fit) is not forced on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attnscope.cli import run


def _write(tmp_path, name, data, ids):
    """FASTA of ``data``'s sequences under ``ids`` and a labels CSV beside it."""
    bases = np.array(list("-ACGTN"))
    fasta, labels = tmp_path / f"{name}.fa", tmp_path / f"{name}.csv"
    fasta.write_text("".join(f">{i}\n{''.join(bases[t])}\n" for i, t in zip(ids, data.tokens)))
    labels.write_text("id,label\n" + "".join(f"{i},{y}\n" for i, y in zip(ids, data.y)))
    return fasta, labels


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from attnscope.sim import simulate_dna

    tmp = tmp_path_factory.mktemp("newdata")
    data = simulate_dna(360, length=60, random_state=0)
    train = data.subset(np.arange(240))
    new = data.subset(np.arange(240, 360))
    fa, lab = _write(tmp, "train", train, [f"t{i}" for i in range(len(train))])
    new_fa, new_lab = _write(tmp, "new", new, [f"n{i}" for i in range(len(new))])
    out = tmp / "run"
    args = ["fit", str(fa), "--labels", str(lab), "--model", "cnn", "--out", str(out)]
    assert run([*args, "--set", "epochs=2", "--set", "n_filters=8", "--no-baselines"]) == 0
    return out, new_fa, new_lab


def test_predict_on_new_unlabelled_sequences_ignores_the_runs_labels(fitted, tmp_path):
    out, new_fa, _ = fitted
    target = tmp_path / "pred.csv"
    assert run(["predict", str(out), str(new_fa), "--output", str(target)]) == 0
    rows = target.read_text().splitlines()
    assert rows[0].split(",")[:2] == ["sample_id", "predicted"]  # .csv: comma-separated
    assert len(rows) == 121 and rows[1].startswith("n0,")


def test_explain_on_new_unlabelled_sequences(fitted):
    out, new_fa, _ = fitted
    assert run(["explain", str(out), str(new_fa), "--method", "saliency", "--force"]) == 0
    saved = np.load(out / "attributions" / "saliency.npz", allow_pickle=False)
    assert saved["values"].shape[0] == 120


def test_evaluate_on_new_data_asks_for_its_labels(fitted, capsys):
    out, new_fa, new_lab = fitted
    capsys.readouterr()
    assert run(["evaluate", str(out), str(new_fa)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "run's own (from fit)" in err[0] and "--labels FILE" in err[0]
    assert run(["evaluate", str(out), str(new_fa), "--labels", str(new_lab)]) == 0


def test_motifs_on_unlabelled_sequences_explains_the_predicted_class(fitted):
    pytest.importorskip("modiscolite")
    out, new_fa, _ = fitted
    jaspar = out.parent / "one.jaspar"
    jaspar.write_text(">M1 toy\nA [ 9 0 0 0 ]\nC [ 0 9 0 0 ]\nG [ 0 0 9 0 ]\nT [ 0 0 0 9 ]\n")
    args = ["motifs", str(out), str(new_fa), "--n-leiden-runs", "2", "--motifs", str(jaspar)]
    assert run(args) == 0
    saved = json.loads((out / "motifs" / "patterns.json").read_text())
    assert saved["options"]["selected_by"] == "prediction" and saved["options"]["n"] > 0


def test_new_expression_matrix_is_not_read_by_shape_when_the_labels_miss_it(tmp_path, capsys):
    """Its orientation comes from the labelled ids: new ids need their own --labels."""
    rng = np.random.default_rng(0)
    genes = [f"g{j}" for j in range(20)]

    def matrix(name: str, ids: list[str]) -> tuple:
        y = np.arange(len(ids)) % 2
        x = rng.normal(size=(20, len(ids))) + y  # genes x samples, more samples than genes
        path = tmp_path / f"{name}.csv"
        rows = ["gene," + ",".join(ids)] + [
            f"{g}," + ",".join(f"{v:.4f}" for v in x[j]) for j, g in enumerate(genes)
        ]
        path.write_text("\n".join(rows) + "\n")
        lab = tmp_path / f"{name}_labels.csv"
        lab.write_text("id,label\n" + "".join(f"{i},{c}\n" for i, c in zip(ids, y)))
        return path, lab

    train, train_lab = matrix("train", [f"s{i}" for i in range(60)])
    new, new_lab = matrix("new", [f"n{i}" for i in range(40)])
    out = tmp_path / "run"
    fit = ["fit", str(train), "--labels", str(train_lab), "--model", "mlp", "--out", str(out)]
    assert run([*fit, "--set", "epochs=2", "--no-baselines"]) == 0
    capsys.readouterr()
    assert run(["predict", str(out), str(new), "--output", str(tmp_path / "p.tsv")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    # one error naming the mismatch, never a matrix silently read the other way round
    assert len(err) == 1 and "labels file" in err[0] and "new.csv" in err[0]
    args = ["predict", str(out), str(new), "--labels", str(new_lab), "--output"]
    assert run([*args, str(tmp_path / "p.tsv")]) == 0
    assert len((tmp_path / "p.tsv").read_text().splitlines()) == 41


def test_motifs_maps_labels_to_the_models_classes(fitted, capsys):
    out, new_fa, new_lab = fitted
    renamed = new_lab.parent / "renamed.csv"
    lines = new_lab.read_text().splitlines()
    renamed.write_text("\n".join([lines[0], *(f"{ln}x" for ln in lines[1:])]) + "\n")
    capsys.readouterr()
    assert run(["motifs", str(out), str(new_fa), "--labels", str(renamed), "--force"]) == 2
    assert "not seen in training" in capsys.readouterr().err


def test_library_predict_run_reads_new_sequences_unlabelled(fitted, tmp_path):
    """``attnscope.run.predict_run`` shares the CLI's rule (it forced the labels file)."""
    from attnscope.errors import AttnscopeWarning, DataError
    from attnscope.run import evaluate_run, predict_run

    out, new_fa, _ = fitted
    with pytest.warns(AttnscopeWarning, match="does not cover .* read it unlabelled"):
        path, n = predict_run(out, new_fa, output=tmp_path / "p.tsv")
    assert n == 120 and path.read_text().splitlines()[1].startswith("n0\t")
    with pytest.raises(DataError, match=r"run's own \(from fit\); for other data pass"):
        evaluate_run(out, new_fa, trust=False)


def _cohort(prefix, ids, rng):
    """A PLINK cohort of 40 SNPs with no phenotype in the .fam (column 6 = -9)."""
    from attnscope.data import GenotypeDataset
    from attnscope.io import write_plink

    n = len(ids)
    write_plink(
        prefix,
        GenotypeDataset(
            labels=None,
            sample_ids=np.array(ids),
            class_names=[],
            truth=None,
            meta={},
            genotypes=rng.integers(0, 3, size=(n, 40)).astype(np.int8),
            snp_ids=np.array([f"rs{j}" for j in range(40)]),
            chromosomes=np.array(["1"] * 40),
            positions=np.arange(40, dtype=np.int64) * 1000 + 5,
        ),
    )


def test_new_plink_cohort_outside_the_runs_phenotype_file(tmp_path, capsys):
    """The run's --pheno file covers none of a new cohort: predict reads it unlabelled."""
    rng = np.random.default_rng(1)
    train_ids = [f"t{i}" for i in range(60)]
    _cohort(tmp_path / "train", train_ids, rng)
    pheno = tmp_path / "pheno.txt"
    pheno.write_text("".join(f"{i} {i} {1 + k % 2}\n" for k, i in enumerate(train_ids)))
    out = tmp_path / "run"
    args = ["fit", str(tmp_path / "train.bed"), "--pheno", str(pheno), "--model", "hemera"]
    settings = ["--set", "epochs=1", "--set", "dim=8", "--set", "n_layers=1", "--set", "heads=1"]
    assert run([*args, "--out", str(out), "--no-baselines", *settings, "--set", "val_size=0"]) == 0
    _cohort(tmp_path / "new", [f"n{i}" for i in range(25)], rng)
    capsys.readouterr()
    assert (
        run(["predict", str(out), str(tmp_path / "new.bed"), "--output", str(tmp_path / "p.tsv")])
        == 0
    )
    assert "read it unlabelled" in capsys.readouterr().err
    assert len((tmp_path / "p.tsv").read_text().splitlines()) == 26
    assert run(["evaluate", str(out), str(tmp_path / "new.bed")]) == 2
    assert "run's own (from fit)" in capsys.readouterr().err.splitlines()[-1]
