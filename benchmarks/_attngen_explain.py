"""Attributions of ``benchmarks/attngen.py`` and what they recover.

Masking curves (:func:`masking_curve`), recovery of known biology in the main tier
(:func:`ctcf_recovery`, :func:`splice_recovery`) and the sweep's motif analysis per variant
(:func:`motif_set`, :func:`motif_analysis`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _attngen_config import CURVE_M, LABEL_TO_METHOD, MOTIF_SITES
from _motifs_patterns import CTCF_IDS, strongest_dinucleotide
from attnscope._utils.paths import shared_data_dir
from attnscope.data import PAD, SequenceDataset, train_val_test_split
from attnscope.explain import attribute


def top_mask(scores: np.ndarray, k: np.ndarray | int, rng: np.random.Generator) -> np.ndarray:
    """Bool mask of the ``k`` highest scores per row, ties broken at random."""
    n, length = scores.shape
    perm = np.argsort(rng.random((n, length)), axis=1)
    shuffled = np.take_along_axis(scores, perm, axis=1)
    order = np.take_along_axis(perm, np.argsort(-shuffled, axis=1, kind="stable"), axis=1)
    k_arr = np.broadcast_to(np.asarray(k), (n,))
    mask = np.zeros((n, length), bool)
    np.put_along_axis(mask, order, np.arange(length)[None, :] < k_arr[:, None], axis=1)
    return mask


def explain(
    est: Any, data: SequenceDataset, method: str, target: np.ndarray, seed: int
) -> tuple[np.ndarray, float]:
    """Attribution values (n, L) and seconds of ``method`` through ``attnscope.explain``."""
    if method == "random":
        start = time.perf_counter()
        vals = np.random.default_rng(seed).random(data.tokens.shape)
        return vals, time.perf_counter() - start
    # Results label the paper's per-position gradient norm "gradient" (its Table II name);
    # attnscope's registry calls that computation "gradient_norm".
    name = LABEL_TO_METHOD.get(method, method)
    attr = attribute(est, data, method=name, target=target)
    return np.asarray(attr.values, dtype=np.float64), attr.seconds


def masking_curve(
    est: Any, data: SequenceDataset, ranking: np.ndarray, seed: int
) -> dict[str, list[float]]:
    """Accuracy after masking the top / random / lowest m positions of ``ranking``."""
    rng = np.random.default_rng(seed)
    rand = rng.random(ranking.shape)
    out: dict[str, list[float]] = {"top": [], "random": [], "bottom": []}
    for m in CURVE_M:
        for order, scores in (("top", ranking), ("random", rand), ("bottom", -ranking)):
            mask = top_mask(scores, m, rng)
            tokens = np.where(mask, PAD, data.tokens).astype(np.uint8)
            masked = SequenceDataset(
                labels=data.labels,
                sample_ids=data.sample_ids,
                class_names=data.class_names,
                truth=None,
                meta={},
                tokens=tokens,
            )
            out[order].append(est.score(masked))
    return out


def motif_set(name: str, full: SequenceDataset, data: SequenceDataset, n: int) -> Any:
    """Up to ``n`` sequences of the site's class that no model of the unit trained on.

    Drawn (seed 0) from the full data set minus the training share of the subsample.
    """
    if name not in MOTIF_SITES:
        return None
    tr, _, _ = train_val_test_split(data.y, val_size=0.1, test_size=0.2, random_state=0)
    cls = full.class_names.index(MOTIF_SITES[name][0])
    free = np.flatnonzero((full.y == cls) & ~np.isin(full.sample_ids, data.sample_ids[tr]))
    pick = np.random.default_rng(0).choice(free, min(n, len(free)), replace=False)
    return full.subset(np.sort(pick))


def motif_analysis(
    name: str, est: Any, sub: SequenceDataset, cfg: dict[str, Any]
) -> dict[str, Any]:
    """Patterns of one model's per-position gradient norm (for the site's class).

    CTCF: the top pattern's best JASPAR match, its q-value and MA0139.1's rank among the
    top pattern's matches, and the best CTCF/CTCFL q-value over all patterns. Splice: the
    top pattern's consensus and strongest dinucleotide (GT expected for EI).
    """
    from attnscope.explain import discover_motifs
    from attnscope.io import read_jaspar

    cls, site = MOTIF_SITES[name]
    target = sub.class_names.index(cls)
    start = time.perf_counter()
    vals, _ = explain(est, sub, "gradient", np.full(len(sub), target), 0)
    jdir = shared_data_dir() / "reference" / "jaspar"
    library = read_jaspar(jdir / "JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf")
    window = {"sliding_window_size": 11, "flank_size": 5} if name == "splice" else {}
    res = discover_motifs(
        vals,
        sub.tokens,
        motifs=library,
        min_metacluster_size=20,
        final_min_cluster_size=10,
        n_leiden_runs=cfg["leiden"],
        top_matches=len(library),
        **window,
    )
    top = res.patterns[0] if res.patterns else None
    best = top.best() if top is not None else None
    ranked = [m["id"] for m in top.matches] if top is not None else []
    ctcf_q = min(
        (m["q_value"] for p in res.patterns for m in p.matches if m["id"] in CTCF_IDS),
        default=1.0,
    )
    out = {
        "n_patterns": len(res.patterns),
        "seqlets": top.n_seqlets if top is not None else 0,
        "consensus": top.consensus if top is not None else "",
        "strongest": strongest_dinucleotide(top.cwm) if top is not None else "",
        "best": f"{best['id']} {best['name']}" if best else "no pattern",
        "q": best["q_value"] if best else 1.0,
        "rank_ctcf": ranked.index(site) + 1 if site in ranked else -1,
        "ctcf_q": ctcf_q,
        "n_explained": len(sub),
        "seconds": time.perf_counter() - start,
    }
    print(
        f"    motifs {name} {out['best']} q={out['q']:.2g} seqlets={out['seqlets']} "
        f"{out['consensus']} ({out['seconds']:.0f} s)",
        flush=True,
    )
    return out


def ctcf_recovery(
    sub: SequenceDataset, score: np.ndarray, rng: np.random.Generator, cfg: dict[str, Any]
) -> dict[str, Any]:
    from attnscope.explain import discover_motifs
    from attnscope.io import read_jaspar, scan_pwm

    jdir = shared_data_dir() / "reference" / "jaspar"
    ctcf = read_jaspar(jdir / "MA0139.1.CTCF.jaspar")["MA0139.1"]
    names = [c.lower() for c in sub.class_names]
    pos = next(
        (i for i, c in enumerate(names) if c in ("bound", "1", "true", "ctcf")), len(names) - 1
    )
    bound = sub.y == pos
    tokens, vals = sub.tokens[bound], score[bound]
    hits = scan_pwm(tokens, ctcf, relative_threshold=cfg["pwm_relative_threshold"])
    has = hits.any(axis=1)
    top = top_mask(vals, ctcf.width, rng)
    share = float((top & hits)[has].sum() / max(top[has].sum(), 1))
    # de novo motifs of the per-position scores (TF-MoDISco) named by Tomtom vs JASPAR
    library = read_jaspar(jdir / "JASPAR2020_CORE_vertebrates_non-redundant_pfms.tf")
    res = discover_motifs(
        vals,
        tokens,
        motifs=library,
        min_metacluster_size=20,
        final_min_cluster_size=10,
        n_leiden_runs=10,
        top_matches=len(library),
    )
    top = res.patterns[0] if res.patterns else None
    ranked = [m["id"] for m in top.matches] if top is not None else []
    best = top.best() if top is not None else None
    return {
        "top19_in_ctcf_match": share,  # MA0139.1 is 19 bp wide
        "ctcf_match_fraction": float(hits[has].mean()),
        "bound_with_match": float(has.mean()),
        "jaspar_rank_ctcf": ranked.index("MA0139.1") + 1 if "MA0139.1" in ranked else -1,
        "jaspar_best": f"{best['id']} {best['name']}" if best else "no pattern",
        "jaspar_best_q": best["q_value"] if best else 1.0,
        "top_pattern_seqlets": top.n_seqlets if top is not None else 0,
        "n_jaspar": len(library),
    }


def splice_recovery(sub: SequenceDataset, score: np.ndarray) -> dict[str, Any]:
    share = score / np.maximum(score.sum(axis=1, keepdims=True), 1e-12)
    out = {}
    for cls, cols, key in (("EI", [30, 31], "mass_at_GT_EI"), ("IE", [28, 29], "mass_at_AG_IE")):
        rows = sub.y == sub.class_names.index(cls)
        out[key] = float(share[rows][:, cols].sum(axis=1).mean())
    return out
