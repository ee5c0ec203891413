"""DNA sequences in a CSV/TSV table (one row per sequence), plus small text-file helpers.

The helpers (opening plain or gzip text, sniffing the delimiter, finding columns) are
shared by the other readers of this package; labels files are :mod:`._labelfile`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from attnscope.data import SequenceDataset, encode_labels, encode_sequences
from attnscope.data._encode import alphabet_fix, invalid_dna_chars
from attnscope.errors import DataError
from attnscope.io._textio import check_header_unique, one_line, read_csv
from attnscope.io._textio import open_text as _open_text

__all__ = ["read_sequence_table"]

PathLike = str | os.PathLike[str]

_SEQ_NAMES = ("seq", "sequence", "sequences", "dna")
_LABEL_NAMES = ("label", "labels", "class", "y", "target", "bound")  # Bound: DeepBind
_ID_NAMES = ("id", "name", "sample", "sample_id", "seq_id")
_HEADER_IDS = {"", "id", "ids", "name", "sample", "sample_id", "samples", "patient", "seq_id"}


def need_file(path: PathLike, what: str = "file") -> Path:
    """Return ``path`` as a Path; DataError when it is not an existing, non-empty file."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: {what} not found; check the path.")
    if not p.is_file():
        raise DataError(f"{p}: expected a {what}, found a directory; give the file itself.")
    if not os.access(p, os.R_OK):
        raise DataError(f"{p}: permission denied; make the file readable (chmod u+r).")
    if p.stat().st_size == 0:
        raise DataError(f"{p}: the file is empty; give a file with data.")
    return p


def open_text(path: PathLike) -> IO[str]:
    """Open a text file, compressed or not (see :mod:`attnscope.io._textio` for the rules)."""
    return _open_text(path)


def sniff_sep(path: PathLike) -> str:
    """Delimiter of a text table: tab, comma or semicolon, from the first lines (after any
    '#' comment lines above the table, e.g. featureCounts' '# Program:...' line)."""
    head: list[str] = []
    with open_text(path) as fh:
        for k, line in enumerate(fh):
            if len(head) == 5 or k == 105:
                break
            kept = any(h.strip() for h in head)
            if kept or not line.lstrip().startswith("#"):  # a comment tells no delimiter
                head.append(line)
    head += [""] * (5 - len(head))
    sample = "".join(head)
    if not sample.strip():
        raise DataError(f"{path}: the file is empty; give a table with a header row.")
    hint = next((h.strip() for h in head if h.strip()), "")
    if re.fullmatch(r"sep=.", hint, flags=re.IGNORECASE):
        raise DataError(
            f"{path}: the first line {hint!r} is a spreadsheet's delimiter hint, not part of "
            "the table; delete that line (the delimiter is found without it)."
        )
    counts = {sep: min(line.count(sep) for line in head if line.strip()) for sep in "\t,;"}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0:
        # A single-column file or a whitespace-separated one.
        return r"\s+" if len(head[0].split()) > 1 else ","
    return best


def lines_above_header(path: PathLike, sep: str) -> int:
    """The blank lines and '#' notes above a table's header (a tool's '# Program:...' line;
    a '#' line holding the delimiter, '#gene<TAB>s1', is the header itself)."""
    above = 0
    with open_text(path) as fh:
        for line in fh:
            text = line.rstrip("\r\n")
            note = text.lstrip().startswith("#") and sep != r"\s+" and sep not in text
            if text.strip() and not note:
                break
            above += 1
    return above


def read_frame(path: PathLike, *, header: bool = True, dtype: Any = None) -> Any:
    """Read a delimited table with pandas (delimiter sniffed, gzip ok, spaces trimmed,
    blank lines and '#' notes above the header skipped)."""
    import pandas as pd

    p = need_file(path)
    sep = sniff_sep(p)
    above = lines_above_header(p, sep) if header else 0  # '#' notes above the header
    try:
        frame = read_csv(
            p,
            sep=sep,
            header=0 if header else None,
            skiprows=above,
            dtype=dtype,
            skipinitialspace=True,
            engine="python" if sep == r"\s+" else "c",
        )
    except pd.errors.ParserError as exc:
        raise DataError(
            f"{p}: could not parse the table ({one_line(exc)}); check the delimiter."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{p}: the file is empty; give a table with a header row.") from exc
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
        check_header_unique(p, sep, above)
    if frame.shape[0] == 0:
        raise DataError(f"{p}: the table has a header but no data rows.")
    frame.attrs["first_line"] = above + 2 if header else 1  # the file line of row 0
    return frame


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """First column whose name matches one of ``candidates`` (case-insensitive)."""
    lower = {c.lower().strip(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    return None


def only_column(
    path: Path, columns: Sequence[str], candidates: Sequence[str], what: str, fix: str
) -> str | None:
    """:func:`find_column`, but several matching columns are a DataError naming them (the
    first was taken: a table with 'label' and 'class' was read by 'label', silently)."""
    found = [c for c in columns if c.lower().strip() in candidates]
    if len(found) > 1:
        raise DataError(f"{path}: columns {found} could each be the {what}; {fix}")
    return found[0] if found else None


def is_dna_field(text: str) -> bool:
    """Whether a table field can only be a DNA sequence (8 or more bases, N allowed)."""
    return re.fullmatch(r"[ACGTNacgtn]{8,}", text.strip()) is not None


def read_sequence_table(
    path: PathLike,
    *,
    sequence_col: str | None = None,
    label_col: str | None = None,
    id_col: str | None = None,
    length: int | None = None,
    labelled: bool = True,
    class_names: Sequence[str] | None = None,
) -> SequenceDataset:
    """Read DNA sequences from a CSV/TSV table with one sequence per row.

    The delimiter is sniffed (tab, comma, semicolon); spaces around fields are trimmed.

    Parameters
    ----------
    path : str or Path
        Text table with a header row (gzip ok).
    sequence_col : str, optional
        Column of sequences; default the column named ``seq``, ``sequence`` or ``dna``.
    label_col : str, optional
        Column of class labels; default the column named ``label``, ``class``, ``y`` or
        ``target`` (any case).
    id_col : str, optional
        Column of sequence ids; default a column named ``id``/``name``, else ``row<k>``
        (1-based data row numbers).
    length : int, optional
        Pad/truncate every sequence to this length (default: the longest).
    labelled : bool, default True
        False reads an unlabelled table (for prediction) instead of requiring labels.
    class_names : sequence of str, optional
        Fixed class order.

    Returns
    -------
    SequenceDataset
        ``tokens`` of shape (n_rows, length).

    Raises
    ------
    DataError
        Empty file, no sequence or label column (the columns found are listed), only one
        class, characters outside the DNA alphabet (row named), duplicate ids.
    """
    p = Path(path)
    frame = read_frame(p, dtype=str)
    first = int(frame.attrs["first_line"])
    columns = list(frame.columns)
    seq_c = sequence_col or only_column(
        p, columns, _SEQ_NAMES, "sequence", "drop the other one (sequence_col= names it in Python)."
    )
    if seq_c is None or seq_c not in frame.columns:
        if sequence_col is None and any(is_dna_field(str(c)) for c in columns):
            raise DataError(
                f"{p}, line 1: {columns[:4]} is a row of data, not column names; add a "
                "header row naming the columns (e.g. id,seq,label)."
            )
        raise DataError(
            f"{p}: no sequence column {'named ' + repr(sequence_col) if sequence_col else ''}"
            f"found; columns are {columns}. Name it seq or sequence (sequence_col= in Python)."
        )
    lab_c: str | None = None
    if labelled:
        lab_c = label_col or only_column(
            p, columns, _LABEL_NAMES, "label", "name it: --label-col NAME (label_col= in Python)."
        )
        if lab_c is None or lab_c not in frame.columns:
            raise DataError(
                f"{p}: label column {label_col or '(label/class/y)'} not found; columns are "
                f"{columns}. Give --label-col NAME (label_col= in Python); unlabelled tables are "
                "read by 'attnscope predict' (labelled=False)."
            )
    id_c = id_col or find_column(columns, _ID_NAMES)
    if id_col is not None and id_col not in frame.columns:
        raise DataError(f"{p}: id column {id_col!r} not found; columns are {columns}.")
    seqs = frame[seq_c].fillna("").astype(str).str.strip()
    empty = np.flatnonzero((seqs == "").to_numpy())
    if empty.size:
        raise DataError(
            f"{p}, line {int(empty[0]) + first}: empty sequence ({empty.size} rows); "
            "remove rows without a sequence."
        )
    if id_c is not None:
        ids = frame[id_c].astype(str).str.strip().tolist()
        _check_unique(ids, p)
    else:
        ids = [f"row{k}" for k in range(1, len(frame) + 1)]
    try:
        tokens = encode_sequences(seqs.tolist(), length=length, ids=ids, source=str(p))
    except DataError:
        # Error path only: find the row to name its line.
        for k, seq in enumerate(seqs.tolist()):
            bad = invalid_dna_chars(seq)
            if bad:
                raise DataError(
                    f"{p}, line {k + first} (id {ids[k]!r}): characters outside the DNA alphabet "
                    f"{bad} in column {seq_c!r}; {alphabet_fix(bad)}"
                ) from None
        raise
    codes: np.ndarray | None = None
    names: list[str] = []
    if lab_c is not None:
        raw = frame[lab_c]
        na = np.flatnonzero(raw.isna().to_numpy())
        if na.size:
            raise DataError(
                f"{p}, line {int(na[0]) + first}: label missing in column {lab_c!r} "
                f"({na.size} rows); fill or drop those rows."
            )
        values = raw.astype(str).str.strip().to_numpy()
        codes, names = encode_labels(
            _numeric_if_possible(values), class_names=class_names, source=f"{p} ({lab_c})"
        )
    return SequenceDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=names,
        truth=None,
        meta={"source": str(p)},
        tokens=tokens,
    )


def _numeric_if_possible(values: np.ndarray) -> np.ndarray:
    """Labels as numbers when every value is numeric, so 0/1 sort numerically."""
    try:
        return values.astype(np.float64)
    except ValueError:
        return values


def _check_unique(ids: Sequence[str], source: Path) -> None:
    uniq, counts = np.unique(np.asarray(ids), return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][:3].tolist()
        raise DataError(
            f"{source}: duplicate ids {dup} ({int((counts > 1).sum())} repeated); "
            "ids must be unique: rename them or omit id_col to number the rows."
        )
