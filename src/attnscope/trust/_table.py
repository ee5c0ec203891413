"""The trust table: one row per attribution method with every trust metric."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from attnscope._utils.numbers import is_finite_number
from attnscope._utils.random import check_random_state
from attnscope.errors import AttnscopeWarning, ConfigError, DataError

__all__ = ["SLOW_METHOD_SAMPLES", "TRUST_COLUMNS", "TRUST_METHODS", "trust_table"]

#: Methods of a default trust table, ``random`` (the floor) first.
TRUST_METHODS: tuple[str, ...] = (
    "random",
    "attention",
    "saliency",
    "input_x_gradient",
    "integrated_gradients",
    "layer_integrated_gradients",
    "deeplift",
    "deeplift_shap",
    "gradient_shap",
    "smoothgrad",
    "vargrad",
    "feature_ablation",
    "occlusion",
    "ism",
    "lime",
    "kernel_shap",
)

#: Default sample caps per method (none: LIME and KernelSHAP are batched, see
#: :mod:`attnscope.explain._surrogate`); ``method_samples`` sets caps for a table.
SLOW_METHOD_SAMPLES: dict[str, int] = {}

#: Columns of a trust-table row (NaN or absent where a metric does not apply).
TRUST_COLUMNS: tuple[str, ...] = (
    "method",
    "status",
    "n_samples",
    "seconds_per_sample",
    "deletion_auc",
    "insertion_auc",
    "comprehensiveness",
    "sufficiency",
    "sanity_corr",
    "sanity_pass",
    "label_corr",
    "label_pass",
    "noise_sensitivity",
    "precision_at_k",
    "auroc",
    "auprc",
    "random_precision",
    "seconds",
)


def _head(attribution: Any, m: int) -> Any:
    from attnscope.explain import Attribution

    return Attribution(
        values=attribution.values[:m],
        method=attribution.method,
        target=attribution.target[:m],
        feature_names=attribution.feature_names,
        meta=attribution.meta,
    )


def _truth_for(data: Any) -> np.ndarray | None:
    truth = getattr(data, "truth", None)
    return None if truth is None else np.asarray(truth)


def _count(name: str, value: Any) -> int:
    """``value`` as a whole number >= 1, else a ConfigError naming ``name``."""
    if not is_finite_number(value) or value != int(value) or value < 1:
        raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}.")
    return int(value)


def _check_options(
    *,
    n_samples: Any,
    sanity_samples: Any,
    stability_samples: Any,
    label_epochs: Any,
    k: Any,
    fractions: Any,
    methods: Any,
    method_options: Any,
    method_samples: Any,
) -> np.ndarray:
    """ConfigError naming the first option of the wrong type or range; the fractions."""
    for name, value in (
        ("n_samples", n_samples),
        ("sanity_samples", sanity_samples),
        ("stability_samples", stability_samples),
        ("label_epochs", label_epochs),
    ):
        _count(name, value)
    if isinstance(methods, str):
        raise ConfigError(f"methods must be a list of method names, e.g. [{methods!r}].")
    if methods is not None and hasattr(methods, "__len__") and len(methods) == 0:  # silent
        raise ConfigError("methods is empty; give method names, or None for the default set.")
    for name, value in (("method_options", method_options), ("method_samples", method_samples)):
        if value is not None and not isinstance(value, Mapping):
            raise ConfigError(f"{name} must be a dict keyed by method name, got {value!r}.")
    for method, opts in (method_options or {}).items():
        if not isinstance(opts, Mapping):
            raise ConfigError(
                f"method_options[{method!r}] must be a dict of options, got {opts!r} "
                "(e.g. {'integrated_gradients': {'n_steps': 32}})."
            )
    for method, cap in (method_samples or {}).items():
        _count(f"method_samples[{method!r}]", cap)
    try:
        fr = np.linspace(0.0, 1.0, 11) if fractions is None else np.asarray(fractions, float)
    except (TypeError, ValueError):
        raise ConfigError(f"fractions must be numbers in [0, 1], got {fractions!r}.") from None
    if fr.ndim != 1 or fr.size < 2 or not (np.all(fr >= 0) and np.all(fr <= 1)):
        raise ConfigError(
            f"fractions must be at least two shares of the features in [0, 1], got {fractions!r}."
        )
    if np.any(np.diff(fr) <= 0):
        raise ConfigError(f"fractions must increase, got {fractions!r}.")
    real = isinstance(k, int | float | np.integer | np.floating) and not isinstance(k, bool)
    if not real or not 0 < k <= 1:
        raise ConfigError(f"k must be a share of the features in (0, 1], got {k!r}.")
    return fr


def trust_table(
    estimator: Any,
    data: Any,
    y: Any = None,
    *,
    methods: Sequence[str] | None = None,
    n_samples: int = 1000,
    k: float = 0.1,
    fractions: Sequence[float] | None = None,
    sanity_samples: int = 64,
    stability_samples: int = 32,
    label_randomisation: bool = True,
    label_epochs: int = 5,
    method_options: Mapping[str, Mapping[str, Any]] | None = None,
    method_samples: Mapping[str, int] | None = None,
    random_state: int = 0,
    device: str | None = None,
    progress: Any = None,
) -> list[dict[str, Any]]:
    """Compute every trust metric for every attribution method on one fitted model.

    Parameters
    ----------
    estimator : fitted estimator, TorchModel or nn.Module
        An attnscope estimator, a module wrapped by :func:`attnscope.explain.wrap_module`,
        or a plain ``nn.Module`` whose input kind is read from ``data``.
    data : Dataset or array-like
        Labelled (or with ``y``) for label randomisation; with ``truth`` (planted by
        :mod:`attnscope.sim`) for truth recovery.
    y : array-like of shape (n_samples,), optional
        Labels of an array ``data``.
    methods : sequence of str, optional
        Default :data:`TRUST_METHODS` plus the estimator's own ``attribution_methods``;
        methods the model cannot use get a row with ``status`` saying why.
    n_samples : int, default 1000
        Samples explained (a seeded random subset when the data has more).
    k : float, default 0.1
        Share of features for comprehensiveness and sufficiency.
    fractions : sequence of float, optional
        Deletion/insertion steps; default 0, 0.1, ..., 1 (must contain ``k``).
    sanity_samples, stability_samples : int, default 64 and 32
        The first samples of the subset used by the sanity checks (the model is
        re-attributed after randomisation) and by max-sensitivity (5 noisy copies each).
    label_randomisation : bool, default True
        Retrain once on permuted labels (``label_epochs`` epochs) and compare.
    method_options : dict of str -> dict, optional
        Options per method, e.g. ``{"integrated_gradients": {"n_steps": 32}}``.
    method_samples : dict of str -> int, optional
        Fewer samples for costly methods; default :data:`SLOW_METHOD_SAMPLES` (no caps).
        Such a row also uses fewer samples for the sanity checks
        (1/6 of its samples) and for max-sensitivity (1/12). ``n_samples`` in each row
        says how many samples it explains.
    random_state : int, default 0
    device : {"cpu", "cuda", "cuda:N", "mps", "auto"}, optional
        Where to compute; default where the model is (it goes back there afterwards).
    progress : callable, optional
        Called as ``progress(method, row)`` after each row.

    Under ``torchrun`` the attributions and deletion/insertion curves are computed in
    blocks of samples, one per rank, and gathered (:mod:`attnscope.trust._shard`); every
    rank returns the same table, equal to one process's for deterministic methods.

    Returns
    -------
    list of dict
        One row per method with the keys of :data:`TRUST_COLUMNS`: deletion AUC (lower is
        better), insertion AUC (higher), comprehensiveness (higher) and sufficiency
        (lower) at ``k``, the Spearman correlation with the fully randomised model and
        with the permuted-label model and whether each is below 0.5 (pass),
        max-sensitivity under 2% input noise (lower is more stable), truth recovery
        (precision@k, AUROC, AUPRC; the random expectation in ``random_precision``) and
        seconds per explained sample.
    """
    from attnscope.core import eval_mode, placed
    from attnscope.explain import available_methods, canonical_method
    from attnscope.explain._adapter import as_model
    from attnscope.explain._core import check_method_options, predicted_targets
    from attnscope.metrics._truth import truth_recovery
    from attnscope.trust._faithfulness import _ranks
    from attnscope.trust._sanity import (
        SANITY_THRESHOLD,
        parameter_randomisation,
        permuted_label_model,
    )
    from attnscope.trust._sanity import (
        label_randomisation as label_check,
    )
    from attnscope.trust._shard import sharded_attribution, sharded_masked_scores
    from attnscope.trust._stability import max_sensitivity

    fr = _check_options(
        n_samples=n_samples,
        sanity_samples=sanity_samples,
        stability_samples=stability_samples,
        label_epochs=label_epochs,
        k=k,
        fractions=fractions,
        methods=methods,
        method_options=method_options,
        method_samples=method_samples,
    )
    estimator = as_model(estimator, data)
    data = estimator.as_dataset(data, y)
    rng = check_random_state(random_state)
    if len(data) > n_samples:
        data = data.subset(np.sort(rng.choice(len(data), size=n_samples, replace=False)))
    k_idx = np.flatnonzero(np.isclose(fr, k))
    if k_idx.size == 0:
        raise ConfigError(f"fractions must contain k={k} (comprehensiveness/sufficiency).")
    if methods is None:
        extra = [m for m in available_methods(estimator) if m not in TRUST_METHODS]
        names = [*TRUST_METHODS, *extra]
    else:
        # 'ixg,input_x_gradient' or a repeat: one row each (rows were computed twice)
        names = list(dict.fromkeys(canonical_method(m, estimator) for m in methods))
    options = {canonical_method(m, estimator): dict(v) for m, v in (method_options or {}).items()}
    for name, opts in options.items():  # a typo (n_stepz) is the caller's, not 'not applicable'
        check_method_options(estimator, name, opts)
    caps = dict(SLOW_METHOD_SAMPLES if method_samples is None else method_samples)
    caps = {canonical_method(m, estimator): int(c) for m, c in caps.items()}
    # eval mode throughout: a user's module left in train mode would predict (and be
    # deleted from) with dropout and batch statistics on (one sample: a BatchNorm error)
    with placed(estimator.module_, device) as dev, eval_mode(estimator.module_):
        full_data = data
        full_spec = estimator.attribution_spec(data).to(dev)
        # predicted classes once per (model, data), reused by every method
        full_targets = predicted_targets(full_spec)
        relabelled = None
        n_classes = 0 if data.labels is None else np.unique(data.y).size
        if label_randomisation and n_classes == 1:
            warnings.warn(
                f"the {len(data)} explained samples hold one class only, so no model can be "
                "trained on their permuted labels: the label-randomisation check is left out "
                "(give samples of both classes to run it).",
                AttnscopeWarning,
                stacklevel=2,
            )
        if label_randomisation and n_classes > 1:
            relabelled = permuted_label_model(
                estimator, data, epochs=label_epochs, random_state=random_state
            )

        rows: list[dict[str, Any]] = []
        for name in names:
            opts = {"random_state": random_state, **options.get(name, {})}
            start = time.perf_counter()
            n = len(full_data)
            data, spec = full_data, full_spec
            n_san, n_stab = min(sanity_samples, n), min(stability_samples, n)
            if name in caps and caps[name] < n:
                n = max(1, caps[name])
                data = full_data.subset(np.arange(n))
                spec = estimator.attribution_spec(data).to(dev)
                n_san = min(n_san, max(1, n // 6))
                n_stab = min(n_stab, max(1, n // 12))
            small_s = data.subset(np.arange(n_san))
            small_t = data.subset(np.arange(n_stab))
            truth = _truth_for(data)
            row: dict[str, Any] = {"method": name, "status": "ok", "n_samples": n}
            try:  # under torchrun each rank attributes its block of samples (trust/_shard)
                attr = sharded_attribution(
                    estimator, data, spec, dev, method=name, target=full_targets[:n], **opts
                )
            except (ConfigError, DataError) as exc:
                row["status"] = f"not applicable: {exc}"
                rows.append(row)
                if progress is not None:
                    progress(name, row)
                continue
            try:
                row["seconds_per_sample"] = attr.seconds / n
                ranks = _ranks(np.asarray(attr.values), "signed")
                counts = np.round(fr * ranks.shape[1]).astype(np.int64)
                dele, ins = (
                    sharded_masked_scores(
                        estimator, data, spec, dev, attr.target, ranks, counts, keep_top=top
                    )
                    for top in (False, True)
                )
                width = fr[-1] - fr[0]
                row["deletion_auc"] = float(np.mean(np.trapezoid(dele, fr, axis=1) / width))
                row["insertion_auc"] = float(np.mean(np.trapezoid(ins, fr, axis=1) / width))
                full = dele[:, 0] if fr[0] == 0 else ins[:, -1]
                row["comprehensiveness"] = float(np.mean(full - dele[:, k_idx[0]]))
                row["sufficiency"] = float(np.mean(full - ins[:, k_idx[0]]))
                sub = _head(attr, len(small_s))
                san = parameter_randomisation(
                    estimator, small_s, method=name, attribution=sub, cascade=False, **opts
                )
                row["sanity_corr"], row["sanity_pass"] = san.correlation, san.passed
                if relabelled is not None:
                    lab = label_check(
                        estimator,
                        small_s,
                        method=name,
                        attribution=sub,
                        retrained=relabelled,
                        **opts,
                    )[name]
                    row["label_corr"], row["label_pass"] = lab.correlation, lab.passed
                sens = max_sensitivity(
                    estimator, small_t, method=name, attribution=_head(attr, len(small_t)), **opts
                )
                row["noise_sensitivity"] = (
                    float(np.nanmean(sens)) if np.isfinite(sens).any() else float("nan")
                )
                if truth is not None:
                    try:
                        rec = truth_recovery(attr, truth)
                    except DataError as exc:
                        row["truth_status"] = str(exc)
                    else:
                        row.update(
                            {
                                key: rec[key]
                                for key in ("precision_at_k", "auroc", "auprc", "random_precision")
                            }
                        )
            except (ConfigError, DataError) as exc:
                # e.g. attention levels that are not per feature cannot be deleted feature-wise
                row["status"] = f"metrics not applicable: {exc}"
            row["seconds"] = time.perf_counter() - start
            row["sanity_threshold"] = SANITY_THRESHOLD
            rows.append(row)
            if progress is not None:
                progress(name, row)
        return rows
