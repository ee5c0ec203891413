"""FASTA reading (labels from a header field or a separate file) and writing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from attnscope._utils.files import write_text
from attnscope.data import SequenceDataset, encode_labels, encode_sequences
from attnscope.data._encode import alphabet_fix, invalid_dna_chars
from attnscope.errors import DataError, UnlabelledSamplesError
from attnscope.io._labelfile import join_labels, read_label_file
from attnscope.io._seqtable import (
    PathLike,
    need_file,
    open_text,
)

__all__ = ["read_fasta", "write_fasta"]

_FIELD_SPLIT = re.compile(r"[|\s;]+")


def read_fasta(
    path: PathLike,
    *,
    labels: PathLike | Mapping[str, Any] | None = None,
    label_field: int | str | None = None,
    length: int | None = None,
    class_names: Sequence[str] | None = None,
    id_from: Literal["header", "index"] = "header",
) -> SequenceDataset:
    """Read a FASTA file (plain or gzip) into token codes, with optional labels.

    Sequence lines may wrap; case is ignored; IUPAC ambiguity codes become ``N``.

    Parameters
    ----------
    path : str or Path
    labels : str, Path or mapping, optional
        A file of ``id<sep>label`` lines (tab, comma or whitespace; an optional header row),
        or a mapping id -> label. Every record needs a label.
    label_field : int or str, optional
        Take the label from the header instead. An int is the index of the field after
        splitting the header (without ``>``) on ``|`` when it holds one, else on whitespace
        (field 0 is the id). A str such as ``"label"`` or ``"label="`` takes the value of the
        ``label=<value>`` field. With ``labels``, a str names the labels file's column.
    length : int, optional
        Pad with 0 / truncate to this length (default: the longest record).
    class_names : sequence of str, optional
        Fixed class order (default: sorted labels, numbers numerically).
    id_from : {"header", "index"}, default "header"
        ``"header"``: the id is the first word of the header (the first ``|`` field when the
        label comes from a ``|``-separated field). ``"index"``: ``<file stem>:<k>`` (1-based
        record number), for files whose headers are not unique.

    Returns
    -------
    SequenceDataset
        ``tokens`` of shape (n_records, length); unlabelled when neither ``labels`` nor
        ``label_field`` is given.

    Raises
    ------
    DataError
        Empty file, sequence data before the first header (line named), characters outside
        the DNA alphabet (record and line named), duplicate ids, labels missing for records.

    Examples
    --------
    >>> data = read_fasta("peaks.fa", labels="peaks.labels.tsv")  # doctest: +SKIP
    """
    p = need_file(path, "FASTA file")
    label_file_col: str | None = None
    if labels is not None and label_field is not None:
        if isinstance(labels, Mapping) or not isinstance(label_field, str):
            raise DataError(
                "give --labels FILE or --label-col FIELD (labels= or label_field=), not both."
            )
        label_file_col, label_field = label_field, None  # the labels file's column
    headers: list[str] = []
    head_lines: list[int] = []
    chunks: list[list[str]] = []
    chunk_lines: list[list[int]] = []
    with open_text(p) as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith(">"):
                headers.append(line[1:].strip())
                head_lines.append(lineno)
                chunks.append([])
                chunk_lines.append([])
            elif line.startswith(";"):
                continue  # old-style FASTA comment
            elif not chunks:
                raise DataError(
                    f"{p}, line {lineno}: sequence data before the first '>' header; "
                    "every record must start with a '>id' line (is this a FASTA file?)."
                )
            else:
                chunks[-1].append(line)
                chunk_lines[-1].append(lineno)
    if not headers:
        raise DataError(f"{p}: no FASTA records (no line starts with '>'); the file is empty.")
    seqs = ["".join(c) for c in chunks]
    ids, header_labels = _ids_and_labels(headers, head_lines, label_field, id_from, p)
    _check_unique_ids(ids, head_lines, p)
    try:
        tokens = encode_sequences(seqs, length=length, ids=ids, source=str(p))
    except DataError:
        _raise_bad_record(seqs, chunks, chunk_lines, ids, head_lines, p)
        raise
    values: list[Any] | None = header_labels
    source = f"{p} (header field {label_field!r})"
    if labels is not None:
        mapping = labels if isinstance(labels, Mapping) else read_label_file(labels, label_file_col)
        source = f"labels {labels}" if not isinstance(labels, Mapping) else f"{p} labels"
        values, _ = join_labels(ids, mapping, source=source, what=f"records of {p.name}")
    codes: np.ndarray | None = None
    names: list[str] = []
    if values is not None:
        arr = np.asarray([str(v).strip() for v in values])
        try:
            numeric: np.ndarray = arr.astype(np.float64)
        except ValueError:
            numeric = arr
        codes, names = encode_labels(numeric, class_names=class_names, source=source, ids=ids)
    meta: dict[str, Any] = {"source": str(p)}
    if id_from == "index":
        meta["headers"] = headers
    if codes is None:
        meta["label_hint"] = _label_hint(headers[0])
    return SequenceDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=names,
        truth=None,
        meta=meta,
        tokens=tokens,
    )


def write_fasta(
    path: PathLike,
    ids: Sequence[str],
    sequences: Sequence[str],
    *,
    line_width: int = 0,
) -> Path:
    """Write sequences as FASTA, atomically (a temp file renamed onto ``path``).

    Parameters
    ----------
    path : str or Path
    ids : sequence of str, length n
        Record ids (no whitespace; unique).
    sequences : sequence of str, length n
    line_width : int, default 0
        Wrap sequence lines at this width; 0 writes each sequence on one line.

    Returns
    -------
    Path
    """
    if len(ids) != len(sequences):
        raise DataError(f"{len(ids)} ids but {len(sequences)} sequences; give one id per sequence.")
    bad = [i for i in ids if not str(i) or any(ch.isspace() for ch in str(i))]
    if bad:
        raise DataError(f"FASTA ids must be non-empty without spaces; found {bad[:3]}.")
    if len(set(map(str, ids))) != len(ids):
        raise DataError("duplicate ids; FASTA ids must be unique.")
    lines: list[str] = []
    for rid, seq in zip(ids, sequences):
        lines.append(f">{rid}")
        if line_width > 0:
            lines.extend(seq[k : k + line_width] for k in range(0, len(seq), line_width))
        else:
            lines.append(seq)
    return write_text(path, "\n".join(lines) + "\n")


def _ids_and_labels(
    headers: list[str],
    head_lines: list[int],
    label_field: int | str | None,
    id_from: str,
    path: Path,
) -> tuple[list[str], list[str] | None]:
    def first_word(h: str) -> str:
        return h.split()[0] if h.split() else ""

    key = label_field.rstrip("=") + "=" if isinstance(label_field, str) else None
    # A 'label=' field among '|' fields ('>a|label=1') leaves the id the first '|' field,
    # as a label taken by position does: not 'a|label=1', the label inside the id.
    ids = [first_word(h.split("|")[0] if key and "|" in h else h) for h in headers]
    for rid, line in zip(ids, head_lines):
        # '>' alone, or '> label=1' (the first word is the label field, not a name).
        if not rid or (key is not None and rid.startswith(key)):
            raise DataError(
                f"{path}, line {line}: header without an id; write the id first, e.g. "
                f"'>seq{line}{' ' + key + '...' if key else ''}' (in Python, id_from='index' "
                "numbers the records)."
            )
    values: list[str] | None = None
    if isinstance(label_field, int):
        values = []
        for k, (h, line) in enumerate(zip(headers, head_lines)):
            fields = [f.strip() for f in h.split("|")] if "|" in h else h.split()
            if label_field >= len(fields) or label_field < -len(fields) or not fields:
                raise DataError(
                    f"{path}, line {line}: header {h!r} has {len(fields)} fields, no field "
                    f"{label_field}; fix the header or label_field."
                )
            values.append(fields[label_field])
            if "|" in h:
                ids[k] = fields[0]
    elif key is not None:
        values = []
        for h, line in zip(headers, head_lines):
            found = [f[len(key) :] for f in _FIELD_SPLIT.split(h) if f.startswith(key)]
            if not found or not found[0]:
                if re.search(rf"(^|[|\s;]){re.escape(key[:-1])}\s*=", h):  # 'label = 1'
                    raise DataError(
                        f"{path}, line {line}: header {h!r}: the {key!r} field has no value "
                        f"next to '='; write it without spaces, e.g. '{key}1'."
                    )
                # The records carry no labels (new data for a run fitted on labelled
                # headers reads unlabelled: :mod:`attnscope.run._stored`).
                raise UnlabelledSamplesError(
                    f"{path}, line {line}: header {h!r} has no '{key}<label>' field; add it "
                    "or read labels from a file: --labels FILE (labels= in Python)."
                )
            values.append(found[0])
    if id_from == "index":
        ids = [f"{path.name.split('.')[0]}:{k}" for k in range(1, len(headers) + 1)]
    elif id_from != "header":
        raise DataError(f"id_from must be 'header' or 'index', got {id_from!r}.")
    return ids, values


def _check_unique_ids(ids: list[str], head_lines: list[int], path: Path) -> None:
    seen: dict[str, int] = {}
    for rid, line in zip(ids, head_lines):
        if rid in seen:
            raise DataError(
                f"{path}, line {line}: duplicate id {rid!r} (first at line {seen[rid]}); "
                "ids must be unique: rename the record, or number the records instead "
                "(id_from='index' in Python; id_from = \"index\" under [data] of a --config "
                "file on the command line)."
            )
        seen[rid] = line


def _raise_bad_record(
    seqs: list[str],
    chunks: list[list[str]],
    chunk_lines: list[list[int]],
    ids: list[str],
    head_lines: list[int],
    path: Path,
) -> None:
    """Find the first record with a bad character and raise naming its line."""
    for k, seq in enumerate(seqs):
        if not seq:
            raise DataError(
                f"{path}, line {head_lines[k]}: record {ids[k]!r} has no sequence; remove it."
            )
        if invalid_dna_chars(seq):
            for j, part in enumerate(chunks[k]):
                bad = invalid_dna_chars(part)
                if bad:
                    raise DataError(
                        f"{path}, line {chunk_lines[k][j]} (record {ids[k]!r}): characters "
                        f"outside the DNA alphabet {bad}; {alphabet_fix(bad)}"
                    )


def _label_hint(header: str) -> str:
    """What to pass when a FASTA was read without labels, from its first header."""
    hint = (
        "give a labels file (--labels FILE, 'id label' per line) or take the label from the "
        "headers with --label-col FIELD (a 'label=value' field name, or the position of a "
        "'|'-separated field)"
    )
    fields = header.split("|")
    if len(fields) > 1:
        return (
            f"the headers hold '|' fields (e.g. '>{header}'): add --label-col 1 to take the "
            "second field as the label, or give --labels FILE"
        )
    return hint
