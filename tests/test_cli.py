"""The command line: exit statuses, files written, and one-line errors."""

from __future__ import annotations

import json

import pytest

from attnscope import __version__
from attnscope.cli import run


def test_version_and_help(capsys):
    assert run(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    for cmd in ("demo", "simulate", "fit", "predict", "evaluate"):
        assert run([cmd, "--help"]) == 0
        assert "Usage" in capsys.readouterr().out


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim") / "dna"
    assert (
        run(
            [
                "simulate",
                "dna",
                "--out",
                str(out),
                "--n-samples",
                "200",
                "--set",
                "length=50",
                "--set",
                "motif_length=6",
            ]
        )
        == 0
    )
    return out


def test_simulate_fit_predict_evaluate(tmp_path, simulated, capsys):
    assert (simulated / "data.npz").is_file() and (simulated / "sequences.fa").is_file()
    summary = json.loads((simulated / "summary.json").read_text())
    assert summary["n_samples"] == 200 and summary["has_truth"]
    run_dir = tmp_path / "run"
    code = run(
        [
            "fit",
            str(simulated / "data.npz"),
            "--model",
            "cnn",
            "--out",
            str(run_dir),
            "--set",
            "epochs=2",
            "--set",
            "n_filters=8",
        ]
    )
    assert code == 0, capsys.readouterr().err
    for name in ("model.safetensors", "model.json", "config.toml", "metrics.json", "split.json"):
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_train"] == 160 and metrics["n_test"] == 40
    # class counts of the whole data set (the report's caption), the training share's beside
    assert sum(metrics["data"]["class_counts"].values()) == 200
    assert sum(metrics["data"]["train_class_counts"].values()) == 160
    printed = capsys.readouterr().out
    auroc = metrics["baselines"]["k-mer logistic regression"]["auroc"]
    assert f"baseline k-mer logistic regression: AUROC {auroc:.4f}" in printed
    assert f"verdict: {metrics['verdict']}" in printed.replace("\n", " ")
    quiet = tmp_path / "no-baselines"
    args = ["--set", "epochs=1", "--set", "n_filters=8", "--no-baselines", "--out", str(quiet)]
    assert run(["fit", str(simulated / "data.npz"), "--model", "cnn", *args]) == 0
    assert "verdict" not in capsys.readouterr().out
    assert "baselines" not in json.loads((quiet / "metrics.json").read_text())
    assert run(["predict", str(run_dir), str(simulated / "data.npz")]) == 0
    lines = (run_dir / "predictions.tsv").read_text().strip().splitlines()
    assert lines[0].split("\t")[:2] == ["sample_id", "predicted"] and len(lines) == 201
    assert run(["evaluate", str(run_dir), str(simulated / "data.npz"), "--no-trust"]) == 0
    assert "accuracy" in json.loads((run_dir / "metrics.json").read_text())["evaluate"]


def test_existing_run_is_not_overwritten_without_force(tmp_path, simulated, capsys):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "keep.txt").write_text("x")
    code = run(["fit", str(simulated / "data.npz"), "--model", "cnn", "--out", str(run_dir)])
    err = capsys.readouterr().err
    assert code == 2 and "--force" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in run_dir.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fit", "missing.npz", "--model", "cnn"], "no such file"),
        (["fit", "{data}", "--model", "nope"], "unknown model"),
        (["fit", "{data}", "--model", "cnn", "--set", "n_filterz=3"], "no parameter"),
        (["fit", "{data}", "--model", "cnn", "--set", "oops"], "key=value"),
        (["simulate", "proteins", "--out", "{tmp}/x"], "unknown modality"),
    ],
)
def test_user_errors_give_one_line_and_status_2(tmp_path, simulated, capsys, argv, needle):
    argv = [a.format(data=simulated / "data.npz", tmp=tmp_path) for a in argv]
    code = run([*argv, "--out", str(tmp_path / "out")] if argv[0] == "fit" else argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_demo_writes_summary_with_the_promised_keys(tmp_path):
    from attnscope.cli._demo import run_demo

    summary = run_demo(tmp_path / "demo", n_samples=300, length=80, epochs=3)
    written = json.loads((tmp_path / "demo" / "summary.json").read_text())
    for key in ("test_accuracy", "precision_at_k", "random_precision_at_k", "seconds"):
        assert key in written and written[key] == pytest.approx(summary[key])
    assert 0 <= written["random_precision_at_k"] < 0.3
    assert (tmp_path / "demo" / "attributions" / "input_x_gradient.npz").is_file()
