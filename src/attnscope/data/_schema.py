"""Input schemas: what a fitted model was trained on, and the one rule for new data.

A fitted estimator saves :func:`input_schema` of its training data with its weights;
:func:`align_to_schema` then realigns new data by name (tables, genotypes, time-series
variables, omics) or refuses with the difference named. Nothing is matched by position
behind the user's back.

Rules
-----
- tables: columns are reordered to the training order by name; missing columns are
  refused (named); extra columns are dropped with a warning.
- genotypes: SNPs are selected and ordered by id (SNPs the model's QC dropped are ignored
  silently); missing SNP ids are refused (named), and so is a SNP whose dosage counts
  another allele than in training (REF/ALT swapped, another minor allele).
- sequences: a shorter padded length is right-padded to the training length (what the
  readers do); a longer one is truncated only where every extra position is padding,
  otherwise the first longer sequence is named and refused.
- time series: variables and static descriptors are reordered by name; series on the
  training step that end earlier (new stays observed for fewer hours: their reader's grid
  ends at their latest observation) are extended to the training grid as the reader would
  grid them (last value carried forward, nothing observed); a longer grid or another step
  is refused.
- multi-omics: modalities and their features are reordered by name; missing ones refused,
  extra ones ignored with a warning.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from attnscope.data._containers import (
    PAD,
    Dataset,
    GenotypeDataset,
    SequenceDataset,
    TabularDataset,
)
from attnscope.data._containers_more import MultiOmicsDataset, TimeSeriesDataset
from attnscope.errors import AttnscopeWarning, DataError

__all__ = ["align_to_schema", "input_schema"]


def input_schema(data: Dataset) -> dict[str, Any]:
    """JSON-able description of what a model trained on ``data`` takes.

    Returns
    -------
    dict
        ``modality`` plus ``feature_names`` (tables), ``length`` and ``alphabet``
        (sequences), ``snp_ids`` (genotypes), ``variable_names`` / ``static_names`` /
        ``n_times`` (time series) or ``modalities`` -> feature names (multi-omics).
    """
    out: dict[str, Any] = {"modality": data.modality}
    if isinstance(data, TabularDataset):
        out["feature_names"] = data.feature_names.tolist()
    elif isinstance(data, SequenceDataset):
        out.update(length=int(data.length), alphabet="0 pad, 1..5 = A C G T N")
    elif isinstance(data, GenotypeDataset):
        out["snp_ids"] = data.snp_ids.astype(str).tolist()
        counted = _counted_alleles(data)
        if counted is not None:
            out["counted_alleles"] = counted.tolist()
    elif isinstance(data, TimeSeriesDataset):
        out.update(
            variable_names=data.variable_names.tolist(),
            static_names=data.static_names.tolist(),
            n_times=int(data.values.shape[1]),
        )
        if isinstance(data.meta, dict) and data.meta.get("step_hours") is not None:
            out["step_hours"] = float(data.meta["step_hours"])
    elif isinstance(data, MultiOmicsDataset):
        out["modalities"] = {m: data.feature_names[m].tolist() for m in data.modality_names}
    return out


def align_to_schema(data: Dataset, schema: dict[str, Any]) -> Dataset:
    """``data`` in the layout of ``schema`` (see the module rules), or a DataError.

    The error names the file ``data`` was read from (``meta["source"]``) when it has one.
    """
    try:
        return _align(data, schema)
    except DataError as exc:
        source = data.meta.get("source") if isinstance(data.meta, dict) else None
        if source and str(source) not in str(exc):
            raise DataError(f"{source}: {exc}") from exc
        raise


def _grid_hint(schema: dict[str, Any]) -> str:
    """How to read ``data`` on the training grid, in words."""
    step = schema.get("step_hours")
    if step is None:
        return "read them with the same grid settings."
    hours = float(step) * int(schema["n_times"])
    return (
        f"the training grid is {schema['n_times']} steps of {float(step):g} h; read them on "
        f"it (reader options hours={hours:g}, step_hours={float(step):g}), or give stays "
        "that span the same hours."
    )


def _align(data: Dataset, schema: dict[str, Any]) -> Dataset:
    if schema.get("modality") not in (None, data.modality):
        raise DataError(
            f"the model was trained on {schema['modality']} data, got {data.modality} data."
        )
    if isinstance(data, TabularDataset) and "feature_names" in schema:
        try:
            idx = _indexer(data.feature_names, schema["feature_names"], "feature column")
        except DataError as exc:
            if not set(schema["feature_names"]) <= set(data.sample_ids.astype(str)):
                raise
            raise DataError(
                f"{exc} Its samples carry those names: the table was read the other way "
                "round from training (features as samples); transpose it, or give its "
                "labels (--label-col NAME or --labels FILE) so that they decide its layout."
            ) from None
        if idx is None:
            return data
        return replace(data, X=data.X[:, idx], feature_names=data.feature_names[idx])
    if isinstance(data, GenotypeDataset) and "snp_ids" in schema:
        # SNPs dropped by the model's QC are expected in new cohorts: no warning
        idx = _indexer(data.snp_ids, schema["snp_ids"], "SNP", warn_extra=False)
        data = data if idx is None else data.select_snps(idx)
        _check_counted(data, schema.get("counted_alleles"))
        return data
    if isinstance(data, SequenceDataset) and "length" in schema:
        return _fit_length(data, int(schema["length"]))
    if isinstance(data, TimeSeriesDataset) and "variable_names" in schema:
        data = _fit_grid(data, schema)
        data = _unmeasured_variables(data, schema["variable_names"])
        v = _indexer(data.variable_names, schema["variable_names"], "time-series variable")
        s = _indexer(data.static_names, schema["static_names"], "static descriptor")
        changes: dict[str, Any] = {}
        if v is not None:
            changes.update(
                values=data.values[:, :, v],
                mask=data.mask[:, :, v],
                variable_names=data.variable_names[v],
            )
        if s is not None:
            changes.update(static=data.static[:, s], static_names=data.static_names[s])
        return replace(data, **changes) if changes else data
    if isinstance(data, MultiOmicsDataset) and "modalities" in schema:
        return _align_omics(data, schema["modalities"])
    return data


def _fit_grid(data: TimeSeriesDataset, schema: dict[str, Any]) -> TimeSeriesDataset:
    """``data`` on the training grid: series of the same step that end earlier are extended
    as a reader given the training ``hours`` grids them (the last value carried forward,
    nothing observed); other grids are refused."""
    n_times, have = int(schema["n_times"]), data.values.shape[1]
    step = schema.get("step_hours")
    own = data.meta.get("step_hours") if isinstance(data.meta, dict) else None
    if have == n_times:
        return data
    if have > n_times or step is None or own is None or float(own) != float(step):
        raise DataError(
            f"the model was trained on a grid of {n_times} time steps, these series have "
            f"{have}; {_grid_hint(schema)}"
        )
    extra = n_times - have
    values = np.concatenate([data.values, np.repeat(data.values[:, -1:], extra, axis=1)], 1)
    n, _, v = data.mask.shape
    mask = np.concatenate([data.mask, np.zeros((n, extra, v), dtype=data.mask.dtype)], axis=1)
    truth = data.truth
    if truth is not None and truth.ndim >= 2 and truth.shape[-2] == have:
        pad = np.zeros((*truth.shape[:-2], extra, truth.shape[-1]), dtype=truth.dtype)
        truth = np.concatenate([truth, pad], axis=-2)
    return replace(
        data,
        values=values,
        mask=mask,
        truth=truth,
        times=(np.arange(n_times) * float(step)).astype(np.float32),
        meta={**data.meta, "hours": n_times * float(step)},
    )


def _unmeasured_variables(data: TimeSeriesDataset, want: list[str]) -> TimeSeriesDataset:
    """``data`` with the model's variables that no stay measured added as never observed
    (value 0, mask False: how a training stay without them is gridded), with a warning.

    New stays lacking a rare variable (a troponin no one ordered) were refused as data
    missing a column. A name that differs only in case is left for :func:`_indexer` to name.
    """
    have = np.asarray(data.variable_names).astype(str)
    folded = {h.casefold() for h in have.tolist()}
    absent = [str(w) for w in want if str(w).casefold() not in folded]
    if not absent or data.truth is not None:
        return data
    warnings.warn(
        f"{len(absent)} of the model's {len(want)} time-series variables are measured in no "
        f"stay of these data (e.g. {absent[:5]}); they are read as never observed.",
        AttnscopeWarning,
        stacklevel=5,
    )
    n, t, _ = data.values.shape
    zeros = np.zeros((n, t, len(absent)), dtype=data.values.dtype)
    return replace(
        data,
        values=np.concatenate([data.values, zeros], axis=2),
        mask=np.concatenate([data.mask, np.zeros(zeros.shape, dtype=data.mask.dtype)], axis=2),
        variable_names=np.concatenate([have, np.asarray(absent, dtype=str)]),
    )


#: Which column of ``meta["alleles"]`` (n_snps, 2) the dosages count, by ``counted_allele``.
_COUNTED_COLUMN = {"ALT": 1, "A1": 0, "minor": 0, "column suffix": 0}


def _counted_alleles(data: GenotypeDataset) -> np.ndarray | None:
    """The allele each SNP's dosage counts (n_snps,), when the reader recorded it."""
    meta = data.meta if isinstance(data.meta, dict) else {}
    alleles, kind = meta.get("alleles"), str(meta.get("counted_allele", ""))
    col = 1 if kind.startswith("second") else _COUNTED_COLUMN.get(kind)
    if col is None or alleles is None:
        return None
    arr = np.asarray(alleles).astype(str)
    if arr.ndim != 2 or arr.shape != (data.n_snps, 2):
        return None
    return np.char.upper(arr[:, col])


def _check_counted(data: GenotypeDataset, want: list[str] | None) -> None:
    """Refuse SNPs whose dosage counts another allele than in training (0 would mean 2).

    A new VCF with REF/ALT swapped, or a HapMap cohort whose minor allele differs, gave
    the same SNP ids with every dosage read the other way round.
    """
    have = _counted_alleles(data)
    if want is None or have is None or len(want) != have.size:
        return
    other = np.flatnonzero(have != np.char.upper(np.asarray(want, dtype=str)))
    if other.size:
        k = int(other[0])
        raise DataError(
            f"SNP {data.snp_ids[k]} counts allele {have[k]} here but {want[k]} in training "
            f"({other.size} such SNPs), so its dosages would be read the other way round; "
            "recode the data to count the training alleles (e.g. plink2 --ref-allele / "
            "--alt1-allele, bcftools +fixref)."
        )


def _indexer(
    have: np.ndarray, want: list[str], what: str, *, warn_extra: bool = True
) -> np.ndarray | None:
    """Columns of ``have`` in the order of ``want`` (None: already equal)."""
    have = np.asarray(have).astype(str)
    want_arr = np.asarray(want).astype(str)
    if have.shape == want_arr.shape and np.array_equal(have, want_arr):
        return None
    position = {name: i for i, name in enumerate(have)}
    missing = [str(name) for name in want_arr if name not in position]
    if missing:
        folded = {name.casefold(): name for name in have.tolist()}
        case = [folded[m.casefold()] for m in missing if m.casefold() in folded]
        hint = (
            f" {len(case)} differ only in case (the data's {case[:3]}); rename them."
            if case
            else ""
        )
        raise DataError(
            f"{len(missing)} of the model's {want_arr.size} {what}s are missing from the data "
            f"(e.g. {missing[:5]}); give the same {what}s (same names) as in training.{hint}"
        )
    extra = have.size - want_arr.size
    if extra and warn_extra:
        warnings.warn(
            f"{extra} {what}(s) the model was not trained on are ignored.",
            AttnscopeWarning,
            stacklevel=4,
        )
    return np.array([position[name] for name in want_arr], dtype=np.int64)


def _fit_length(data: SequenceDataset, length: int) -> SequenceDataset:
    """Right-pad to ``length``, or truncate where only padding is cut (else refuse)."""
    tokens = data.tokens
    if tokens.shape[1] == length:
        return data
    if tokens.shape[1] < length:
        warnings.warn(
            f"the sequences are at most {tokens.shape[1]} bp but the model was trained on "
            f"{length} bp: they are padded with N (unknown base) to {length} bp, so the "
            "model scores fewer bases than it learned from.",
            AttnscopeWarning,
            stacklevel=4,
        )
        pad = np.full((tokens.shape[0], length - tokens.shape[1]), PAD, dtype=tokens.dtype)
        padded = np.concatenate([tokens, pad], axis=1)
        truth = data.truth
        if truth is not None and truth.ndim == 2:
            truth = np.concatenate([truth, np.zeros_like(pad, dtype=truth.dtype)], axis=1)
        return replace(data, tokens=padded, truth=truth)
    longer = (tokens[:, length:] != PAD).any(axis=1)
    if longer.any():
        first = int(np.argmax(longer))
        raise DataError(
            f"sequence {data.sample_ids[first]} is longer than the {length} bases the model "
            f"was trained on ({int(longer.sum())} such sequences); trim them to {length} bp "
            f"first (e.g. 'seqkit subseq -r 1:{length}'; in Python, read_fasta(..., "
            f"length={length}) truncates)."
        )
    truth = data.truth
    if truth is not None and truth.ndim == 2:
        truth = truth[:, :length]
    return replace(data, tokens=tokens[:, :length], truth=truth)


def _align_omics(data: MultiOmicsDataset, want: dict[str, list[str]]) -> MultiOmicsDataset:
    missing = [m for m in want if m not in data.omics]
    if missing:
        raise DataError(
            f"modalities {missing} of the model are missing from the data (it has "
            f"{data.modality_names}); mark an absent modality with present = False instead."
        )
    order = list(want)
    extra = [m for m in data.modality_names if m not in want]
    if extra:  # as extra columns are: the model cannot use them, and says so
        warnings.warn(
            f"modalities {extra} the model was not trained on are ignored (it uses {order}).",
            AttnscopeWarning,
            stacklevel=4,
        )
    omics, names = {}, {}
    for m in order:
        idx = _indexer(data.feature_names[m], want[m], f"{m} feature")
        omics[m] = data.omics[m] if idx is None else data.omics[m][:, idx]
        names[m] = data.feature_names[m] if idx is None else data.feature_names[m][idx]
    cols = [data.modality_names.index(m) for m in order]
    present = np.asarray(data.present)[:, cols]
    if order == data.modality_names and all(omics[m] is data.omics[m] for m in order):
        return data
    return replace(data, omics=omics, feature_names=names, present=present)
