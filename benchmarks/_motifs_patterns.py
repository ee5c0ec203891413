"""Methods of ``benchmarks/motifs.py`` and the reading of a ``discover_motifs`` result.

Shared with ``benchmarks/attngen.py`` (its sweep's motif analysis): :data:`CTCF_IDS` and
:func:`strongest_dinucleotide`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHODS = {
    "hypothetical_gradient": {"base": "gradient"},
    "hypothetical_deeplift_shap": {"base": "deeplift_shap", "n_shuffles": 10},
    "random": None,
}


CTCF_IDS = ("MA0139.1", "MA1102.2")  # CTCF, CTCFL


def strongest_dinucleotide(cwm: np.ndarray) -> str:
    """Bases (consensus) of the two adjacent positions with the largest summed |CWM|."""
    if cwm.shape[0] < 2:
        return ""
    score = np.abs(cwm).sum(axis=1)
    i = int(np.argmax(score[:-1] + score[1:]))
    return "".join("ACGT"[j] for j in np.abs(cwm[i : i + 2]).argmax(axis=1))


def describe(res: Any) -> dict[str, Any]:
    """Top pattern's seqlets, consensus, best match and q-value (or 'no pattern').

    ``ctcf_q`` is the smallest q-value of a CTCF/CTCFL match over all patterns (the top
    three matches of each), ``ctcf_pattern`` the pattern holding it.
    """
    top = res.patterns[0] if res.patterns else None
    best = top.best() if top is not None else None
    ctcf = [
        (m["q_value"], p.pattern_id) for p in res.patterns for m in p.matches if m["id"] in CTCF_IDS
    ]
    ctcf_q, ctcf_pattern = min(ctcf, default=(1.0, ""))
    return {
        "n_patterns": len(res.patterns),
        "top_seqlets": top.n_seqlets if top else 0,
        "top_consensus": top.consensus if top else "",
        "best_match": f"{best['id']} {best['name']}" if best else "no pattern",
        "best_q": best["q_value"] if best else 1.0,
        "ctcf_q": ctcf_q,
        "ctcf_pattern": ctcf_pattern,
        "top_strongest_dinucleotide": strongest_dinucleotide(top.cwm) if top else "",
        "seconds": res.seconds,
        "table": res.table(),
    }
