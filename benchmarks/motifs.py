"""Motifs, not positions: does TF-MoDISco on a CNN's attributions find CTCF and the splice sites?

Usage::

    python benchmarks/motifs.py [--quick] [--seeds S] [--epochs E] [--n-explain N]

Writes ``results/motifs.json`` (``results/motifs_quick.json`` with ``--quick``), rewritten
after every finished part (splice, then each CTCF seed, then the timing), so a run stopped
early keeps what it measured; the file records the machine's load average beside every timing.

CTCF (Zeng et al. 2016 ChIP-seq peaks vs dinucleotide shuffles): per seed, the plain
``CNNClassifier`` is trained on a stratified subsample (70/10/20 split, seed 0); the
bound sequences NOT used in training are explained (``--n-explain`` of them) by each
hypothetical-contribution method (mean-centred gradient; DeepLIFT multipliers against
dinucleotide shuffles) and by random scores (negative control), and
``attnscope.explain.discover_motifs`` (modisco-lite + Tomtom vs JASPAR 2020) names the
top pattern. Target: MA0139.1 with q < 0.05 for every method and seed, no significant
CTCF pattern (any pattern, q < 0.05 against MA0139.1 or CTCFL MA1102.2) from random
scores. Last, with the first seed's model, the library path of ``attnscope motifs``
(attribution + discovery + writing the table) is timed on ``--n-timing`` unseen bound
sequences.

Splice (UCI splice junctions): the CNN is trained once; all EI and IE sequences are
explained for their own class (modisco window 11 + 2 x 5 flank: the sequences are 60 bases);
the top pattern should hold GT (donor, EI) and AG (acceptor, IE): its consensus contains the
dinucleotide and, stricter, the two adjacent positions with the largest summed |CWM| read
it. JASPAR has no splice-site matrices, so the Tomtom match is informative only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _attngen_data import subsample
from _common import load_results, row, write_results
from _motifs_docs import markdown  # noqa: F401 (markdown: readme.py)
from _motifs_patterns import CTCF_IDS, METHODS, describe
from attnscope.explain import attribute


def explain(est: Any, data: Any, method: str, target: int, seed: int) -> tuple[Any, float]:
    start = time.perf_counter()
    if METHODS[method] is None:
        vals = np.random.default_rng(seed).normal(size=(len(data), data.tokens.shape[1], 4))
        return vals, time.perf_counter() - start
    attr = attribute(
        est,
        data,
        method="hypothetical_contributions",
        target=target,
        random_state=seed,
        **METHODS[method],
    )
    return attr, time.perf_counter() - start


def load() -> float:
    """The machine's 1-minute load average (timings below are taken on a shared machine)."""
    return float(os.getloadavg()[0])


class Ctcf:
    """The CTCF protocol: one training subsample and split, one set of unseen bound sequences."""

    def __init__(self, args: argparse.Namespace) -> None:
        from attnscope.data import train_val_test_split
        from attnscope.datasets import load_ctcf

        self.args = args
        self.full = load_ctcf("test")
        self.data = subsample(self.full, args.n_train)
        used = self.data.sample_ids
        self.bound = self.full.class_names.index("bound")
        self.unseen = np.flatnonzero(
            (self.full.y == self.bound) & ~np.isin(self.full.sample_ids, used)
        )
        pick = np.random.default_rng(0).choice(self.unseen, args.n_explain, replace=False)
        self.sub = self.full.subset(np.sort(pick))
        self.split = train_val_test_split(self.data.y, val_size=0.1, test_size=0.2, random_state=0)
        self.detail: dict[str, Any] = {
            "n_train": len(self.split[0]),
            "n_explain": len(self.sub),
            "seeds": {},
        }
        self.first_model: Any = None

    def seed(self, seed: int) -> None:
        """Train the CNN with ``seed``; discover motifs from every method's contributions."""
        from attnscope.estimators import CNNClassifier
        from attnscope.explain import discover_motifs

        tr, va, te = self.split
        start = time.perf_counter()
        est = CNNClassifier(epochs=self.args.epochs, patience=3, random_state=seed)
        est.fit(self.data.subset(tr), validation_data=self.data.subset(va))
        rec: dict[str, Any] = {
            "accuracy": est.score(self.data.subset(te)),
            "fit_seconds": time.perf_counter() - start,
            "load_average": load(),
        }
        for method in METHODS:
            vals, secs = explain(est, self.sub, method, self.bound, seed)
            res = discover_motifs(vals, self.sub.tokens, n_leiden_runs=self.args.leiden)
            rec[method] = describe(res) | {"attribution_seconds": secs}
            m = rec[method]
            print(
                f"ctcf seed {seed} {method}: {m['best_match']} q={m['best_q']:.2g} "
                f"seqlets={m['top_seqlets']} ctcf_q={m['ctcf_q']:.2g} "
                f"({secs:.0f}+{res.seconds:.0f} s, load {load():.1f})",
                flush=True,
            )
        self.detail["seeds"][seed] = rec
        if self.first_model is None:
            self.first_model = est

    def timing(self) -> None:
        """The library path of ``attnscope motifs`` on ``--n-timing`` unseen bound sequences
        with the first seed's model: attribution, discovery, writing the table."""
        from attnscope.explain import discover_motifs

        n = min(self.args.n_timing, len(self.unseen))
        more = self.full.subset(np.sort(np.random.default_rng(1).choice(self.unseen, n, False)))
        t0 = time.perf_counter()
        attr, _ = explain(self.first_model, more, "hypothetical_gradient", self.bound, 0)
        res = discover_motifs(attr, more.tokens, n_leiden_runs=self.args.leiden)
        with tempfile.TemporaryDirectory() as tmp:
            res.save(tmp)
        self.detail["attnscope_motifs"] = describe(res) | {
            "n_sequences": len(more),
            "seconds_total": time.perf_counter() - t0,
            "load_average": load(),
        }
        print("timing", self.detail["attnscope_motifs"]["seconds_total"], flush=True)

    def rows(self) -> list[dict[str, Any]]:
        """Per method: top pattern is CTCF with q < 0.05 (per seed), and any CTCF pattern."""
        recs = list(self.detail["seeds"].values())
        out: list[dict[str, Any]] = []
        if not recs:
            return out
        for method in METHODS:
            per = [r[method] for r in recs]
            top_hit = [
                float(r["best_match"].startswith(CTCF_IDS) and r["best_q"] < 0.05) for r in per
            ]
            out.append(
                row(
                    "ctcf",
                    method,
                    "top_pattern_is_ctcf_q05",
                    top_hit,
                    sum(r["seconds"] + r["attribution_seconds"] for r in per),
                    seeds=list(self.detail["seeds"]),
                    best=[r["best_match"] for r in per],
                    q=[r["best_q"] for r in per],
                    seqlets=[r["top_seqlets"] for r in per],
                )
            )
            out.append(
                row(
                    "ctcf",
                    method,
                    "any_pattern_ctcf_q05",
                    [float(r["ctcf_q"] < 0.05) for r in per],
                    0.0,
                    seeds=list(self.detail["seeds"]),
                    ctcf_q=[r["ctcf_q"] for r in per],
                )
            )
        return out


def splice(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from attnscope.data import train_val_test_split
    from attnscope.datasets import load_splice
    from attnscope.estimators import CNNClassifier
    from attnscope.explain import discover_motifs

    data = load_splice()
    tr, va, te = train_val_test_split(data.y, val_size=0.1, test_size=0.2, random_state=0)
    start = time.perf_counter()
    est = CNNClassifier(epochs=args.epochs * 2, patience=3, random_state=0)
    est.fit(data.subset(tr), validation_data=data.subset(va))
    detail: dict[str, Any] = {
        "accuracy": est.score(data.subset(te)),
        "fit_seconds": time.perf_counter() - start,
        "load_average": load(),
    }
    rows = []
    for cls, site in (("EI", "GT"), ("IE", "AG")):
        idx = data.class_names.index(cls)
        sub = data.subset(np.flatnonzero(data.y == idx))
        attr, secs = explain(est, sub, "hypothetical_gradient", idx, 0)
        res = discover_motifs(
            attr, sub.tokens, sliding_window_size=11, flank_size=5, n_leiden_runs=args.leiden
        )
        rec = describe(res) | {"attribution_seconds": secs, "site": site, "n_explained": len(sub)}
        extra = {
            "consensus": rec["top_consensus"],
            "strongest_dinucleotide": rec["top_strongest_dinucleotide"],
            "seqlets": rec["top_seqlets"],
        }
        rows.append(
            row(
                "splice",
                cls,
                f"top_pattern_has_{site}",
                float(site in rec["top_consensus"]),
                res.seconds + secs,
                **extra,
            )
        )
        rows.append(
            row(
                "splice",
                cls,
                f"top_pattern_strongest_is_{site}",
                float(rec["top_strongest_dinucleotide"] == site),
                0.0,
                **extra,
            )
        )
        detail[cls] = rec
        print(
            f"splice {cls}: {rec['top_consensus']} strongest "
            f"{rec['top_strongest_dinucleotide']} seqlets={rec['top_seqlets']}",
            flush=True,
        )
    return rows, detail


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-explain", type=int, default=None)
    parser.add_argument("--n-timing", type=int, default=None, help="0: no timing")
    parser.add_argument("--leiden", type=int, default=None, help="modisco Leiden restarts")
    parser.add_argument("--skip-splice", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    args.seeds = args.seeds or (1 if args.quick else 3)
    args.epochs = args.epochs or (1 if args.quick else 3)
    args.n_train = args.n_train or (2000 if args.quick else 3000)
    args.n_explain = args.n_explain or (500 if args.quick else 800)
    if args.n_timing is None:
        args.n_timing = 500 if args.quick else 2000
    args.leiden = args.leiden or (2 if args.quick else 10)
    out: dict[str, Any] = {}
    srows: list[dict[str, Any]] = []

    def write() -> None:  # after every part: a run stopped early keeps what it measured
        write_results(
            "motifs",
            ctcf.rows() + srows,
            config=dict(vars(args)),
            detail={"ctcf": ctcf.detail, **out},
            sources=[
                "Zeng et al. 2016 CTCF ChIP-seq (gifford-lab)",
                "UCI splice junctions",
                "JASPAR 2020 CORE vertebrates",
            ],
        )

    ctcf = Ctcf(args)
    if not args.n_timing:  # keep the last measured timing, labelled with the run that took it
        try:
            old = load_results("motifs")
        except (OSError, ValueError):
            old = {}
        timing = old.get("detail", {}).get("ctcf", {}).get("attnscope_motifs")
        if timing:
            origin = {k: old.get(k) for k in ("commit", "dirty", "command", "run_id")}
            ctcf.detail["attnscope_motifs"] = {**timing, "origin": timing.get("origin", origin)}
    if not args.skip_splice:
        srows, out["splice"] = splice(args)
        write()
    for seed in range(args.seeds):
        ctcf.seed(seed)
        write()
    if args.n_timing:
        ctcf.timing()
        write()


if __name__ == "__main__":
    main()
