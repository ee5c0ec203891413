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
import torch

from _hostile import one_error
from attnscope.cli import run
from attnscope.errors import ConfigError, DataError
from attnscope.explain import attribute, wrap_module
from attnscope.trust import trust_table

_GENES = [f"G{k}" for k in range(6)]
_X = np.round(np.random.default_rng(11).normal(size=(24, 6)), 3)
_LABELS = ["tumor" if k % 2 else "normal" for k in range(24)]
_FIT = ["--set", "epochs=1", "--set", "val_size=0", "--no-baselines"]


def _table(path: Path, labels: list[str], prefix: str = "p") -> Path:
    rows = [["sample", "label", *_GENES]]
    shift = 0.0 if prefix == "p" else 0.5  # new samples: not the training rows' content
    rows += [[f"{prefix}{i}", lab, *map(str, _X[i] + shift)] for i, lab in enumerate(labels)]
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
def _vcf(path: Path, calls: list[str], alt: str = "G") -> Path:
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    samples = [f"s{k}" for k in range(len(calls))]
    body = "".join(
        f"X\t{100 * (j + 1)}\trs{j}\tA\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(calls) + "\n"
        for j in range(3)
    )
    path.write_text(head + "\t".join(samples) + "\n" + body)
    return path


def test_haploid_calls_read_as_homozygous_like_plink(tmp_path):
    """A male's chrX '1' counted one ALT copy: half a female's '1/1', unlike PLINK's 2."""
    from attnscope.io import read_vcf

    data = read_vcf(_vcf(tmp_path / "x.vcf", ["0", "1", "1/1", "0/1", ".", "2", "0|0"], alt="G,T"))
    assert data.genotypes[:, 0].tolist() == [0, 2, 2, 1, -1, 2, 0]


@pytest.mark.parametrize(("call", "alt"), [("0/5", "G"), ("2", "G"), ("0/1", ".")])
def test_a_call_naming_an_allele_alt_does_not_list_is_refused(tmp_path, call, alt):
    """'0/5' on a line with one ALT allele was read as one ALT copy, silently."""
    from attnscope.io import read_vcf

    with pytest.raises(DataError, match=r"line 3, sample s1: genotype .* names allele") as info:
        read_vcf(_vcf(tmp_path / "a.vcf", ["0/0", call], alt=alt))
    assert f"ALT lists {0 if alt == '.' else 1}" in str(info.value)


@pytest.mark.parametrize("call", ["0/1/1", "1|1|1|0"])
def test_polyploid_calls_are_refused_naming_line_and_sample(tmp_path, capsys, call):
    """'0/1/1' was capped at 2 copies and read as '1/1'."""
    path = _vcf(tmp_path / "p.vcf", ["0/0", "0/1", call, "1/1"])
    out = tmp_path / "run"
    argv = ["fit", str(path), "--model", "mlp", "--out", str(out), *_FIT]
    line = one_error(run(argv), capsys.readouterr().err, out)
    assert f"{path}, line 3, sample s2: genotype {call!r} has {len(call) // 2 + 1} alleles" in line
    assert "reads diploid calls" in line


# ------------------------------------------------------------- a user's own module (API)
class _One(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x)


class _Two(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.head = (
            torch.nn.Linear(5, 4),
            torch.nn.Linear(3, 4),
            torch.nn.Linear(4, 2),
        )

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.a(a) + self.b(b)))


class _Raises(_One):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("boom in the user's forward")


class _NaN(_One):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x) * float("nan")


class _Fixed(torch.nn.Module):  # no parameters at all
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x.sum(1), -x.sum(1)], 1)


_RNG = np.random.default_rng(3)
_A = _RNG.normal(size=(20, 5)).astype(np.float32)
_B = _RNG.normal(size=(20, 3)).astype(np.float32)
_Y = np.arange(20) % 2


def _net(cls: type = _One) -> torch.nn.Module:
    torch.manual_seed(0)
    return cls()


def test_anndata_sparse_and_grad_tensors_are_read_as_the_array():
    """AnnData was 'array would exceed the maximum number of dimension', a sparse matrix
    'sparse array length is ambiguous', a tensor needing grad 'Can't call numpy()'."""
    import anndata
    import scipy.sparse

    net = _net()
    want = attribute(net, _A, method="saliency").values
    for given in (
        anndata.AnnData(X=_A),
        anndata.AnnData(X=scipy.sparse.csr_matrix(_A)),
        scipy.sparse.csr_matrix(_A),
        torch.as_tensor(_A).requires_grad_(),
    ):
        np.testing.assert_allclose(attribute(net, given, method="saliency").values, want)


@pytest.mark.parametrize(
    ("net", "data", "phrase"),
    [
        (_One, _A[:, :3], "given 1 input(s) of shape (1, 3): RuntimeError: mat1 and mat2"),
        (_Two, {"rna": _A}, "given 1 input(s) of shape (1, 5): TypeError"),
        (_Two, {"a": _A, "b": _B, "c": _B}, "given 3 input(s) of shape (1, 5), (1, 3), (1, 3)"),
        (_Raises, _A, "RuntimeError: boom in the user's forward"),
    ],
)
def test_a_forward_that_fails_on_the_data_is_a_data_error_naming_the_inputs(net, data, phrase):
    with pytest.raises(DataError, match="the module's forward failed on one sample") as info:
        attribute(net(), data, method="saliency")
    assert phrase in str(info.value)


def test_nan_logits_are_refused_not_explained():
    """Attributions were NaN and the trust row 'ok' with a NaN deletion AUC."""
    model = wrap_module(_net(_NaN), kind="table")
    for call in (
        lambda: attribute(model, _A, method="saliency"),
        lambda: model.predict_proba(_A),
        lambda: trust_table(model, _A, _Y, methods=["saliency"], label_randomisation=False),
    ):
        with pytest.raises(DataError, match="outputs are NaN or inf for 20 of 20 samples"):
            call()


def test_predict_on_a_wrapped_module_without_classes():
    """It said 'give classes= to wrap_module, or call as_dataset(X) first'."""
    net = _net()
    with torch.no_grad():
        want = net(torch.as_tensor(_A)).argmax(1).numpy().astype(str)
    assert wrap_module(net, kind="table").predict(_A).tolist() == want.tolist()


def test_integer_tables_name_kind_table():
    with pytest.raises(ConfigError, match=r"dosages, counts\) pass wrap_module\(net, kind='table'"):
        trust_table(_net(), _RNG.integers(0, 3, size=(20, 5)), _Y, methods=["saliency"])
    dosages = _RNG.integers(0, 3, size=(20, 5))
    wrapped = attribute(wrap_module(_net(), kind="table"), dosages, method="saliency")
    assert wrapped.values.shape == (20, 5)


def test_labels_as_whole_floats_or_booleans_are_indices():
    model = wrap_module(_net(), kind="table")
    for y in (_Y.astype(float), _Y.astype(bool), list(_Y)):
        assert model.as_dataset(_A, y).y.tolist() == _Y.tolist()


@pytest.mark.parametrize(
    ("y", "phrase"),
    [
        (
            np.where(_Y == 1, np.nan, 0.0),
            "10 labels are missing (NaN or None), the first at sample 1",
        ),
        (np.eye(2)[_Y], "one label per sample, shape (n_samples,); got shape (20, 2)"),
        (_Y + 5, "class indices in 0..1 (the model's classes ['0', '1']); got values from 5"),
        (np.array(["a", "b"] * 10), "not among the classes ['0', '1'] (the model's"),
    ],
)
def test_labels_that_are_not_classes_are_named(y, phrase):
    with pytest.raises(DataError) as info:
        trust_table(_net(), _A, y, methods=["saliency"])
    assert phrase in str(info.value)


@pytest.mark.parametrize(
    ("options", "phrase"),
    [
        (
            {"classes": ["a", "b", "c"]},
            "classes names 3 classes (['a', 'b', 'c']) but the module gives 2",
        ),
        ({"classes": ["a", "a"]}, "classes must be distinct names"),
        ({"baseline": np.zeros(3)}, "baseline of shape (3,) does not fit one sample of shape (5,)"),
        ({"baseline": float("nan")}, "baseline holds NaN or inf"),
    ],
)
def test_wrap_options_that_do_not_fit_the_module_are_config_errors(options, phrase):
    """Three class names for two logits mislabelled silently; the baselines crashed or
    gave NaN attributions."""
    with pytest.raises(ConfigError) as info:
        attribute(wrap_module(_net(), kind="table", **options), _A, method="ig")
    assert phrase in str(info.value)


def test_a_module_without_parameters_names_label_randomisation():
    with pytest.raises(ConfigError, match="label_randomisation=False"):
        trust_table(_Fixed(), _A, _Y, methods=["saliency"])
    rows = trust_table(_Fixed(), _A, _Y, methods=["saliency"], label_randomisation=False)
    # its sanity check cannot randomise weights it lacks: the row says so
    assert "no parameters to randomise" in rows[0]["status"]
    assert np.isfinite(rows[0]["deletion_auc"])


@pytest.mark.parametrize(
    ("kind", "data", "phrase"),
    [
        ("table", {"a": _A[:0], "b": _B[:0]}, "input 'a' has no samples (shape (0, 5))"),
        ("table", {"a": _A, "b": _B[:, :0]}, "input 'b' has no features (shape (20, 0))"),
        ("table", [_A.tolist(), _B.tolist()], "X cannot be read as one array"),
        ("onehot", _A, "kind='onehot' takes float one-hot DNA (n, 4, length)"),
        ("timeseries", _A, "kind='timeseries' takes float (n, n_times, n_variables)"),
    ],
)
def test_data_of_the_wrong_shape_for_its_kind_is_named(kind, data, phrase):
    with pytest.raises(DataError) as info:
        attribute(wrap_module(_net(_Two), kind=kind), data, method="saliency")
    assert phrase in str(info.value)


def test_a_module_on_the_meta_device_is_named():
    with pytest.raises(ConfigError, match="'meta' device"):
        attribute(_net().to("meta"), _A, method="saliency")
