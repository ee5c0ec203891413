"""Ordinary CLI mistakes: one ``error:`` line, exit status 2, never a traceback.

The mistakes run through the real entry point (``attnscope.cli.run``, what the console
script calls) with ``click`` made unimportable, as it is where only the pinned typer is
installed; one of them also runs through the installed console script.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attnscope.cli import run


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mistakes") / "sim"
    argv = ["simulate", "dna", "--out", str(out), "--n-samples", "60", "--set", "length=30"]
    assert run(argv) == 0
    h5 = out.parent / "x.h5ad"
    import anndata
    import numpy as np
    import pandas as pd

    obs = pd.DataFrame({"group": ["a", "b"] * 5}, index=[f"c{i}" for i in range(10)])
    anndata.AnnData(np.ones((10, 3), np.float32), obs=obs).write_h5ad(h5)
    rows = [f"s{i},{i % 7},{i % 5},{i % 2}" for i in range(40)]  # more rows than columns
    (out.parent / "empty.csv").write_text("")
    (out.parent / "omic.csv").write_text("id,a,b\ns1,1,2\ns2,3,4\ns3,5,1\ns4,2,2\n")
    (out.parent / "omic_labels.csv").write_text("id,label\ns1,x\ns2,y\ns3,x\ns4,x\n")
    (out.parent / "labelcol.csv").write_text("id,g1,g2,label\n" + "\n".join(rows) + "\n")
    return out


#: argv (with {sim}, {dir} filled in) -> a word the one-line message must contain.
MISTAKES: list[tuple[list[str], str]] = [
    (["fit", "--bogus"], "no such option: --bogus"),
    (["fit"], "missing argument"),
    (["fit", "{sim}"], "no model given"),
    (["fitt", "{sim}"], "did you mean 'fit'"),
    (["explian"], "did you mean 'explain'"),
    (["fit", "{sim}", "--model", "cnn", "--set", "epochs=three"], "epochs must be an integer"),
    (["fit", "{sim}", "--model", "cnn", "--set", "lr=fast"], "lr must be a number"),
    (["fit", "{sim}", "--model", "cnn", "--set", "epochz=3"], "did you mean 'epochs'"),
    (["fit", "{sim}", "--model", "cnn", "--set", "device=cuda"], "device"),
    (["fit", "{sim}", "--model", "cnn", "--set", "device=gpu"], "unknown device"),
    (["fit", "{sim}", "--model", "cnnn"], "unknown model"),
    (["fit", "{sim}", "--model", "cnn", "--test-size", "abc"], "--test-size"),
    (["fit", "{dir}/x.h5ad", "--model", "mlp", "--label-col", "c"], "'c'"),
    (["fit", "{sim}", "--model", "cnn", "--label-col", "c"], "--label-col does not apply"),
    (["fit", "{dir}/nothing.csv", "--model", "mlp"], "no such file"),
    (["fit", "{sim}", "--model", "cnn", "--format", "pdf"], "unknown --format"),
    (["fit", "{sim}", "--model", "cnn", "--config", "{dir}/none.toml"], "not found"),
    (["fit", "{sim}", "--model", "cnn", "--class", "pos"], "NAME=FILE"),
    (["fit", "{sim}/sequences.fa", "--model", "cnn"], "add --label-col 1"),
    (
        ["fit", "{dir}/labelcol.csv", "--model", "mlp"],
        "has a column 'label': add --label-col label",
    ),
    (["fit", "--modality", "a={dir}/x.csv", "--model", "fusion"], "--labels"),
    (["report", "--force"], "no such option: --force"),
    (["report"], "missing argument"),
    (["evaluate", "{dir}/no_run", "{sim}"], "run directory"),
    (["predict", "{dir}/no_run"], "run directory"),
    (["explain", "{dir}/no_run"], "run directory"),
    (["simulate", "proteins", "--out", "{dir}/p"], "unknown modality"),
    (["simulate", "dna", "--out", "{dir}/p", "--n-samples", "many"], "--n-samples"),
    (["datasets", "fetch"], "unknown action"),
    (["consistency", "{sim}", "--out", "{dir}/c", "--set", "epochs=ten"], "must be an integer"),
]


@pytest.mark.parametrize(("argv", "needle"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_mistake_gives_one_error_line_and_status_2(sim, capsys, monkeypatch, argv, needle):
    monkeypatch.setitem(sys.modules, "click", None)  # `import click` raises, as without it
    argv = [a.format(sim=sim, dir=sim.parent) for a in argv]
    code = run(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_debug_keeps_the_traceback(sim):
    from attnscope.errors import ConfigError

    with pytest.raises(ConfigError, match="must be an integer"):
        run(["fit", str(sim), "--model", "cnn", "--set", "epochs=three", "--debug"])


def test_bare_command_prints_help_and_quiet_prints_nothing(sim, capsys):
    assert run([]) == 0
    assert "Usage" in capsys.readouterr().out
    assert run(["-q", "simulate", "dna", "--out", str(sim.parent / "q"), "--n-samples", "20"]) == 0
    assert capsys.readouterr().out == ""


def test_only_rank_zero_of_torchrun_prints_but_every_rank_reports_its_error(
    sim, capsys, monkeypatch
):
    """Under torchrun every rank ran the CLI: rank 1 printed the same trust table and a
    'wrote RUN/trust.json' line for a file only rank 0 writes."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    assert run(["datasets", "list"]) == 0
    assert "physionet" in capsys.readouterr().out.lower()
    monkeypatch.setenv("RANK", "1")
    assert run(["datasets", "list"]) == 0
    assert capsys.readouterr().out == ""
    assert run(["evaluate", str(sim.parent / "no-such-run")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_console_script_gives_one_line(tmp_path):
    script = Path(sys.executable).with_name("attnscope")
    if not script.is_file():
        pytest.skip("the attnscope console script is not installed in this environment")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.run(
        [str(script), "fit", "--bogus"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: no such option: --bogus") and "Traceback" not in (
        proc.stderr
    )
    assert len(proc.stderr.strip().splitlines()) == 1
