"""HAIN classifier: hierarchical gene -> pathway attention with prototype explanations.

The gene-set pairs, parameter checks, network and loss live in ``_hain_spec``, the
prototype projection, read-outs and attribution methods in ``_hain_explain``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.core import AttributionSpec, check_is_fitted
from attnscope.data import TabularDataset
from attnscope.errors import AttnscopeWarning, ConfigError
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._hain_explain import (
    _contribution,
    _hierarchical,
    _prototypes,
    attribution_spec,
    outputs,
    project_prototypes,
    refit_last_layer,
)
from attnscope.estimators._hain_spec import (
    OTHER,
    _read_gene_sets,
    build_module,
    check_params,
    gene_set_pairs,
    make_loss_fn,
    pool_scale_for,
)
from attnscope.estimators._mlp import MLPClassifier, robust_scale

__all__ = ["HAINClassifier", "gene_set_pairs", "robust_scale"]


class HAINClassifier(BaseClassifier):
    """Hierarchical attention (genes -> pathways -> sample) with prototypes.

    Parameters
    ----------
    gene_sets : str, Path, dict of str -> list of str, or None, default None
        GMT file or mapping of gene sets; features are matched by name (case-insensitive).
        None, or a coverage below ``min_coverage``, uses ``n_clusters`` learned soft gene
        clusters instead (with an :class:`AttnscopeWarning` in the second case).
    n_heads : int, default 4
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
    pool_scale : {"auto", "mean", "sqrt_size"}, default "auto"
        A group token is the attention-weighted mean of its genes' values; ``"sqrt_size"``
        multiplies it by the square root of the group's size, so that a large group does
        not start with a token that barely varies between samples (see
        :class:`attnscope.models.hain.GenePooling`). ``"auto"``: ``"sqrt_size"`` with soft
        clusters (each holds every gene), ``"mean"`` with gene sets. Chosen on inner
        validation splits of Golub and SRBCT training folds (docs/tutorials/expression.md).
    dropout : float, default 0.1
    epochs, batch_size, lr, ..., verbose
        Training options of :class:`~attnscope.estimators.BaseClassifier`
        (defaults here: ``epochs=100``, ``batch_size=32``, ``patience=20``,
        ``monitor="loss"``: the settings of ``benchmarks/hain.py``).

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
        n_heads: int = 4,
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
        pool_scale: str = "auto",
        dropout: float = 0.1,
        epochs: int = 100,
        batch_size: int = 32,
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
        self.pool_scale = pool_scale
        self.dropout = dropout

    _dataset_from_arrays = MLPClassifier._dataset_from_arrays  # type: ignore[assignment]
    _align = MLPClassifier._align
    _check_data = MLPClassifier._check_data  # type: ignore[assignment]

    # -- network ----------------------------------------------------------------------
    def _check_params(self) -> None:
        check_params(self)

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
                    pool_scale=pool_scale_for(self, "gene_sets"),
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
        spec["pool_scale"] = pool_scale_for(self, "soft_clusters")
        return spec

    def _build_module(self, spec: dict[str, Any]) -> nn.Module:
        return build_module(self, spec)

    def _init_from_data(self, module: nn.Module, data: Any) -> None:
        """Training mean and scale; see :func:`robust_scale` for constant genes."""
        x = torch.as_tensor(data.X)
        module.mean.copy_(x.mean(dim=0))  # type: ignore[operator]
        module.scale.copy_(robust_scale(x))  # type: ignore[operator]

    def _make_inputs(self, data: Any) -> tuple[Tensor, ...]:
        return (torch.as_tensor(data.X),)

    def _loss_fn(self):  # type: ignore[no-untyped-def]
        return make_loss_fn(self)

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
        project_prototypes(self, X, y)
        return self

    def _refit_last_layer(self, x: Tensor, y: Tensor, *, steps: int = 300) -> None:
        """ProtoPNet's last-layer step: refit the similarity -> logit weights after the
        projection moved the prototypes (convex; full batch; L1 on other-class weights)."""
        refit_last_layer(self, x, y, steps=steps)

    def _outputs(self, x: Tensor, *, batch_size: int = 256) -> dict[str, Tensor]:
        """Embedding (n, D), hierarchical (n, G), pathway (n, S), similarity (n, M)."""
        return outputs(self, x, batch_size=batch_size)

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
        return attribution_spec(self, data)


HAINClassifier.attribution_methods = {
    "hierarchical": _hierarchical,
    "contribution": _contribution,
    "prototypes": _prototypes,
}
