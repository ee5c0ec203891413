"""AttnGen (arXiv 2605.14073) reproduced on real and simulated DNA, with baselines.

Usage::

    python benchmarks/attngen.py [--quick] [--tiers main,sweep] [--seeds N] [--datasets a,b]

Writes ``results/attngen.json`` (``results/attngen_quick.json`` with ``--quick``). Each
finished (tier, data set, seed) unit is cached under ``benchmarks/cache/attngen`` so an
interrupted run resumes; ``--summarise-only`` rewrites the JSON from the cache.

Two tiers share one protocol. Per data set: a stratified subsample within a nucleotide
budget, then a fixed stratified 70/10/20 split (``train_val_test_split``, seed 0), the
same for every model and seed.

- ``main``: the plain CNN (AttnGen alpha 0, variant ``cnn``), AttnGen alpha 0.10, the
  foundation's ``CNNClassifier`` (``foundation_cnn``) and a k-mer (k = 1..6) count
  logistic regression (``kmer_lr``) on the larger budget, 15 epochs. Explanations
  (attention, gradient norm, gradient x input, integrated gradients, random) of the
  alpha 0.10 model are scored against known biology; masking curves rank positions by
  gradient norm or attention.
- ``sweep``: Table I (alpha in {0, .1, .2, .5, .75}) and the Table III ablations at
  alpha 0.10 on a smaller budget (``--nt-budget``, ``--epochs``), with a motif analysis per
  variant: ``gradient_norm`` of every model on ``--n-motif`` sequences of the site's class
  that no model trained on (CTCF: bound; splice: EI), ``discover_motifs`` on them, and the
  top pattern's best JASPAR match, q-value and seqlets (CTCF), or whether it holds GT
  (splice). Does masking change which motifs the model uses? Only the tiers run are
  rewritten; the other tiers' rows are kept with their own provenance.

Real data (cite): Genomic Benchmarks human_nontata_promoters test split (Grešová et al.
2023), Umarov & Solovyev 2017 Arabidopsis non-TATA promoters, Zeng et al. 2016 CTCF
ChIP-seq, UCI splice junctions; JASPAR 2020 for the CTCF motif. On CTCF the explanations'
de novo motifs come from ``attnscope.explain.discover_motifs`` (modisco-lite patterns of the
bound sequences' per-position scores, named by Tomtom against JASPAR); units cached before
that change (a hand-made window alignment) are not reused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _attngen_config import CACHE, METHODS, REAL, VARIANTS, tier_config
from _attngen_data import kmer_lr, load_real, load_sim, subsample
from _attngen_docs import markdown  # noqa: F401 (markdown: readme.py)
from _attngen_explain import (
    ctcf_recovery,
    explain,
    masking_curve,
    motif_analysis,
    motif_set,
    splice_recovery,
    top_mask,
)
from _attngen_rows import keep_earlier, summarise
from _common import write_results
from attnscope.data import SequenceDataset, train_val_test_split


# -- one (data set, seed) unit ----------------------------------------------------------------
def run_unit(
    name: str,
    data: SequenceDataset,
    seed: int,
    cfg: dict[str, Any],
    motif_set: SequenceDataset | None = None,
) -> dict[str, Any]:
    from attnscope.estimators import CNNClassifier
    from attnscope.estimators._attngen import AttnGenClassifier

    tr, va, te = train_val_test_split(data.y, val_size=0.1, test_size=0.2, random_state=0)
    train, val, test = data.subset(tr), data.subset(va), data.subset(te)
    rec: dict[str, Any] = {"n_train": len(train), "n_val": len(val), "n_test": len(test)}
    fit_kw = {"epochs": cfg["epochs"], "patience": cfg["patience"], "random_state": seed}
    models: dict[str, Any] = {}
    for variant in cfg["variants"]:
        params = VARIANTS[variant]
        start = time.perf_counter()
        if params is None:
            est = CNNClassifier(**fit_kw).fit(train, validation_data=val)
        else:
            est = AttnGenClassifier(**params, **fit_kw).fit(train, validation_data=val)
        seconds = time.perf_counter() - start
        h = est.history_
        rec[variant] = {
            "accuracy": est.score(test),
            "val_accuracy": est.score(val),  # for the validation-chosen setting
            "seconds": seconds,
            "epochs_run": len(h.epochs),
            "train_seq_per_s": len(train) * len(h.epochs) / max(h.seconds, 1e-9),
        }
        models[variant] = est
        print(
            f"  {name} seed {seed} {variant}: acc {rec[variant]['accuracy']:.4f} ({seconds:.0f}s)",
            flush=True,
        )
    if seed == cfg["seeds"][0]:  # deterministic: one fit per data set
        start = time.perf_counter()
        rec["kmer_lr"] = {"accuracy": kmer_lr(train, test), "seconds": time.perf_counter() - start}
    if cfg["analysis"] == "motifs":
        if motif_set is not None:
            rec["motifs"] = {
                v: motif_analysis(name, models[v], motif_set, cfg) for v in cfg["variants"]
            }
        return rec

    # masking curves on up to 3,000 test sequences, for the plain CNN and AttnGen alpha .1
    curve_data = test.subset(np.arange(min(len(test), 3000)))
    rec["curves"] = {}
    for variant in ("cnn", "attngen_mask0.10"):
        est = models[variant]
        pred = est.predict_proba(curve_data).argmax(axis=1)
        for ranking in ("gradient", "attention"):
            vals, _ = explain(est, curve_data, ranking, pred, seed)
            rec["curves"][f"{variant}|{ranking}"] = masking_curve(est, curve_data, vals, seed)

    # explanations of the alpha .1 model vs known biology
    est = models["attngen_mask0.10"]
    sub = test.subset(np.arange(min(len(test), cfg["n_explain"])))
    rng = np.random.default_rng(seed)
    rec["explain"] = {}
    for method in METHODS:
        vals, secs = explain(est, sub, method, sub.y, seed)
        score = np.abs(vals)
        r: dict[str, Any] = {"ms_per_seq": 1000 * secs / len(sub)}
        if sub.truth is not None:
            k = sub.truth.sum(axis=1)
            top = top_mask(score, k, rng)
            r["precision_at_k"] = float(((top & sub.truth).sum(1) / np.maximum(k, 1)).mean())
            r["motif_fraction"] = float(sub.truth.mean())
        if name == "ctcf":
            r.update(ctcf_recovery(sub, score, rng, cfg))
        if name == "splice":
            r.update(splice_recovery(sub, score))
        rec["explain"][method] = r
    return rec


def prepare(names: list[str], cfg: dict[str, Any], tier: str) -> dict[str, Any]:
    """Per data set: (subsample, cache tag, source description, motif set or None)."""
    out: dict[str, Any] = {}
    for name in names:
        motifs = None
        if name.startswith("sim"):
            data = load_sim(cfg["sim_samples"])
            source = "attnscope.sim.simulate_dna(length=100, motif_length=10)"
        else:
            full = load_real(name)
            data = subsample(full, cfg["nt_budget"] // full.length)
            source = f"attnscope.datasets ({len(full)} sequences, {len(data)} used)"
            if cfg["analysis"] == "motifs":
                motifs = motif_set(name, full, data, cfg["n_motif"])
        quick = int(tier == "quick")
        tag = f"{tier}_{name}_q{quick}_e{cfg['epochs']}_n{len(data)}_x{cfg['n_explain']}_modisco"
        if cfg["analysis"] == "motifs":
            tag += f"_m{cfg['n_motif']}_l{cfg['leiden']}"
        out[name] = (data, tag, source, motifs)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tiers", default="main,sweep", help="comma-separated: main, sweep")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--datasets", default=None, help="comma-separated subset")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--nt-budget", type=int, default=None, help="nucleotides per real set")
    parser.add_argument("--n-motif", type=int, default=500, help="sweep: sequences explained")
    parser.add_argument("--leiden", type=int, default=3, help="sweep: modisco Leiden restarts")
    parser.add_argument(
        "--summarise-only", action="store_true", help="rewrite the JSON from cached runs"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    tiers = ["quick"] if args.quick else args.tiers.split(",")
    names = (
        ["sim_planted_motifs", "splice"]
        if args.quick
        else ["splice", "ctcf", "sim_planted_motifs", *REAL[2:]]
    )
    if args.datasets:
        names = args.datasets.split(",")
    plans = {}
    for tier in tiers:
        cfg = tier_config(tier, args.seeds, args.epochs, args.nt_budget, args.n_motif, args.leiden)
        plans[tier] = (cfg, prepare(names, cfg, tier))
    CACHE.mkdir(parents=True, exist_ok=True)
    # Seeds outermost, so a run stopped early still covers every data set; each finished
    # (data set, seed) unit is cached and the results file rewritten from all cached units.
    for tier, (cfg, datasets) in plans.items():
        for seed in cfg["seeds"]:
            for name, (data, tag, _, motifs) in datasets.items():
                path = CACHE / f"{tag}_s{seed}.json"
                if path.is_file() or args.summarise_only:
                    continue
                print(f"{tier}: {name} seed {seed}", flush=True)
                path.write_text(json.dumps(run_unit(name, data, seed, cfg, motifs)))
                _write(plans, quick=args.quick)
    if args.summarise_only:  # record the command that produced the cached units
        sys.argv = [a for a in sys.argv if a != "--summarise-only"]
    _write(plans, quick=args.quick)


def _write(plans: dict[str, Any], *, quick: bool) -> None:
    rows: list[dict[str, Any]] = []
    config: dict[str, Any] = {}
    for tier, (cfg, datasets) in plans.items():
        per_dataset: dict[str, dict[int, dict[str, Any]]] = {}
        for name, (_, tag, _, _) in datasets.items():
            units = {s: CACHE / f"{tag}_s{s}.json" for s in cfg["seeds"]}
            found = {s: json.loads(p.read_text()) for s, p in units.items() if p.is_file()}
            if found:
                per_dataset[name] = found
        rows += summarise(per_dataset, tier)
        config[tier] = {
            **cfg,
            "data_sources": {name: src for name, (_, _, src, _) in datasets.items()},
            "seeds_run": {name: sorted(units) for name, units in per_dataset.items()},
        }
    if not quick:
        rows, config = keep_earlier(rows, config, plans)
    # --quick writes its own file so `make bench` never overwrites the full results
    write_results("attngen_quick" if quick else "attngen", rows, config=config)


if __name__ == "__main__":
    main()
