"""The given-split protocol of ``benchmarks/fusion.py`` with ablations and removed
modalities (``--kidney``: TCGA kidney)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from _common import row
from _fusion_config import ABLATIONS, METRICS
from _fusion_models import fit_fusion, only, run_baselines, scores
from attnscope.data import MultiOmicsDataset
from attnscope.estimators._fusion import without_modalities


def given_split(
    name: str,
    train: MultiOmicsDataset,
    test: MultiOmicsDataset,
    seeds: list[int],
    n_trees: int,
    *,
    ablation_seeds: int,
    single_fusion: bool,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    y = test.y
    proto = {"protocol": "given_split", "n_train": len(train), "n_test": len(test)}

    def add(variant: str, values: dict[str, list[float]], seconds: float, **extra: Any) -> None:
        for metric in METRICS:
            rows.append(row(name, variant, metric, values[metric], seconds, **proto, **extra))

    # Baselines: seeds for the random ones.
    base_scores: dict[str, dict[str, list[float]]] = {}
    base_removed: dict[str, dict[str, dict[str, list[float]]]] = {}
    base_seconds: dict[str, float] = {}
    for seed in seeds:
        probas, removed, secs = run_baselines(train, test, seed, n_trees, single=True)
        for variant, p in probas.items():
            for metric, v in scores(y, p).items():
                base_scores.setdefault(variant, {}).setdefault(metric, []).append(v)
            base_seconds[variant] = base_seconds.get(variant, 0.0) + secs[variant]
        for variant, per_mod in removed.items():
            for m, p in per_mod.items():
                for metric, v in scores(y, p).items():
                    base_removed.setdefault(variant, {}).setdefault(m, {}).setdefault(
                        metric, []
                    ).append(v)
    for variant, vals in base_scores.items():
        add(variant, vals, base_seconds[variant])
    for variant, per_mod in base_removed.items():
        for m, vals in per_mod.items():
            add(f"{variant}_without_{m}", vals, 0.0, removed_modality=m)

    # Fusion and its ablations, one fit per seed; the seed average as its own variant.
    for variant, extra in ABLATIONS.items():
        vals: dict[str, list[float]] = {}
        probas_seed = []
        removed_p: dict[str, list[np.ndarray]] = {m: [] for m in test.modality_names}
        t0 = time.perf_counter()
        for seed in seeds if variant == "fusion" else seeds[:ablation_seeds]:
            est = fit_fusion(train, seed, **extra)
            p = est.predict_proba(test)
            probas_seed.append(p)
            for metric, v in scores(y, p).items():
                vals.setdefault(metric, []).append(v)
            if variant == "fusion":
                for m in test.modality_names:
                    removed_p[m].append(est.predict_proba(without_modalities(test, m)))
            print(f"{name} {variant} seed {seed}: {scores(y, p)}", flush=True)
        seconds = time.perf_counter() - t0
        add(variant, vals, seconds)
        if len(probas_seed) > 1:
            ens = scores(y, np.mean(probas_seed, axis=0))
            add(
                f"{variant}_seed_average",
                {k: [v] for k, v in ens.items()},
                seconds,
                seeds=len(probas_seed),
            )
        if variant == "fusion":
            for m, ps in removed_p.items():
                per_seed = [scores(y, p) for p in ps]
                add(
                    f"fusion_without_{m}",
                    {k: [s[k] for s in per_seed] for k in METRICS},
                    0.0,
                    removed_modality=m,
                )
                if len(ps) < 2:
                    continue
                avg = scores(y, np.mean(ps, axis=0))
                add(
                    f"fusion_seed_average_without_{m}",
                    {k: [v] for k, v in avg.items()},
                    0.0,
                    removed_modality=m,
                )
    # Each modality alone through the fusion model (first seed only: cost).
    for m in train.modality_names if single_fusion else []:
        t0 = time.perf_counter()
        est = fit_fusion(only(train, m), seeds[0])
        s = scores(y, est.predict_proba(only(test, m)))
        add(f"{m}_only_fusion", {k: [v] for k, v in s.items()}, time.perf_counter() - t0)
    return rows
