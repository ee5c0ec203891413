"""Gene expression with pathway structure and class signal in a few pathways."""

from __future__ import annotations

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.data import TabularDataset
from attnscope.errors import ConfigError

__all__ = ["simulate_expression"]

#: Share of the genes that belong to at least one pathway's core (the rest are in no set
#: unless an overlap draw picks them).
_CORE_SHARE = 0.85
#: Share of a pathway's members drawn from other pathways' genes (the overlap).
_OVERLAP_SHARE = 0.1


def simulate_expression(
    n_samples: int = 600,
    *,
    n_genes: int = 2000,
    n_pathways: int = 50,
    pathway_size: tuple[int, int] = (15, 60),
    n_informative_pathways: int = 3,
    genes_informative_fraction: float = 0.5,
    n_classes: int = 2,
    effect_size: float = 1.0,
    correlation: float = 0.4,
    random_state: int | np.random.Generator | None = 0,
) -> TabularDataset:
    """Log-expression-like data with gene sets, co-regulated pathways and planted class signal.

    Genes are named ``G00001``, ``G00002``, ... Pathway ``k`` (``PATHWAY_01``, ...) has a size
    drawn uniformly from ``pathway_size``; about 90% of its members are its own consecutive
    chunk of a shuffled 85% of the genes and 10% are drawn from that 85% at random (mostly
    other pathways' genes), so sets overlap a little and roughly 15% of the genes belong to
    no set. (When the sets need more genes than the 85% hold, the chunks wrap round and
    overlap more.) Each pathway has a latent factor per sample; a gene's standardised
    value is ``sqrt(correlation) * f + sqrt(1 - correlation) * e`` where ``f`` is the mean of
    its pathways' factors rescaled to unit variance (genes in no set: ``e`` only), so two genes
    of one pathway correlate at about ``correlation``.

    Class signal: informative pathway ``p`` (the ``n_informative_pathways`` chosen at random)
    belongs to class ``p % n_classes`` and gets a direction ``+1`` or ``-1``; in samples of that
    class, a random ``genes_informative_fraction`` of its genes are shifted by
    ``direction * effect_size`` standard deviations. With more than two classes every class
    (except possibly the last one, which then is the reference) owns different pathways.

    Finally ``X = mean_g + sd_g * z`` with gene means drawn uniformly in [3, 12] and standard
    deviations log-normal around 0.8 (log2 expression scale), floored at 0.

    Parameters
    ----------
    n_samples : int, default 600
        Samples, split as evenly as possible between the classes (shuffled).
    n_genes : int, default 2000
    n_pathways : int, default 50
    pathway_size : tuple of (int, int), default (15, 60)
        Smallest and largest gene-set size (inclusive).
    n_informative_pathways : int, default 3
        Must be at least ``n_classes - 1`` so every class differs from the others.
    genes_informative_fraction : float, default 0.5
        Share of an informative pathway's genes that carry the shift (at least one gene).
    n_classes : int, default 2
    effect_size : float, default 1.0
        Shift in within-gene standard deviations.
    correlation : float, default 0.4
        Within-pathway correlation, in [0, 1).
    random_state : int, Generator or None, default 0

    Returns
    -------
    TabularDataset
        ``X`` of shape (n_samples, n_genes), float32; ``truth`` bool of shape (n_genes,) marking
        the shifted genes. ``meta`` holds ``gene_sets`` (dict pathway name -> list of gene
        names, GMT-like), ``informative_pathways`` (list of names), ``truth_pathways`` (bool of
        shape (n_pathways,)), ``pathway_class`` (dict informative pathway -> class index),
        ``pathway_direction`` (dict -> +1/-1) and the options used.

    Examples
    --------
    >>> data = simulate_expression(200, n_genes=500, n_pathways=20, random_state=1)
    >>> data.X.shape, int(data.truth.sum()) > 0
    ((200, 500), True)
    """
    lo, hi = _check_options(
        n_samples,
        n_genes,
        n_pathways,
        pathway_size,
        n_informative_pathways,
        genes_informative_fraction,
        n_classes,
        correlation,
    )
    rng = check_random_state(random_state)

    membership = _draw_gene_sets(rng, n_genes, n_pathways, lo, hi)  # (n_pathways, n_genes)
    sizes = membership.sum(axis=1)

    informative = np.sort(rng.choice(n_pathways, size=n_informative_pathways, replace=False))
    owner = np.arange(n_informative_pathways) % n_classes
    direction = rng.choice(np.array([-1.0, 1.0]), size=n_informative_pathways)
    shift = np.zeros((n_classes, n_genes))
    truth = np.zeros(n_genes, dtype=bool)
    for k, p in enumerate(informative):
        genes = np.flatnonzero(membership[p])
        n_hit = max(1, int(np.round(genes_informative_fraction * sizes[p])))
        hit = rng.choice(genes, size=n_hit, replace=False)
        shift[owner[k], hit] += direction[k] * effect_size
        truth[hit] = True

    labels = np.arange(n_samples) % n_classes
    rng.shuffle(labels)

    # Within-pathway correlation from one latent factor per pathway.
    factors = rng.standard_normal((n_samples, n_pathways))
    k_g = membership.sum(axis=0)
    shared = factors @ membership.astype(np.float64)
    in_set = k_g > 0
    # Sum of k independent factors has variance k; rescale so every gene's factor part is N(0, 1).
    shared[:, in_set] /= np.sqrt(k_g[in_set])
    noise = rng.standard_normal((n_samples, n_genes))
    z = np.where(in_set, np.sqrt(correlation) * shared + np.sqrt(1 - correlation) * noise, noise)
    z += shift[labels]

    means = rng.uniform(3.0, 12.0, size=n_genes)
    sds = np.exp(rng.normal(np.log(0.8), 0.35, size=n_genes))
    X = np.maximum(means + sds * z, 0.0).astype(np.float32)

    gene_names = np.char.add("G", np.char.zfill(np.arange(1, n_genes + 1).astype(str), 5))
    width = max(2, len(str(n_pathways)))
    pathway_names = [f"PATHWAY_{k + 1:0{width}d}" for k in range(n_pathways)]
    gene_sets = {pathway_names[k]: gene_names[membership[k]].tolist() for k in range(n_pathways)}
    truth_pathways = np.zeros(n_pathways, dtype=bool)
    truth_pathways[informative] = True
    return TabularDataset(
        labels=labels.astype(np.int64),
        sample_ids=_sample_ids(n_samples),
        class_names=[f"class_{c}" for c in range(n_classes)],
        truth=truth,
        meta={
            "gene_sets": gene_sets,
            "informative_pathways": [pathway_names[p] for p in informative],
            "truth_pathways": truth_pathways,
            "pathway_class": {pathway_names[p]: int(owner[k]) for k, p in enumerate(informative)},
            "pathway_direction": {
                pathway_names[p]: int(direction[k]) for k, p in enumerate(informative)
            },
            "effect_size": float(effect_size),
            "correlation": float(correlation),
            "random_state": _seed_for_meta(random_state),
        },
        X=X,
        feature_names=gene_names,
    )


def _check_options(
    n_samples: int,
    n_genes: int,
    n_pathways: int,
    pathway_size: tuple[int, int],
    n_informative_pathways: int,
    genes_informative_fraction: float,
    n_classes: int,
    correlation: float,
) -> tuple[int, int]:
    if n_classes < 2:
        raise ConfigError(f"n_classes must be at least 2, got {n_classes}.")
    if n_samples < n_classes:
        raise ConfigError(f"n_samples must be at least n_classes ({n_classes}), got {n_samples}.")
    if n_pathways < 1:
        raise ConfigError(f"n_pathways must be at least 1, got {n_pathways}.")
    try:
        lo, hi = (int(v) for v in pathway_size)
    except (TypeError, ValueError):
        raise ConfigError(
            f"pathway_size must be a pair (smallest, largest), got {pathway_size!r}."
        ) from None
    if not 2 <= lo <= hi <= n_genes:
        raise ConfigError(
            f"pathway_size must satisfy 2 <= smallest <= largest <= n_genes ({n_genes}), "
            f"got {pathway_size!r}."
        )
    if not max(1, n_classes - 1) <= n_informative_pathways <= n_pathways:
        raise ConfigError(
            f"n_informative_pathways must lie in [{max(1, n_classes - 1)}, {n_pathways}] "
            f"(at least n_classes - 1, at most n_pathways), got {n_informative_pathways}."
        )
    if not 0 < genes_informative_fraction <= 1:
        raise ConfigError(
            f"genes_informative_fraction must lie in (0, 1], got {genes_informative_fraction}."
        )
    if not 0 <= correlation < 1:
        raise ConfigError(f"correlation must lie in [0, 1), got {correlation}.")
    return lo, hi


def _draw_gene_sets(
    rng: np.random.Generator, n_genes: int, n_pathways: int, lo: int, hi: int
) -> np.ndarray:
    """Bool membership matrix of shape (n_pathways, n_genes)."""
    sizes = rng.integers(lo, hi + 1, size=n_pathways)
    n_core = np.maximum(1, np.round(sizes * (1 - _OVERLAP_SHARE)).astype(int))
    pool = rng.permutation(n_genes)[: max(int(hi), int(np.round(_CORE_SHARE * n_genes)))]
    # Consecutive chunks of the pool (wrapping round when the sets need more genes than the
    # pool holds, which then adds overlap).
    rows = np.repeat(np.arange(n_pathways), n_core)
    offsets = np.arange(n_core.sum())
    membership = np.zeros((n_pathways, n_genes), dtype=bool)
    membership[rows, pool[offsets % pool.size]] = True
    # Overlap: the remaining members are random genes of the pool (mostly other pathways').
    n_extra = sizes - membership.sum(axis=1)
    scores = rng.random((n_pathways, pool.size))
    scores[membership[:, pool]] = np.inf
    order = np.argsort(scores, axis=1)
    take = np.arange(pool.size)[None, :] < n_extra[:, None]
    extra_rows, extra_rank = np.nonzero(take)
    membership[extra_rows, pool[order[extra_rows, extra_rank]]] = True
    return membership


def _sample_ids(n: int) -> np.ndarray:
    return np.char.add("sim", np.char.zfill(np.arange(n).astype(str), 6))


def _seed_for_meta(random_state: int | np.random.Generator | None) -> int | None:
    """The seed as a JSON-able value (None for a Generator, whose state is not recorded)."""
    return None if isinstance(random_state, np.random.Generator) else random_state
