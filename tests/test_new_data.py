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
