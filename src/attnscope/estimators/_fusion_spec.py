"""FusionClassifier's data side: input checks, the network spec, the regression start.

Functions of the estimator (``est``) that :class:`~attnscope.estimators.FusionClassifier`'s
fit hooks call: the arrays-to-dataset conversion, the checks on a dataset, the
description of the network built for it (cross pairs, ANOVA feature selection) and the
start of the token embeddings and head at an L2 logistic regression.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from attnscope.data import MultiOmicsDataset, align_labels, encode_labels, id_strings
from attnscope.errors import ConfigError, DataError
from attnscope.models.fusion import AttentionPool, FeatureTokens, FusionNet

if TYPE_CHECKING:
    from attnscope.estimators._fusion import FusionClassifier

__all__ = ["check_data", "dataset_from_arrays", "linear_probe_init", "module_spec", "pair_index"]


def dataset_from_arrays(
    est: FusionClassifier, X: Any, y: Any | None, *, reset: bool = False
) -> MultiOmicsDataset:
    if not isinstance(X, dict) or not X:
        raise DataError(
            "FusionClassifier takes a MultiOmicsDataset or a dict modality -> "
            "(n_samples, n_features) array."
        )
    spec = getattr(est, "spec_", None)
    X, ids = _frames_by_name(X, spec)
    if y is not None and ids is not None:
        y = align_labels(y, ids)  # a Series of labels pairs by sample id too
    omics = {str(k): np.ascontiguousarray(v, dtype=np.float32) for k, v in X.items()}
    n = next(iter(omics.values())).shape[0]
    labels, class_names = (None, list(getattr(est, "classes_", [])))
    if y is not None and reset:  # classes_ from the aligned labels, not y by position
        from attnscope.estimators._sklearn import fit_labels

        est.classes_, labels = fit_labels(y)
        class_names = [str(c) for c in est.classes_]
    elif y is not None:
        labels, class_names = encode_labels(np.asarray(y))
    names = {
        k: np.asarray(spec["feature_names"][k])
        if spec is not None and k in spec["feature_names"]
        else id_strings(X[k].columns)
        if hasattr(X[k], "columns")
        else np.array([f"{k}_{j}" for j in range(v.shape[1])])
        for k, v in omics.items()
    }
    return MultiOmicsDataset(
        labels=labels,
        sample_ids=np.arange(n).astype(str) if ids is None else ids,
        class_names=class_names,
        truth=None,
        meta={},
        omics=omics,
        feature_names=names,
    )


def _frames_by_name(X: dict[Any, Any], spec: dict[str, Any] | None) -> tuple[dict[str, Any], Any]:
    """``X`` with its DataFrames' rows in the first one's sample order and (once fitted)
    their columns in the fitted order; and those sample ids (None without DataFrames).

    By position, tables of the same samples in another row or column order were fused
    sample with other sample, gene with other gene, silently; other samples are a
    DataError.
    """
    import pandas as pd

    from attnscope.estimators._sklearn import align_columns

    out = {str(k): v for k, v in X.items()}
    frames = [k for k, v in out.items() if hasattr(v, "columns") and hasattr(v, "index")]
    if not frames:
        return out, None
    first = frames[0]
    ids = id_strings(out[first].index)
    for k in frames:
        keys = id_strings(out[k].index)
        if not (keys.size == ids.size and (keys == ids).all()):
            same = out[k].index.is_unique and len(set(ids.tolist())) == ids.size
            if not (same and keys.size == ids.size and set(keys.tolist()) == set(ids.tolist())):
                raise DataError(
                    f"the tables of modalities {first!r} and {k!r} hold other sample ids "
                    f"(only in {k!r}: {sorted(set(keys.tolist()) - set(ids.tolist()))[:3]}; "
                    f"only in {first!r}: {sorted(set(ids.tolist()) - set(keys.tolist()))[:3]}"
                    "; or repeated ids); give every table the same samples as its index, or "
                    "a MultiOmicsDataset with present=False where a modality lacks a sample."
                )
            out[k] = out[k].iloc[pd.Index(keys).get_indexer(ids)]
        if spec is not None and k in spec["feature_names"]:
            out[k] = align_columns(out[k], spec["feature_names"][k], what=f"modality {k!r}")
    return out, ids


def check_data(est: FusionClassifier, data: Any) -> None:
    empty = ~data.present.any(axis=1)
    if empty.any():
        raise DataError(
            f"{int(empty.sum())} sample(s) have no modality present (first: "
            f"{data.sample_ids[np.argmax(empty)]}); drop them or give at least one modality."
        )
    spec = getattr(est, "spec_", None)
    if spec is None:
        return
    if data.modality_names != spec["modalities"]:
        raise DataError(
            f"the model was trained on modalities {spec['modalities']} (in this order), "
            f"the data have {data.modality_names}; mark a missing modality absent with "
            "present[:, j] = False (see without_modalities) instead of dropping it."
        )
    for m, n in zip(spec["modalities"], spec["n_features"]):
        if data.omics[m].shape[1] != n:
            raise DataError(
                f"modality {m!r} had {n} features in training, this data has "
                f"{data.omics[m].shape[1]}; use the same feature columns."
            )


def pair_index(est: FusionClassifier, modalities: list[str]) -> list[list[int]]:
    if est.cross_pairs == "all":
        return [list(p) for p in itertools.combinations(range(len(modalities)), 2)]
    if isinstance(est.cross_pairs, str):
        raise ConfigError(f"cross_pairs must be 'all' or a list of pairs, got {est.cross_pairs!r}.")
    pairs = []
    for pair in est.cross_pairs:
        a, b = (str(x) for x in pair)
        if a not in modalities or b not in modalities or a == b:
            raise ConfigError(
                f"cross pair ({a!r}, {b!r}) must name two different modalities of {modalities}."
            )
        pairs.append([modalities.index(a), modalities.index(b)])
    return pairs


def module_spec(est: FusionClassifier, data: Any) -> dict[str, Any]:
    from sklearn.feature_selection import f_classif

    if est.max_features is not None and est.max_features < 1:
        raise ConfigError(f"max_features must be >= 1 or None, got {est.max_features}.")
    if est.alpha_init not in ("uniform", "probe"):
        raise ConfigError(f"alpha_init must be 'uniform' or 'probe', got {est.alpha_init!r}.")
    if est.init_C is not None and not est.init_C > 0:
        raise ConfigError(f"init_C must be positive or None, got {est.init_C}.")
    if est.attention_lr is not None and not est.attention_lr > 0:
        raise ConfigError(f"attention_lr must be positive or None, got {est.attention_lr}.")
    if est.finetune not in ("all", "attention"):
        raise ConfigError(f"finetune must be 'all' or 'attention', got {est.finetune!r}.")
    if not 0 <= est.modality_dropout < 1:
        raise ConfigError(f"modality_dropout must lie in [0, 1), got {est.modality_dropout}.")
    modalities = data.modality_names
    index: list[list[int] | None] = []
    for j, m in enumerate(modalities):
        x = data.omics[m][data.present[:, j]]
        if est.max_features is None or x.shape[1] <= est.max_features:
            index.append(None)
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            f, _ = f_classif(x, data.y[data.present[:, j]])
        top = np.argsort(-np.nan_to_num(f, nan=0.0), kind="stable")[: est.max_features]
        index.append(sorted(int(i) for i in top))
    return {
        "modalities": modalities,
        "n_features": [int(data.omics[m].shape[1]) for m in modalities],
        "feature_names": {m: data.feature_names[m].tolist() for m in modalities},
        "index": index,
        "n_classes": len(est.classes_),
        "dim": int(est.dim),
        "n_heads": int(est.n_heads),
        "n_layers": int(est.n_layers),
        "cross_pairs": est._pairs(modalities),
        "use_cross": bool(est.use_cross),
        "use_modality_attention": bool(est.use_modality_attention),
        "dropout": float(est.dropout),
        "feature_dropout": float(est.feature_dropout),
        "modality_dropout": float(est.modality_dropout),
        "feature_prior": est.alpha_init == "probe" and est.init_C is not None,
    }


def linear_probe_init(
    est: FusionClassifier,
    net: FusionNet,
    tokens: list[FeatureTokens],
    data: MultiOmicsDataset,
    C: float,
) -> None:
    """Start the network at an L2 logistic regression on the standardised tokens.

    At initialisation the attention branches are zero (zero output projections), alpha
    and beta are uniform, so the logits are linear in the standardised values:
    ``W sum_i (1/k) sum_j (1/n_i) (z_ij v_ij + e_ij)``. Setting ``v_ij`` along the class
    directions of the head to ``k n_i / s`` times the regression coefficient of feature
    ``(i, j)`` (head rows ``s`` times unit vectors) makes these logits the regression's.
    Adam then refines this start instead of the random one: on a few hundred samples
    with hundreds of diffuse features, Adam from a random start lands near the
    per-feature correlation classifier and overfits before reaching the regression
    (see ``benchmarks/fusion.py``).
    """
    from sklearn.linear_model import LogisticRegression

    z = [
        ((torch.as_tensor(data.omics[m]).index_select(1, t.index) - t.mean) / t.scale)
        * torch.as_tensor(data.present[:, [j]])  # absent modality: z = 0 (the mean)
        for j, (m, t) in enumerate(zip(data.modality_names, tokens))
    ]
    x = torch.cat(z, dim=1).numpy().astype(np.float64)
    n_classes = len(est.classes_)
    dim = tokens[0].value.shape[1]
    if n_classes > dim:
        return  # too few token dimensions for one head direction per class
    lr = LogisticRegression(C=C, max_iter=2000).fit(x, data.y)
    coef = np.asarray(lr.coef_, dtype=np.float64)  # (1 or n_classes, p)
    intercept = np.asarray(lr.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: split the log-odds between the two classes
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    k = len(tokens)
    sizes = [t.n_tokens for t in tokens]
    s = float(np.sqrt(k * np.mean(sizes)))
    head = cast(nn.Linear, net.head[-1])
    gen = torch.Generator().manual_seed(int(est.random_state))
    with torch.no_grad():
        head.weight.zero_()
        head.weight[:, :n_classes] = s * torch.eye(n_classes)
        head.bias.copy_(torch.as_tensor(intercept, dtype=head.bias.dtype))
        parts = np.split(coef, np.cumsum(sizes)[:-1], axis=1)
        for t, pool, c, n in zip(tokens, net.feature_pool, parts, sizes):
            # alpha at the start: uniform, or the normalised |coefficients| ("probe").
            alpha = np.full(n, 1.0 / n)
            bias = cast(AttentionPool, pool).bias
            if bias is not None:
                size = np.linalg.norm(c, axis=0)
                size = size + 1e-3 * size.mean() + 1e-12
                alpha = size / size.sum()
                bias.copy_(torch.as_tensor(np.log(alpha), dtype=bias.dtype))
            v = torch.randn(n, dim, generator=gen) * 0.02
            v[:, :n_classes] = torch.as_tensor(c.T * k / (s * alpha[:, None]), dtype=v.dtype)
            t.value.copy_(v)
