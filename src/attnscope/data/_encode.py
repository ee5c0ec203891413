"""Tokenisation of DNA and encoding of class labels.

DNA rules (documented in the README): upper and lower case are the same base (soft-masked
repeats keep their base); the IUPAC ambiguity codes R Y S W K M B D H V and N become the
``N`` token; ``-`` and ``.`` gaps and any other character are rejected. Sequences are padded
with ``0`` or truncated to a fixed length.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from attnscope.errors import DataError

__all__ = [
    "MISSING_LABELS",
    "alphabet_fix",
    "decode_labels",
    "encode_labels",
    "encode_sequences",
    "invalid_dna_chars",
    "labels_of_new_data",
    "warn_case_variants",
]

_IUPAC_AMBIGUOUS = "RYSWKMBDHVN"
_LUT = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate("ACGT", start=1):
    _LUT[ord(_base)] = _code
    _LUT[ord(_base.lower())] = _code
for _base in _IUPAC_AMBIGUOUS:
    _LUT[ord(_base)] = 5
    _LUT[ord(_base.lower())] = 5


def invalid_dna_chars(seq: str) -> list[str]:
    """Characters of ``seq`` that are neither a base nor an IUPAC code, sorted."""
    raw = np.frombuffer(seq.encode("latin-1", errors="replace"), dtype=np.uint8)
    return sorted({chr(c) for c in np.unique(raw[_LUT[raw] == 255])})


def alphabet_fix(bad: list[str]) -> str:
    """What is allowed, and how to fix a sequence holding ``bad`` (outside the DNA alphabet)."""
    return "allowed are A, C, G, T and IUPAC codes (R Y S W K M B D H V N), any case. " + (
        _alphabet_remedy(set(bad))
    )


def _alphabet_remedy(chars: set[str]) -> str:
    if chars & set("Uu"):
        return "'U' is RNA: write T for U (e.g. sed '/^>/!y/Uu/Tt/' for FASTA) to read it as DNA."
    if chars & set("EFIJLOPQXZefijlopqxz"):
        return "This looks like a protein sequence; attnscope's sequence models read DNA."
    if chars & set("-."):
        return "Remove the alignment gaps ('-', '.') (e.g. sed '/^>/!s/[-.]//g' for FASTA)."
    return "Remove the other characters (digits, spaces inside a line, symbols)."


def encode_sequences(
    sequences: Sequence[str],
    *,
    length: int | None = None,
    ids: Sequence[str] | None = None,
    source: str = "input",
) -> np.ndarray:
    """Turn DNA strings into a padded token matrix.

    Parameters
    ----------
    sequences : sequence of str
        DNA in any case; IUPAC ambiguity codes become ``N``.
    length : int, optional
        Output length; shorter sequences are right-padded with 0, longer ones truncated.
        Default: the longest sequence.
    ids, source : optional
        Used only in error messages (which record, which file).

    Returns
    -------
    ndarray of shape (n_sequences, length), uint8
        0 pad, 1 A, 2 C, 3 G, 4 T, 5 N.
    """
    if len(sequences) == 0:
        raise DataError(f"{source}: no sequences found.")
    joined = "".join(sequences)
    try:
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError:
        raw = np.frombuffer(joined.encode("latin-1", errors="replace"), dtype=np.uint8)
    codes = _LUT[raw]
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    if (codes == 255).any():
        first = int(np.argmax(codes == 255))
        rec = int(np.searchsorted(np.cumsum(lengths), first, side="right"))
        name = ids[rec] if ids is not None else f"#{rec + 1}"
        bad = invalid_dna_chars(sequences[rec])
        raise DataError(
            f"{source}: sequence {name} has characters outside the DNA alphabet {bad}; "
            + alphabet_fix(bad)
        )
    if (lengths == 0).any():
        rec = int(np.argmax(lengths == 0))
        name = ids[rec] if ids is not None else f"#{rec + 1}"
        raise DataError(f"{source}: sequence {name} is empty; remove it.")
    width = int(lengths.max()) if length is None else int(length)
    if width <= 0:
        raise DataError(f"sequence length must be positive, got {width}.")
    if length is None:
        _check_padding(lengths, ids, source)
    out = np.zeros((len(sequences), width), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    take = np.minimum(lengths, width)
    # Vectorised scatter: row index and column index of every kept character.
    rows = np.repeat(np.arange(len(sequences)), take)
    cols = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
    out[rows, cols] = codes[np.repeat(starts, take) + cols]
    return out


def _check_padding(lengths: np.ndarray, ids: Sequence[str] | None, source: str) -> None:
    """Refuse (memory budget) or warn about padding every sequence to a far longer one."""
    import warnings

    from attnscope._utils.memory import check_memory
    from attnscope.errors import AttnscopeWarning

    longest = int(np.argmax(lengths))
    width, median = int(lengths[longest]), float(np.median(lengths))
    name = ids[longest] if ids is not None else f"#{longest + 1}"
    fix = (
        f"pass length=<bp> to pad or truncate every sequence to one length (reader option "
        f"length=, or 'length = {int(median)}' in the [data] table of --config)."
    )
    # Tokens (1 byte) plus the float32 one-hot (4 x 4 bytes) the models build per base.
    check_memory(
        len(lengths) * width * 17.0,
        what=f"{source}: padding {len(lengths)} sequences to the longest, {name} "
        f"({width} bp; median {median:.0f} bp),",
        fix=fix,
    )
    if width > 1000 and width > 10 * median:
        warnings.warn(
            f"{source}: sequence {name} is {width} bp, {width / median:.0f}x the median "
            f"{median:.0f} bp; every sequence is padded to it. To avoid that, {fix}",
            AttnscopeWarning,
            stacklevel=3,
        )


_NEW_DATA: ContextVar[bool] = ContextVar("attnscope_labels_of_new_data", default=False)


@contextmanager
def labels_of_new_data() -> Iterator[None]:
    """Within it, labels are read for a model already fitted: one class is enough.

    Training needs two classes (:func:`encode_labels` refuses fewer), but new data for a
    fitted model (``attnscope predict`` / ``evaluate``) may hold one: its labels are
    matched to the model's classes by name. Every reader's labels go through
    :func:`encode_labels`, so this covers them all.
    """
    token = _NEW_DATA.set(True)
    try:
        yield
    finally:
        _NEW_DATA.reset(token)


def encode_labels(
    values: Sequence[object] | np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    source: str = "labels",
    min_classes: int = 2,
    ids: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Map label values to int codes.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Numbers, or strings (surrounding white space is stripped).
    class_names : sequence of str, optional
        Fixed class order; default sorted unique values (numbers sorted numerically).
    min_classes : int, default 2
        Fewer distinct classes raises DataError (a classifier needs two); not checked
        within :func:`labels_of_new_data` (data for a fitted model).
    ids : sequence of str, optional
        Sample ids, to name the sample of a missing label ('NA', 'nan', ...: an error).

    Returns
    -------
    codes : ndarray of shape (n_samples,), int64
    class_names : list of str
    """
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]  # a one-column table of labels
    if arr.ndim != 1:
        raise DataError(
            f"{source}: expected one label per sample (1-D), got shape {arr.shape}; give class "
            "labels, not a one-hot or multi-column table (e.g. y.argmax(axis=1))."
        )
    if arr.size == 0:
        raise DataError(f"{source}: no labels found.")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise DataError(
            f"{source}: {int(np.isnan(arr).sum())} labels are missing (NaN); drop those samples."
        )
    if arr.dtype.kind in "iuf":
        uniq = np.unique(arr)
        if class_names is None and not _NEW_DATA.get():
            _refuse_continuous(uniq, arr.size, source)
        names = [_fmt_number(u) for u in uniq]
        as_str = np.array([_fmt_number(v) for v in arr])
    else:
        # Spaces around a label are never meaningful ('tumor ' is 'tumor', e.g. from a
        # trailing separator or a hand-edited cell): strip them rather than add a class.
        as_str = np.char.strip(arr.astype(str))
        _refuse_missing(as_str, source, ids)
        names = sorted(set(as_str.tolist()))
        warn_case_variants(names, source)
    if class_names is not None:
        names = [str(c) for c in class_names]
        unknown = sorted(set(as_str.tolist()) - set(names))
        if unknown:
            raise DataError(f"{source}: labels {unknown[:5]} are not among the classes {names}.")
    if len(names) < min_classes and not _NEW_DATA.get():
        raise DataError(
            f"{source}: only {len(names)} class ({names}) found; a classifier needs at "
            "least two classes. Check the label column or the labels file."
        )
    lookup = {name: i for i, name in enumerate(names)}
    codes = np.fromiter((lookup[v] for v in as_str.tolist()), dtype=np.int64, count=len(as_str))
    return codes, names


#: Written-out missing labels (lower case; 'NA' in a FASTA header, a labels file, an
#: expression table's label column or a phenotype file): never a class. The one list of
#: the readers (expression drops such samples with a warning; phenotype files add PLINK's
#: '-9' and '.').
MISSING_LABELS = frozenset({"", "na", "nan", "n/a", "<na>", "none", "null", "?", "-"})


def _refuse_continuous(uniq: np.ndarray, n: int, source: str) -> None:
    """DataError when numeric labels are a measurement (many distinct non-integer values,
    e.g. an AnnData ``obs`` column of counts chosen as ``--label-col``), not classes: each
    value became a class and the fit failed on 'the smallest class has 1 samples'."""
    fractional = uniq.dtype.kind == "f" and bool(np.any(uniq != np.round(uniq)))
    if fractional and uniq.size > 10 and uniq.size > n // 2:
        raise DataError(
            f"{source}: {uniq.size} distinct non-integer values among {n} samples (e.g. "
            f"{', '.join(_fmt_number(u) for u in uniq[:3])}): a continuous measure, not "
            "classes. attnscope trains classifiers: choose a categorical label column, or "
            "bin the values into classes first."
        )


def _refuse_missing(labels: np.ndarray, source: str, ids: Sequence[str] | None) -> None:
    """DataError when some labels are a missing-value token ('NA', 'nan', ...)."""
    missing = np.isin(np.char.lower(labels), list(MISSING_LABELS))
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        who = f"sample {ids[first]!r}" if ids is not None else f"sample number {first + 1}"
        raise DataError(
            f"{source}: {int(missing.sum())} label(s) are missing (the first: {who}, "
            f"{str(labels[first])!r}); a missing label is not a class: give those samples "
            "a label or remove them."
        )


def warn_case_variants(
    names: list[str],
    source: str,
    what: str = "labels",
    unit: tuple[str, str] = ("class", "classes"),
) -> None:
    """Warn when class names (or other names: ``what``) differ only in case (likely one)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.strip().lower(), []).append(name)
    clashes = [g for g in groups.values() if len(g) > 1]
    if clashes:
        import warnings

        from attnscope.errors import AttnscopeWarning

        shown = "; ".join(" / ".join(repr(n) for n in g) for g in clashes[:3])
        warnings.warn(
            f"{source}: {what} {shown} differ only in case and are treated as "
            f"different {unit[1]}; make them identical if they are one {unit[0]}.",
            AttnscopeWarning,
            stacklevel=3,
        )


def decode_labels(codes: np.ndarray, class_names: Sequence[str]) -> np.ndarray:
    """Inverse of :func:`encode_labels`."""
    return np.asarray(class_names, dtype=object)[np.asarray(codes)]


def _fmt_number(v: object) -> str:
    f = float(v)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else str(f)
