"""JASPAR motifs (count format and TRANSFAC-like files) and vectorised PWM scanning.

Token codes follow :mod:`attnscope.data`: 0 pad, 1 A, 2 C, 3 G, 4 T, 5 N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from attnscope.errors import DataError
from attnscope.io._seqtable import PathLike, need_file, open_text

__all__ = ["Motif", "max_motif_scores", "read_jaspar", "scan_pwm"]

_BASES = "ACGT"
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Score given to windows that touch padding (never a hit).
_PAD_SCORE = -1e9


@dataclass(frozen=True)
class Motif:
    """A position frequency matrix.

    Parameters
    ----------
    id : str
        Matrix id, e.g. ``MA0139.1``.
    name : str
        Factor name, e.g. ``CTCF``.
    counts : ndarray of shape (4, width), float64
        Counts (or frequencies) of A, C, G, T at each position.
    """

    id: str
    name: str
    counts: np.ndarray

    @property
    def width(self) -> int:
        """Motif length in bases."""
        return int(self.counts.shape[1])

    def consensus(self) -> str:
        """Most frequent base at each position."""
        return "".join(_BASES[i] for i in self.counts.argmax(axis=0))

    def pwm(self, pseudocount: float = 0.8, background: np.ndarray | None = None) -> np.ndarray:
        """Log-odds position weight matrix (bits).

        ``p[b, j] = (counts[b, j] + pseudocount * bg[b]) / (n_j + pseudocount)`` with
        ``n_j`` the column total; the result is ``log2(p / bg)``.

        Parameters
        ----------
        pseudocount : float, default 0.8
            Total pseudocount per column, spread by the background.
        background : ndarray of shape (4,), optional
            Base frequencies A, C, G, T; default uniform.

        Returns
        -------
        ndarray of shape (4, width), float64
        """
        bg = np.full(4, 0.25) if background is None else np.asarray(background, dtype=float)
        if bg.shape != (4,) or (bg <= 0).any():
            raise DataError("background must hold 4 positive frequencies (A, C, G, T).")
        bg = bg / bg.sum()
        counts = np.asarray(self.counts, dtype=float)
        probs = (counts + pseudocount * bg[:, None]) / (counts.sum(0) + pseudocount)
        return np.log2(probs / bg[:, None])


def read_jaspar(path: PathLike) -> dict[str, Motif]:
    """Read motifs from a JASPAR count file or a TRANSFAC-like multi-motif file.

    JASPAR format: ``>MA0139.1 CTCF`` then four rows ``A [ 87 167 ... ]`` (letters and
    brackets optional, A C G T order). TRANSFAC-like format (JASPAR's ``.tf`` download):
    ``AC <id>``, ``ID <name>``, a ``PO``/``P0`` row naming the base columns, one row per
    position, ``//`` between motifs.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict of str -> Motif
        Keyed by matrix id, in file order.
    """
    p = need_file(path, "motif file")
    with open_text(p) as fh:
        lines = [line.rstrip("\r\n") for line in fh]
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if first.startswith(">"):
        motifs = _parse_jaspar(lines, p)
    elif re.match(r"^(AC|ID|DE|PO|P0|XX|NA)\b", first):
        motifs = _parse_transfac(lines, p)
    else:
        raise DataError(
            f"{p}, line 1: neither JASPAR ('>ID name') nor TRANSFAC ('AC id') format; "
            f"found {first[:40]!r}."
        )
    if not motifs:
        raise DataError(f"{p}: no motifs found.")
    return motifs


def _parse_jaspar(lines: list[str], path: Path) -> dict[str, Motif]:
    motifs: dict[str, Motif] = {}
    k = 0
    while k < len(lines):
        line = lines[k].strip()
        if not line:
            k += 1
            continue
        if not line.startswith(">"):
            raise DataError(f"{path}, line {k + 1}: expected a '>ID name' header, found {line!r}.")
        parts = line[1:].split(None, 1)
        mid = parts[0] if parts else f"motif{len(motifs) + 1}"
        name = parts[1].strip() if len(parts) > 1 else mid
        rows: list[list[float]] = []
        start = k + 1
        k += 1
        while k < len(lines) and len(rows) < 4:
            text = lines[k].strip()
            k += 1
            if not text:
                continue
            if text.startswith(">"):
                break
            expected = _BASES[len(rows)]
            if text[0].isalpha() and text[0].upper() != expected:
                raise DataError(
                    f"{path}, line {k}: row for base {text[0]!r}, expected {expected} "
                    "(rows must be A, C, G, T)."
                )
            fields = re.sub(r"[\[\],]", " ", text.lstrip("ACGTacgt")).split()
            bad = [f for f in fields if not _NUM.fullmatch(f)]
            if bad:  # findall read 'x' as nothing: the row only looked one count short
                raise DataError(
                    f"{path}, line {k}: {bad[0]!r} in the row for base {expected} is not a "
                    "count; a JASPAR row holds numbers only, e.g. A [ 87 167 281 ]."
                )
            rows.append([float(x) for x in fields])
        _add(motifs, _motif(mid, name, rows, path, start), path, start)
    return motifs


def _parse_transfac(lines: list[str], path: Path) -> dict[str, Motif]:
    motifs: dict[str, Motif] = {}
    mid = name = ""
    order: list[int] | None = None
    cols: list[list[float]] = []
    start = 1

    def flush(lineno: int) -> None:
        nonlocal mid, name, order, cols
        if cols:
            if order is None:
                raise DataError(f"{path}, line {start}: motif {mid!r} has no PO/P0 header row.")
            counts = np.asarray(cols, dtype=float).T[np.argsort(order)]
            key = mid or f"motif{len(motifs) + 1}"
            _add(motifs, _motif(key, name or key, counts.tolist(), path, start), path, start)
        mid = name = ""
        order, cols = None, []

    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        tag = line.split()[0]
        rest = line[len(tag) :].strip()
        if tag == "//":
            flush(lineno)
        elif tag == "AC":
            if cols:
                flush(lineno)
            mid, start = rest.split()[0] if rest else "", lineno
        elif tag in ("ID", "NA"):
            name = rest
        elif tag in ("PO", "P0"):
            letters = [c.upper() for c in rest.split()]
            if sorted(letters) != list(_BASES):
                raise DataError(
                    f"{path}, line {lineno}: the {tag} row must name A C G T, found {letters}."
                )
            order = [_BASES.index(c) for c in letters]
        elif tag.isdigit():
            nums = [float(x) for x in _NUM.findall(rest)][:4]
            if len(nums) != 4:
                raise DataError(
                    f"{path}, line {lineno}: expected 4 counts after the position, found "
                    f"{len(nums)}."
                )
            cols.append(nums)
    flush(len(lines))
    return motifs


def _add(motifs: dict[str, Motif], motif: Motif, path: Path, line: int) -> None:
    """Add ``motif``; a repeated id replaced the earlier motif without a word."""
    if motif.id in motifs:
        raise DataError(
            f"{path}, line {line}: motif id {motif.id!r} repeats an earlier motif; ids must be "
            "unique: rename or remove one of them."
        )
    motifs[motif.id] = motif


def _motif(mid: str, name: str, rows: list[list[float]], path: Path, line: int) -> Motif:
    widths = {len(r) for r in rows}
    if len(rows) != 4 or len(widths) != 1 or 0 in widths:
        raise DataError(
            f"{path}, line {line}: motif {mid!r} needs 4 rows (A, C, G, T) of equal, "
            f"non-zero length; found {len(rows)} rows of lengths {sorted(widths)}."
        )
    counts = np.asarray(rows, dtype=float)
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise DataError(f"{path}, line {line}: motif {mid!r} has negative or non-finite counts.")
    empty = np.flatnonzero(counts.sum(axis=0) == 0)
    if empty.size:  # its probabilities would be 0/0
        raise DataError(
            f"{path}, line {line}: motif {mid!r} has no counts at position {int(empty[0]) + 1} "
            f"({empty.size} such positions); every position needs a count for some base."
        )
    return Motif(id=mid, name=name, counts=counts)


def _as_logodds(motif: Motif | np.ndarray) -> np.ndarray:
    lo = motif.pwm() if isinstance(motif, Motif) else np.asarray(motif, dtype=float)
    if lo.ndim != 2 or lo.shape[0] != 4 or lo.shape[1] == 0:
        raise DataError(f"log-odds matrix must have shape (4, width), got {lo.shape}.")
    return lo


def _window_scores(tokens: np.ndarray, lo: np.ndarray, *, chunk: int = 2048) -> np.ndarray:
    """Score of every window start: ndarray of shape (n, L - width + 1), float32.

    N scores 0 (no evidence); windows touching padding score ``_PAD_SCORE``.
    """
    tok = np.asarray(tokens)
    if tok.ndim != 2:
        raise DataError(f"tokens must be 2-D (samples, length), got shape {tok.shape}.")
    if tok.size and (tok.min() < 0 or tok.max() > 5):
        raise DataError("token codes must lie in 0..5 (pad, A, C, G, T, N).")
    n, length = tok.shape
    width = lo.shape[1]
    if length < width:
        return np.full((n, 0), _PAD_SCORE, np.float32)
    lut = np.zeros((6, width), np.float32)
    lut[0] = _PAD_SCORE
    lut[1:5] = lo
    cols = np.arange(width)
    out = np.empty((n, length - width + 1), np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(tok.astype(np.intp), width, axis=1)
    for s in range(0, n, chunk):  # chunks bound memory to chunk x L x width floats
        out[s : s + chunk] = lut[windows[s : s + chunk], cols].sum(axis=-1)
    return np.maximum(out, _PAD_SCORE)


def _strand_scores(tokens: np.ndarray, lo: np.ndarray, both_strands: bool) -> np.ndarray:
    scores = _window_scores(tokens, lo)
    if both_strands:
        # Reverse complement of the motif: reverse both the base (A<->T, C<->G) and position axes.
        scores = np.maximum(scores, _window_scores(tokens, lo[::-1, ::-1]))
    return scores


def scan_pwm(
    tokens: np.ndarray,
    motif: Motif | np.ndarray,
    *,
    threshold: float | None = None,
    both_strands: bool = True,
    relative_threshold: float = 0.8,
) -> np.ndarray:
    """Mark every position covered by a motif hit.

    Parameters
    ----------
    tokens : ndarray of shape (n_samples, length), uint8
        attnscope DNA codes (0 pad, 1 A, 2 C, 3 G, 4 T, 5 N); N adds 0 to a score and a
        window touching padding never hits.
    motif : Motif or ndarray of shape (4, width)
        A motif (scored with ``motif.pwm()``) or a log-odds matrix.
    threshold : float, optional
        Absolute log-odds threshold; a window with score >= threshold is a hit.
    both_strands : bool, default True
        Also scan the reverse complement.
    relative_threshold : float, default 0.8
        Used when ``threshold`` is None: ``min + relative_threshold * (max - min)`` of the
        attainable scores.

    Returns
    -------
    ndarray of shape (n_samples, length), bool
        True at the ``width`` positions of every hit window.
    """
    lo = _as_logodds(motif)
    if threshold is None:
        low, high = lo.min(axis=0).sum(), lo.max(axis=0).sum()
        threshold = float(low + relative_threshold * (high - low))
    tok = np.asarray(tokens)
    n, length = tok.shape if tok.ndim == 2 else (0, 0)
    scores = _strand_scores(tok, lo, both_strands)
    hits = (scores >= threshold).astype(np.int32)
    width = lo.shape[1]
    if hits.shape[1] == 0:
        return np.zeros((n, length), bool)
    # Position p is covered when any window starting in [p - width + 1, p] hits.
    csum = np.zeros((n, length + 1), np.int32)
    csum[:, 1 : hits.shape[1] + 1] = np.cumsum(hits, axis=1)
    csum[:, hits.shape[1] + 1 :] = csum[:, [hits.shape[1]]]
    pos = np.arange(length)
    hi = np.minimum(pos, hits.shape[1] - 1) + 1
    lo_idx = np.maximum(pos - width + 1, 0)
    return (csum[:, hi] - csum[:, lo_idx]) > 0


def max_motif_scores(
    tokens: np.ndarray, motif: Motif | np.ndarray, *, both_strands: bool = True
) -> np.ndarray:
    """Best motif score per sequence (over positions and, by default, both strands).

    Parameters
    ----------
    tokens : ndarray of shape (n_samples, length), uint8
    motif : Motif or ndarray of shape (4, width)

    Returns
    -------
    ndarray of shape (n_samples,), float32
        ``-inf`` for sequences shorter than the motif.
    """
    lo = _as_logodds(motif)
    scores = _strand_scores(np.asarray(tokens), lo, both_strands)
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], -np.inf, np.float32)
    best = scores.max(axis=1)
    return np.where(best <= _PAD_SCORE / 2, -np.inf, best).astype(np.float32)
