"""Hostile inputs, round 11: a run's split.json edited after ``fit`` (content digests and
test ids of the wrong type) and expression tables with comment lines above the header.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written; library cases assert the DataError and its key phrase.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(14).normal(size=(20, 6)), 3)


def _table(path: Path, prefix: str = "p", sep: str = ",", above: str = "") -> Path:
    rows = [sep.join(["sample", "label", *_GENES])]
    rows += [sep.join([f"{prefix}{i}", "ab"[i % 2], *map(str, _X[i])]) for i in range(20)]
    path.write_text(above + "\n".join(rows) + "\n")
    return path


_FIT = ["--model", "mlp", "--label-col", "label", "--set", "epochs=1", "--set", "val_size=0",
        "--set", "hidden=[8]", "--no-baselines"]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run14")
    out = folder / "run"
    assert run(["fit", str(_table(folder / "expr.csv")), "--out", str(out), *_FIT]) == 0
    return out


# ---------------------------------------------------------------- split.json edited
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("train_digests", "cut"),  # not a list: the content rule was dropped silently
        ("train_digests", [[1, 2]]),  # unhashable: an internal TypeError
        ("train_digests", ["0" * 16]),  # one digest for 16 training samples: partly applied
        ("test", [{"id": 1}]),  # unhashable: an internal TypeError
    ],
)
def test_split_json_edited_digests_are_refused(tmp_path, run_dir, capsys, field, value):
    """The same cohort under new ids was scored as held-out when ``train_digests`` was not a
    list (all 20 samples, 16 of them training ones), or crashed when it held lists."""
    edited = tmp_path / "run"
    shutil.copytree(run_dir, edited)
    split = json.loads((edited / "split.json").read_text())
    assert len(split["train_digests"]) == len(split["train"]) == 16
    split[field] = value
    (edited / "split.json").write_text(json.dumps(split))
    before = sorted(p.name for p in edited.iterdir())
    renamed = _table(tmp_path / "renamed.csv", prefix="q")
    code = run(["evaluate", str(edited), str(renamed), "--label-col", "label", "--no-trust"])
    line = one_error(code, capsys.readouterr().err)
    assert f"{edited / 'split.json'} is damaged ('{field}'" in line
    assert "re-run the fit" in line
    assert sorted(p.name for p in edited.iterdir()) == before


def test_split_json_intact_digests_exclude_renamed_training_samples(tmp_path, run_dir, capsys):
    """The reference: the untouched run excludes its 16 training samples under new ids."""
    renamed = _table(tmp_path / "renamed.csv", prefix="q")
    argv = ["evaluate", str(run_dir), str(renamed), "--label-col", "label", "--no-trust"]
    assert run(argv) == 0
    assert "4 samples (16 training samples of the given data excluded, 16 of them" in (
        capsys.readouterr().out
    )


# ---------------------------------------------------------------- comment lines above a table
@pytest.mark.parametrize("sep", ["\t", ","])
def test_expression_table_with_comment_lines_above_the_header(tmp_path, sep):
    """A '# exported by ...' line above the header made a TSV read as whitespace-separated:
    'the header has 5 fields but rows have 7; fix the header row' (the header was fine)."""
    from attnscope.io import read_expression

    above = "# exported by tool v1 on 2026-11-30\n#\n"
    data = read_expression(_table(tmp_path / "c.txt", sep=sep, above=above), label_col="label")
    assert data.feature_names.tolist() == _GENES
    assert data.sample_ids.tolist() == [f"p{i}" for i in range(20)]
    np.testing.assert_allclose(data.X, _X.astype(np.float32))


def test_featurecounts_table_reads_after_its_program_line(tmp_path):
    """featureCounts writes '# Program:featureCounts ...; Command:...' above 'Geneid s1 ...'."""
    from attnscope.io import read_expression

    samples = [f"s{j}" for j in range(8)]
    lines = ['# Program:featureCounts v2.0.1; Command:"featureCounts" "-a" "genes.gtf"']
    lines += ["\t".join(["Geneid", *samples])]
    lines += ["\t".join([g, *map(str, _X[:8, k])]) for k, g in enumerate(_GENES)]
    (tmp_path / "counts.tsv").write_text("\n".join(lines) + "\n")
    labels = {s: "ab"[j % 2] for j, s in enumerate(samples)}
    data = read_expression(tmp_path / "counts.tsv", labels=labels)
    assert data.meta["orientation"] == "features_by_samples"
    assert data.feature_names.tolist() == _GENES and data.sample_ids.tolist() == samples
    np.testing.assert_allclose(data.X, _X[:8].astype(np.float32))


def test_a_header_starting_with_hash_is_still_the_header(tmp_path):
    """'#sample<TAB>label<TAB>G0...' holds the delimiter: it is the header, not a comment."""
    from attnscope.io import read_expression

    path = _table(tmp_path / "h.tsv", sep="\t")
    path.write_text("#" + path.read_text())
    data = read_expression(path, label_col="label")
    assert data.feature_names.tolist() == _GENES and len(data) == 20


# ---------------------------------------------------------------- consistency options
def test_consistency_methods_given_twice_are_one_method(tmp_path, capsys):
    """``--methods attention,attention`` listed attention twice in consistency.json (its maps
    computed twice) while the printed table showed it once."""
    sim = tmp_path / "ts"
    assert run(["simulate", "timeseries", "--out", str(sim), "--n-samples", "30", "-q"]) == 0
    out = tmp_path / "study"
    argv = ["consistency", str(sim), "--model", "attn_lstm", "--seeds", "2", "--out", str(out)]
    argv += ["--methods", "attention,attention", "--set", "epochs=1", "--set", "hidden=4", "-q"]
    assert run(argv) == 0, capsys.readouterr().err
    study = json.loads((out / "consistency.json").read_text())
    assert study["methods"] == ["attention"]
    header = (out / "per_sample.tsv").read_text().splitlines()[0].split("\t")
    assert header.count("attention.spearman") == 1


# ---------------------------------------------------------------- MOGONET folders
def test_mogonet_missing_value_is_named_plainly(tmp_path):
    """An 'NA' in labels_tr.csv was named "value np.float64(nan)" in the error."""
    from attnscope.errors import DataError
    from attnscope.io import read_mogonet

    for m, width in ((1, 3), (2, 2)):
        np.savetxt(tmp_path / f"{m}_tr.csv", _X[:, :width], delimiter=",", fmt="%.3f")
        (tmp_path / f"{m}_featname.csv").write_text("".join(f"f{m}{k}\n" for k in range(width)))
    labels = [str(i % 2) for i in range(20)]
    labels[2] = "NA"
    (tmp_path / "labels_tr.csv").write_text("\n".join(labels) + "\n")
    with pytest.raises(DataError) as err:
        read_mogonet(tmp_path, names=["a", "b"])
    assert "labels_tr.csv, line 3, column 1: value NA/empty is missing" in str(err.value)
    assert "np.float64" not in str(err.value)


# ---------------------------------------------------------------- --config TOML
def test_config_parameter_above_params_is_refused(tmp_path, capsys):
    """``epochs = 1`` written above ``[params]`` was ignored: the fit ran 50 epochs."""
    config = tmp_path / "cfg.toml"
    config.write_text('model = "mlp"\nepochs = 1\n\n[params]\nval_size = 0\n')
    out = tmp_path / "run"
    argv = ["fit", str(_table(tmp_path / "expr.csv")), "--config", str(config), "--out", str(out)]
    line = one_error(
        run([*argv, "--label-col", "label", "--no-baselines"]), capsys.readouterr().err
    )
    assert f"{config}: unknown top-level key 'epochs'" in line
    assert "[params] epochs = ..." in line
    assert not out.exists()


def test_config_of_a_run_is_still_accepted(tmp_path, run_dir, capsys):
    """A run's own config.toml (attnscope_version, test_size, split_seed, split) still reads."""
    from attnscope.run._config import read_config

    config = read_config(run_dir / "config.toml")
    assert config["model"] == "mlp" and config["test_size"] == 0.2


# ---------------------------------------------------------------- AnnData labels
def test_continuous_obs_column_as_labels_is_refused(tmp_path, capsys):
    """``--label-col n_counts`` (a float obs column) made every value a class; the fit failed
    with 'the smallest class has 1 samples; at least 3 are needed for this split'."""
    ad = pytest.importorskip("anndata")
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    obs = pd.DataFrame(
        {"cell": pd.Categorical(["a", "b"] * 15, categories=["a", "b", "unused"])},
        index=[f"c{i}" for i in range(30)],
    )
    obs["n_counts"] = rng.normal(1000, 50, size=30)
    genes = pd.DataFrame(index=[f"g{k}" for k in range(8)])
    X = sp.csr_matrix(rng.poisson(3, size=(30, 8)).astype(np.int64))  # sparse int counts
    path = tmp_path / "cells.h5ad"
    ad.AnnData(X=X, obs=obs, var=genes).write_h5ad(path)
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--out", str(out), "--set", "epochs=1"]
    argv += ["--set", "val_size=0", "--no-baselines", "-q"]
    line = one_error(run([*argv, "--label-col", "n_counts"]), capsys.readouterr().err)
    assert "30 distinct non-integer values among 30 samples" in line
    assert "choose a categorical label column" in line and not out.exists()
    # the categorical column, with a category no cell has, is two classes
    assert run([*argv, "--label-col", "cell"]) == 0
    assert json.loads((out / "model.json").read_text())["classes"] == ["a", "b"]
