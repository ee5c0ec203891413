"""Motifs from attributions: TF-MoDISco seqlets and patterns, matched to JASPAR by Tomtom.

``discover_motifs(hypothetical, onehot)`` runs modisco-lite (Shrikumar et al., TF-MoDISco)
on hypothetical contributions (see ``hypothetical_contributions``), trims each pattern
as modisco-lite's report does (positions whose summed |CWM| is >= 30% of the maximum),
and compares its probability matrix with a motif library (default the JASPAR 2020 CORE
vertebrates matrices in the shared data) by Tomtom (memelite's implementation).
q-values are Benjamini-Hochberg over each pattern's p-values against every library
motif, as MEME's Tomtom reports them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.errors import DataError

__all__ = ["MotifPattern", "MotifResult", "default_motif_library", "discover_motifs"]

#: JASPAR library used when none is given (relative to the shared data folder).
JASPAR_LIBRARY = "reference/jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf"


@dataclass
class MotifPattern:
    """One modisco pattern and its best library matches.

    Attributes
    ----------
    pattern_id : str
        ``pos_patterns.pattern_0`` style (modisco-lite's names).
    n_seqlets : int
    ppm : ndarray of shape (width, 4)
        Base frequencies of the aligned seqlets (A, C, G, T), trimmed.
    cwm : ndarray of shape (width, 4)
        Mean contribution of each base (contribution weight matrix), trimmed.
    matches : list of dict
        Best library motifs first: ``id``, ``name``, ``p_value``, ``q_value``,
        ``offset``, ``strand``.
    """

    pattern_id: str
    n_seqlets: int
    ppm: np.ndarray
    cwm: np.ndarray
    matches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def consensus(self) -> str:
        """Most frequent base per position."""
        return "".join("ACGT"[i] for i in self.ppm.argmax(axis=1))

    def best(self) -> dict[str, Any] | None:
        """The best match, or None when the library was empty."""
        return self.matches[0] if self.matches else None


@dataclass
class MotifResult:
    """Patterns found by :func:`discover_motifs`, largest first.

    Attributes
    ----------
    patterns : list of MotifPattern
    n_seqlets : int
        Seqlets in all patterns.
    seconds : float
    options : dict
    """

    patterns: list[MotifPattern]
    n_seqlets: int
    seconds: float
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def note(self) -> str | None:
        """Why the result holds no pattern, and what to try (None when it holds some)."""
        if self.patterns:
            return None
        size = self.options.get("min_metacluster_size", 100)
        return (
            f"TF-MoDISco found no pattern: a pattern needs {size} or more seqlets "
            "(windows of high contribution) of one sign, and a weakly trained model's "
            "contributions are too diffuse to give them; explain more sequences "
            "(--n-samples, more data) or a better-trained model (see its test AUROC)."
        )

    def table(self) -> list[dict[str, Any]]:
        """One row per pattern: id, seqlets, consensus, best match, p and q value."""
        rows = []
        for p in self.patterns:
            best = p.best() or {}
            rows.append(
                {
                    "pattern": p.pattern_id,
                    "n_seqlets": p.n_seqlets,
                    "consensus": p.consensus,
                    "best_match": f"{best.get('id', '')} {best.get('name', '')}".strip(),
                    "p_value": best.get("p_value"),
                    "q_value": best.get("q_value"),
                    "strand": best.get("strand"),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: every pattern with matrices and matches."""
        return {
            "n_seqlets": self.n_seqlets,
            "seconds": self.seconds,
            "options": self.options,
            **({"note": self.note} if self.note else {}),
            "patterns": [
                {
                    "pattern": p.pattern_id,
                    "n_seqlets": p.n_seqlets,
                    "consensus": p.consensus,
                    "ppm": p.ppm.round(5).tolist(),
                    "cwm": p.cwm.round(6).tolist(),
                    "matches": p.matches,
                }
                for p in self.patterns
            ],
        }

    def save(self, directory: str | Path, *, logo: Any = None) -> Path:
        """Write ``patterns.tsv``, ``patterns.json`` and, with ``logo``, ``logos/<pattern>.png``.

        ``logo(matrix, ax=, title=, information=)`` draws one logo (e.g.
        :func:`attnscope.pl.motif_logo`); plots live above this layer, so it is passed in.
        """
        from attnscope._utils.files import write_json, write_text

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        rows = self.table()
        cols = ["pattern", "n_seqlets", "consensus", "best_match", "p_value", "q_value", "strand"]
        lines = ["\t".join(cols)]
        for r in rows:
            lines.append("\t".join(_fmt(r[c]) for c in cols))
        write_text(out / "patterns.tsv", "\n".join(lines) + "\n")
        write_json(out / "patterns.json", self.to_dict())
        if logo is not None and self.patterns:
            import matplotlib

            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt

            motif_logo = logo
            (out / "logos").mkdir(exist_ok=True)
            for p in self.patterns:
                fig, axes = plt.subplots(2, 1, figsize=(max(4.0, p.cwm.shape[0] / 3), 4))
                motif_logo(p.cwm, ax=axes[0], title=f"{p.pattern_id} CWM ({p.n_seqlets})")
                motif_logo(p.ppm, ax=axes[1], information=True, title=_title(p))
                fig.tight_layout()
                fig.savefig(out / "logos" / f"{p.pattern_id}.png", dpi=80)
                plt.close(fig)
        return out


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _title(p: MotifPattern) -> str:
    best = p.best()
    if best is None:
        return "PPM"
    return f"best match {best['id']} {best['name']} (q = {best['q_value']:.2g})"


def default_motif_library() -> dict[str, Any]:
    """The JASPAR 2020 CORE vertebrates library from the shared data folder."""
    from attnscope._utils.paths import shared_data_dir
    from attnscope.io import read_jaspar

    path = shared_data_dir() / JASPAR_LIBRARY
    if not path.is_file():
        raise DataError(
            f"{path} not found; pass motifs= (a JASPAR/TRANSFAC file or dict of Motif) or "
            "set ATTNSCOPE_DATA to the folder holding reference/jaspar/."
        )
    return read_jaspar(path)


def _as_arrays(values: Any, onehot: Any) -> tuple[np.ndarray, np.ndarray]:
    """(hypothetical, onehot), both float32 of shape (n, length, 4)."""
    vals = np.asarray(getattr(values, "values", values), dtype=np.float32)
    oh = np.asarray(onehot)
    if oh.ndim == 2:  # token codes 0 pad, 1-4 ACGT, 5 N
        codes = oh.astype(np.intp)
        oh = np.zeros((*codes.shape, 4), np.float32)
        ok = (codes >= 1) & (codes <= 4)
        oh[ok, codes[ok] - 1] = 1.0
    oh = oh.astype(np.float32)
    if oh.ndim != 3 or oh.shape[2] != 4:
        raise DataError(f"onehot must have shape (n, length, 4) or be tokens, got {oh.shape}.")
    if vals.shape == oh.shape[:2]:  # per-position scores: contribution of the observed base
        if vals.size and (vals >= 0).all():
            # unsigned importance (attention, |gradient|): modisco's null needs both signs
            vals = vals - np.median(vals, axis=1, keepdims=True)
        vals = vals[:, :, None] * oh
    if vals.shape != oh.shape:
        raise DataError(
            f"attributions of shape {vals.shape} do not match the one-hot DNA {oh.shape}; "
            "give hypothetical contributions (n, length, 4) or per-position scores (n, length)."
        )
    if not np.isfinite(vals).all():
        raise DataError("attributions hold NaN or inf values.")
    return vals, oh


def _trim(ppm: np.ndarray, cwm: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    score = np.abs(cwm).sum(axis=1)
    keep = np.flatnonzero(score >= threshold * score.max())
    return ppm[keep[0] : keep[-1] + 1], cwm[keep[0] : keep[-1] + 1]


def _tomtom(
    queries: list[np.ndarray], library: dict[str, Any], top: int, n_jobs: int
) -> list[list[dict[str, Any]]]:
    """Best ``top`` library matches of every (width, 4) PPM with BH q-values."""
    import warnings

    from memelite.tomtom import tomtom
    from scipy.stats import false_discovery_control

    if not queries or not library:
        return [[] for _ in queries]
    ids = list(library)
    targets = []
    for mid in ids:
        counts = np.asarray(library[mid].counts, dtype=np.float64)
        targets.append(counts / np.maximum(counts.sum(axis=0, keepdims=True), 1e-12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, _, offsets, _, strands = tomtom(
            [q.T.astype(np.float64) for q in queries], targets, n_jobs=n_jobs
        )
    p = np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0).clip(0.0, 1.0)
    q = np.stack([false_discovery_control(row) for row in p])
    out = []
    for i in range(len(queries)):
        order = np.argsort(p[i], kind="stable")[:top]
        out.append(
            [
                {
                    "id": ids[j],
                    "name": library[ids[j]].name,
                    "p_value": float(p[i, j]),
                    "q_value": float(q[i, j]),
                    "offset": int(offsets[i, j]),
                    "strand": "-" if int(strands[i, j]) else "+",
                }
                for j in order
            ]
        )
    return out


def discover_motifs(
    values_or_attribution: Any,
    onehot: Any,
    *,
    motifs: Any = None,
    sliding_window_size: int = 21,
    flank_size: int = 10,
    min_metacluster_size: int = 100,
    max_seqlets_per_metacluster: int = 20000,
    target_seqlet_fdr: float = 0.2,
    n_leiden_runs: int = 50,
    final_min_cluster_size: int = 20,
    trim_to_window_size: int | None = None,
    initial_flank_to_add: int | None = None,
    trim_threshold: float = 0.3,
    top_matches: int = 3,
    n_jobs: int = -1,
) -> MotifResult:
    """Discover motifs in attributions (modisco-lite) and name them (Tomtom vs JASPAR).

    Parameters
    ----------
    values_or_attribution : Attribution or ndarray of shape (n, length, 4) or (n, length)
        Hypothetical contributions (``method="hypothetical_contributions"``); per-position
        scores are spread onto the observed base (then hypothetical = actual, which
        clusters less well), unsigned ones (all >= 0) after subtracting each sequence's
        median, since modisco's seqlet null is fitted on both signs.
    onehot : ndarray of shape (n, length, 4), or tokens of shape (n, length)
        The explained sequences (attnscope token codes are converted).
    motifs : path or dict of Motif, optional
        Library to match; default :func:`default_motif_library` (746 JASPAR matrices).
        An empty dict skips matching.
    sliding_window_size, flank_size, min_metacluster_size, max_seqlets_per_metacluster, \
target_seqlet_fdr, n_leiden_runs, final_min_cluster_size
        modisco-lite's ``TFMoDISco`` options (its defaults).
    trim_to_window_size, initial_flank_to_add : int, optional
        modisco-lite's 30 and 10, capped by the seqlet length
        (``sliding_window_size + 2 * flank_size``) and ``flank_size``: a trimming window
        longer than the seqlets silently yields no pattern (short windows, e.g. splice sites).
    trim_threshold : float, default 0.3
        Pattern trimming before matching (modisco-lite's report).
    top_matches : int, default 3
    n_jobs : int, default -1
        numba threads for Tomtom (-1: all).

    Returns
    -------
    MotifResult
        Positive patterns first, then negative ones, each by seqlet count.

    Examples
    --------
    >>> hyp = attribute(est, data, method="hypothetical_contributions")  # doctest: +SKIP
    >>> res = discover_motifs(hyp, data.tokens)  # doctest: +SKIP
    >>> res.table()[0]["best_match"]  # doctest: +SKIP
    'MA0139.1 CTCF'
    """
    from modiscolite.tfmodisco import TFMoDISco

    from attnscope.io import read_jaspar

    hyp, oh = _as_arrays(values_or_attribution, onehot)
    if isinstance(motifs, str | Path):
        library = read_jaspar(motifs)
    elif motifs is None:
        library = default_motif_library()
    else:
        library = dict(motifs)
    options = {
        "sliding_window_size": sliding_window_size,
        "flank_size": flank_size,
        "min_metacluster_size": min_metacluster_size,
        "max_seqlets_per_metacluster": max_seqlets_per_metacluster,
        "target_seqlet_fdr": target_seqlet_fdr,
        "n_leiden_runs": n_leiden_runs,
        "final_min_cluster_size": final_min_cluster_size,
        "trim_to_window_size": min(30, sliding_window_size + 2 * flank_size)
        if trim_to_window_size is None
        else trim_to_window_size,
        "initial_flank_to_add": min(10, flank_size)
        if initial_flank_to_add is None
        else initial_flank_to_add,
    }
    if oh.shape[1] < sliding_window_size + 2 * flank_size:
        raise DataError(
            f"sequences of {oh.shape[1]} bases are shorter than modisco's window "
            f"({sliding_window_size} + 2 x {flank_size} flank); lower sliding_window_size."
        )
    if not np.any(hyp * oh):  # modisco's seqlet null needs some non-zero contribution
        raise DataError(
            "every contribution at an observed base is zero (sequences of only N, or a model "
            "that ignores its input), so modisco has nothing to cluster; explain real "
            "sequences with a trained model."
        )
    start = time.perf_counter()
    pos, neg = TFMoDISco(one_hot=oh, hypothetical_contribs=hyp, verbose=False, **options)
    found: list[tuple[str, Any]] = []
    for group, patterns in (("pos_patterns", pos), ("neg_patterns", neg)):
        for i, pat in enumerate(patterns or []):
            found.append((f"{group}.pattern_{i}", pat))
    trimmed = [
        _trim(np.asarray(p.sequence), np.asarray(p.contrib_scores), trim_threshold)
        for _, p in found
    ]
    matches = _tomtom([t[0] for t in trimmed], library, top_matches, n_jobs)
    patterns = [
        MotifPattern(
            pattern_id=name,
            n_seqlets=len(p.seqlets),
            ppm=ppm,
            cwm=cwm,
            matches=m,
        )
        for (name, p), (ppm, cwm), m in zip(found, trimmed, matches)
    ]
    n_seqlets = sum(p.n_seqlets for p in patterns)
    return MotifResult(
        patterns=patterns,
        n_seqlets=n_seqlets,
        seconds=time.perf_counter() - start,
        options={**options, "trim_threshold": trim_threshold, "n_library": len(library)},
    )
