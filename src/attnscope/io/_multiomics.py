"""Multi-omics data: the MOGONET folder layout and one table per modality keyed by sample id."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import MultiOmicsDataset, TabularDataset, encode_labels
from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io._expression import Orientation, read_expression
from attnscope.io._labelfile import join_labels, read_label_file
from attnscope.io._seqtable import (
    PathLike,
    open_text,
    read_frame,
)
from attnscope.io._tabular import _clean_label

__all__ = ["read_mogonet", "read_multiomics"]

_MOGONET_NAMES = ("mRNA", "methylation", "miRNA")
_SPLITS = {"train": "tr", "test": "te"}


def read_mogonet(
    folder: PathLike,
    *,
    split: str = "train",
    names: Sequence[str] | None = None,
) -> MultiOmicsDataset:
    """Read a MOGONET-style folder (Wang et al., Nat. Commun. 2021).

    Layout, no header rows: ``<i>_tr.csv`` / ``<i>_te.csv`` (samples x features, one file
    per modality ``i = 1, 2, ...``), ``<i>_featname.csv`` (one feature name per line),
    ``labels_tr.csv`` / ``labels_te.csv`` (one integer class per line).

    Parameters
    ----------
    folder : str or Path
    split : {"train", "test", "all"}, default "train"
        ``"all"`` stacks train then test and stores the origin of each sample in
        ``meta["split"]`` (array of "train"/"test").
    names : sequence of str, optional
        Modality names; default ``("mRNA", "methylation", "miRNA")`` for three files, else
        ``omics1, omics2, ...``.

    Returns
    -------
    MultiOmicsDataset
        ``omics[name]`` of shape (n_samples, n_features_m); sample ids ``train_<k>`` /
        ``test_<k>`` (the layout has none; ``k`` is the 0-based row).
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found; give the MOGONET data folder.")
    n_mod = 0
    while (root / f"{n_mod + 1}_tr.csv").is_file() or (root / f"{n_mod + 1}_te.csv").is_file():
        n_mod += 1
    if n_mod == 0:
        raise DataError(
            f"{root}: no 1_tr.csv; expected the MOGONET layout (1_tr.csv, 1_te.csv, "
            "1_featname.csv, labels_tr.csv, ...)."
        )
    if names is None:
        names = _MOGONET_NAMES if n_mod == 3 else tuple(f"omics{i}" for i in range(1, n_mod + 1))
    if len(names) != n_mod:
        raise DataError(f"{root}: {n_mod} modalities found but {len(names)} names given.")
    if split == "all":
        parts = ["train", "test"]
    elif split in _SPLITS:
        parts = [split]
    else:
        raise DataError(f"split must be 'train', 'test' or 'all', got {split!r}.")
    omics: dict[str, list[np.ndarray]] = {n: [] for n in names}
    labels: list[np.ndarray] = []
    ids: list[str] = []
    origin: list[str] = []
    for part in parts:
        tag = _SPLITS[part]
        lab_file = root / f"labels_{tag}.csv"
        y = _load_numbers(lab_file).ravel()
        if not np.allclose(y, np.round(y)):
            raise DataError(f"{lab_file}: labels must be integer class codes.")
        for i, name in enumerate(names, start=1):
            f = root / f"{i}_{tag}.csv"
            mat = _load_numbers(f)
            if mat.ndim == 1:
                mat = mat.reshape(-1, 1)
            if mat.shape[0] != y.shape[0]:
                raise DataError(
                    f"{f}: {mat.shape[0]} rows but {lab_file.name} has {y.shape[0]} labels; "
                    "each row must be one sample, in the same order."
                )
            omics[name].append(mat)
        ids.extend(f"{part}_{k}" for k in range(y.shape[0]))
        origin.extend([part] * y.shape[0])
        labels.append(y.astype(np.int64))
    feats: dict[str, np.ndarray] = {}
    stacked: dict[str, np.ndarray] = {}
    for i, name in enumerate(names, start=1):
        widths = {m.shape[1] for m in omics[name]}
        if len(widths) > 1:
            raise DataError(f"{root}: {i}_tr.csv and {i}_te.csv differ in columns {widths}.")
        stacked[name] = np.vstack(omics[name])
        fn = root / f"{i}_featname.csv"
        width = stacked[name].shape[1]
        if fn.is_file():
            with open_text(fn) as fh:
                fnames = [x.strip() for x in fh if x.strip()]
            if len(fnames) != width:
                raise DataError(
                    f"{fn}: {len(fnames)} feature names but {width} columns in {i}_*.csv; "
                    "give one name per line, in column order."
                )
            feats[name] = np.asarray(fnames)
        else:
            feats[name] = np.asarray([f"{name}_{j}" for j in range(width)])
    y_all = np.concatenate(labels)
    codes, class_names = encode_labels(y_all, source=str(root / "labels_*.csv"))
    meta: dict[str, Any] = {"source": str(root)}
    if split == "all":
        meta["split"] = np.asarray(origin)
    return MultiOmicsDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=class_names,
        truth=None,
        meta=meta,
        omics=stacked,
        feature_names=feats,
        present=np.ones((len(ids), n_mod), bool),
    )


def _load_numbers(path: Path) -> np.ndarray:
    import pandas as pd

    if not path.is_file():
        raise DataError(f"{path}: not found; the MOGONET layout needs this file.")
    frame = read_frame(path, header=False)
    is_text = (frame.dtypes == np.dtype(object)).any()
    conv = frame.apply(pd.to_numeric, errors="coerce") if is_text else frame
    values = conv.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(values) <= np.finfo(np.float32).max)  # NaN, inf, beyond float32
    if bad.any():
        r, c = (int(i) for i in np.argwhere(bad)[0])
        cell = frame.iat[r, c]
        shown = "NA/empty" if pd.isna(cell) else repr(str(cell))  # not 'np.float64(nan)'
        raise DataError(
            f"{path}, line {r + 1}, column {c + 1}: value {shown} is missing, "
            f"infinite, beyond float32 or not a number ({int(bad.sum())} cells); fix or impute "
            "them."
        )
    return values


def read_multiomics(
    tables: Mapping[str, PathLike],
    *,
    labels: PathLike | Mapping[str, Any],
    label_col: str | None = None,
) -> MultiOmicsDataset:
    """Read one table per modality, keyed by sample id, and align the samples.

    Each table is read with :func:`attnscope.io.read_expression` (either orientation,
    detected from the labelled ids). The samples are the labelled ones present in at
    least one table, in the labels' order; a sample missing from a table gets a zero row
    there and ``present[i, m] = False``. Labels and samples meet as in every reader
    (:func:`attnscope.io._labelfile.join_labels`): labelled ids in no table are ignored;
    samples of the tables without a label are dropped with a warning naming them.

    Parameters
    ----------
    tables : mapping of str -> path
        Modality name -> CSV/TSV file.
    labels : str, Path or mapping
        ``id,label`` file, a table with a sample-id first column and ``label_col``, or a
        mapping sample id -> label.
    label_col : str, optional
        Column of the labels table holding the class (default: its second column).

    Returns
    -------
    MultiOmicsDataset

    Raises
    ------
    DataError
        A table whose sample ids match no labelled sample; one class only.
    """
    if not tables:
        raise DataError("give at least one modality table: tables={'mRNA': 'expr.csv', ...}.")
    source = str(labels) if not isinstance(labels, Mapping) else "labels"
    mapping = _label_mapping(labels, label_col)
    read: dict[str, TabularDataset] = {}
    for name, path in tables.items():
        orient = _orientation(path, mapping)
        if orient is None:
            raise DataError(
                f"{tables[name]}: no sample id of modality {name!r} matches the labels "
                f"(labels have e.g. {list(mapping)[:3]}); the sample ids must be the same "
                "in every table and in the labels."
            )
        read[name] = read_expression(path, orientation=orient)
    present_ids = set().union(*(set(d.sample_ids.tolist()) for d in read.values()))
    # the labels' order; their ids in no table are ignored, the tables' unlabelled dropped
    order = [k for k in mapping if k in present_ids] + sorted(present_ids - set(mapping))
    _, keep = join_labels(
        order, mapping, source=source, what="samples of the tables", unlabelled="drop"
    )
    labelled = [k for k, kept in zip(order, keep) if kept]
    ids = [k for k in labelled if _clean_label(mapping[k]) is not None]
    if len(ids) < len(labelled):
        warnings.warn(
            f"{source}: {len(labelled) - len(ids)} samples with a missing label dropped.",
            AttnscopeWarning,
            stacklevel=2,
        )
    omics: dict[str, np.ndarray] = {}
    feats: dict[str, np.ndarray] = {}
    present = np.zeros((len(ids), len(read)), bool)
    for m, (name, data) in enumerate(read.items()):
        pos = {sid: i for i, sid in enumerate(data.sample_ids.tolist())}
        rows = np.array([pos.get(sid, -1) for sid in ids])
        have = rows >= 0
        mat = np.zeros((len(ids), data.n_features), np.float32)
        mat[have] = data.X[rows[have]]
        omics[name], feats[name], present[:, m] = mat, data.feature_names, have
    values = np.asarray([str(_clean_label(mapping[k])) for k in ids])
    try:
        typed: np.ndarray = values.astype(np.float64)
    except ValueError:
        typed = values
    codes, class_names = encode_labels(typed, source=source)
    return MultiOmicsDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=class_names,
        truth=None,
        meta={"source": {k: str(v) for k, v in tables.items()}},
        omics=omics,
        feature_names=feats,
        present=present,
    )


def _label_mapping(labels: PathLike | Mapping[str, Any], label_col: str | None) -> dict[str, Any]:
    if isinstance(labels, Mapping):
        return {str(k): v for k, v in labels.items()}
    return read_label_file(labels, label_col)


def _orientation(path: PathLike, mapping: Mapping[str, Any]) -> Orientation | None:
    """Axis of the table holding more labelled ids (None when neither holds any)."""
    from attnscope.io._seqtable import need_file, open_text, sniff_sep

    p = need_file(path, "omics table")
    sep = sniff_sep(p)
    with open_text(p) as fh:
        head = fh.readline()
        first_col = {
            (line.split() if sep == r"\s+" else line.split(sep))[0].strip().strip('"')
            for line in fh
            if line.strip()
        }
    cols = {c.strip().strip('"') for c in (head.split() if sep == r"\s+" else head.split(sep))}
    in_rows, in_cols = len(first_col & set(mapping)), len(cols & set(mapping))
    if in_rows == in_cols == 0:
        return None
    return "samples_by_features" if in_rows >= in_cols else "features_by_samples"
