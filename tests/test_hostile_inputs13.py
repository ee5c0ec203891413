"""Hostile inputs, round 10: --force onto folders attnscope did not write or onto the data
itself, run directories edited after ``fit``, tables without features, and a user's module
given odd tables or returning probabilities.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written or deleted; library cases assert the DataError / ConfigError and its key phrase.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from _hostile import one_error, seed, write_seed
from attnscope.cli import run

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(13).normal(size=(20, 6)), 3)


def _table(path: Path, genes: list[str] = _GENES) -> Path:
    rows = [",".join(["sample", "label", *genes])]
    rows += [f"p{i},{'ab'[i % 2]}," + ",".join(map(str, _X[i, : len(genes)])) for i in range(20)]
    path.write_text("\n".join(rows) + "\n")
    return path


_FIT = ["--model", "mlp", "--label-col", "label", "--set", "epochs=1", "--set", "val_size=0",
        "--set", "hidden=[8]", "--no-baselines"]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run13")
    out = folder / "run"
    assert run(["fit", str(_table(folder / "expr.csv")), "--out", str(out), *_FIT]) == 0
    return out


# ---------------------------------------------------------------- --force and its --out
def test_force_never_replaces_the_folder_holding_the_data(tmp_path, capsys):
    """``fit data/ --out data --force`` deleted the data folder (the run replaced it)."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = _table(folder / "expr.csv")
    (folder / "summary.json").write_text("{}")  # looks like attnscope's own folder too
    code = run(["fit", str(data), "--out", str(folder), "--force", *_FIT])
    line = one_error(code, capsys.readouterr().err)
    assert f"--out {folder} holds the input {data}" in line
    assert sorted(p.name for p in folder.iterdir()) == ["expr.csv", "summary.json"]


def test_force_never_replaces_a_folder_of_the_users_files(tmp_path, capsys):
    """``--out ~/project --force`` deleted every file in it; also ``simulate --force``."""
    data = _table(tmp_path / "expr.csv")
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "notes.txt").write_text("a week of work")
    for argv in (
        ["fit", str(data), "--out", str(mine), "--force", *_FIT],
        ["simulate", "expression", "--out", str(mine), "--force", "--n-samples", "20"],
    ):
        line = one_error(run(argv), capsys.readouterr().err)
        assert f"{mine} is not a folder attnscope wrote (it holds ['notes.txt'])" in line
        assert (mine / "notes.txt").read_text() == "a week of work"


def test_simulate_force_replaces_the_folder_whole(tmp_path, run_dir, capsys):
    """``simulate --out RUN --force`` wrote data.npz among the run's files (a mixed folder)."""
    out = tmp_path / "old_run"
    shutil.copytree(run_dir, out)
    sets = ["n_genes=10", "n_pathways=3", "pathway_size=[2,3]"]
    argv = ["simulate", "expression", "--out", str(out), "--force", "--n-samples", "20"]
    argv += [a for s in sets for a in ("--set", s)]
    assert run(argv) == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["data.npz", "summary.json"]


def test_demo_force_replaces_an_earlier_demo(tmp_path, monkeypatch):
    """The demo's own data.npz is an input of its fit: a --force re-run must not refuse it."""
    from attnscope.cli._demo import run_demo

    # The trust table and the report are not what is tested here (and take seconds).
    monkeypatch.setattr("attnscope.run.trust_run", lambda *a, **k: {"rows": []})
    monkeypatch.setattr("attnscope.report.write_report", lambda run: Path(run) / "report.html")
    out = tmp_path / "demo"
    run_demo(out, n_samples=30, length=20, epochs=1, trust_samples=2)
    run_demo(out, n_samples=30, length=20, epochs=1, trust_samples=2, force=True)
    assert (out / "data.npz").is_file() and (out / "model.json").is_file()


# ------------------------------------------------------------- run files edited after fit
def _edit_json(name: str, change):
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_text(json.dumps(change(json.loads(path.read_text()))))

    return edit


def _schema(meta: dict, **changes) -> dict:
    return {**meta, "input_schema": {**meta["input_schema"], **changes}}


#: id, edit of a copy of the run, expected phrase of the one error line.
EDITED_RUNS = [
    (  # predict wrote two probability columns named 'a'
        "classes_repeated",
        _edit_json("model.json", lambda m: {**m, "classes": ["a", "a"]}),
        "model.json: 'classes' ['a', 'a'] repeats a name",
    ),
    (  # predict: internal ValueError (shape of passed values)
        "classes_one_too_many",
        _edit_json("model.json", lambda m: {**m, "classes": ["a", "b", "c"]}),
        "model.json: 'classes' names 3 classes ['a', 'b', 'c'] but the network's 'spec' has 2",
    ),
    (  # explain/trust: internal RuntimeError; predict blamed the data's columns
        "feature_names_cut",
        _edit_json("model.json", lambda m: _schema(m, feature_names=_GENES[:2])),
        "model.json: 'input_schema' lists 2 feature names but the network's 'spec' takes 6",
    ),
    (  # every sample, training ones included, was scored as held-out
        "split_without_train",
        _edit_json("split.json", lambda s: {"test": s["test"]}),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
    (
        "split_train_emptied",
        _edit_json("split.json", lambda s: {**s, "train": []}),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
    (  # internal UnicodeDecodeError
        "model_json_binary",
        lambda d: (d / "model.json").write_bytes(b"\x00\xba\xff{}"),
        "model.json is not UTF-8 text (byte 1 is 0xba)",
    ),
    (  # internal UnicodeDecodeError
        "split_json_binary",
        lambda d: (d / "split.json").write_bytes(b"\x00\xba\xff{}"),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
    (  # internal UnicodeDecodeError
        "config_latin1",
        lambda d: (d / "config.toml").write_bytes(
            b"# caf\xe9\n" + (d / "config.toml").read_bytes()
        ),
        "config.toml is not UTF-8 text (byte 0xe9 at offset 5)",
    ),
    (  # numbers never match the string ids: nothing was excluded
        "split_train_numbers",
        _edit_json("split.json", lambda s: {**s, "train": list(range(len(s["train"])))}),
        "split.json is damaged (not a JSON object with a 'train' list of sample ids)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [c[1:] for c in EDITED_RUNS], ids=[c[0] for c in EDITED_RUNS]
)
@pytest.mark.parametrize("command", ["explain", "evaluate"])
def test_run_files_edited_after_fit_are_one_error(
    run_dir, tmp_path, capsys, edit, expected, command
):
    edited = tmp_path / "edited"
    shutil.copytree(run_dir, edited)
    edit(edited)
    before = sorted(p.name for p in edited.iterdir())
    extra = ["--method", "saliency"] if command == "explain" else ["--no-trust"]
    line = one_error(run([command, str(edited), *extra]), capsys.readouterr().err)
    assert expected in line and str(edited) in line
    assert sorted(p.name for p in edited.iterdir()) == before  # nothing written


def test_predict_refuses_classes_that_do_not_match_the_network(run_dir, tmp_path, capsys):
    edited = tmp_path / "edited"
    shutil.copytree(run_dir, edited)
    _edit_json("model.json", lambda m: {**m, "classes": ["a", "b", "c"]})(edited)
    out = tmp_path / "p.tsv"
    line = one_error(run(["predict", str(edited), "-o", str(out)]), capsys.readouterr().err)
    assert "'classes' names 3 classes" in line and not out.exists()


# ------------------------------------------------------------------ tables without features
def test_a_table_of_ids_and_labels_only_is_one_error(tmp_path, capsys):
    """It was an internal TypeError (numpy bitwise_and on an empty block)."""
    path = tmp_path / "labels_only.csv"
    path.write_text("sample,label\n" + "".join(f"p{i},{'ab'[i % 2]}\n" for i in range(10)))
    out = tmp_path / "run"
    line = one_error(run(["fit", str(path), "--out", str(out), *_FIT]), capsys.readouterr().err)
    assert f"{path}: the table has no feature columns" in line


def test_an_h5ad_without_genes_is_refused_not_trained(tmp_path):
    """An AnnData of 0 genes trained a model on nothing and reported its metrics."""
    import anndata
    import pandas as pd

    from attnscope.data import TabularDataset
    from attnscope.errors import DataError
    from attnscope.io import read_h5ad

    obs = pd.DataFrame({"label": ["a", "b"] * 5}, index=[f"c{i}" for i in range(10)])
    path = tmp_path / "empty.h5ad"
    anndata.AnnData(X=np.zeros((10, 0), np.float32), obs=obs).write_h5ad(path)
    with pytest.raises(DataError, match=r"empty\.h5ad: the table has no feature columns"):
        read_h5ad(path, label_key="label")
    with pytest.raises(DataError, match=r"X has no features \(shape \(3, 0\)\)"):
        TabularDataset(
            labels=None, sample_ids=np.array(["a", "b", "c"]), class_names=[], truth=None,
            meta={}, X=np.zeros((3, 0)), feature_names=np.zeros(0, str),
        )  # fmt: skip


# --------------------------------------------------------- numbers beyond 64 bits or floats
def test_a_count_beyond_64_bits_is_not_an_internal_error(run_dir, tmp_path, capsys):
    """``--n-samples 99999999999999999999``: np.isfinite raised TypeError (internal error)."""
    edited = tmp_path / "copy"
    shutil.copytree(run_dir, edited)
    argv = ["trust", str(edited), "--methods", "saliency", "--n-samples", "9" * 20]
    assert run(argv) == 0, capsys.readouterr().err  # every held-out sample, as for 1000
    assert json.loads((edited / "trust.json").read_text())["rows"][0]["n_samples"] == 4


def test_numbers_beyond_float_range_are_config_errors():
    import torch

    from attnscope.errors import ConfigError
    from attnscope.explain import attribute, wrap_module

    net = torch.nn.Linear(6, 2)
    with pytest.raises(ConfigError, match="noise_level must be a finite number >= 0"):
        attribute(net, _X.astype(np.float32), method="smoothgrad", noise_level=10**400)
    with pytest.raises(ConfigError, match="epochs must be a whole number >= 1"):
        wrap_module(net, kind="table", epochs=10**400)


# --------------------------------------------------------------- a user's module, odd cases
def test_a_dataframe_with_repeated_column_names_is_refused():
    """Five columns named 'c' gave five attributions all named 'c' (merged by name later)."""
    import pandas as pd
    import torch

    from attnscope.errors import DataError
    from attnscope.explain import attribute, wrap_module

    model = wrap_module(torch.nn.Linear(6, 2), kind="table")
    frame = pd.DataFrame(_X.astype(np.float32), columns=["c", "c", "d", "e", 1, "1"])
    with pytest.raises(DataError, match=r"X has repeated column names \['1', 'c'\]"):
        attribute(model, frame, method="saliency")


def test_a_module_returning_probabilities_warns():
    """Softmax outputs were read as logits and softmaxed again, silently flattening scores."""
    import torch

    from attnscope.errors import AttnscopeWarning
    from attnscope.explain import attribute, wrap_module

    torch.manual_seed(0)
    probs = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.Softmax(dim=-1))
    with pytest.warns(AttnscopeWarning, match="outputs for one sample look like probabilities"):
        attribute(wrap_module(probs, kind="table"), _X.astype(np.float32), method="saliency")
    logits = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.LogSoftmax(dim=-1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log-probabilities are logits: no warning
        attribute(wrap_module(logits, kind="table"), _X.astype(np.float32), method="saliency")


def test_a_config_that_is_a_folder_or_binary_is_named(run_dir, tmp_path, capsys):
    """``--config DIR`` printed 'error: Is a directory'; a binary file was an internal error."""
    data = _table(tmp_path / "expr.csv")
    binary = tmp_path / "cfg.toml"
    binary.write_bytes(b'model = "mlp"\n\x00\xba\xff')
    for config, phrase in ((tmp_path, "is a folder; give the TOML file itself"),
                           (binary, "is not UTF-8 text (byte 0xba at offset 15)")):  # fmt: skip
        argv = ["fit", str(data), "--config", str(config), "--out", str(tmp_path / "r"), *_FIT]
        line = one_error(run(argv), capsys.readouterr().err, tmp_path / "r")
        assert f"config file {config} {phrase}" in line


def test_report_on_a_run_with_a_binary_config_notes_it(run_dir, tmp_path):
    """The report crashed with UnicodeDecodeError; every other damaged file is a note."""
    from attnscope.report._context import load_run

    edited = tmp_path / "edited"
    shutil.copytree(run_dir, edited)
    (edited / "config.toml").write_bytes(b"\x00\xba\xff")
    context = load_run(edited)
    assert context.config == {} and "config.toml is not UTF-8 text" in context.notes[0]


# --------------------------------------------------------------------- readers' messages
def test_reader_messages_quote_the_value_as_written(tmp_path):
    """A PhysioNet outcome 'yes' was reported as 'is nan'; a .bim position as np.str_('x')."""
    from attnscope.errors import DataError
    from attnscope.io import read_data

    physionet = seed("physionet_folder")
    folder = tmp_path / "icu"
    folder.mkdir()
    write_seed(physionet, folder, [])
    outcomes = folder / "Outcomes-a.txt"
    rows = outcomes.read_text().splitlines()
    rows[2] = rows[2].rsplit(",", 1)[0] + ",yes"  # RecordID 101
    rows[3] = rows[3].rsplit(",", 1)[0] + ","
    outcomes.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"In-hospital_death of RecordID 101 is 'yes'; expected"):
        read_data(folder / "set-a")
    rows[2] = rows[2].rsplit(",", 1)[0] + ",1"
    outcomes.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"In-hospital_death of RecordID 102 is empty; expected"):
        read_data(folder / "set-a")
    plink = tmp_path / "plink"
    plink.mkdir()
    write_seed(seed("plink_bim"), plink, [])
    bim = plink / "c.bim"
    bim.write_text(bim.read_text().replace(" 200 ", " x "))
    with pytest.raises(DataError, match=r"line 2 has base-pair position 'x'; expected an integer"):
        read_data(plink / "c")


def test_evaluate_replaces_a_metrics_json_that_is_not_an_object(run_dir, tmp_path, capsys):
    """``[1, 2]`` in metrics.json crashed evaluate's merge (dict() of a list of ints)."""
    edited = tmp_path / "edited"
    shutil.copytree(run_dir, edited)
    (edited / "metrics.json").write_text("[1, 2]")
    assert run(["evaluate", str(edited), "--no-trust"]) == 0, capsys.readouterr().err
    assert set(json.loads((edited / "metrics.json").read_text())) == {"evaluate"}


# ------------------------------------------------------------ the estimators in Python
def _mlp(**params):
    from attnscope.estimators import MLPClassifier

    return MLPClassifier(**{"epochs": 1, "hidden": [4], "val_size": 0, **params})


_Y = np.array(["a", "b"] * 10)


@pytest.mark.parametrize(
    ("params", "phrase"),
    [
        ({"epochs": "10"}, "MLPClassifier(epochs='10'): epochs must be an integer in [0,"),
        ({"lr": float("nan")}, "MLPClassifier(lr=nan): lr must be a number in (0, 10]"),
        ({"dropout": 1.5}, "MLPClassifier(dropout=1.5): dropout must be a number in [0, 1)"),
    ],
)
def test_parameters_set_in_python_are_checked_when_fitting(params, phrase):
    """They were checked on the CLI only: ``epochs='10'`` was a TypeError in TrainConfig."""
    from attnscope.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        _mlp(**params).fit(_X, _Y)
    assert phrase in str(info.value)
    with pytest.raises(ConfigError, match=r"MLPClassifier\(epochs='x'\)"):
        _mlp().set_params(epochs="x").fit(_X, _Y)


def test_whole_floats_and_one_width_fit_as_on_the_cli():
    """``epochs=2.0`` (range() of a float) and ``hidden=8`` (iterating an int) were TypeErrors."""
    est = _mlp(epochs=2.0, hidden=8, batch_size=8.0).fit(_X, _Y)
    assert est.spec_["hidden"] == [8] and len(est.history_.epochs) == 2
    assert est.get_params()["epochs"] == 2.0  # the parameter stays as given (scikit-learn)


@pytest.mark.parametrize(
    ("y", "phrase"),
    [
        (np.array(["a", "b", None] * 6 + ["a", "b"], dtype=object),
         "y holds 6 missing label(s) (None or NaN), the first at sample 2"),
        (np.array([1, "1", "a", "b"] * 5, dtype=object),
         "y mixes text and numbers (e.g. '1' and 1)"),
        (np.linspace(0, 1, 20), "Unknown label type: continuous"),
    ],
)  # fmt: skip
def test_labels_that_are_not_classes_are_data_errors_in_fit_and_score(y, phrase):
    """None / mixed types were TypeErrors in np.unique; a continuous y sklearn's ValueError."""
    from attnscope.errors import DataError

    with pytest.raises(DataError) as info:
        _mlp().fit(_X, y)
    assert phrase in str(info.value)
    if "continuous" not in phrase:
        with pytest.raises(DataError, match=r"y (holds|mixes)"):
            _mlp().fit(_X, _Y).score(_X, y)


# ------------------------------------------------------------------- one class per file
def _fasta(path: Path, prefix: str, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    path.write_text(
        "".join(f">{prefix}{i}\n{''.join(rng.choice(list('ACGT'), 30))}\n" for i in range(n))
    )
    return path


def test_a_class_file_run_evaluates_new_sequences_of_one_class(tmp_path, capsys):
    """``evaluate RUN --class pos=new.fa`` was refused ('give one file per class'), so a run
    fitted on class files could not score new labelled data of one class (docs/cli.md)."""
    pos, neg = _fasta(tmp_path / "pos.fa", "p", 12, 0), _fasta(tmp_path / "neg.fa", "n", 12, 1)
    out = tmp_path / "run"
    argv = ["fit", str(pos), str(neg), "--model", "cnn", "--out", str(out), "--set",
            "epochs=1", "--set", "val_size=0", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    new = _fasta(tmp_path / "new.fa", "x", 6, 2)
    assert run(["evaluate", str(out), "--class", f"pos={new}", "--no-trust"]) == 0
    scored = json.loads((out / "metrics.json").read_text())["evaluate"]
    assert scored["n_samples"] == 6 and scored["auroc"] is None
    capsys.readouterr()
    code = run(["fit", "--class", f"pos={new}", "--model", "cnn", "--out", str(tmp_path / "r")])
    assert "one class file given" in one_error(code, capsys.readouterr().err)  # fit needs two


# ------------------------------------------------------------------ long time-series tables
def _long(path: Path, ids: list[str]) -> Path:
    rng = np.random.default_rng(4)
    rows = [f"{a},{t},{v},{rng.normal():.3f}" for a in ids for t in (0, 1.5, 3) for v in "AB"]
    path.write_text("id,time,variable,value\n" + "\n".join(rows) + "\n")
    return path


def test_long_table_labels_of_other_ids_name_both_and_predict_reads_unlabelled(tmp_path, capsys):
    """'no stay has a label; check the ids' named neither side, and predict on new stays with
    the run's labels file failed instead of reading them unlabelled (docs/cli.md)."""
    from attnscope.errors import UnlabelledSamplesError
    from attnscope.io import read_long_timeseries

    labels = tmp_path / "labels.csv"
    labels.write_text("id,outcome\n" + "".join(f"{k:03d},{k % 2}\n" for k in range(12)))
    padded = _long(tmp_path / "padded.csv", [str(k) for k in range(12)])
    with pytest.raises(UnlabelledSamplesError) as info:
        read_long_timeseries(padded, labels=labels)
    assert "none of its ids (e.g. ['000', '001', '002']) is a stay of" in str(info.value)
    assert "(e.g. ['0', '1', '2'])" in str(info.value)
    train = _long(tmp_path / "train.csv", [f"{k:03d}" for k in range(12)])
    out = tmp_path / "run"
    argv = ["fit", str(train), "--labels", str(labels), "--model", "attn_lstm", "--out", str(out),
            "--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]  # fmt: skip
    assert run(argv) == 0, capsys.readouterr().err
    new = _long(tmp_path / "new.csv", ["x1", "x2", "x3"])
    assert run(["predict", str(out), str(new), "-o", str(tmp_path / "p.tsv")]) == 0
    assert "read it unlabelled" in capsys.readouterr().err
    assert (tmp_path / "p.tsv").read_text().count("\n") == 4


# ---------------------------------------------------------------------------- genotypes
def test_a_phenotype_file_of_missing_values_says_so_not_that_ids_differ(tmp_path):
    """Every phenotype -9 was reported as 'none of the samples has a phenotype ... check that
    the ids match' though the ids matched."""
    from attnscope.errors import UnlabelledSamplesError
    from attnscope.io import read_data

    vcf = write_seed(seed("vcf"), tmp_path, [])
    pheno = tmp_path / "x.pheno"
    pheno.write_text("".join(f"s{k} -9\n" for k in range(16)))
    with pytest.raises(UnlabelledSamplesError) as info:
        read_data(vcf, labels=pheno)
    assert "the phenotype of every one of the 16 genotyped samples it lists is" in str(info.value)
    assert "'-9'" in str(info.value) and "check that the ids match" not in str(info.value)
    pheno.write_text("".join(f"z{k} {1 + k % 2}\n" for k in range(16)))
    with pytest.raises(UnlabelledSamplesError, match="check that the ids match"):
        read_data(vcf, labels=pheno)


def test_a_fam_line_removed_by_hand_is_refused_not_read_shifted(tmp_path):
    """Deleting a .fam line kept the .bed size when the count stayed in the same byte: the
    cohort was read with the last sample dropped (or, for a middle line, every later sample
    holding its neighbour's genotypes), silently."""
    from attnscope.data import GenotypeDataset
    from attnscope.errors import DataError
    from attnscope.io import read_plink, write_plink

    rng = np.random.default_rng(5)
    data = GenotypeDataset(
        labels=np.arange(10) % 2, sample_ids=np.array([f"s{i}" for i in range(10)]),
        class_names=["control", "case"], truth=None, meta={},
        genotypes=rng.integers(1, 3, size=(10, 40)).astype(np.int8),
        snp_ids=np.array([f"rs{j}" for j in range(40)]),
        chromosomes=np.array(["1"] * 40), positions=np.arange(1, 41) * 100,
    )  # fmt: skip
    prefix = write_plink(tmp_path / "cohort", data)
    assert read_plink(prefix).genotypes.shape == (10, 40)  # zero padding: read as written
    fam = Path(f"{prefix}.fam")
    lines = fam.read_text().splitlines(keepends=True)
    fam.write_text("".join(lines[:4] + lines[5:]))  # s4 removed by hand: 9 samples, same bytes
    with pytest.raises(DataError, match=r"holds genotypes beyond the 9 samples cohort\.fam lists"):
        read_plink(prefix)


def test_report_notes_run_files_that_are_missing(run_dir, tmp_path):
    """A run without test_predictions.npz or metrics.json was reported without its curves
    and metrics, and without a word."""
    from attnscope.report._context import load_run

    for name in ("test_predictions.npz", "metrics.json"):
        edited = tmp_path / name
        shutil.copytree(run_dir, edited)
        (edited / name).unlink()
        context = load_run(edited)
        assert context.test_scores is None or name != "test_predictions.npz"
        assert [n for n in context.notes if n.startswith(f"{name} is missing")], context.notes


@pytest.mark.parametrize("command", ["trust", "evaluate"])
def test_an_empty_methods_option_is_refused_not_read_as_all(run_dir, tmp_path, capsys, command):
    """``--methods ""`` (an empty shell variable) ran every method; ``--methods ,`` was refused."""
    edited = tmp_path / "copy"
    shutil.copytree(run_dir, edited)
    line = one_error(run([command, str(edited), "--methods", ""]), capsys.readouterr().err)
    assert "--methods names no method" in line and not (edited / "trust.json").exists()


# ------------------------------------------------- labels as a Series indexed by sample id
def test_labels_as_a_series_pair_with_the_samples_by_id_not_position():
    """``y`` indexed by sample ids in another order was used by position: every label
    belonged to another sample (here every one flipped), silently."""
    import pandas as pd
    import torch

    from attnscope.errors import DataError
    from attnscope.explain import wrap_module

    ids = [f"s{i}" for i in range(20)]
    X = pd.DataFrame(_X.astype(np.float32), index=ids, columns=_GENES)
    y = pd.Series(np.array(["a", "b"] * 10), index=ids)
    model = wrap_module(torch.nn.Linear(6, 2), kind="table", classes=["a", "b"])
    expected = model.as_dataset(X, y).labels
    assert (model.as_dataset(X, y.iloc[::-1]).labels == expected).all()
    assert (model.as_dataset(X, pd.Series(y.to_numpy())).labels == expected).all()  # 0..n-1
    with pytest.raises(DataError, match=r"y's index does not hold the data's sample ids"):
        model.as_dataset(X, y.set_axis([f"t{i}" for i in range(20)]))
    est = _mlp().fit(X, y.iloc[::-1])
    assert (est.predict(X) == _mlp().fit(X, y).predict(X)).all()  # the same fit
    assert est.score(X, y.iloc[::-1]) == est.score(X, y)
    with pytest.raises(DataError, match=r"y's index does not hold the data's sample ids"):
        _mlp().fit(X, y.set_axis([f"t{i}" for i in range(20)]))


# --------------------------------------------------------------------- sequence tables
def test_a_sequence_table_with_two_label_like_columns_is_not_guessed(tmp_path, capsys):
    """'label' and 'class' (outcome and tissue, say): the first was taken, silently."""
    from attnscope.errors import DataError
    from attnscope.io import read_data

    rng = np.random.default_rng(6)
    rows = [f"s{i},{''.join(rng.choice(list('ACGT'), 20))},{'ab'[i % 2]},{'xy'[i // 10]}"
            for i in range(20)]  # fmt: skip
    path = tmp_path / "seqs.csv"
    path.write_text("id,seq,label,class\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "cnn", "--out", str(out), "--set", "epochs=1"]
    line = one_error(run(argv), capsys.readouterr().err, out)
    assert "columns ['label', 'class'] could each be the label; name it: --label-col NAME" in line
    assert read_data(path, label_col="class").class_names == ["x", "y"]
    twice = [",".join([f[0], f[1], f[1][::-1], f[2]]) for f in (r.split(",") for r in rows)]
    path.write_text("id,seq,sequence,label\n" + "\n".join(twice) + "\n")
    with pytest.raises(DataError, match=r"columns \['seq', 'sequence'\] could each be the seq"):
        read_data(path)
