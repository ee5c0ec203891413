"""HAINClassifier's network side: gene-set pairs, parameter checks, the network and loss.

Functions of the estimator (``est``) that :class:`~attnscope.estimators.HAINClassifier`'s
fit hooks call, and :func:`gene_set_pairs`, the gene -> gene set membership pairs
(re-exported by ``attnscope.estimators._hain``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.errors import ConfigError
from attnscope.models.hain import HAIN
from attnscope.train import weighted_cross_entropy

if TYPE_CHECKING:
    from attnscope.estimators._hain import HAINClassifier

__all__ = [
    "OTHER",
    "build_module",
    "check_params",
    "gene_set_pairs",
    "make_loss_fn",
    "pool_scale_for",
]

OTHER = "OTHER"


def _read_gene_sets(gene_sets: str | Path | Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """A GMT path or a mapping -> {set name: genes}."""
    if isinstance(gene_sets, Mapping):
        return {str(k): [str(g) for g in v] for k, v in gene_sets.items()}
    from attnscope.io import read_gmt

    return dict(read_gmt(gene_sets))


def gene_set_pairs(
    gene_sets: Mapping[str, Sequence[str]],
    feature_names: Sequence[str] | np.ndarray,
    *,
    min_size: int = 3,
    max_size: int = 1000,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Membership pairs of measured genes in gene sets, plus an "OTHER" group.

    Names are matched case-insensitively. Sets with fewer than ``min_size`` or more than
    ``max_size`` measured genes are dropped; genes in no kept set form the group "OTHER".

    Returns
    -------
    gene_index, group_index : ndarray of shape (n_pairs,), int64
    group_names : list of str
        Kept set names, then "OTHER" when some genes are in no set.
    """
    lookup: dict[str, list[int]] = {}
    for j, name in enumerate(np.asarray(feature_names).astype(str)):
        lookup.setdefault(name.strip().upper(), []).append(j)
    genes: list[np.ndarray] = []
    names: list[str] = []
    for set_name, members in gene_sets.items():
        idx = sorted({j for g in members for j in lookup.get(str(g).strip().upper(), ())})
        if min_size <= len(idx) <= max_size:
            genes.append(np.asarray(idx, dtype=np.int64))
            names.append(set_name)
    n = len(feature_names)
    covered = np.zeros(n, dtype=bool)
    if genes:
        covered[np.concatenate(genes)] = True
    if (~covered).any():
        genes.append(np.flatnonzero(~covered).astype(np.int64))
        names.append(OTHER)
    gene_index = np.concatenate(genes) if genes else np.zeros(0, np.int64)
    group_index = np.repeat(np.arange(len(genes)), [len(g) for g in genes]).astype(np.int64)
    return gene_index, group_index, names


#: What ``pool_scale="auto"`` means for each grouping (chosen on inner validation splits:
#: benchmarks/hain_pool_scale.py).
AUTO_POOL_SCALE = {"gene_sets": "mean", "soft_clusters": "sqrt_size"}


def pool_scale_for(est: HAINClassifier, grouping: str) -> str:
    """The pooling a model of this grouping is built with (``"auto"`` resolved)."""
    return AUTO_POOL_SCALE[grouping] if est.pool_scale == "auto" else str(est.pool_scale)


def check_params(est: HAINClassifier) -> None:
    for key in ("n_heads", "dim", "key_dim", "n_clusters", "prototypes_per_class"):
        if int(getattr(est, key)) < 1:
            raise ConfigError(f"{key} must be a positive integer, got {getattr(est, key)!r}.")
    if est.pool_scale not in ("auto", "mean", "sqrt_size"):
        raise ConfigError(
            f"pool_scale must be 'auto', 'mean' or 'sqrt_size', got {est.pool_scale!r}."
        )
    if est.dim % est.n_heads:
        raise ConfigError(
            f"dim ({est.dim}) must be a multiple of n_heads ({est.n_heads}); "
            f"e.g. dim={est.n_heads * max(1, est.dim // est.n_heads)}."
        )


def build_module(est: HAINClassifier, spec: dict[str, Any]) -> nn.Module:
    n_genes, n_groups = spec["n_features"], len(spec["group_names"])
    soft = spec["grouping"] == "soft_clusters"
    if soft:
        gi = torch.arange(n_genes).repeat_interleave(n_groups)
        si = torch.arange(n_groups).repeat(n_genes)
    else:
        gi = torch.as_tensor(spec["gene_index"], dtype=torch.long)
        si = torch.as_tensor(spec["group_index"], dtype=torch.long)
    return HAIN(
        n_genes,
        spec["n_classes"],
        gi,
        si,
        n_groups,
        dim=spec["dim"],
        n_heads=spec["n_heads"],
        key_dim=spec["key_dim"],
        prototypes_per_class=spec["prototypes_per_class"],
        dropout=spec["dropout"],
        soft_clusters=soft,
        pool_scale=spec.get("pool_scale", "mean"),  # models saved before the option: mean
    )


def make_loss_fn(est: HAINClassifier):  # type: ignore[no-untyped-def]
    wc, ws, wa = (
        float(est.cluster_weight),
        float(est.separation_weight),
        float(est.sparsity_weight),
    )

    def loss_fn(
        module: nn.Module,
        inputs: Sequence[Tensor],
        y: Tensor,
        cw: Tensor | None,
        epoch: int,
        sample_weight: Tensor | None = None,
    ) -> Tensor:
        out = module(*inputs)
        proto_class: Tensor = module.prototypes.prototype_class  # type: ignore[union-attr,assignment]
        loss = (
            F.cross_entropy(out.logits, y, weight=cw)
            if sample_weight is None
            else weighted_cross_entropy(out.logits, y, cw, sample_weight)
        )
        dist = out.extras["prototype_distance"]
        own = proto_class.unsqueeze(0) == y.unsqueeze(1)
        if wc:
            loss = loss + wc * dist.masked_fill(~own, float("inf")).amin(1).mean()
        if ws and not bool(own.all()):
            loss = loss - ws * dist.masked_fill(own, float("inf")).amin(1).mean()
        if wa:
            a = out.extras["pair_attention"].clamp_min(1e-12)
            loss = loss + wa * (-(a * a.log()).sum(1) / module.n_groups).mean()
        return loss

    return loss_fn
