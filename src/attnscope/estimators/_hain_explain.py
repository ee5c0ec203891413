"""HAINClassifier's explanation side: prototype projection, read-outs, attribution methods.

Functions of a fitted estimator (``est``) behind
:class:`~attnscope.estimators.HAINClassifier`'s ``fit`` (projection of each prototype
onto a training sample, ProtoPNet's last-layer refit, per-class importances), its batched
read-outs and ``attribution_spec``, and the model-specific attribution methods
(hierarchical attention, contribution, prototypes) that :func:`attnscope.explain.attribute`
finds in ``HAINClassifier.attribution_methods``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from attnscope.core import AttributionSpec

if TYPE_CHECKING:
    from attnscope.estimators._hain import HAINClassifier

__all__ = ["attribution_spec", "outputs", "project_prototypes", "refit_last_layer"]


def project_prototypes(est: HAINClassifier, X: Any, y: Any | None) -> None:
    data: Any = est.as_dataset(X, y)
    codes = est._codes(data)
    module: Any = est.module_
    outs = est._outputs(torch.as_tensor(data.X))
    h, hier, beta = outs["embedding"], outs["hierarchical"], outs["pathway"]
    protos = module.prototypes
    ids, classes = [], []
    with torch.no_grad():
        for c in range(len(est.classes_)):  # classes, not samples: a handful of steps
            members = np.flatnonzero(codes == c)
            rows = torch.nonzero(protos.prototype_class == c).flatten()
            d = torch.cdist(protos.prototypes[rows], h[members])  # m x n_c
            nearest = members[d.argmin(dim=1).numpy()]
            protos.prototypes[rows] = h[nearest]
            ids += data.sample_ids[nearest].tolist()
            classes += [str(est.classes_[c])] * len(rows)
    onehot = np.eye(len(est.classes_))[codes].T / np.bincount(codes).reshape(-1, 1)
    est._refit_last_layer(torch.as_tensor(data.X), torch.as_tensor(codes))
    est.spec_["prototype_ids"] = ids
    est.spec_["prototype_classes"] = classes
    est.spec_["gene_importance"] = np.round(onehot @ hier.numpy(), 8).tolist()
    est.spec_["pathway_importance"] = np.round(onehot @ beta.numpy(), 8).tolist()


def refit_last_layer(est: HAINClassifier, x: Tensor, y: Tensor, *, steps: int = 300) -> None:
    module: Any = est.module_
    sim = est._outputs(x)["similarity"]
    layer = module.classifier
    own = F.one_hot(module.prototypes.prototype_class, len(est.classes_)).T.bool()
    with torch.enable_grad():
        opt = torch.optim.Adam(layer.parameters(), lr=0.05)
        for _ in range(steps):  # optimiser steps on one small matrix, not a data loop
            opt.zero_grad()
            loss = F.cross_entropy(layer(sim), y) + 1e-3 * layer.weight[~own].abs().sum()
            loss.backward()
            opt.step()


def outputs(est: HAINClassifier, x: Tensor, *, batch_size: int = 256) -> dict[str, Tensor]:
    module: Any = est.module_
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


def attribution_spec(est: HAINClassifier, data: Any) -> AttributionSpec:
    from dataclasses import replace

    from attnscope.estimators._mlp import standardised_table_spec

    module: Any = est.module_
    spec = standardised_table_spec(
        module,
        est._make_inputs(data)[0],
        est.spec_["feature_names"],
        feature_axis="gene",
        group_names=list(est.spec_["group_names"]),
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
