"""FusionClassifier's explanation side: the attribution spec and the attention read-outs.

Functions of a fitted estimator (``est``) behind
:class:`~attnscope.estimators.FusionClassifier`'s ``attribution_spec``, ``top_features``,
``subgroup_attention`` and cross-attention maps, and the model-specific attribution
methods (attention, modality weights, cross-attention) that
:func:`attnscope.explain.attribute` finds in ``FusionClassifier.attribution_methods``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from attnscope.core import AttributionSpec
from attnscope.data import MultiOmicsDataset
from attnscope.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

    from attnscope.estimators._fusion import FusionClassifier

__all__ = [
    "attention_packed",
    "attribution_spec",
    "cross_map",
    "subgroup_attention",
    "top_features",
    "unpack_attention",
]


def attribution_spec(est: FusionClassifier, data: Any) -> AttributionSpec:
    *xs, present = est._make_inputs(data)
    module = est._net()
    modalities = est.spec_["modalities"]
    widths = [int(x.shape[1]) for x in xs]
    baselines = []
    for x, tok in zip(xs, est._tokens()):
        base = torch.zeros(1, x.shape[1])
        base[0, tok.index] = tok.mean  # unselected columns never reach the network
        baselines.append(base)

    def forward(*args: Tensor) -> Tensor:
        return module(*args).logits

    def remove(raw: tuple[Tensor, ...], mask: Tensor) -> tuple[Tensor, ...]:
        # A removed feature takes its training mean (zero after standardising).
        parts = torch.split(mask, widths, dim=1)
        out = [torch.where(p, b.expand_as(x), x) for x, p, b in zip(raw[:-1], parts, baselines)]
        return (*out, raw[-1])

    def attention(*raw: Tensor) -> dict[str, Tensor]:
        levels = est._unpack_attention(est._attention_packed(raw), int(raw[0].shape[0]))
        beta = levels["modality"]
        # "feature": beta_i * alpha_ij over all features (the spec's feature axis).
        combined = torch.cat([levels[m] * beta[:, [j]] for j, m in enumerate(modalities)], 1)
        return {"feature": combined, **levels}

    starts = np.cumsum([0, *widths])
    return AttributionSpec(
        inputs=tuple(xs),
        forward=forward,
        baselines=tuple(baselines),
        to_features=lambda attrs: torch.cat(list(attrs), dim=1).detach().cpu().numpy(),
        raw_inputs=(*xs, present),
        raw_forward=forward,
        remove=remove,
        feature_names=np.concatenate(
            [[f"{m}:{f}" for f in est.spec_["feature_names"][m]] for m in modalities]
        ),
        additional_args=(present,),
        attention=attention,
        meta={
            "feature_axis": "feature",
            "modalities": modalities,
            "slices": {m: [int(starts[i]), int(starts[i + 1])] for i, m in enumerate(modalities)},
        },
    )


def cross_map(
    est: FusionClassifier, raw: tuple[Tensor, ...], pair: str | None
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    from attnscope.core import batched_forward

    module = est._net()
    keys = [f"{module.modalities[i]}->{module.modalities[j]}" for i, j in module.directions]
    if not keys:
        raise ConfigError("this model has no cross-attention (use_cross=False or one modality).")
    key = keys[0] if pair is None else pair
    if key not in keys:
        raise ConfigError(f"no cross-attention {key!r}; choose from {keys}.")
    weights = batched_forward(
        module, raw, batch_size=64, collect=lambda out: out.extras[f"cross:{key}"]
    )
    a, b = key.split("->")
    idx = dict(zip(est.spec_["modalities"], est._token_index()))
    names = est.spec_["feature_names"]
    return key, weights.numpy(), np.asarray(names[a])[idx[a]], np.asarray(names[b])[idx[b]]


def top_features(est: FusionClassifier, X: Any, *, k: int = 10) -> pd.DataFrame:
    """:meth:`FusionClassifier.top_features` (documented there)."""
    import pandas as pd

    data: MultiOmicsDataset = est.as_dataset(X)  # type: ignore[assignment]
    att = est.attention_weights(data)
    frames = []
    for j, m in enumerate(est.spec_["modalities"]):
        alpha = att[m]
        kk = min(k, alpha.shape[1])
        top = np.argsort(-alpha, axis=1, kind="stable")[:, :kk]  # n x kk
        rows = np.flatnonzero(data.present[:, j])
        frames.append(
            pd.DataFrame(
                {
                    "sample_id": np.repeat(data.sample_ids[rows], kk),
                    "modality": m,
                    "rank": np.tile(np.arange(1, kk + 1), rows.size),
                    "feature": np.asarray(est.spec_["feature_names"][m])[top[rows]].ravel(),
                    "alpha": np.take_along_axis(alpha, top, axis=1)[rows].ravel(),
                    "beta": np.repeat(att["modality"][rows, j], kk),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def subgroup_attention(
    est: FusionClassifier, X: Any, by: Any = None, *, level: str = "both", alpha: float = 0.05
) -> pd.DataFrame:
    """:meth:`FusionClassifier.subgroup_attention` (documented there)."""
    import pandas as pd
    from scipy import stats

    if level not in ("both", "modality", "feature"):
        raise ConfigError(f"level must be 'both', 'modality' or 'feature', got {level!r}.")
    data: MultiOmicsDataset = est.as_dataset(X)  # type: ignore[assignment]
    groups = np.asarray(data.class_names)[data.y] if by is None else np.asarray(by).astype(str)
    if groups.shape != (len(data),):
        raise DataError(f"by must have one entry per sample ({len(data)}), got {groups.shape}.")
    names = np.unique(groups)
    if names.size < 2:
        raise DataError(f"by holds one group only ({names.tolist()}); give at least two.")
    att = est.attention_weights(data)
    blocks: list[tuple[str, str, np.ndarray, np.ndarray]] = []  # level, modality, names, values
    if level in ("both", "modality"):
        for j, m in enumerate(est.spec_["modalities"]):
            blocks.append(("modality", m, np.array([m]), att["modality"][:, [j]]))
    if level in ("both", "feature"):
        for m, idx in zip(est.spec_["modalities"], est._token_index()):
            feat = np.asarray(est.spec_["feature_names"][m])[idx]
            blocks.append(("feature", m, feat, att[m][:, idx]))
    frames = []
    for lev, m, feat, values in blocks:
        rows = data.present[:, est.spec_["modalities"].index(m)]
        samples = [values[rows & (groups == g)] for g in names]
        if sum(len(s) > 0 for s in samples) < 2:
            continue
        samples = [s for s in samples if len(s)]
        if len(samples) == 2:
            res = stats.mannwhitneyu(samples[0], samples[1], axis=0, alternative="two-sided")
            test = "mann-whitney"
        else:
            res = stats.kruskal(*samples, axis=0)
            test = "kruskal-wallis"
        frame = pd.DataFrame(
            {
                "level": lev,
                "modality": m,
                "feature": feat,
                "test": test,
                "statistic": np.asarray(res.statistic, dtype=float),
                "p_value": np.nan_to_num(np.asarray(res.pvalue, dtype=float), nan=1.0),
            }
        )
        for g in names:
            sel = rows & (groups == g)
            frame[f"mean_{g}"] = values[sel].mean(axis=0) if sel.any() else np.nan
        frames.append(frame)
    if not frames:
        raise DataError("no modality has samples in two groups; nothing to compare.")
    out = pd.concat(frames, ignore_index=True)
    out["q_value"] = np.nan
    for lev in out["level"].unique():
        sel = out["level"] == lev
        out.loc[sel, "q_value"] = stats.false_discovery_control(out.loc[sel, "p_value"].to_numpy())
    out["significant"] = out["q_value"] < alpha
    cols = [
        "level",
        "modality",
        "feature",
        "test",
        "statistic",
        "p_value",
        "q_value",
        "significant",
    ]
    return out[cols + [c for c in out.columns if c.startswith("mean_")]]


def attention_packed(est: FusionClassifier, raw: tuple[Tensor, ...]) -> Tensor:
    from attnscope.core import batched_forward

    modalities = est.spec_["modalities"]

    def collect(out: Any) -> Tensor:
        return torch.cat([*(out.attention[m] for m in modalities), out.attention["modality"]], 1)

    return batched_forward(est.module_, raw, batch_size=est._inference_batch(raw), collect=collect)


def unpack_attention(est: FusionClassifier, packed: Tensor, n: int) -> dict[str, Tensor]:
    """Split packed (alpha..., beta) into full-width alpha per modality and beta."""
    out: dict[str, Tensor] = {}
    sizes = [len(i) for i in est._token_index()]
    parts = torch.split(packed, [*sizes, len(sizes)], dim=1)
    for m, idx, width, part in zip(
        est.spec_["modalities"], est._token_index(), est.spec_["n_features"], parts
    ):
        full = torch.zeros(n, width)
        full[:, torch.as_tensor(idx)] = part
        out[m] = full
    out["modality"] = parts[-1]
    return out


# -- model-specific attribution methods (found by attnscope.explain.attribute) ---------
def _attention_method(
    estimator: FusionClassifier,
    spec: AttributionSpec,
    target: np.ndarray,
    *,
    level: str | None = None,
    **_: Any,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Attention per feature: ``beta_i * alpha_ij`` (``level="feature"``, default) or
    ``alpha_ij`` alone (``level="alpha"``), shape (n_samples, n_features_total)."""
    level = level or "feature"
    if level not in ("feature", "alpha"):
        raise ConfigError(
            f"level must be 'feature' or 'alpha', got {level!r}; modality weights come from "
            "method='modality_weights', cross-attention from method='cross_attention'."
        )
    if spec.attention is None:
        raise ConfigError("the attribution spec has no attention view.")
    att = spec.attention(*spec.raw_inputs)
    modalities = estimator.spec_["modalities"]
    values = att["feature"] if level == "feature" else torch.cat([att[m] for m in modalities], 1)
    return values.numpy(), {"level": level, "modalities": modalities}


def _modality_weights_method(
    estimator: FusionClassifier, spec: AttributionSpec, target: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """beta: values of shape (n_samples, n_modalities); names in ``meta["feature_names"]``."""
    if spec.attention is None:
        raise ConfigError("the attribution spec has no attention view.")
    beta = spec.attention(*spec.raw_inputs)["modality"].numpy()
    modalities = list(estimator.spec_["modalities"])
    return beta, {"modalities": modalities, "feature_names": modalities, "level": "modality"}


def _cross_attention_method(
    estimator: FusionClassifier,
    spec: AttributionSpec,
    target: np.ndarray,
    *,
    pair: str | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Cross-attention map (n_samples, n_A, n_B) of ``pair`` = "A->B" (default the first)."""
    key, weights, rows, cols = estimator._cross_map(spec.raw_inputs, pair)
    names = {"row_names": rows.tolist(), "col_names": cols.tolist(), "feature_names": cols}
    return weights, {"pair": key, **names}  # the last axis is B's features, not every one
