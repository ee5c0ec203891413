"""Typed containers, one per modality, validated on construction.

Every container carries ``labels`` (int codes into ``class_names``, or None for
unlabelled data), ``sample_ids``, an optional ``truth`` mask of what really drives
the label (simulated data) and a free ``meta`` dict. ``subset(idx)`` returns a new
container of the selected samples, so splits never copy code per modality.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from attnscope.data._lazy import LazyGenotypes
from attnscope.errors import DataError

__all__ = [
    "ALPHABET",
    "PAD",
    "Dataset",
    "GenotypeDataset",
    "SequenceDataset",
    "TabularDataset",
]

#: Token codes for DNA: 0 is padding, then A, C, G, T, N (any other base).
ALPHABET = "ACGTN"
PAD = 0


@dataclass
class Dataset:
    """Fields shared by every modality (see the subclasses)."""

    modality: ClassVar[str] = "base"
    #: Names of array fields whose first axis is the sample axis.
    _sample_fields: ClassVar[tuple[str, ...]] = ()
    #: ``truth`` with this many axes is per sample (sliced by ``subset``); fewer axes
    #: means one global mask (per feature, per cell) shared by all samples.
    _truth_sample_ndim: ClassVar[int] = 2

    labels: np.ndarray | None
    sample_ids: np.ndarray
    class_names: list[str]
    truth: np.ndarray | None
    meta: dict[str, Any]

    def __len__(self) -> int:
        return int(self.sample_ids.shape[0])

    @property
    def shape(self) -> tuple[int]:
        """``(n_samples,)``: lets scikit-learn count and index the samples (CV tools)."""
        return (len(self),)

    def __getitem__(self, idx: Any) -> Dataset:
        """``data[idx]`` is ``data.subset(idx)`` for an index array, list, mask or slice.

        scikit-learn's ``_safe_indexing`` calls ``data[idx, ...]``, so cross_val_score,
        GridSearchCV and the splitters take a Dataset with ``y=data.y``. A single integer
        is refused (a Dataset of one sample is ``data[[i]]``).
        """
        if isinstance(idx, tuple) and len(idx) == 2 and idx[1] is Ellipsis:
            idx = idx[0]
        if isinstance(idx, (int, np.integer)) or (isinstance(idx, np.ndarray) and idx.ndim == 0):
            raise TypeError(
                f"index a {type(self).__name__} with an array of sample indices or a slice "
                f"(data[[{int(idx)}]] holds sample {int(idx)})."
            )
        if isinstance(idx, tuple):
            raise TypeError(f"a {type(self).__name__} has one (sample) axis; got {idx!r}.")
        return self.subset(idx if isinstance(idx, slice) else np.asarray(idx))

    __iter__ = None  # a Dataset is not a sequence of samples (no ``for sample in data``)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def y(self) -> np.ndarray:
        """Labels as int64 codes; raises DataError when the data are unlabelled."""
        if self.labels is None:
            source = self.meta.get("source") if isinstance(self.meta, dict) else None
            hint = self.meta.get("label_hint") if isinstance(self.meta, dict) else None
            hint = hint or "give a label column (--label-col) or a labels file (--labels)"
            raise DataError(
                f"{source + ': ' if source else ''}this {self.modality} data set has no "
                f"labels; {hint}."
            )
        return self.labels

    def subset(self, idx: np.ndarray | list[int] | slice) -> Dataset:
        """Return a new container holding the samples ``idx`` (indices or bool mask)."""
        sel = np.arange(len(self))[idx]
        changes: dict[str, Any] = {"sample_ids": self.sample_ids[sel]}
        if self.labels is not None:
            changes["labels"] = self.labels[sel]
        if self.truth is not None and self.truth.ndim == self._truth_sample_ndim:
            changes["truth"] = self.truth[sel]
        for name in self._sample_fields:
            value = getattr(self, name)
            if isinstance(value, dict):
                changes[name] = {k: v[sel] for k, v in value.items()}
            elif value is not None:
                changes[name] = value[sel]
        return replace(self, **changes)

    def _validate_common(self) -> None:
        self.sample_ids = np.asarray(self.sample_ids).astype(str)
        n = self.sample_ids.shape[0]
        if n == 0:
            raise DataError(f"the {self.modality} data set has no samples.")
        uniq, counts = np.unique(self.sample_ids, return_counts=True)
        if (counts > 1).any():
            dup = uniq[counts > 1][:3].tolist()
            raise DataError(
                f"duplicate sample ids {dup}; sample ids must be unique "
                "(rename or drop the repeated samples)."
            )
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape != (n,):
                raise DataError(f"labels have shape {labels.shape}, expected ({n},).")
            if labels.dtype.kind not in "iub" and not (
                labels.dtype.kind == "f" and np.array_equal(labels, np.round(labels))
            ):
                shown = labels[:3].tolist()
                raise DataError(
                    f"labels must be whole class codes 0..{len(self.class_names) - 1}, got "
                    f"{labels.dtype} values such as {shown} (encode the classes first)."
                )
            if labels.size and (labels.min() < 0 or labels.max() >= len(self.class_names)):
                raise DataError(
                    f"label codes must lie in [0, {len(self.class_names)}); "
                    f"found {labels.min()}..{labels.max()}."
                )
            self.labels = labels.astype(np.int64)
        self.class_names = [str(c) for c in self.class_names]

    def _check_truth(self, feature_shape: tuple[int, ...]) -> None:
        """DataError unless ``truth`` is one flag per feature (``feature_shape``) or per
        sample and feature: a mask of other cells scores truth recovery against them."""
        if self.truth is None:
            return
        self.truth = np.asarray(self.truth)
        n = len(self.sample_ids)
        if self.truth.shape not in (feature_shape, (n, *feature_shape)):
            raise DataError(
                f"truth has shape {self.truth.shape}; expected {feature_shape} (one flag per "
                f"feature) or {(n, *feature_shape)} (per sample)."
            )

    def degenerate(self) -> str | None:
        """Why these samples carry no usable signal (a sentence), or None.

        Checked on the training samples before a fit (a warning, not an error: the fit
        can run, but its model can only learn the class balance).
        """
        return None

    def describe(self) -> dict[str, Any]:
        """Small JSON-able summary: samples, features, classes and class counts."""
        out: dict[str, Any] = {"modality": self.modality, "n_samples": len(self)}
        out["classes"] = list(self.class_names)
        if self.labels is not None:
            counts = np.bincount(self.labels, minlength=self.n_classes)
            out["class_counts"] = {c: int(k) for c, k in zip(self.class_names, counts)}
        out["has_truth"] = self.truth is not None
        return out


@dataclass
class SequenceDataset(Dataset):
    """DNA sequences as token codes.

    Parameters
    ----------
    tokens : ndarray of shape (n_samples, length), uint8
        ``0`` pad, ``1..5`` = A, C, G, T, N (see :data:`ALPHABET`).
    truth : ndarray of shape (n_samples, length), bool, optional
        Positions that carry the signal (planted motifs).
    """

    modality: ClassVar[str] = "sequence"
    _sample_fields: ClassVar[tuple[str, ...]] = ("tokens",)

    tokens: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))

    def __post_init__(self) -> None:
        self.tokens = np.asarray(self.tokens)
        if self.tokens.ndim != 2:
            raise DataError(f"tokens must be 2-D (samples, length), got {self.tokens.shape}.")
        if self.tokens.size and (self.tokens.min() < 0 or self.tokens.max() > len(ALPHABET)):
            raise DataError("token codes must lie in 0..5 (pad, A, C, G, T, N).")
        self.tokens = self.tokens.astype(np.uint8)
        _check_rows(self.tokens, self.sample_ids, "tokens")
        self._validate_common()
        self._check_truth(self.tokens.shape[1:])

    @property
    def length(self) -> int:
        """Sequence length (after padding/truncation)."""
        return int(self.tokens.shape[1])

    def sequences(self) -> list[str]:
        """Decode tokens back to strings (padding dropped)."""
        lut = np.array(["", *ALPHABET], dtype=object)
        return ["".join(lut[row]) for row in self.tokens]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "length": self.length}

    def degenerate(self) -> str | None:
        """Sequences that are only N (or empty): all of them, or a named share."""
        blank = ((self.tokens == 0) | (self.tokens == 5)).all(axis=1)
        if not blank.any():
            return None
        ids = self.sample_ids[blank][:3].tolist()
        if blank.all():
            return f"every sequence is only N (or empty), e.g. {ids}: there is nothing to learn"
        return f"{int(blank.sum())} of {len(self)} sequences are only N (or empty), e.g. {ids}"


@dataclass
class TabularDataset(Dataset):
    """A samples x features matrix (gene expression and any other table).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
    feature_names : ndarray of shape (n_features,), str
    truth : ndarray of shape (n_features,) or (n_samples, n_features), bool, optional
    """

    modality: ClassVar[str] = "tabular"
    _sample_fields: ClassVar[tuple[str, ...]] = ("X",)

    X: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    feature_names: np.ndarray = field(default_factory=lambda: np.zeros(0, str))

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=np.float32)
        if self.X.ndim != 2:
            raise DataError(f"X must be 2-D (samples, features), got shape {self.X.shape}.")
        if self.X.shape[1] == 0:
            raise DataError(f"X has no features (shape {self.X.shape}); give at least one.")
        _check_finite(self.X, self.sample_ids)
        _check_rows(self.X, self.sample_ids, "X")
        self.feature_names = _check_names(self.feature_names, self.X.shape[1], "feature")
        self._validate_common()
        self._check_truth(self.X.shape[1:])

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.X.shape[1])

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "n_features": self.n_features}

    def degenerate(self) -> str | None:
        """Every feature constant over the samples (the model cannot tell them apart)."""
        if len(self) < 2 or self.n_features == 0 or np.ptp(self.X, axis=0).any():
            return None
        return (
            f"all {self.n_features} features are constant over the {len(self)} training "
            "samples: there is nothing to learn (wrong column or file?)"
        )


@dataclass
class GenotypeDataset(Dataset):
    """SNP genotypes as minor-allele dosages.

    Parameters
    ----------
    genotypes : ndarray of shape (n_samples, n_snps), int8, or LazyGenotypes
        0, 1, 2 copies of the counted allele; -1 = missing. A
        :class:`~attnscope.data.LazyGenotypes` keeps a cohort larger than memory on disk
        (``read_plink(lazy=True)``); ``subset`` and ``select_snps`` then select lazily.
    snp_ids, chromosomes : ndarray of shape (n_snps,), str
    positions : ndarray of shape (n_snps,), int64
        Base-pair position (or whatever unit the map file uses; see ``meta``).
    truth : ndarray of shape (n_snps,), bool, optional
        Causal SNPs.
    """

    modality: ClassVar[str] = "genotype"
    _sample_fields: ClassVar[tuple[str, ...]] = ("genotypes",)

    genotypes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int8))
    snp_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    chromosomes: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        if not isinstance(self.genotypes, LazyGenotypes):  # a lazy matrix stays on disk
            g = np.asarray(self.genotypes)
            if g.ndim != 2:
                raise DataError(f"genotypes must be 2-D (samples, SNPs), got shape {g.shape}.")
            if g.dtype.kind == "f":  # NaN is missing, as -1
                g = np.where(np.isnan(g), -1.0, g)
            if g.size and (g.min() < -1 or g.max() > 2 or (g.dtype.kind == "f" and (g % 1).any())):
                _refuse_dosages(g, self.sample_ids)
            self.genotypes = g.astype(np.int8)
        _check_rows(self.genotypes, self.sample_ids, "genotypes")
        m = self.genotypes.shape[1]
        self.snp_ids = _check_names(self.snp_ids, m, "SNP")
        self.chromosomes = np.asarray(self.chromosomes).astype(str)
        self.positions = np.asarray(self.positions).astype(np.int64)
        if self.chromosomes.shape != (m,) or self.positions.shape != (m,):
            raise DataError(f"chromosomes and positions must each have {m} entries, one per SNP.")
        self._validate_common()
        self._check_truth((m,))

    @property
    def on_disk(self) -> bool:
        """True when the genotypes are a :class:`LazyGenotypes` view (read block by block)."""
        return isinstance(self.genotypes, LazyGenotypes)

    @property
    def n_snps(self) -> int:
        """Number of SNPs."""
        return int(self.genotypes.shape[1])

    def select_snps(self, keep: np.ndarray) -> GenotypeDataset:
        """The same samples restricted to the SNPs ``keep`` (bool mask or indices, in order)."""
        sel = np.arange(self.n_snps)[keep]
        changes: dict[str, Any] = {
            "genotypes": self.genotypes[:, sel],
            "snp_ids": self.snp_ids[sel],
            "chromosomes": self.chromosomes[sel],
            "positions": self.positions[sel],
            "meta": dict(self.meta),
        }
        truth = self.truth
        if truth is not None and truth.shape[-1] == self.n_snps:
            changes["truth"] = truth[..., sel]
        for key in ("alleles", "cm_positions"):
            value = self.meta.get(key)
            if isinstance(value, np.ndarray) and value.shape[:1] == (self.n_snps,):
                changes["meta"][key] = value[sel]
        return replace(self, **changes)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "n_snps": self.n_snps}


def _refuse_dosages(g: np.ndarray, sample_ids: np.ndarray) -> None:
    """DataError naming the first value of ``g`` that is not a count 0-2 or -1 (an imputed
    dosage such as 0.37 was truncated to 0 by the int8 cast)."""
    bad = (g < -1) | (g > 2) | (g % 1 != 0)
    row, col = (int(i) for i in np.argwhere(bad)[0])
    ids = np.asarray(sample_ids)
    value = g[row, col].item()
    hint = (
        "it is an imputed dosage: round it to a hard call (plink2 --export A with "
        "--hard-call-threshold, or np.rint)"
        if 0 < value < 2
        else "a count is 0, 1 or 2 copies of one allele"
    )
    raise DataError(
        f"genotype dosages must be 0, 1, 2 or -1 for missing; found {value!r} at sample "
        f"{ids[row] if row < ids.size else row!s}, SNP column {col} ({int(bad.sum())} such "
        f"values): {hint}."
    )


def _check_rows(arr: np.ndarray, sample_ids: np.ndarray, name: str) -> None:
    n = np.asarray(sample_ids).shape[0]
    if arr.shape[0] != n:
        raise DataError(f"{name} has {arr.shape[0]} rows but there are {n} sample ids.")


def _check_finite(arr: np.ndarray, sample_ids: np.ndarray, *, where: str = "the data") -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = [int(i) for i in np.argwhere(bad)[0]]
        row = first[0]
        # a table's column; (time, variable) or (channel, position) of a 3-D sample
        at = f"column {first[1]}" if arr.ndim == 2 else f"position {tuple(first[1:])}"
        sid = np.asarray(sample_ids)[row] if row < len(sample_ids) else row
        raise DataError(
            f"{where} holds NaN or inf ({int(bad.sum())} cells; first at sample {sid!s}"
            f"{', ' + at if arr.ndim > 1 else ''}); impute or drop them first (attnscope's "
            "models take none)."
        )


def _check_names(names: Any, expected: int, what: str) -> np.ndarray:
    arr = np.asarray(names).astype(str)
    if arr.shape != (expected,):
        raise DataError(
            f"expected {expected} {what} names, found {arr.shape[0] if arr.ndim else 0}."
        )
    uniq, counts = np.unique(arr, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][:3].tolist()
        raise DataError(
            f"duplicate {what} names {dup}; names must be unique (rename or aggregate them)."
        )
    return arr
