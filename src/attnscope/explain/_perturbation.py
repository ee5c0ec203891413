"""Perturbation methods: feature ablation, occlusion, Lime, KernelShap, ISM and ``random``.

Ablation, occlusion, Lime and KernelShap work on a *presence* vector ``z`` of shape
(n, *feature_shape), 1 = feature kept and 0 = removed with the estimator's own
``spec.remove`` (pad token, training mean, ...). So they apply unchanged to every model,
token models included, and their attributions are per feature. Feature groups (gene sets,
SNP blocks, sequence windows) become captum's ``feature_mask``; every feature of a group
carries the group's attribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.errors import ConfigError
from attnscope.explain._core import feature_shape, register_method, rows_per_pass
from attnscope.explain._reference import removed_outputs

__all__ = [
    "feature_ablation",
    "feature_groups",
    "ism",
    "kernel_shap",
    "lime",
    "occlusion",
    "random_attribution",
]


def feature_groups(
    shape: tuple[int, ...],
    *,
    groups: Any = None,
    window: int | None = None,
    feature_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Group id per feature: a partition for captum's ``feature_mask``.

    Parameters
    ----------
    shape : tuple of int
        Feature shape of one sample, e.g. (length,) or (n_genes,).
    groups : array-like of shape ``shape``, or dict of str -> sequence, optional
        A label per feature (SNP block, chromosome), or named sets of feature names or
        indices (gene sets). Sets must not overlap; features outside every set stay alone.
    window : int, optional
        Consecutive windows of ``window`` features (along the flattened feature axis).
    feature_names : sequence of str, optional
        Needed when ``groups`` names features.

    Returns
    -------
    ids : ndarray of shape ``shape``, int64
        Group index per feature, 0..n_groups-1.
    names : list of str
        Name of each group.
    """
    size = int(np.prod(shape))
    if groups is not None and window is not None:
        raise ConfigError("give either groups or window, not both.")
    if window is not None:
        if int(window) < 1:
            raise ConfigError(f"window must be a positive number of features, got {window}.")
        flat = np.arange(size) // int(window)
        names = [
            f"{i * window}-{min((i + 1) * window, size) - 1}" for i in range(int(flat[-1]) + 1)
        ]
        return flat.reshape(shape), names
    if groups is None:
        return np.arange(size).reshape(shape), [str(i) for i in range(size)]
    if isinstance(groups, Mapping):
        lookup = (
            {str(n): j for j, n in enumerate(feature_names)} if feature_names is not None else {}
        )
        ids = np.full(size, -1, dtype=np.int64)
        set_names: list[str] = []
        for g, (name, members) in enumerate(groups.items()):
            idx = np.array(
                [
                    lookup[str(m)] if str(m) in lookup else int(m)
                    for m in members
                    if str(m) in lookup or (isinstance(m, int | np.integer) and 0 <= int(m) < size)
                ],
                dtype=np.int64,
            )
            if (ids[idx] >= 0).any():
                raise ConfigError(
                    f"feature groups overlap (group {name!r}); ablation needs a partition: "
                    "drop the overlaps, or attribute per feature and use explain.per_group."
                )
            ids[idx] = g
            set_names.append(str(name))
        alone = np.flatnonzero(ids < 0)
        ids[alone] = len(set_names) + np.arange(alone.size)
        extra = feature_names if feature_names is not None else np.arange(size).astype(str)
        set_names += [str(np.asarray(extra).reshape(-1)[j]) for j in alone]
        return ids.reshape(shape), set_names
    labels = np.asarray(groups)
    if labels.shape != tuple(shape):
        raise ConfigError(
            f"groups must have one label per feature, shape {shape}; got {labels.shape}."
        )
    uniq, inv = np.unique(labels.reshape(-1), return_inverse=True)
    return inv.reshape(shape).astype(np.int64), [str(u) for u in uniq]


def _forward_rows(spec: Any, batch_size: int | None, memory_budget: float | None) -> int:
    """Rows per pass of the model's raw forward (no gradients)."""
    return rows_per_pass(
        batch_size, spec.raw_forward, spec.raw_inputs, grad=False, memory_budget=memory_budget
    )


@register_method("feature_ablation", reads="raw")
def feature_ablation(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    groups: Any = None,
    window: int | None = None,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Drop in the target logit when a feature (or its group) is removed.

    The values of captum's ``FeatureAblation`` on feature presence, with every
    (sample, group) pair batched into as few forward passes as the memory budget allows.

    Parameters
    ----------
    groups, window
        Feature groups, see :func:`feature_groups` (gene sets, SNP blocks, windows).
    """
    from attnscope.explain._exhaustive import ablation_values, group_masks

    shape = feature_shape(spec)
    ids, names = feature_groups(
        shape, groups=groups, window=window, feature_names=spec.feature_names
    )
    rows = _forward_rows(spec, batch_size, memory_budget)
    values = ablation_values(spec, target, len(names), group_masks(ids), rows=rows)
    return values, {"n_groups": len(names)}


@register_method("occlusion", reads="raw")
def occlusion(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    window: int | Sequence[int] = 10,
    stride: int | Sequence[int] | None = None,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Sliding-window occlusion of the features (captum ``Occlusion``'s values, batched
    over samples x windows).

    Parameters
    ----------
    window : int or tuple of int, default 10
        Window along the first feature axis (1 along the others), or one size per axis;
        capped at the feature length.
    stride : int or tuple of int, optional
        Default half the window (at least 1). A feature's value averages the windows
        covering it.
    """
    shape = feature_shape(spec)
    win = (
        tuple(int(w) for w in window)
        if isinstance(window, Sequence)
        else (min(int(window), shape[0]), *(1 for _ in shape[1:]))
    )
    if len(win) != len(shape) or min(win) < 1:
        raise ConfigError(f"window must be a positive int or one size per feature axis {shape}.")
    strides = (
        tuple(max(1, w // 2) for w in win)
        if stride is None
        else (
            tuple(int(s) for s in stride)
            if isinstance(stride, Sequence)
            else (int(stride),) * len(shape)
        )
    )
    if any(w > d for w, d in zip(win, shape)) or min(strides) < 1:
        raise ConfigError(
            f"window {win} must fit the features {shape} and strides {strides} be positive."
        )
    from attnscope.explain._exhaustive import ablation_values, window_masks

    rows = _forward_rows(spec, batch_size, memory_budget)
    values = ablation_values(spec, target, *window_masks(shape, win, strides), rows=rows)
    return values, {"window": list(win), "stride": list(strides)}


def _surrogate_groups(
    spec: Any, groups: Any, window: int | None, max_features: int
) -> tuple[np.ndarray, int]:
    shape = feature_shape(spec)
    size = int(np.prod(shape))
    if groups is None and window is None and size > max_features:
        window = int(np.ceil(size / max_features))
    ids, names = feature_groups(
        shape, groups=groups, window=window, feature_names=spec.feature_names
    )
    return ids, len(names)


def _check_draws(n_samples: int) -> int:
    if int(n_samples) < 1:
        raise ConfigError(f"n_samples must be a positive number of draws, got {n_samples}.")
    return int(n_samples)


@register_method("lime", reads="raw")
def lime(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    n_samples: int = 200,
    groups: Any = None,
    window: int | None = None,
    max_features: int = 100,
    alpha: float = 0.01,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """LIME on feature presence: a weighted ridge surrogate per sample, all solved at once.

    Binary interpretable features (group present / removed, Bernoulli 1/2), LIME's tabular
    kernel ``exp(-d^2 / (2 w^2))`` with ``w = 0.75 sqrt(n_groups)`` and ``d`` the Euclidean
    distance over the features (captum's ``Lime`` with that similarity gives the same
    surrogate up to the draws). See :func:`attnscope.explain._surrogate.lime_values`.

    Parameters
    ----------
    n_samples : int, default 200
        Perturbed copies per sample.
    groups, window
        Feature groups (:func:`feature_groups`); by default features are joined into
        consecutive windows when there are more than ``max_features``.
    alpha : float, default 0.01
        L2 penalty of the surrogate's coefficients (relative to the design's scale);
        0 gives plain weighted least squares.
    """
    from attnscope.explain._surrogate import lime_values

    draws = _check_draws(n_samples)
    if alpha < 0:
        raise ConfigError(f"alpha must be >= 0, got {alpha}.")
    ids, n_groups = _surrogate_groups(spec, groups, window, max_features)
    rows = _forward_rows(spec, batch_size, memory_budget)
    values = lime_values(
        spec,
        target,
        ids,
        n_groups,
        n_samples=draws,
        rows=rows,
        alpha=alpha,
        kernel_width=0.75 * float(np.sqrt(n_groups)),
    )
    return values, {"n_samples": draws, "n_groups": n_groups}


@register_method("kernel_shap", reads="raw")
def kernel_shap(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    n_samples: int = 200,
    groups: Any = None,
    window: int | None = None,
    max_features: int = 100,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """KernelSHAP on feature presence (Shapley kernel, efficiency constraint), batched.

    With ``n_samples >= 2^M - 2`` (M groups) every coalition is enumerated and the values
    are the exact Shapley values of the group presence game; otherwise coalitions are
    sampled from the Shapley kernel in complementary pairs. Groups as for :func:`lime`.
    See :func:`attnscope.explain._surrogate.kernel_shap_values`.

    ``meta["base_values"]`` is the output with every feature removed, so the group
    values sum to ``f(x) - base`` (efficiency). With one feature per group that is
    completeness over the features (``meta["completeness"]``); with larger groups every
    member carries its group's value, and the sum holds over groups, not features.

    By default features are joined into at most ``min(max_features, n_samples // 4)``
    consecutive windows (unless every coalition of them fits in ``n_samples``): the
    constrained regression then has at least 4 draws per unknown (with as many groups as
    draw pairs it interpolates its draws, and maps from two seeds hardly agree). Raise
    ``n_samples`` for finer groups.
    """
    from attnscope.explain._surrogate import enumerates_all, kernel_shap_values

    draws = _check_draws(n_samples)
    if not enumerates_all(int(np.prod(feature_shape(spec))), draws):
        max_features = min(int(max_features), max(2, draws // 4))
    ids, n_groups = _surrogate_groups(spec, groups, window, max_features)
    rows = _forward_rows(spec, batch_size, memory_budget)
    values = kernel_shap_values(spec, target, ids, n_groups, n_samples=draws, rows=rows)
    return values, {
        "n_samples": draws,
        "n_groups": n_groups,
        "base_values": removed_outputs(spec, target, rows),
        "completeness": n_groups == ids.size,
    }


@register_method("ism", reads="raw")
def ism(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    reduce: str = "mean",
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """In-silico mutagenesis of one-hot DNA: every position x every other base.

    For each position the observed base is replaced by each of the three others and the
    target logit recomputed; only those 3 variants per position are evaluated, many
    samples x positions per forward pass.

    Parameters
    ----------
    reduce : {"mean", "mean_abs", "max_abs"}, default "mean"
        Per-position score from the three changes ``d = logit(ref) - logit(alt)``:
        ``mean`` (signed: positive when the observed base supports the target),
        ``mean_abs`` or ``max_abs`` of ``|d|``.

    Returns
    -------
    values : ndarray of shape (n_samples, length)
    meta : dict
        ``reduce``.
    """
    if reduce not in ("mean", "mean_abs", "max_abs"):
        raise ConfigError(f"reduce must be 'mean', 'mean_abs' or 'max_abs', got {reduce!r}.")
    x = spec.inputs[0]
    if not spec.meta.get("one_hot") or len(spec.inputs) != 1 or x.ndim != 3 or x.shape[1] != 4:
        raise ConfigError(
            "ism needs a model on one-hot DNA (inputs of shape (n, 4, length)); "
            "use feature_ablation for other inputs."
        )
    rows = rows_per_pass(
        batch_size, spec.forward, spec.inputs, grad=False, memory_budget=memory_budget
    )
    from attnscope.explain._exhaustive import ism_values

    out = ism_values(spec.forward, x, target, rows=rows, reduce=reduce)
    return out, {"reduce": reduce}


@register_method("random")
def random_attribution(
    estimator: Any, spec: Any, target: np.ndarray, *, random_state: Any = 0
) -> tuple[np.ndarray, dict[str, Any]]:
    """Standard normal values, the floor every trust table includes (seeded)."""
    rng = check_random_state(random_state)
    shape = feature_shape(spec)
    return rng.standard_normal((len(target), *shape)).astype(np.float32), {}
