"""Simulators: shapes, determinism, and truth masks that really carry the signal."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from attnscope._utils.paths import shared_data_dir
from attnscope.data import (
    Dataset,
    GenotypeDataset,
    MultiOmicsDataset,
    SequenceDataset,
    TabularDataset,
    TimeSeriesDataset,
)
from attnscope.errors import ConfigError
from attnscope.sim import (
    SIMULATORS,
    simulate_dna,
    simulate_expression,
    simulate_genotypes,
    simulate_multiomics,
    simulate_phenotype,
    simulate_timeseries,
)


def _same(a: object, b: object) -> bool:
    """Deep equality of the arrays/containers two simulator calls return."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray | list | tuple):
        return np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return a == b


def _truth(data: Dataset) -> np.ndarray:
    """The truth mask, which every simulator here sets."""
    assert data.truth is not None
    return data.truth


def _abs_t(X: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """|Welch t| per column between group True and group False."""
    a, b = X[groups], X[~groups]
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    return np.abs(a.mean(axis=0) - b.mean(axis=0)) / np.maximum(se, 1e-12)


def _standardise(g: np.ndarray) -> np.ndarray:
    """Mean-imputed, standardised dosages (monomorphic columns become 0)."""
    x = np.where(g >= 0, g, np.nan).astype(np.float64)
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _holdout_accuracy(X: np.ndarray, y: np.ndarray, k: int = 40) -> float:
    """Diagonal LDA on the k features of largest |t| in one half, scored on the other half."""
    train = np.arange(len(y)) % 2 == 0
    Xtr, ytr = X[train], y[train] == 1
    top = np.argsort(-_abs_t(Xtr, ytr))[:k]
    m1, m0 = Xtr[ytr][:, top].mean(axis=0), Xtr[~ytr][:, top].mean(axis=0)
    var = Xtr[:, top].var(axis=0) + 1e-9
    score = (X[~train][:, top] - (m1 + m0) / 2) @ ((m1 - m0) / var)
    return float(((score > 0) == (y[~train] == 1)).mean())


def _abs_corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|Pearson r| between each column of standardised ``x`` and ``y``."""
    yz = (y - y.mean()) / y.std()
    return np.abs(x.T @ yz) / len(y)


# ---------------------------------------------------------------- registry


def test_registry_maps_every_modality() -> None:
    assert set(SIMULATORS) == {"dna", "expression", "genotypes", "timeseries", "multiomics"}
    small: dict[str, tuple[dict[str, int], type[Dataset]]] = {
        "dna": ({"length": 50}, SequenceDataset),
        "expression": ({"n_genes": 200, "n_pathways": 8}, TabularDataset),
        "genotypes": ({"n_snps": 300}, GenotypeDataset),
        "timeseries": ({}, TimeSeriesDataset),
        "multiomics": ({}, MultiOmicsDataset),
    }
    for name, func in SIMULATORS.items():
        kwargs, kind = small[name]
        data = func(40, random_state=1, **kwargs)
        assert isinstance(data, kind)
        assert len(data) == 40


# ---------------------------------------------------------------- DNA


def test_dna_shapes_determinism_and_truth() -> None:
    data = simulate_dna(300, length=80, motifs=["ACGTACGTAC", "TTGGCCAATT"], random_state=3)
    assert data.tokens.shape == (300, 80) and _truth(data).shape == (300, 80)
    assert np.bincount(data.y).tolist() == [150, 150]
    again = simulate_dna(300, length=80, motifs=["ACGTACGTAC", "TTGGCCAATT"], random_state=3)
    assert np.array_equal(data.tokens, again.tokens) and np.array_equal(_truth(data), _truth(again))
    other = simulate_dna(300, length=80, motifs=["ACGTACGTAC", "TTGGCCAATT"], random_state=4)
    assert not np.array_equal(data.tokens, other.tokens)
    # Every sample carries one 10-bp motif, and the marked bases spell its class's motif.
    assert (_truth(data).sum(axis=1) == 10).all()
    codes = {"A": 1, "C": 2, "G": 3, "T": 4}
    for c, motif in enumerate(data.meta["motifs"]):
        rows = data.y == c
        planted = data.tokens[rows][_truth(data)[rows]].reshape(-1, 10)
        expected = np.array([codes[b] for b in motif])
        # mutation_rate 0.1 to a random base: ~92.5% of planted bases match the consensus.
        assert (planted == expected).mean() > 0.88
    # Outside the motifs the bases do not follow the consensus.
    assert (data.tokens[~_truth(data)] == 1).mean() < 0.4


# ---------------------------------------------------------------- expression


@pytest.fixture(scope="module")
def expression() -> TabularDataset:
    return simulate_expression(400, n_genes=1500, n_pathways=30, random_state=5)


def test_expression_shapes_sets_and_determinism(expression: TabularDataset) -> None:
    data = expression
    assert data.X.shape == (400, 1500) and data.X.dtype == np.float32
    assert _truth(data).shape == (1500,) and _truth(data).dtype == bool
    assert data.feature_names[0] == "G00001" and np.bincount(data.y).tolist() == [200, 200]
    assert (data.X >= 0).all() and 2 < float(np.median(data.X)) < 13
    sets = data.meta["gene_sets"]
    assert len(sets) == 30
    sizes = np.array([len(v) for v in sets.values()])
    assert sizes.min() >= 15 and sizes.max() <= 60
    members = [g for genes in sets.values() for g in genes]
    n_in_sets = len(set(members))
    assert n_in_sets < 1500  # some genes in no set
    assert len(members) > n_in_sets  # sets overlap a little...
    assert len(members) < 1.3 * n_in_sets  # ...but only a little
    assert data.meta["truth_pathways"].sum() == 3
    names = list(sets)
    assert [names[i] for i in np.flatnonzero(data.meta["truth_pathways"])] == data.meta[
        "informative_pathways"
    ]
    planted = set(data.feature_names[_truth(data)])
    informative_genes = {g for p in data.meta["informative_pathways"] for g in sets[p]}
    assert planted <= informative_genes
    again = simulate_expression(400, n_genes=1500, n_pathways=30, random_state=5)
    assert np.array_equal(data.X, again.X) and _same(data.meta, again.meta)
    other = simulate_expression(400, n_genes=1500, n_pathways=30, random_state=6)
    assert not np.array_equal(data.X, other.X)


def test_expression_signal_sits_on_planted_genes(expression: TabularDataset) -> None:
    data = expression
    t = _abs_t(np.log1p(data.X), data.y == 1)
    assert roc_auc_score(_truth(data), t) > 0.97
    assert np.median(t[_truth(data)]) > 5 * np.median(t[~_truth(data)])
    # Genes of one pathway correlate; genes of different pathways hardly.
    sets = list(data.meta["gene_sets"].values())
    index = {g: j for j, g in enumerate(data.feature_names)}
    a = [index[g] for g in sets[0][:10]]
    b = [index[g] for g in sets[1][:10]]
    corr = np.corrcoef(data.X[:, a + b].T)
    within = corr[:10, :10][~np.eye(10, dtype=bool)].mean()
    between = corr[:10, 10:].mean()
    assert within > 0.25 and abs(between) < 0.1


def test_expression_multiclass_pathways_belong_to_classes() -> None:
    data = simulate_expression(
        600, n_genes=600, n_pathways=12, n_classes=3, n_informative_pathways=3, random_state=2
    )
    assert sorted(data.meta["pathway_class"].values()) == [0, 1, 2]
    index = {g: j for j, g in enumerate(data.feature_names)}
    for name, owner in data.meta["pathway_class"].items():
        genes = [index[g] for g in data.meta["gene_sets"][name] if _truth(data)[index[g]]]
        shift = data.X[data.y == owner][:, genes].mean() - data.X[data.y != owner][:, genes].mean()
        assert np.sign(shift) == data.meta["pathway_direction"][name]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pathway_size": (1, 5)},
        {"pathway_size": (10, 5000)},
        {"n_informative_pathways": 0},
        {"n_classes": 4, "n_informative_pathways": 2},
        {"correlation": 1.0},
        {"genes_informative_fraction": 0.0},
    ],
)
def test_expression_rejects_bad_options(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        simulate_expression(50, n_genes=200, n_pathways=10, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- genotypes


@pytest.fixture(scope="module")
def genotypes() -> GenotypeDataset:
    return simulate_genotypes(400, n_snps=3000, n_chromosomes=3, random_state=7)


def test_genotypes_shapes_map_and_determinism(genotypes: GenotypeDataset) -> None:
    data = genotypes
    g = data.genotypes
    assert g.shape == (400, 3000) and g.dtype == np.int8
    assert set(np.unique(g).tolist()) <= {0, 1, 2}
    assert data.labels is None and data.class_names == [] and data.truth is None
    assert np.unique(data.chromosomes).tolist() == ["1", "2", "3"]
    assert all(s.startswith("rs") for s in data.snp_ids[:50])
    assert np.unique(data.snp_ids).size == 3000
    for c in ("1", "2", "3"):
        pos = data.positions[data.chromosomes == c]
        steps = np.diff(pos)
        assert (steps > 0).all() and 500 < np.median(steps) < 20_000
    again = simulate_genotypes(400, n_snps=3000, n_chromosomes=3, random_state=7)
    assert np.array_equal(g, again.genotypes) and np.array_equal(data.snp_ids, again.snp_ids)
    assert not np.array_equal(g, simulate_genotypes(400, n_snps=3000, random_state=8).genotypes)


def test_genotypes_frequencies_hwe_and_ld(genotypes: GenotypeDataset) -> None:
    g = genotypes.genotypes.astype(np.float64)
    maf = genotypes.meta["maf"]
    freq = g.mean(axis=0) / 2
    assert np.abs(freq - maf).max() < 0.06  # binomial error of 800 alleles
    assert 0.01 <= maf.min() and maf.max() <= 0.5 and np.median(maf) < 0.15  # skewed to rare
    # Hardy-Weinberg: heterozygote share ~ 2p(1-p).
    het = (g == 1).mean(axis=0)
    assert np.abs(het - 2 * freq * (1 - freq)).mean() < 0.02
    # LD: r^2 high inside blocks, decaying between them.
    block = genotypes.meta["block"][:400]
    r2 = np.nan_to_num(np.asarray(np.corrcoef(g[:, :400].T)) ** 2)
    apart = np.abs(block[:, None] - block[None, :])
    same = (apart == 0) & ~np.eye(400, dtype=bool)
    common = (maf[:400, None] > 0.1) & (maf[None, :400] > 0.1)
    assert r2[same & common].mean() > 0.3
    assert r2[same].mean() > 10 * r2[apart > 3].mean()
    assert r2[apart == 1].mean() > r2[apart > 3].mean()


def test_genotypes_many_snps_few_samples() -> None:
    # HEMERA's scale is 379,000 SNPs; a tenth of it keeps this test quick.
    data = simulate_genotypes(20, n_snps=37_900, n_chromosomes=22, random_state=0)
    assert data.genotypes.shape == (20, 37_900) and data.genotypes.dtype == np.int8
    assert np.unique(data.chromosomes).size == 22
    assert np.array_equal(data.genotypes[:, -5:], data.genotypes[:, -5:].clip(0, 2))


def test_genotypes_reject_bad_options() -> None:
    with pytest.raises(ConfigError):
        simulate_genotypes(10, n_snps=100, maf_range=(0.1, 0.7))
    with pytest.raises(ConfigError):
        simulate_genotypes(10, n_snps=100, ld_strength=1.5)
    with pytest.raises(ConfigError):
        simulate_genotypes(10, n_snps=100, block_size=(0, 5))


# ---------------------------------------------------------------- phenotype


@pytest.fixture(scope="module")
def hapmap3() -> GenotypeDataset:
    path = shared_data_dir() / "genotypes" / "hapmap3" / "hapmap3.bed"
    if not path.is_file():
        pytest.skip(f"real genotypes {path} are absent")
    from bed_reader import open_bed

    with open_bed(path) as bed:
        g = bed.read(dtype="int8")
        ids, chrom, pos = bed.sid, bed.chromosome, bed.bp_position
        iid = bed.iid
    g[g < 0] = -1
    return GenotypeDataset(
        labels=None,
        sample_ids=iid,
        class_names=[],
        truth=None,
        meta={"source": str(path)},
        genotypes=g,
        snp_ids=ids,
        chromosomes=chrom,
        positions=pos,
    )


def test_phenotype_additive_on_real_genotypes(hapmap3: GenotypeDataset) -> None:
    data = simulate_phenotype(
        hapmap3, n_causal=8, heritability=0.6, case_fraction=0.3, random_state=11
    )
    n = len(data)
    assert data.class_names == ["control", "case"]
    assert data.y.sum() == round(0.3 * n)
    assert _truth(data).sum() == 8 and np.array_equal(
        np.flatnonzero(_truth(data)), data.meta["causal_index"]
    )
    assert data.meta["model"] == "additive" and data.meta["effects"].shape == (8,)
    assert data.meta["heritability"] == pytest.approx(0.6, abs=1e-9)
    assert np.array_equal(data.genotypes, hapmap3.genotypes) and hapmap3.labels is None
    # The liability's genetic part lies in the span of the causal SNPs: R^2 = heritability.
    x = _standardise(hapmap3.genotypes[:, _truth(data)])
    liability = data.meta["liability"]
    design = np.column_stack([np.ones(n), x])
    fit = design @ np.linalg.lstsq(design, liability, rcond=None)[0]
    assert 1 - ((liability - fit) ** 2).sum() / ((liability - liability.mean()) ** 2).sum() == (
        pytest.approx(0.6, abs=1e-6)
    )
    # Marginal association ranks the causal SNPs above the rest (despite the population
    # structure of HapMap3). Effects are N(0, 1), so single draws vary: average a few seeds.
    z = _standardise(hapmap3.genotypes)
    auc = []
    for seed in range(6):
        labels, truth = simulate_phenotype(
            hapmap3.genotypes, n_causal=4, heritability=0.8, random_state=seed
        )
        auc.append(roc_auc_score(truth, _abs_corr(z, labels.astype(float))))
    assert np.mean(auc) > 0.75
    again = simulate_phenotype(
        hapmap3, n_causal=8, heritability=0.6, case_fraction=0.3, random_state=11
    )
    assert np.array_equal(again.y, data.y) and np.array_equal(_truth(again), _truth(data))


def test_phenotype_epistatic_signal_is_in_the_pairs(hapmap3: GenotypeDataset) -> None:
    data = simulate_phenotype(
        hapmap3, model="epistatic", n_causal=6, heritability=0.9, random_state=4
    )
    pairs = data.meta["epistatic_pairs"]
    assert pairs.shape == (3, 2) and set(pairs.ravel()) == set(data.meta["causal_index"])
    y = data.y.astype(float)
    x = _standardise(hapmap3.genotypes[:, pairs.ravel()]).reshape(len(y), 3, 2)
    product = x[:, :, 0] * x[:, :, 1] - (x[:, :, 0] * x[:, :, 1]).mean(axis=0)
    product /= product.std(axis=0)
    interaction = _abs_corr(product, y)
    marginal = _abs_corr(x.reshape(len(y), 6), y).reshape(3, 2).max(axis=1)
    assert interaction.mean() > 2 * marginal.mean()
    assert interaction.mean() > 0.2


def test_phenotype_on_plain_arrays_with_missing_values() -> None:
    rng = np.random.default_rng(0)
    g = rng.binomial(2, 0.3, size=(500, 80)).astype(np.int8)
    g[rng.random(g.shape) < 0.05] = -1
    labels, truth = simulate_phenotype(g, n_causal=4, heritability=0.9, random_state=1)
    assert labels.shape == (500,) and truth.shape == (80,) and truth.sum() == 4
    assert labels.sum() == 250
    r = _abs_corr(_standardise(g), labels.astype(float))
    assert r[truth].min() > np.sort(r[~truth])[-3]
    chosen = simulate_phenotype(g, causal=[3, 5], random_state=1)[1]
    assert np.flatnonzero(chosen).tolist() == [3, 5]
    pairs = simulate_phenotype(
        g, model="epistatic", epistatic_pairs=[(1, 2), (7, 9)], random_state=1
    )[1]
    assert np.flatnonzero(pairs).tolist() == [1, 2, 7, 9]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "dominant"},
        {"heritability": 0.0},
        {"case_fraction": 1.0},
        {"n_causal": 1000},
        {"model": "epistatic", "n_causal": 3},
        {"causal": [0, 500]},
        {"epistatic_pairs": [(0, 1)]},
    ],
)
def test_phenotype_rejects_bad_options(kwargs: dict[str, object]) -> None:
    g = np.random.default_rng(0).binomial(2, 0.3, size=(50, 40))
    with pytest.raises(ConfigError):
        simulate_phenotype(g, **kwargs)  # type: ignore[call-overload]


# ---------------------------------------------------------------- time series


@pytest.fixture(scope="module")
def timeseries() -> TimeSeriesDataset:
    return simulate_timeseries(800, random_state=9)


def test_timeseries_shapes_missingness_and_fill(timeseries: TimeSeriesDataset) -> None:
    data = timeseries
    assert data.values.shape == data.mask.shape == (800, 48, 12)
    assert data.static.shape == (800, 2) and data.static_names.tolist() == ["Age", "Gender"]
    assert data.y.sum() == 160  # event_rate 0.2
    assert abs((1 - data.mask.mean()) - 0.7) < 0.02
    per_variable = data.mask.mean(axis=(0, 1))
    assert per_variable[0] > 0.9 and per_variable[-1] < 0.1  # HR charted, labs rare
    # Unobserved cells carry the previous value forward.
    carried = ~data.mask[:, 1:] & data.mask[:, :-1]
    assert np.array_equal(data.values[:, 1:][carried], data.values[:, :-1][carried])
    assert _truth(data).shape == (48, 12)
    assert _truth(data).sum() == 18 * 3 and not _truth(data)[:30].any()
    informative = [list(data.variable_names).index(v) for v in data.meta["informative_variables"]]
    assert np.flatnonzero(_truth(data).any(axis=0)).tolist() == sorted(informative)
    again = simulate_timeseries(800, random_state=9)
    assert np.array_equal(data.values, again.values) and np.array_equal(data.mask, again.mask)
    assert np.array_equal(data.y, again.y)


def test_timeseries_label_follows_informative_window(timeseries: TimeSeriesDataset) -> None:
    data = timeseries
    window = data.values[:, 30:48].mean(axis=1)
    auc = np.array([roc_auc_score(data.y, window[:, v]) for v in range(12)])
    auc = np.maximum(auc, 1 - auc)
    informative = _truth(data).any(axis=0)
    assert auc[informative].min() > 0.6
    assert auc[informative].mean() > auc[~informative].max() + 0.05
    # The window's mean predicts better than the first hours' mean.
    early = data.values[:, 0:18].mean(axis=1)
    auc_early = np.array([roc_auc_score(data.y, early[:, v]) for v in range(12)])
    auc_early = np.maximum(auc_early, 1 - auc_early)
    assert auc[informative].mean() > auc_early[informative].mean()
    with pytest.raises(ConfigError):
        simulate_timeseries(10, n_times=24)  # default window (30, 48) is outside the grid


# ---------------------------------------------------------------- multi-omics


def test_multiomics_split_signal_and_missing() -> None:
    data = simulate_multiomics(400, random_state=1)
    assert data.modality_names == ["mRNA", "methylation", "miRNA"]
    assert {m: x.shape for m, x in data.omics.items()} == {
        "mRNA": (400, 500),
        "methylation": (400, 500),
        "miRNA": (400, 200),
    }
    assert data.truth is None
    assert {m: int(t.sum()) for m, t in data.meta["truth"].items()} == {
        "mRNA": 20,
        "methylation": 10,
        "miRNA": 0,
    }
    assert data.meta["informative_modalities"] == ["mRNA", "methylation"]
    alone = {m: _holdout_accuracy(x, data.y) for m, x in data.omics.items()}
    together = _holdout_accuracy(np.hstack(list(data.omics.values())), data.y)
    assert 0.6 < alone["mRNA"] < 0.85 and 0.6 < alone["methylation"] < 0.85
    assert alone["miRNA"] < 0.62
    assert together > max(alone.values()) + 0.05
    # Planted features carry the signal within their modality.
    t = _abs_t(data.omics["mRNA"], data.y == 1)
    assert roc_auc_score(data.meta["truth"]["mRNA"], t) > 0.95

    gappy = simulate_multiomics(300, missing_fraction=0.4, random_state=2)
    assert gappy.present.mean() == pytest.approx(0.6, abs=0.01)
    assert gappy.present.any(axis=1).all()
    for j, m in enumerate(gappy.modality_names):
        assert not gappy.omics[m][~gappy.present[:, j]].any()
        assert gappy.omics[m][gappy.present[:, j]].std() > 0.5
    again = simulate_multiomics(300, missing_fraction=0.4, random_state=2)
    assert _same(gappy.omics, again.omics) and np.array_equal(gappy.present, again.present)
    with pytest.raises(ConfigError):
        simulate_multiomics(50, missing_fraction=0.9)
    with pytest.raises(ConfigError):
        simulate_multiomics(50, informative={"protein": 3})
