"""Hostile inputs, round 9 (file 12, continuing test_hostile_inputs11.py): options of the
wrong type for attribution methods and the trust table, and a user's module given odd
data (DataFrames of several inputs, token ids, outputs that are not logits, train mode).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from attnscope.errors import ConfigError, DataError
from attnscope.explain import attribute, wrap_module
from attnscope.trust import trust_table


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


_RNG = np.random.default_rng(3)
_A = _RNG.normal(size=(20, 5)).astype(np.float32)
_B = _RNG.normal(size=(20, 3)).astype(np.float32)
_Y = np.arange(20) % 2


def _net(cls: type = _One) -> torch.nn.Module:
    torch.manual_seed(0)
    return cls()


# ------------------------------------------------------------- options of the wrong type
@pytest.mark.parametrize(
    ("method", "options", "phrase"),
    [
        ("ig", {"n_steps": "10"}, "n_steps must be a whole number >= 1 (default 50), got '10'"),
        ("ig", {"n_steps": 10**9}, "n_steps must be at most 10000"),
        ("smoothgrad", {"nt_samples": 0}, "nt_samples must be a whole number >= 1"),
        ("smoothgrad", {"noise_level": float("nan")}, "noise_level must be a finite number >= 0"),
        ("lime", {"n_samples": "x"}, "lime: n_samples must be a whole number >= 1"),
        ("occlusion", {"window": "a"}, "occlusion: window must be a whole number >= 1"),
    ],
)
def test_method_options_of_the_wrong_type_are_config_errors(method, options, phrase):
    """They were TypeError, ZeroDivisionError, ValueError or MemoryError inside the method."""
    with pytest.raises(ConfigError) as info:
        attribute(_net(), _A, method=method, **options)
    assert phrase in str(info.value)


@pytest.mark.parametrize(
    ("options", "phrase"),
    [
        ({"n_samples": "10"}, "n_samples must be a whole number >= 1, got '10'"),
        ({"n_samples": 5.5}, "n_samples must be a whole number >= 1, got 5.5"),
        ({"sanity_samples": 0}, "sanity_samples must be a whole number >= 1"),
        ({"label_epochs": 0}, "label_epochs must be a whole number >= 1"),
        ({"method_options": [1]}, "method_options must be a dict keyed by method name"),
        ({"method_options": {"saliency": 3}}, "method_options['saliency'] must be a dict"),
        ({"method_options": {"ig": {"n_stepz": 3}}}, "has no option 'n_stepz'"),
        ({"method_samples": {"saliency": "x"}}, "method_samples['saliency'] must be a whole"),
        ({"fractions": [0.1]}, "fractions must be at least two shares of the features"),
        ({"fractions": [0.5, 0.1, 1.0], "k": 0.1}, "fractions must increase"),
        ({"methods": "saliency"}, "methods must be a list of method names, e.g. ['saliency']"),
    ],
)
def test_trust_table_options_of_the_wrong_type_are_config_errors(options, phrase):
    """Crashes (TypeError, AttributeError, ValueError), or a NaN deletion AUC (one fraction),
    a label check of a model trained 0 epochs, an option typo reported as 'not applicable'."""
    kwargs = {"methods": ["saliency"], **options}
    with pytest.raises(ConfigError) as info:
        trust_table(_net(), _A, _Y, **kwargs)
    assert phrase in str(info.value)


# --------------------------------------------------------------------- round 2 of the API
def test_dataframes_of_several_inputs_are_matched_by_sample_id():
    """They were joined by position: one table in another sample order was silently paired
    with the wrong samples' other omics."""
    import pandas as pd

    ids = [f"p{i}" for i in range(20)]
    rna, meth = pd.DataFrame(_A, index=ids, columns=list("ABCDE")), pd.DataFrame(_B, index=ids)
    model = wrap_module(_net(_Two), kind="table")
    want = attribute(model, {"rna": rna, "meth": meth}, method="saliency")
    shuffled = attribute(model, {"rna": rna, "meth": meth.iloc[::-1]}, method="saliency")
    np.testing.assert_allclose(shuffled.values, want.values)
    assert want.feature_names[:2].tolist() == ["rna:A", "rna:B"]
    assert want.sample_ids[:2].tolist() == ["p0", "p1"]
    with pytest.raises(DataError, match=r"input 'meth' does not hold the samples of input 'rna'"):
        model.as_dataset({"rna": rna, "meth": meth.set_axis([f"q{i}" for i in range(20)])})
    one = attribute(wrap_module(_net(), kind="table"), rna, method="saliency")
    assert one.feature_names.tolist() == list("ABCDE") and one.sample_ids[0] == "p0"


class _Tokens(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb, self.head = torch.nn.Embedding(6, 4), torch.nn.Linear(4, 2)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(t).mean(1))


class _PerPosition(_One):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x)[:, None, :].expand(-1, 3, -1)


class _Classes(_One):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.lin(x) > 0).long()


@pytest.mark.parametrize(
    ("make", "data", "error", "phrase"),
    [
        (lambda: wrap_module(_Tokens(), kind="tokens", embedding="emb"),
         _RNG.integers(0, 9, (20, 7)), DataError, "is outside the embedding layer's vocabulary"),
        (lambda: wrap_module(_Tokens(), kind="tokens", embedding="emb", pad_token=99),
         _RNG.integers(0, 6, (20, 7)), ConfigError, "pad_token 99 is not a token"),
        (lambda: wrap_module(_Tokens(), kind="tokens", embedding="emb", pad_token="x"),
         _RNG.integers(0, 6, (20, 7)), ConfigError, "pad_token must be a token id"),
        (lambda: wrap_module(_PerPosition(), kind="table"), _A, ConfigError, "shape (1, 3, 2)"),
        (lambda: wrap_module(_Classes(), kind="table"), _A, ConfigError, "torch.int64 values"),
        (lambda: wrap_module(_net(), kind="table", epochs="x"), _A, ConfigError, "epochs must be"),
        (lambda: wrap_module("net", kind="table"), _A, ConfigError, "must be a torch.nn.Module"),
        (lambda: wrap_module(_net(), kind="table"), None, DataError, "X is a NoneType, not an"),
        (lambda: wrap_module(_net(), kind="table"), "d.csv", DataError, "attnscope.io.read_data"),
        (lambda: wrap_module(_net(), kind="table"), (r for r in _A), DataError, "X is a generator"),
    ],
)  # fmt: skip
def test_odd_modules_and_data_are_named(make, data, error, phrase):
    """IndexError, ValueError, RuntimeError ('Index tensor must have the same number of
    dimensions', 'does not require grad') or TypeError before."""
    with pytest.raises(error) as info:
        attribute(make(), data, method="ig")
    assert phrase in str(info.value)


def test_trust_table_runs_a_module_left_in_train_mode_in_eval_mode():
    """predicted_targets ran the module as given: dropout on (other targets than the
    model's own) and a BatchNorm refused one sample."""

    class _Dropout(_One):
        def __init__(self) -> None:
            super().__init__()
            self.bn, self.drop = torch.nn.BatchNorm1d(5), torch.nn.Dropout(0.5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.lin(self.drop(self.bn(x)))

    def rows(net: torch.nn.Module, n: int) -> dict:
        model = wrap_module(net, kind="table")
        kw = {"methods": ["saliency"], "label_randomisation": False}
        return trust_table(model, _A[:n], _Y[:n], **kw)[0]

    net = _net(_Dropout)
    torch.manual_seed(1)
    trained = rows(net.train(), 20)
    assert net.training  # its mode is given back
    assert trained["deletion_auc"] == pytest.approx(rows(net.eval(), 20)["deletion_auc"])
    assert rows(net.train(), 1)["status"] == "ok"


def test_labels_as_a_column_a_tensor_or_with_none():
    """A one-column DataFrame was 'shape (20, 1)', a tensor needing grad a RuntimeError,
    None a class name 'None' not among the classes."""
    import pandas as pd

    model = wrap_module(_net(), kind="table", classes=["a", "b"])
    names = np.where(_Y == 1, "b", "a")
    for y in (pd.DataFrame({"y": names}), torch.as_tensor(_Y.astype(float)).requires_grad_()):
        assert model.as_dataset(_A, y).y.tolist() == _Y.tolist()
    with pytest.raises(
        DataError, match=r"10 labels are missing \(NaN or None\), the first at sample 1"
    ):
        model.as_dataset(_A, np.where(_Y == 1, None, "a"))


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (lambda x: x[:, :3], "X has 3 features, but MLPClassifier is expecting 5"),
        (lambda x: np.where(x > 1, np.nan, x), "Input X contains NaN. Impute or drop those"),
        (lambda x: x[:0], "Found array with 0 sample(s)"),
    ],
)
def test_an_attnscope_table_model_given_odd_arrays_raises_data_error(edit, phrase):
    """scikit-learn's plain ValueError (the NaN one recommending HistGradientBoosting)."""
    from attnscope.estimators import MLPClassifier

    est = MLPClassifier(epochs=1, val_size=0.0, random_state=0).fit(_A, _Y)
    for call in (est.predict_proba, lambda x: attribute(est, x, method="saliency")):
        with pytest.raises(DataError) as info:
            call(edit(_A))
        assert phrase in str(info.value)


def test_samples_absent_from_a_modality_warn_that_they_are_zeros():
    """A multi-omics set's absent rows (zeros) reached the module silently as measurements."""
    from attnscope.data import MultiOmicsDataset
    from attnscope.errors import AttnscopeWarning

    present = np.ones((20, 2), bool)
    present[:3, 1] = False
    data = MultiOmicsDataset(
        labels=_Y,
        sample_ids=np.arange(20).astype(str),
        class_names=["0", "1"],
        truth=None,
        meta={},
        omics={"a": _A, "b": np.where(present[:, 1:], _B, 0.0).astype(np.float32)},
        feature_names={"a": np.arange(5).astype(str), "b": np.arange(3).astype(str)},
        present=present,
    )
    with pytest.warns(AttnscopeWarning, match=r"absent from a modality \(\{'b': 3\} of 20\)"):
        attribute(_net(_Two), data, method="saliency")
    complete = data.subset(np.flatnonzero(data.present.all(axis=1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", AttnscopeWarning)
        assert attribute(_net(_Two), complete, method="saliency").values.shape == (17, 8)


def test_dataframe_text_columns_are_named_and_mixed_numbers_read() -> None:
    """A text column (numbers stored as text) is named; numbers mixed with booleans are read
    as one float table (numpy made them objects, refused as 'dtype object')."""
    import pandas as pd

    from attnscope.explain import attribute, wrap_module

    net = torch.nn.Linear(3, 2)
    text = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["1", "2", "x"], "c": [0.0, 1.0, 2.0]})
    with pytest.raises(DataError, match=r"not numbers: \['b'\]"):
        attribute(wrap_module(net, kind="table"), text)
    with pytest.raises(DataError, match=r"input 'rna' has columns that are not numbers"):
        attribute(wrap_module(net, kind="table"), {"rna": text, "meth": text})
    mixed = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1, 2, 3], "c": [True, False, True]})
    attr = attribute(wrap_module(net, kind="table"), mixed, method="input_x_gradient")
    want = mixed.to_numpy(dtype=np.float32) * net.weight.detach().numpy()[attr.target]
    np.testing.assert_allclose(attr.values, want, rtol=1e-5)
    assert attr.feature_names.tolist() == ["a", "b", "c"]


def test_review_round_whole_floats_numpy_scalars_masked_logits_names_and_float64_fit() -> None:
    """Whole floats reach a method as ints (nt_samples=4.0 was a TypeError deep inside);
    numpy scalars are numbers; a -inf logit is a masked class, not an error; a table
    Dataset's feature names name the map; a float64 module retrains (label randomisation)."""
    from attnscope.core import check_finite_logits
    from attnscope.data import TabularDataset

    net = _net()
    model = wrap_module(net, kind="table")
    assert attribute(model, _A, method="smoothgrad", nt_samples=4.0).values.shape == _A.shape
    wrap_module(net, kind="table", epochs=np.int64(2), lr=np.float32(1e-3))
    with pytest.raises(ConfigError, match="epochs must be a whole number"):
        wrap_module(net, kind="table", epochs=float("inf"))
    masked = torch.tensor([[0.0, float("-inf")], [1.0, 2.0]])
    check_finite_logits(masked)  # no error
    for bad in ([[float("-inf"), float("-inf")]], [[float("nan"), 0.0]], [[float("inf"), 0.0]]):
        with pytest.raises(DataError, match="NaN or inf"):
            check_finite_logits(torch.tensor(bad))
    table = TabularDataset(
        labels=_Y,
        sample_ids=np.array([f"s{i}" for i in range(len(_A))]),
        class_names=["a", "b"],
        truth=None,
        meta={},
        X=_A,
        feature_names=np.array(["TP53", "BRCA1", "ESR1", "GATA3", "MYC"]),
    )
    named = attribute(wrap_module(net, kind="table", classes=["a", "b"]), table, method="saliency")
    assert named.feature_names.tolist() == ["TP53", "BRCA1", "ESR1", "GATA3", "MYC"]
    wide = _net().double()
    wrap_module(wide, kind="table", epochs=1).fit(_A, _Y)
    assert next(wide.parameters()).dtype == torch.float64


def test_metrics_of_one_class_raise_no_sklearn_warning() -> None:
    """Samples of one class (a new file): balanced accuracy is that class's recall, AUROC
    NaN, and no sklearn warning leaks from the library (only the CLI path filtered it)."""
    from attnscope.metrics import classification_metrics

    proba = np.tile([0.3, 0.7], (5, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = classification_metrics(np.ones(5, dtype=int), proba)
    assert out["balanced_accuracy"] == 1.0 and np.isnan(out["auroc"])
