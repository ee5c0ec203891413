"""Labels files (``id,label`` per line, header optional) and the one rule that joins them
to the samples of a data file; shared by every reader that takes ``labels=``."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._seqtable import _HEADER_IDS, _LABEL_NAMES, PathLike, need_file, open_text

__all__: list[str] = []  # used by the readers; not part of attnscope.io


def read_label_file(path: PathLike, column: str | None = None) -> dict[str, str]:
    """Read an ``id,label`` file (tab, comma, semicolon or whitespace; header row optional).

    A first row that reads like column names (``id``/``sample``/empty first field, or
    ``label``/``class``/``y`` further on) is taken as the header. A file of more than two
    columns needs a header naming one label column (it is used), or ``column`` naming it
    (``--label-col``: the first row is then the header); which field is the label is never
    guessed (DataError naming the line). Ids are the first column.
    """
    p = need_file(path, "labels file")
    out: dict[str, str] = {}
    lines: dict[str, int] = {}
    with open_text(p) as fh:
        rows = list(fh)
    if not any(r.strip() for r in rows):
        raise DataError(f"{p}: no labels found; write one 'id<TAB>label' pair per line.")
    first = _first(rows)  # the header or first pair: blank lines and '#' notes above it
    delim = next((d for d in "\t,;" if d in rows[first - 1]), None)
    label_at = 1
    for lineno, line in enumerate(rows, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = (
            [x.strip() for x in next(csv.reader([line], delimiter=delim))]
            if delim
            else line.split()
        )
        if not any(parts):
            continue  # a spreadsheet's blank row (',,'), as a blank line
        if len(parts) < 2:
            raise DataError(
                f"{p}, line {lineno}: expected two columns (id, label), found {len(parts)}; "
                "write one 'id<TAB>label' pair per line."
            )
        names = [x.lower() for x in parts]
        if column is not None and not out and label_at == 1 and lineno == first:
            label_at = _named_field(p, parts, column, lineno)
            continue  # header row, named by --label-col
        if (
            not out
            and lineno == first
            and (names[0] in _HEADER_IDS or _label_names_not_values(names, rows[first:], delim))
        ):
            label_at = _label_field(p, parts, lineno)
            continue  # header row
        while len(parts) > 2 and not parts[-1]:
            parts.pop()  # trailing separators ('p1,tumor,')
        if len(parts) > 2 and label_at == 1:  # which field is the label? never a guess
            raise DataError(
                f"{p}, line {lineno}: {len(parts)} fields ({parts[:4]}); a labels file holds "
                "two, id and label (or has a header naming its 'label' column)."
            )
        if label_at >= len(parts):
            raise DataError(
                f"{p}, line {lineno}: {len(parts)} fields, but the header puts the label in "
                f"column {label_at + 1}; fill the row."
            )
        sid, label = parts[0], parts[label_at]
        if sid in out:
            like_labels = sid in {label, *out.values()}  # '1<TAB>0': labels, no ids
            raise DataError(
                f"{p}, line {lineno}: id {sid!r} repeats line {lines[sid]}; "
                + (
                    "the first column holds label values, not ids: a labels file pairs "
                    "each sample id (a FASTA record name, a table's sample id) with its "
                    "label; add the ids as its first column."
                    if like_labels
                    else "give one label per id."
                )
            )
        out[sid] = label
        lines[sid] = lineno
    if not out:
        raise DataError(f"{p}: no labels found; write one 'id<TAB>label' pair per line.")
    return out


def _label_names_not_values(names: list[str], rest: list[str], delim: str | None) -> bool:
    """Whether a first row names a label column (``label``, ``class``, ``bound``, ...).

    Such a word is a column name only if no later row holds it in the same column: in
    ``chr1:100-200<TAB>bound`` / ``chr2:5-105<TAB>unbound`` the word ``bound`` is the first
    sample's label (a class named like a header word), not a header.
    """
    hits = [k for k, n in enumerate(names) if k and n in {*_LABEL_NAMES, "cancer", "group"}]
    if not hits:
        return False
    seen: set[tuple[int, str]] = set()
    for line in rest:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = next(csv.reader([line], delimiter=delim)) if delim else line.split()
        seen.update((k, parts[k].strip().lower()) for k in hits if k < len(parts))
    return any((k, names[k]) not in seen for k in hits)


def _first(rows: list[str]) -> int:
    """Line number of the first row that is neither blank nor a '#' comment."""
    return next(
        (k for k, r in enumerate(rows, 1) if r.strip() and not r.lstrip().startswith("#")), 1
    )


def _named_field(path: Path, header: list[str], column: str, line: int) -> int:
    """Index of ``column`` in a labels file's header (exact, else any case; not the ids)."""
    lower = [h.lower() for h in header]
    for k, hit in enumerate(header):
        if k and hit == column:
            return k
    for k, hit in enumerate(lower):
        if k and hit == column.lower():
            return k
    raise DataError(
        f"{path}, line {line}: no column {column!r} after the ids; the labels file has columns "
        f"{header[:8]}. Give --label-col one of them (label_col= in Python)."
    )


def _label_field(path: Path, header: list[str], line: int) -> int:
    """Index of the label column of a labels file's header (the second of two)."""
    if len(header) == 2:
        return 1
    hits = [
        k for k, h in enumerate(header) if k and h.lower() in (*_LABEL_NAMES, "cancer", "group")
    ]
    if len(hits) != 1:
        raise DataError(
            f"{path}, line {line}: the labels file has columns {header[:8]}; which one is the "
            "label? Name it with --label-col NAME, keep two columns (id, label), or name one "
            "column 'label'."
        )
    return hits[0]


def join_labels(
    ids: Sequence[str],
    labels: Mapping[str, Any],
    *,
    source: str,
    what: str = "sequences",
    unlabelled: str = "error",
) -> tuple[list[Any], np.ndarray]:
    """Labels of ``ids`` from a mapping id -> label: how every labels file meets its data.

    Ids of ``labels`` that are not among ``ids`` are ignored: a labels file or clinical
    sheet may cover a whole cohort of which the data hold a part. Ids without a label are
    refused (:class:`UnlabelledSamplesError` naming them, ``unlabelled="error"``) or
    dropped with an :class:`AttnscopeWarning` naming them (``"drop"``); no id with a label
    at all is a DataError either way.

    Returns
    -------
    values : list
        The labels of the kept ids, in the order of ``ids``.
    keep : ndarray of bool, shape (len(ids),)
        The ids that have a label.
    """
    keep = np.fromiter((i in labels for i in ids), bool, count=len(ids))
    missing = [i for i, k in zip(ids, keep) if not k]
    if missing and (unlabelled == "error" or len(missing) == len(ids)):
        raise UnlabelledSamplesError(
            f"{source}: {len(missing)} of {len(ids)} {what} have no label "
            f"(e.g. {missing[:3]}); add them to the labels file or remove them"
            + ("." if keep.any() else f"; the labels' ids are e.g. {list(labels)[:3]}.")
        )
    if missing:
        warnings.warn(
            f"{source}: {len(missing)} of {len(ids)} {what} have no label and were dropped "
            f"(e.g. {missing[:3]}).",
            AttnscopeWarning,
            stacklevel=3,
        )
    return [labels[i] for i, k in zip(ids, keep) if k], keep
