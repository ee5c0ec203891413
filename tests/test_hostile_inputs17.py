"""Hostile inputs, round 14 (file 17): options whose default hid an explicit choice, a
user's module that returns probabilities, labels files with extra samples, and more.

CLI cases assert exit status 2, one ``error:`` line naming the fault and that nothing was
written (``one_error``); library cases assert the DataError / ConfigError and its key phrase.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from _hostile import one_error
from attnscope.cli import run
from attnscope.errors import ConfigError

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(17).normal(size=(24, 6)), 3)
_X5 = np.random.default_rng(5).normal(size=(20, 5)).astype(np.float32)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]


def _expression(path: Path, n: int = 24, label: bool = True) -> Path:
    head = ["sample", *(["label"] if label else []), *_GENES]
    rows = [[f"p{i}", *([_LABELS[i]] if label else []), *map(str, _X[i])] for i in range(n)]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


# ------------------------------------------------------------------- consistency --batched
def test_an_explicit_batched_for_a_model_without_one_is_refused(tmp_path, capsys, monkeypatch):
    """``--batched`` (its default was True) was silently ignored for mlp: the study trained
    the variants one by one and said nothing."""

    def no_training(*args, **kwargs):
        raise AssertionError("variants were trained before the options were checked")

    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", no_training)
    out = tmp_path / "study"
    data = str(_expression(tmp_path / "e.csv"))
    argv = ["consistency", data, "--label-col", "label", "--model", "mlp", "--seeds", "2"]
    code = run([*argv, "--batched", "--top-k", "3", "--out", str(out)])
    err = one_error(code, capsys.readouterr().err, out)
    assert "--batched trains attn_lstm variants as one batched ensemble; model 'mlp'" in err
    assert "drop --batched" in err
    from attnscope.io import read_expression
    from attnscope.run._consistency import run_consistency

    table = read_expression(tmp_path / "e.csv", label_col="label")
    with pytest.raises(ConfigError, match="batched=True trains attn_lstm variants"):
        run_consistency(table, model="mlp", n_variants=2, top_k=3, batched=True)


def test_a_random_state_among_the_study_params_is_refused(tmp_path, capsys, monkeypatch):
    """``--set random_state=5`` was dropped without a word: the study ran seeds 0, 1, ...
    and its figures were those of --seed 0."""

    def no_training(*args, **kwargs):
        raise AssertionError("variants were trained before the options were checked")

    monkeypatch.setattr("attnscope.run._consistency.SeedStudy", no_training)
    out = tmp_path / "study"
    data = str(_expression(tmp_path / "e.csv"))
    argv = ["consistency", data, "--label-col", "label", "--model", "mlp", "--seeds", "2"]
    code = run([*argv, "--set", "random_state=5", "--top-k", "3", "--out", str(out)])
    err = one_error(code, capsys.readouterr().err, out)
    assert "random_state=5 among the model parameters" in err and "--seed 5." in err
    from attnscope.io import read_expression
    from attnscope.run._consistency import run_consistency

    table = read_expression(tmp_path / "e.csv", label_col="label")
    with pytest.raises(ConfigError, match=r"start them there: random_state=5\."):
        run_consistency(table, model="mlp", n_variants=2, top_k=3, params={"random_state": 5})


# ------------------------------------------------------------------- a module's probabilities
class _Functional(nn.Module):
    """``torch.sigmoid`` in the forward, then a squeeze: no ``nn.Sigmoid`` to look for."""

    def __init__(self, final) -> None:
        super().__init__()
        self.lin = nn.Linear(5, 1)
        self.final = final

    def forward(self, x):
        x = x.clone()
        x[:, 4] = 0.0  # a forward writing into its input still runs
        return self.final(self.lin(x)).squeeze(-1)


def _sigmoid_net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    for p in net.parameters():  # frozen weights: the graph still shows the sigmoid
        p.requires_grad_(False)
    return net


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (_sigmoid_net, "ends in a sigmoid (torch's Sigmoid): a probability in [0, 1]"),
        (lambda: _Functional(torch.sigmoid), "every sample would be predicted class 1"),
        (lambda: _Functional(nn.LogSigmoid()), "every sample would be predicted class 0"),
    ],
    ids=["nn-sigmoid-frozen", "torch-sigmoid-squeezed", "log-sigmoid"],
)
def test_a_single_output_ending_in_a_sigmoid_is_refused(make, phrase):
    """A sigmoid probability of shape (n, 1) was read as log-odds with no warning: every
    sample was predicted class 1 (p > 0), and every probability-based figure was wrong."""
    from attnscope.explain import wrap_module

    with pytest.raises(ConfigError, match=re.escape(phrase)) as info:
        wrap_module(make(), kind="table").predict(_X5)
    assert "return the logit" in str(info.value)


def test_genuine_single_logits_in_the_unit_interval_are_read_as_log_odds():
    """A logit model whose outputs all lie in [0, 1] is not taken for probabilities."""
    from attnscope.explain import wrap_module

    class Shifted(nn.Module):
        def forward(self, x):
            return 0.5 + 0.01 * x[:, :1]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = wrap_module(Shifted(), kind="table").predict_proba(_X5)
    assert proba.shape == (len(_X5), 2) and (proba[:, 1] > 0.5).all()


def test_several_outputs_ending_in_a_sigmoid_warn():
    from attnscope.errors import AttnscopeWarning
    from attnscope.explain import wrap_module

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 3), nn.Sigmoid())
    phrase = r"3 outputs end in a sigmoid .* \(drop the final Sigmoid\)"
    with pytest.warns(AttnscopeWarning, match=phrase):
        assert wrap_module(net, kind="table").predict(_X5).shape == (len(_X5),)


# ------------------------------------------------------------------- labels files
def test_extra_ids_of_a_labels_file_are_ignored_by_every_table_reader(tmp_path, capsys):
    """read_expression ignored labelled ids missing from the table, read_multiomics refused
    them ('labelled samples are absent from every table'): one labels file, two answers."""
    from attnscope.io import read_expression, read_multiomics

    expr = _expression(tmp_path / "e.csv", label=False)
    sheet = tmp_path / "cohort.csv"  # the whole cohort: 24 in the table, 3 more
    rows = [f"p{i},{_LABELS[i]}" for i in range(24)] + ["q1,tumor", "q2,normal", "q3,tumor"]
    sheet.write_text("id,label\n" + "\n".join(rows) + "\n")
    one = read_expression(expr, labels=sheet)
    both = read_multiomics({"rna": expr}, labels=sheet)
    assert one.sample_ids.tolist() == both.sample_ids.tolist() == [f"p{i}" for i in range(24)]
    assert (np.asarray(one.class_names)[one.labels] == np.asarray(_LABELS)).all()
    assert (np.asarray(both.class_names)[both.labels] == np.asarray(_LABELS)).all()
    out = tmp_path / "run"
    argv = ["fit", "--modality", f"rna={expr}", "--labels", str(sheet), "--model", "fusion"]
    assert run([*argv, "--set", "epochs=1", "--no-baselines", "--out", str(out)]) == 0
    assert (out / "model.json").is_file()


# ------------------------------------------------------------------- attribution files edited
@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        ({"values": lambda v: v[:, :3]}, "feature_names has shape (6,) for a last feature axis"),
        ({"feature_names": lambda f: f[:2]}, "feature_names has shape (2,) for a last feature"),
        ({"sample_ids": lambda s: s[:1]}, "sample_ids has shape (1,) for 4 samples"),
        ({"values": lambda v: v.astype(str)}, "values must be numbers of shape"),
    ],
    ids=["values-narrowed", "names-cut", "ids-cut", "text-values"],
)
def test_an_attribution_file_whose_arrays_disagree_is_damaged(tmp_path, edit, phrase):
    """An attributions .npz edited so that its names no longer fit its values loaded, and
    the report labelled 3 columns with the first 3 of 6 gene names (or ran off the end)."""
    from attnscope.errors import DataError
    from attnscope.explain import Attribution

    good = Attribution(
        values=np.ones((4, 6), np.float32),
        method="saliency",
        target=np.zeros(4, int),
        feature_names=np.array(_GENES),
        sample_ids=np.array(["a", "b", "c", "d"]),
    )
    path = good.save(tmp_path / "saliency.npz")
    arrays = dict(np.load(path))
    for key, change in edit.items():
        arrays[key] = change(arrays[key])
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=re.escape(phrase)) as info:
        Attribution.load(path)
    assert "is damaged or not an attribution file" in str(info.value)


def test_cross_attention_names_its_last_axis_by_the_attended_modality():
    """Its Attribution carried every modality's feature names (28) for a last axis of the
    attended modality's features (12): a frame or a report named the columns wrongly."""
    from attnscope.estimators import FusionClassifier
    from attnscope.explain import attribute
    from attnscope.sim import simulate_multiomics

    dims = {"a": 7, "b": 5}
    data = simulate_multiomics(20, modalities=dims, informative={"a": 2}, random_state=0)
    model = FusionClassifier(dim=4, epochs=1, val_size=0, random_state=0).fit(data)
    cross = attribute(model, data.subset(np.arange(4)), method="cross_attention")
    target = cross.meta["pair"].split("->")[1]
    assert cross.feature_names.tolist() == cross.meta["col_names"]
    assert len(cross.feature_names) == cross.values.shape[-1] == data.omics[target].shape[1]


@pytest.fixture(scope="module")
def explained_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run17")
    out = folder / "run"
    fit = ["fit", str(_expression(folder / "e.csv")), "--label-col", "label", "--model", "mlp"]
    assert run([*fit, "--set", "epochs=1", "--no-baselines", "--out", str(out), "-q"]) == 0
    assert run(["explain", str(out), "--method", "saliency", "--gene-sets", "none", "-q"]) == 0
    return out


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        ({"target": lambda t: t + 5}, "explains class index 5, but the model has 2 classes"),
        ({"values": lambda v: np.full_like(v, np.nan)}, "holds no finite value"),
        ({k: (lambda a: a[:0]) for k in ("values", "target", "sample_ids", "base_values")},
         "holds no samples"),
    ],
    ids=["foreign-class", "all-nan", "no-samples"],
)  # fmt: skip
def test_report_leaves_out_attributions_that_do_not_fit_the_run(
    explained_run, tmp_path, edit, phrase
):
    """An attributions file explaining class 5 of a binary model was drawn under a class
    '5'; one of NaNs was clustered (scipy's distance-matrix warning) into an empty map; one
    of no samples stopped the section with 'cannot reshape array of size 0'."""
    import shutil

    from attnscope.report._context import load_run

    edited = tmp_path / "run"
    shutil.copytree(explained_run, edited)
    npz = edited / "attributions" / "saliency.npz"
    arrays = dict(np.load(npz))
    for key, change in edit.items():
        arrays[key] = change(arrays[key])
    np.savez(npz, **arrays)
    ctx = load_run(edited)
    assert "saliency" not in ctx.attributions
    assert any(f"saliency.npz {phrase}" in note for note in ctx.notes), ctx.notes


# ------------------------------------------------------------------- outputs onto inputs
@pytest.mark.parametrize("how", ["run-data", "data-given", "labels", "python"])
def test_predict_never_writes_over_its_own_input(explained_run, tmp_path, capsys, how):
    """``predict RUN -o data.csv --force`` replaced the run's training table (or the
    labels file) with its predictions: --force is for earlier output, not the data."""
    from attnscope.run import predict_run

    data = explained_run.parent / "e.csv"
    before = data.read_bytes()
    if how == "python":
        with pytest.raises(ConfigError, match="writing there would replace it, --force or not"):
            predict_run(explained_run, data, output=data, force=True)
        assert data.read_bytes() == before
        return
    target, argv = data, ["predict", str(explained_run)]
    if how == "data-given":
        argv.append(str(data))
    if how == "labels":
        target = tmp_path / "labels.csv"
        target.write_text("id,label\n" + "".join(f"p{i},{_LABELS[i]}\n" for i in range(24)))
        argv += [str(data), "--labels", str(target)]
        before = target.read_bytes()
    code = run([*argv, "--output", str(target), "--force"])
    err = one_error(code, capsys.readouterr().err)
    assert f"--output {target} is the input" in err and "choose another --output" in err
    assert target.read_bytes() == before


def test_labels_matching_no_record_show_the_labels_ids(tmp_path, capsys):
    """A labels file whose ids kept FASTA's '>' matched no record, and the error showed
    only the records' ids: the '>' in the labels file was left to be guessed."""
    fasta = tmp_path / "s.fa"
    fasta.write_text("".join(f">r{i} some text\nACGTACGTAC\n" for i in range(8)))
    labels = tmp_path / "l.tsv"
    labels.write_text("".join(f">r{i}\t{'ab'[i % 2]}\n" for i in range(8)))
    out = tmp_path / "run"
    code = run(["fit", str(fasta), "--labels", str(labels), "--model", "cnn", "--out", str(out)])
    err = one_error(code, capsys.readouterr().err, out)
    assert "8 of 8 records of s.fa have no label (e.g. ['r0', 'r1', 'r2'])" in err
    assert "the labels' ids are e.g. ['>r0', '>r1', '>r2']." in err


# ------------------------------------------------------------------- a study's files edited
@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("study17")
    out = folder / "study"
    argv = ["consistency", str(_expression(folder / "e.csv")), "--label-col", "label"]
    argv += ["--model", "mlp", "--seeds", "2", "--methods", "saliency", "--top-k", "3"]
    assert run([*argv, "--set", "epochs=1", "--out", str(out), "-q"]) == 0
    return out


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (lambda lines: [*lines[:-1], lines[-1][: len(lines[-1]) // 2]], "fields where the header"),
        (lambda lines: [lines[0], lines[1].replace("\t", "\tx\t", 1), *lines[2:]], "8 fields"),
        (lambda lines: [lines[0], "\t".join([*lines[1].split("\t")[:-1], "abc"]), *lines[2:]],
         "could not convert string to float: 'abc'"),
    ],
    ids=["cut-short", "extra-field", "text-value"],
)  # fmt: skip
def test_a_damaged_per_sample_table_is_named_not_dropped_row_by_row(
    study_dir, tmp_path, edit, phrase
):
    """Rows of the wrong length were skipped without a word (a study cut short drew fewer
    samples than it explained); a text value stopped the whole consistency section."""
    import shutil

    from attnscope.report._consistency import consistency_section
    from attnscope.report._context import load_run

    edited = tmp_path / "study"
    shutil.copytree(study_dir, edited)
    table = edited / "per_sample.tsv"
    table.write_text("\n".join(edit(table.read_text().splitlines())) + "\n")
    ctx = load_run(edited)
    section = consistency_section(ctx)
    assert section is not None and "consistency-violins" not in section.body
    assert any(phrase in n and "per-sample violins are left out" in n for n in ctx.notes)


# ------------------------------------------------------------------- attnscope's own .npz edited
@pytest.mark.parametrize(
    ("key", "change", "phrase"),
    [
        ("truth", lambda t: t[:3], "truth has shape (3,); expected (6,) (one flag per feature)"),
        ("labels", lambda y: y + 5, "label codes must lie in [0, 2)"),
        ("feature_names", lambda f: f[:2], "expected 6 feature names, found 2"),
        ("labels", lambda y: y + 0.5, "labels must be whole class codes 0..1, got float64"),
    ],
    ids=["truth-cut", "labels-shifted", "names-cut", "labels-fractional"],
)
def test_an_edited_data_npz_names_the_file_and_its_fault(tmp_path, capsys, key, change, phrase):
    """A truth mask of 3 flags for 6 features was read without a word (truth recovery then
    scored the wrong cells), and labels 0.5 / 1.5 were cut to classes 0 / 1; the other
    faults were named without the file."""
    from attnscope.data import TabularDataset
    from attnscope.io import write_dataset

    data = TabularDataset(
        labels=np.arange(24) % 2,
        sample_ids=np.array([f"p{i}" for i in range(24)]),
        class_names=["a", "b"],
        truth=np.array([True, True, False, False, False, False]),
        meta={},
        X=_X.astype(np.float32),
        feature_names=np.array(_GENES),
    )
    path = write_dataset(data, tmp_path / "d.npz")
    arrays = dict(np.load(path))
    arrays[key] = change(arrays[key])
    np.savez(path, **arrays)
    out = tmp_path / "run"
    code = run(["fit", str(path), "--model", "mlp", "--out", str(out)])
    err = one_error(code, capsys.readouterr().err, out)
    assert err.startswith(f"error: {path}: ") and phrase in err, err
