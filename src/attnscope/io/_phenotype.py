"""Phenotype files of genotype cohorts: reading them and coding their values as classes.

Phenotype codes (:func:`read_phenotype`): ``-9``, ``NA``, ``nan`` and empty cells are
missing. Numeric values in {0, 1} mean control/case; values in {0, 1, 2} follow PLINK's
1 = control, 2 = case with 0 = missing. Any other non-numeric values are class names
(sorted). Other numbers (a quantitative trait) are refused: binarise them first. A file
may start with '#' notes; a plink2 header (``#FID IID ...``, ``#IID ...``) is a header.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data._encode import MISSING_LABELS
from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._textio import open_text, read_csv

__all__ = ["code_phenotype", "read_phenotype", "sample_labels"]

_MISSING_TOKENS = MISSING_LABELS | {"-9", "."}
_ID_HEADERS = {"fid", "#fid", "iid", "#iid", "id", "sample", "sample_id", "sampleid", "subject"}


def read_phenotype(
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    sample_ids: np.ndarray | list[str],
) -> tuple[np.ndarray, list[str]]:
    """Read a binary or categorical phenotype and align it to ``sample_ids``.

    Accepted layouts (comma, tab or space separated):

    - PLINK ``FID IID value`` without a header (the third column is the phenotype);
    - ``id value`` without a header;
    - a header whose first column is an id (``IID`` is used when present, else the first
      column) and ``column`` naming the phenotype (optional when there is one value column).

    Parameters
    ----------
    path : path-like
        Phenotype file.
    column : str, optional
        Phenotype column of a file with a header.
    sample_ids : array-like of shape (n_samples,)
        Ids to align to (the genotype file's sample ids).

    Returns
    -------
    labels : ndarray of shape (n_samples,), int64
        Class codes; -1 where the phenotype is missing or the sample is not in the file.
    class_names : list of str
        ``["control", "case"]`` for 0/1 or 1/2 coded traits, else the sorted values.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"phenotype file {path} not found; check the path.")
    with open_text(path) as fh:
        text = fh.read()
    raw = text.splitlines()  # '#' notes are skipped; a plink2 header ('#IID ...') is none
    notes = [k for k, ln in enumerate(raw) if ln.lstrip().startswith("#") and _note(ln)]
    skip = set(notes)
    lines = [ln for k, ln in enumerate(raw) if ln.strip() and k not in skip]
    if not lines:
        raise DataError(f"phenotype file {path} is empty; expected 'FID IID value' lines.")
    sep = "," if "," in lines[0] else ("\t" if "\t" in lines[0] else r"\s+")
    first = [tok.strip() for tok in (lines[0].split(",") if sep == "," else lines[0].split())]
    has_header = column is not None or first[0].lower() in _ID_HEADERS
    table = read_csv(
        path,
        sep=sep,
        header=0 if has_header else None,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=True,
        skiprows=notes,
        engine="python" if sep == r"\s+" else "c",
    )
    table.columns = [str(c).strip() for c in table.columns]
    if table.shape[1] < 2:
        raise DataError(
            f"phenotype file {path} has {table.shape[1]} column; expected 'FID IID value' "
            "or 'id value' (comma, tab or space separated)."
        )
    if has_header:
        cols = list(table.columns)
        lower = [c.lower() for c in cols]
        id_col = cols[lower.index("iid")] if "iid" in lower else cols[0]
        if column is None:
            value_cols = [c for c in cols if c != id_col and c.lower() not in {"fid", "#fid"}]
            if len(value_cols) != 1:
                raise DataError(
                    f"phenotype file {path} has several value columns {value_cols[:6]}; "
                    "pass the one to use: --label-col NAME (pheno_col= in Python)."
                )
            column = value_cols[0]
        if column not in cols:
            raise DataError(
                f"phenotype file {path}: column {column!r} not found; columns are {cols[:10]}."
            )
        ids = table[id_col].str.strip().to_numpy()
        raw = table[column].str.strip().to_numpy()
    else:
        id_pos, val_pos = (1, 2) if table.shape[1] >= 3 else (0, 1)
        ids = table.iloc[:, id_pos].str.strip().to_numpy()
        raw = table.iloc[:, val_pos].str.strip().to_numpy()
        # 'patient pheno' above numbers (or missing codes) is a header, not a sample
        number = pd.to_numeric(pd.Series(raw), errors="coerce").notna().to_numpy()
        known = number | np.isin(np.char.lower(raw.astype(str)), list(_MISSING_TOKENS))
        if len(raw) > 1 and not known[0] and number[1:].any() and known[1:].all():
            ids, raw = ids[1:], raw[1:]
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise DataError(
            f"phenotype file {path}: sample ids {uniq[counts > 1][:3].tolist()} appear more "
            "than once; keep one row per sample."
        )
    codes, names = code_phenotype(raw, source=f"phenotype file {path}")
    lookup = pd.Series(codes, index=pd.Index(ids))
    aligned = lookup.reindex(np.asarray(sample_ids).astype(str)).to_numpy()
    labels = np.where(np.isnan(aligned.astype(float)), -1, aligned).astype(np.int64)
    listed = np.isin(np.asarray(sample_ids).astype(str), ids)
    if (labels < 0).all() and listed.any():  # the ids match; the values are all missing
        shown = raw[np.isin(ids, np.asarray(sample_ids).astype(str))][0]
        raise UnlabelledSamplesError(
            f"phenotype file {path}: the phenotype of every one of the {int(listed.sum())} "
            f"genotyped samples it lists is missing (e.g. {shown!r}: -9, NA, or 0 in 1/2 "
            "case-control coding); give their phenotypes, or another column (--label-col)."
        )
    if (labels < 0).all():
        raise UnlabelledSamplesError(
            f"phenotype file {path}: none of the {len(sample_ids)} genotyped samples has a "
            f"phenotype (file ids start {ids[:3].tolist()}, genotype ids start "
            f"{np.asarray(sample_ids)[:3].tolist()}); check that the ids match."
        )
    return labels, names


def _note(line: str) -> bool:
    """Whether a '#' line is a note, not a plink2 header ('#FID IID ...', '#IID,...')."""
    return re.split(r"[\s,]+", line.strip())[0].lower() not in _ID_HEADERS


def code_phenotype(raw: np.ndarray, *, source: str) -> tuple[np.ndarray, list[str]]:
    """Code phenotype strings as class codes (-1 = missing); see the module notes."""
    values = np.asarray(raw).astype(str)
    missing = np.isin(np.char.lower(np.char.strip(values)), list(_MISSING_TOKENS))
    present = values[~missing]
    codes = np.full(values.shape[0], -1, dtype=np.int64)
    if present.size == 0:
        return codes, []
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(present), errors="coerce").to_numpy(dtype=float)
    if np.isfinite(numbers).all() and (numbers == -9).any():
        # "-9.0" and the like: PLINK's missing code written as a float.
        missing[np.flatnonzero(~missing)[numbers == -9]] = True
        present, numbers = values[~missing], numbers[numbers != -9]
        if present.size == 0:
            return codes, []
    if np.isfinite(numbers).all():
        levels = set(np.unique(numbers).tolist())
        if levels <= {0.0, 1.0}:
            codes[~missing] = numbers.astype(np.int64)
        elif levels <= {0.0, 1.0, 2.0}:
            # PLINK: 1 = control, 2 = case, 0 = missing.
            sub = np.where(numbers == 0, -1, numbers - 1).astype(np.int64)
            codes[~missing] = sub
        else:
            raise DataError(
                f"{source}: phenotype values {sorted(levels)[:6]} are neither 0/1 nor 1/2 "
                "case-control codes; attnscope classifies, so binarise a quantitative trait "
                "first (or use class names such as 'case'/'control')."
            )
        if len(set(codes[codes >= 0].tolist())) < 2:
            warnings.warn(
                f"{source}: only one phenotype class is present.",
                AttnscopeWarning,
                stacklevel=3,
            )
        return codes, ["control", "case"]
    names = sorted(set(present.tolist()))
    lookup = {name: k for k, name in enumerate(names)}
    codes[~missing] = np.fromiter((lookup[v] for v in present.tolist()), np.int64, present.size)
    return codes, names


def sample_labels(
    labels: Any, sample_ids: np.ndarray, *, source: str, column: str | None = None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Class codes for ``sample_ids`` from a phenotype file or an id -> label mapping.

    Returns
    -------
    codes : ndarray of shape (n_kept,), int64
    class_names : list of str
    keep : ndarray of shape (n_samples,), bool
        Samples that have a label; the others are dropped with an AttnscopeWarning.
    """
    from collections.abc import Mapping

    if isinstance(labels, Mapping):
        raw = np.array([str(labels.get(s, "NA")) for s in np.asarray(sample_ids).tolist()])
        codes, class_names = code_phenotype(raw, source="labels")
    else:
        codes, class_names = read_phenotype(labels, column=column, sample_ids=sample_ids)
    keep = codes >= 0
    if not keep.any():
        raise DataError(f"no sample of {source} has a label; check the sample ids.")
    if not keep.all():
        warnings.warn(
            f"{source}: {int((~keep).sum())} samples without a label were dropped "
            f"(first: {np.asarray(sample_ids)[~keep][:3].tolist()}).",
            AttnscopeWarning,
            stacklevel=3,
        )
    return codes[keep], class_names, keep
