"""Cohorts, LD neighbours and planted phenotypes of ``benchmarks/genotype_protocol.py``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from _genotype_config import LD_R2, LD_WINDOW


def cohort(name: str, quick: bool) -> Any:
    """HapMap3 chromosomes 1-3, or mice (autosomes, every 3rd SNP, 400 mice); labels off."""
    from attnscope.datasets import load_bglr_mice
    from attnscope.io import read_plink

    root = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "genotypes"
    if name == "hapmap3":
        g = read_plink(root / "hapmap3" / "hapmap3")
        keep, n = np.isin(g.chromosomes, ["1", "2", "3"]), len(g)
    else:
        g = load_bglr_mice("albino")
        keep, n = (g.chromosomes != "X") & (np.arange(g.n_snps) % 3 == 0), 400
    if quick:
        keep &= np.cumsum(keep) <= 600
        n = min(n, 200)
    rows = np.sort(np.random.default_rng(0).choice(len(g), n, replace=False))
    return replace(g, labels=None, class_names=[]).select_snps(keep).subset(rows)


def ld_neighbours(g: Any) -> list[np.ndarray]:
    """Per SNP, the SNPs within ``LD_WINDOW`` on its chromosome with r^2 >= ``LD_R2``."""
    from attnscope.metrics._loci import ld_r2

    m = g.n_snps
    i = np.concatenate([np.arange(m - k) for k in range(1, LD_WINDOW + 1)])
    j = np.concatenate([np.arange(k, m) for k in range(1, LD_WINDOW + 1)])
    r2 = np.nan_to_num(ld_r2(g.genotypes, i, j))
    ok = (r2 >= LD_R2) & (g.chromosomes[i] == g.chromosomes[j])
    pairs = np.concatenate([np.stack([i[ok], j[ok]], 1), np.stack([j[ok], i[ok]], 1)])
    return [pairs[pairs[:, 0] == s, 1] for s in range(m)]


def pick_causal(
    g: Any, nbrs: list[np.ndarray], n_causal: int, seed: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``n_causal`` SNPs with decoys (MAF >= 0.05), LD blocks disjoint; their decoys."""
    dos = np.where(g.genotypes < 0, np.nan, g.genotypes.astype(float))
    p = np.nanmean(dos, 0) / 2
    cand = np.flatnonzero((np.minimum(p, 1 - p) >= 0.05) & np.array([len(x) > 0 for x in nbrs]))
    rng = np.random.default_rng(seed)
    taken: set[int] = set()
    causal: list[int] = []
    for c in rng.permutation(cand):
        block = {int(c), *nbrs[c].tolist()}
        if block & taken:
            continue
        causal.append(int(c))
        taken |= block
        if len(causal) == n_causal:
            break
    order = np.argsort(causal)
    return np.asarray(causal)[order], [nbrs[causal[k]] for k in order]


def planted(g: Any, nbrs: list[np.ndarray], seed: int, args: Any) -> tuple[Any, Any, Any, Any]:
    """(data, train, test, (causal, decoys)) for phenotype seed ``seed``."""
    from attnscope.data import train_val_test_split
    from attnscope.sim import simulate_phenotype

    causal, decoys = pick_causal(g, nbrs, args.n_causal, seed)
    data = simulate_phenotype(g, causal=causal, heritability=args.h2, random_state=seed)
    tr, _, te = train_val_test_split(data.y, val_size=0.0, test_size=0.3, random_state=seed)
    return data, data.subset(tr), data.subset(te), (causal, decoys)
