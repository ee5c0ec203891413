"""HAIN classifier: hierarchical gene -> pathway attention with prototype explanations."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnscope.core import AttributionSpec, check_is_fitted
from attnscope.data import TabularDataset
from attnscope.errors import AttnscopeWarning, ConfigError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._mlp import MLPClassifier, robust_scale
from attnscope.models.hain import HAIN
from attnscope.train import weighted_cross_entropy

__all__ = ["HAINClassifier", "gene_set_pairs", "robust_scale"]

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


class HAINClassifier(BaseClassifier):
    """Hierarchical attention (genes -> pathways -> sample) with prototypes.

    Parameters
    ----------
    gene_sets : str, Path, dict of str -> list of str, or None, default None
        GMT file or mapping of gene sets; features are matched by name (case-insensitive).
        None, or a coverage below ``min_coverage``, uses ``n_clusters`` learned soft gene
        clusters instead (with an :class:`AttnscopeWarning` in the second case).
    n_heads : int, default 8
    dim : int, default 32
        Token and sample-vector width (a multiple of ``n_heads``).
    key_dim : int, default 8
        Attention key width per head.
    n_clusters : int, default 8
    prototypes_per_class : int, default 3
    min_set_size, max_set_size : int, default 3 and 1000
        Gene sets with fewer / more measured genes are dropped.
    min_coverage : float, default 0.05
        Least share of features that must fall in kept gene sets.
    cluster_weight, separation_weight : float, default 0.5 and 0.05
        ProtoPNet losses: mean distance to the nearest own-class prototype (added) and to
        the nearest other-class prototype (subtracted).
    sparsity_weight : float, default 0.0
        Weight of the mean entropy of the gene attention inside each group.
    dropout : float, default 0.1
    epochs, batch_size, lr, ..., verbose
        Training options of :class:`~attnscope.estimators.BaseClassifier`
        (defaults here: ``epochs=100``, ``patience=20``, ``monitor="loss"``).

    Attributes
    ----------
    feature_importances_ : ndarray of shape (n_classes, n_features)
        Mean alpha x beta of the training samples of each class.
    pathway_importances_ : ndarray of shape (n_classes, n_groups)
    prototype_ids_ : ndarray of str, shape (n_prototypes,)
        Training sample each prototype was projected onto; ``prototype_classes_`` its class.
    """

    name: ClassVar[str] = "hain"
    dataset_type = TabularDataset

    def __init__(
        self,
        *,
        gene_sets: str | Path | dict[str, list[str]] | None = None,
        n_heads: int = 8,
        dim: int = 32,
        key_dim: int = 8,
        n_clusters: int = 8,
        prototypes_per_class: int = 3,
        min_set_size: int = 3,
        max_set_size: int = 1000,
        min_coverage: float = 0.05,
        cluster_weight: float = 0.5,
        separation_weight: float = 0.05,
        sparsity_weight: float = 0.0,
        dropout: float = 0.1,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        optimizer: str = "adam",
        amsgrad: bool = False,
        patience: int = 20,
        monitor: str = "loss",
        min_epochs: int = 0,
        val_size: float = 0.1,
        clip_grad_norm: float | None = 1.0,
        class_weight: str | dict[Any, float] | None = None,
        device: str = "cpu",
        random_state: int = 0,
        verbose: bool = False,
    ) -> None:
        super().__init__(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            optimizer=optimizer,
            amsgrad=amsgrad,
            patience=patience,
            monitor=monitor,
            min_epochs=min_epochs,
            val_size=val_size,
            clip_grad_norm=clip_grad_norm,
            class_weight=class_weight,
            device=device,
            random_state=random_state,
            verbose=verbose,
        )
        self.gene_sets = gene_sets
        self.n_heads = n_heads
        self.dim = dim
        self.key_dim = key_dim
        self.n_clusters = n_clusters
        self.prototypes_per_class = prototypes_per_class
        self.min_set_size = min_set_size
        self.max_set_size = max_set_size
        self.min_coverage = min_coverage
        self.cluster_weight = cluster_weight
        self.separation_weight = separation_weight
        self.sparsity_weight = sparsity_weight
        self.dropout = dropout

    _dataset_from_arrays = MLPClassifier._dataset_from_arrays  # type: ignore[assignment]
    _align = MLPClassifier._align
    _check_data = MLPClassifier._check_data  # type: ignore[assignment]

    # -- network ----------------------------------------------------------------------
    def _check_params(self) -> None:
        for key in ("n_heads", "dim", "key_dim", "n_clusters", "prototypes_per_class"):
            if int(getattr(self, key)) < 1:
                raise ConfigError(f"{key} must be a positive integer, got {getattr(self, key)!r}.")
        if self.dim % self.n_heads:
            raise ConfigError(
                f"dim ({self.dim}) must be a multiple of n_heads ({self.n_heads}); "
                f"e.g. dim={self.n_heads * max(1, self.dim // self.n_heads)}."
            )

    def _module_spec(self, data: Any) -> dict[str, Any]:
        self._check_params()
        names = data.feature_names
        spec: dict[str, Any] = {
            "n_features": int(data.n_features),
            "n_classes": len(self.classes_),
            "dim": int(self.dim),
            "n_heads": int(self.n_heads),
            "key_dim": int(self.key_dim),
            "prototypes_per_class": int(self.prototypes_per_class),
            "dropout": float(self.dropout),
            "feature_names": names.tolist(),
            "grouping": "soft_clusters",
        }
        if self.gene_sets is not None:
            sets = _read_gene_sets(self.gene_sets)
            gi, si, groups = gene_set_pairs(
                sets, names, min_size=self.min_set_size, max_size=self.max_set_size
            )
            coverage = (
                float(np.unique(gi[si != groups.index(OTHER)]).size / len(names))
                if (OTHER in groups)
                else 1.0
            )
            spec["gene_set_coverage"] = coverage
            if coverage >= self.min_coverage and len(groups) > 1:
                spec.update(
                    grouping="gene_sets",
                    group_names=groups,
                    gene_index=gi.tolist(),
                    group_index=si.tolist(),
                )
                return spec
            warnings.warn(
                f"only {coverage:.1%} of the {len(names)} features are in gene sets of "
                f"{self.min_set_size}-{self.max_set_size} measured genes (min_coverage="
                f"{self.min_coverage}); using {self.n_clusters} soft gene clusters instead. "
                "Check that feature names are gene symbols.",
                AttnscopeWarning,
                stacklevel=3,
            )
        spec["group_names"] = [f"cluster_{k}" for k in range(int(self.n_clusters))]
        return spec

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
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
        )

    def _init_from_data(self, module: nn.Module, data: Any) -> None:
        """Training mean and scale; see :func:`robust_scale` for constant genes."""
        x = torch.as_tensor(data.X)
        module.mean.copy_(x.mean(dim=0))  # type: ignore[operator]
        module.scale.copy_(robust_scale(x))  # type: ignore[operator]

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        return (torch.as_tensor(data.X),)

    def _loss_fn(self):  # type: ignore[no-untyped-def]
        wc, ws, wa = (
            float(self.cluster_weight),
            float(self.separation_weight),
            float(self.sparsity_weight),
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

    # -- fit: prototype projection and global importances -------------------------------
    def fit(
        self,
        X: Any,
        y: Any | None = None,
        *,
        sample_weight: Any = None,
        validation_data: Any = None,
        layer: str | None = None,
    ) -> HAINClassifier:
        """Train (see :meth:`BaseClassifier.fit`), then project every prototype onto its
        nearest training sample of its class and store per-class global importances."""
        super().fit(X, y, sample_weight=sample_weight, validation_data=validation_data, layer=layer)
        data: Any = self.as_dataset(X, y)
        codes = self._codes(data)
        module: Any = self.module_
        outs = self._outputs(torch.as_tensor(data.X))
        h, hier, beta = outs["embedding"], outs["hierarchical"], outs["pathway"]
        protos = module.prototypes
        ids, classes = [], []
        with torch.no_grad():
            for c in range(len(self.classes_)):  # classes, not samples: a handful of steps
                members = np.flatnonzero(codes == c)
                rows = torch.nonzero(protos.prototype_class == c).flatten()
                d = torch.cdist(protos.prototypes[rows], h[members])  # m x n_c
                nearest = members[d.argmin(dim=1).numpy()]
                protos.prototypes[rows] = h[nearest]
                ids += data.sample_ids[nearest].tolist()
                classes += [str(self.classes_[c])] * len(rows)
        onehot = np.eye(len(self.classes_))[codes].T / np.bincount(codes).reshape(-1, 1)
        self._refit_last_layer(torch.as_tensor(data.X), torch.as_tensor(codes))
        self.spec_["prototype_ids"] = ids
        self.spec_["prototype_classes"] = classes
        self.spec_["gene_importance"] = np.round(onehot @ hier.numpy(), 8).tolist()
        self.spec_["pathway_importance"] = np.round(onehot @ beta.numpy(), 8).tolist()
        return self

    def _refit_last_layer(self, x: Tensor, y: Tensor, *, steps: int = 300) -> None:
        """ProtoPNet's last-layer step: refit the similarity -> logit weights after the
        projection moved the prototypes (convex; full batch; L1 on other-class weights)."""
        module: Any = self.module_
        sim = self._outputs(x)["similarity"]
        layer = module.classifier
        own = F.one_hot(module.prototypes.prototype_class, len(self.classes_)).T.bool()
        with torch.enable_grad():
            opt = torch.optim.Adam(layer.parameters(), lr=0.05)
            for _ in range(steps):  # optimiser steps on one small matrix, not a data loop
                opt.zero_grad()
                loss = F.cross_entropy(layer(sim), y) + 1e-3 * layer.weight[~own].abs().sum()
                loss.backward()
                opt.step()

    def _outputs(self, x: Tensor, *, batch_size: int = 256) -> dict[str, Tensor]:
        """Embedding (n, D), hierarchical (n, G), pathway (n, S), similarity (n, M)."""
        module: Any = self.module_
        keep: dict[str, list[Tensor]] = {
            "embedding": [],
            "hierarchical": [],
            "pathway": [],
            "similarity": [],
        }
        was = module.training
        module.eval()
        try:
            with torch.no_grad():
                for i in range(0, x.shape[0], batch_size):
                    out = module(x[i : i + batch_size])
                    keep["embedding"].append(out.extras["embedding"])
                    keep["hierarchical"].append(module.hierarchical(out))
                    keep["pathway"].append(out.attention["pathway"])
                    keep["similarity"].append(out.extras["prototype_similarity"])
        finally:
            module.train(was)
        return {k: torch.cat(v) for k, v in keep.items()}

    # -- fitted views ------------------------------------------------------------------
    def _fitted(self, key: str) -> Any:
        check_is_fitted(self)
        if key not in self.spec_:
            raise ConfigError(f"this model has no {key!r}; refit it with this attnscope version.")
        return self.spec_[key]

    @property
    def feature_importances_(self) -> np.ndarray:
        """Per class (n_classes, n_features): mean alpha x beta over its training samples."""
        return np.asarray(self._fitted("gene_importance"), dtype=np.float64)

    @property
    def pathway_importances_(self) -> np.ndarray:
        """Per class (n_classes, n_groups): mean pathway attention beta."""
        return np.asarray(self._fitted("pathway_importance"), dtype=np.float64)

    @property
    def group_names_(self) -> np.ndarray:
        """Names of the level-1 groups (gene sets, "OTHER" or soft clusters)."""
        return np.asarray(self._fitted("group_names"))

    @property
    def prototype_ids_(self) -> np.ndarray:
        """Training sample id behind each prototype, shape (n_prototypes,)."""
        return np.asarray(self._fitted("prototype_ids"))

    @property
    def prototype_classes_(self) -> np.ndarray:
        """Class name of each prototype, shape (n_prototypes,)."""
        return np.asarray(self._fitted("prototype_classes"))

    # -- attribution -------------------------------------------------------------------
    def attribution_spec(self, data: Any) -> AttributionSpec:
        """Raw expression is the attribution input; baseline = training mean."""
        from dataclasses import replace

        from attnscope.estimators._mlp import standardised_table_spec

        module: Any = self.module_
        spec = standardised_table_spec(
            module,
            self._make_inputs(data)[0],
            self.spec_["feature_names"],
            feature_axis="gene",
            group_names=list(self.spec_["group_names"]),
        )

        def attention(inp: Tensor) -> dict[str, Tensor]:
            return dict(module(inp).attention)

        return replace(spec, attention=attention)


def _hierarchical(
    estimator: HAINClassifier, spec: AttributionSpec, target: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, dict[str, Any]]:
    """Gene alpha x pathway beta (class-independent; each row sums to one)."""
    outs = estimator._outputs(spec.raw_inputs[0], batch_size=batch_size)
    meta = {
        "pathway_names": list(estimator.spec_["group_names"]),
        "pathway_attention": outs["pathway"].numpy().round(6).tolist(),
        "class_specific": False,
    }
    return outs["hierarchical"].numpy(), meta


def _contribution(
    estimator: HAINClassifier, spec: AttributionSpec, target: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, dict[str, Any]]:
    """Attention x value norm x pathway beta per gene (:meth:`HAIN.contribution`)."""
    module: Any = estimator.module_
    x = spec.raw_inputs[0]
    was = module.training
    module.eval()
    try:
        with torch.no_grad():
            parts = [
                module.contribution(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)
            ]
    finally:
        module.train(was)
    return torch.cat(parts).numpy(), {"class_specific": False}


def _prototypes(
    estimator: HAINClassifier, spec: AttributionSpec, target: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, dict[str, Any]]:
    """Similarity (n, n_prototypes) of each sample to every prototype, with the closest."""
    sim = estimator._outputs(spec.raw_inputs[0], batch_size=batch_size)["similarity"].numpy()
    ids = estimator.prototype_ids_.tolist()
    classes = estimator.prototype_classes_.tolist()
    best = sim.argmax(axis=1)
    text = [
        f"closest to prototype {k} = training sample {ids[k]}, class {classes[k]}, "
        f"similarity {sim[i, k]:.3f}"
        for i, k in enumerate(best)
    ]
    meta = {
        "prototype_ids": ids,
        "prototype_classes": classes,
        "closest": best.tolist(),
        "explanations": text,
        # values are per prototype, not per gene: name that axis
        "feature_names": [f"prototype {k}: {ids[k]} ({classes[k]})" for k in range(len(ids))],
    }
    return sim, meta


HAINClassifier.attribution_methods = {
    "hierarchical": _hierarchical,
    "contribution": _contribution,
    "prototypes": _prototypes,
}
