"""The seed-consistency study: N variants of one model, their explanations compared.

After Yadav & Subbian, "When Attention Fails" (CHIL 2025): models differing only in their
random seed (initialisation, batch order, dropout) are trained on one fixed split, every
variant explains the same held-out samples, and per-sample agreement across variants is
measured for each method (:mod:`attnscope.metrics._consistency`).

Split: one stratified train/validation/test split (:func:`attnscope.data.train_val_test_split`
with ``split_seed``), the same for every variant; the validation share drives early
stopping; explanations and predictive metrics use the test share. Time-series data that are
not normalised yet are standardised with a :class:`attnscope.io.TimeSeriesNormalizer`
fitted on the training share.

Explained class: every variant explains the same class per sample, the variants'
majority prediction, so maps of different variants answer the same question. Gradient
maps are compared by magnitude (see :mod:`attnscope.metrics._consistency`).

Two paths:

- ``model="attn_lstm"`` (``batched`` not ``False``): all variants train as one
  :class:`~attnscope.models.attn_lstm.AttentionLSTM` ensemble
  (:func:`attnscope.train.fit_members`), in member chunks of ``member_chunk``
  (:mod:`attnscope.run._batched`; in this process or on Ray, ``engine``);
  every method runs through the registry (:func:`attnscope.explain.attribute_spec`) on the
  estimator's members-folded spec (``members_spec``: the member axis folded into the sample
  axis), so attention and the gradient methods in :data:`BATCHED_METHODS` are the same
  computations as on a single model.
- any other registered model (or ``batched=False``): the estimator is cloned with
  ``random_state = seed``, fitted (sequentially or in ``n_jobs`` processes) and explained
  through :func:`attnscope.explain.attribute` (:mod:`attnscope.run._generic`).

Both paths start from one :class:`~attnscope.run._study.SeedStudy`.

Wall time per variant is reported against one standalone training of the same model,
measured in the same call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from attnscope.errors import ConfigError, DataError
from attnscope.run._batched import _run_batched
from attnscope.run._checks import (
    CLI_OPTIONS,
    _namer,
    check_counts,
    check_maps_memory,
    study_path,
)
from attnscope.run._generic import _run_generic, _time_standalone
from attnscope.run._study import SeedStudy, summary_stats, top_cell_examples

__all__ = ["CLI_OPTIONS", "CONSISTENCY_METRICS", "run_consistency"]

#: Per-sample metrics reported for every method.
CONSISTENCY_METRICS = ("spearman", "kendall", "jaccard", "top_agreement", "cv_top")


def _predictive(y: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUROC and AUPRC per variant; ``proba`` (N, n, C). One-vs-rest macro for C > 2."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    n_classes = proba.shape[-1]
    auroc, auprc = [], []
    for p in proba:  # one sklearn call per variant: cheap next to training
        if n_classes == 2:
            auroc.append(roc_auc_score(y, p[:, 1]))
            auprc.append(average_precision_score(y, p[:, 1]))
        else:
            onehot = np.eye(n_classes)[y]
            auroc.append(roc_auc_score(y, p, multi_class="ovr", average="macro"))
            auprc.append(average_precision_score(onehot, p, average="macro"))
    return np.asarray(auroc), np.asarray(auprc)


def _split(data: Any, test_size: float, val_size: float, split_seed: int) -> tuple[Any, ...]:
    from attnscope.data import TimeSeriesDataset, train_val_test_split

    tr, va, te = train_val_test_split(
        data.y, val_size=val_size, test_size=test_size, random_state=split_seed
    )
    train, val, test = data.subset(tr), data.subset(va), data.subset(te)
    normalised = False
    if isinstance(data, TimeSeriesDataset) and not data.meta.get("normalized"):
        from attnscope.io import TimeSeriesNormalizer

        norm = TimeSeriesNormalizer().fit(train)
        train, val, test = norm.transform(train), norm.transform(val), norm.transform(test)
        normalised = True
    return train, val, test, normalised


def _explain_subset(test: Any, n_explain: int | None, seed: int) -> np.ndarray:
    """Indices of the test samples to explain: all, or a stratified subsample."""
    n = len(test)
    if n_explain is None or n_explain >= n:
        return np.arange(n)
    from sklearn.model_selection import train_test_split

    counts = np.unique(test.y, return_counts=True)[1]
    # stratify where every class can keep a sample (sklearn refuses otherwise)
    stratify = test.y if n_explain >= counts.size and counts.min() >= 2 else None
    idx, _ = train_test_split(
        np.arange(n), train_size=int(n_explain), stratify=stratify, random_state=seed
    )
    return np.sort(idx)


def _ray_runner(address: str | None) -> Any:
    from functools import partial

    from attnscope.run._ray import run_batched_ray

    return partial(run_batched_ray, address=address)


def run_consistency(
    data: Any,
    *,
    model: str = "attn_lstm",
    n_variants: int = 100,
    methods: Sequence[str] = ("attention", "input_x_gradient", "integrated_gradients"),
    params: dict[str, Any] | None = None,
    test_size: float = 0.2,
    val_size: float = 0.1,
    split_seed: int = 0,
    top_k: int = 10,
    n_explain: int | None = None,
    ig_steps: int = 16,
    kendall_pairs: int = 10,
    member_chunk: int = 20,
    sample_chunk: int = 16,
    time_standalone: bool = True,
    random_state: int = 0,
    batched: bool | None = None,
    n_jobs: int = 1,
    device: str | None = None,
    engine: str = "local",
    address: str | None = None,
    option_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Train ``n_variants`` seed variants of ``model`` and measure explanation consistency.

    Parameters
    ----------
    data : Dataset
        Labelled data of the model's modality.
    model : str, default "attn_lstm"
        A registered estimator name (``attnscope.estimators.ESTIMATORS``).
    n_variants : int, default 100
        Variants; seeds ``random_state, random_state + 1, ...``.
    methods : sequence of str
        Attribution methods; ``attention`` needs a model that returns attention.
    params : dict, optional
        Estimator hyper-parameters (``epochs``, ``hidden``, ...); ``random_state`` is set
        per variant (a different one here is a ConfigError: give it as ``random_state``).
    test_size, val_size : float, default 0.2 and 0.1
        The fixed stratified 70/10/20 split (``split_seed``), the same for all variants.
    split_seed : int, default 0
    top_k : int, default 10
        Cells compared by the Jaccard index and the CV summary.
    n_explain : int, optional
        Explain a stratified subsample of this many test samples (default: all).
    ig_steps : int, default 16
        Integrated-gradients steps (Gauss-Legendre).
    kendall_pairs : int, default 10
        Variant pairs behind the Kendall estimate.
    member_chunk : int, default 20
        Variants trained at once on the batched path (bounds memory for N = 1,000). On one
        CPU thread 20 members per chunk cost about 0.7x the CPU time per member of a
        1-member model; 50 or more cost as much as training them one by one.
    sample_chunk : int, default 16
        Samples attributed at once on the batched path (rows = chunk x members x steps).
    time_standalone : bool, default True
        Also time one standalone training of the same model (first seed).
    random_state : int, default 0
    batched : bool, optional
        ``None`` (default): the ensemble path where the model has one (``attn_lstm``), the
        generic path otherwise; ``True`` insists on the ensemble path (a ConfigError for a
        model without one); ``False``: the generic path for every model.
    n_jobs : int, default 1
        Processes for the generic path.
    device : {"cpu", "cuda", "cuda:N", "mps", "auto"}, optional
        Where the variants train and are explained (default the model's ``device``
        parameter, "cpu").
    engine : {"local", "ray"}, default "local"
        ``"ray"`` trains and explains each chunk of ``member_chunk`` variants in a Ray
        task (:mod:`attnscope.run._ray`; batched path only; needs ``attnscope[scale]``);
        the figures equal the local run's.
    address : str, optional
        Ray cluster to join (``"auto"``, ``"ray://host:10001"``); default a local Ray.
    option_names : mapping, optional
        Parameter -> the option that set it, for error messages (the CLI passes
        :data:`CLI_OPTIONS`); default the parameter names.

    Returns
    -------
    dict
        ``predictive`` (per-variant AUROC/AUPRC, their mean/std, and ``ensemble_auroc`` /
        ``ensemble_auprc`` of the variants' mean probability), ``proba`` (test
        probabilities of every variant, shape (n_variants, n_test, n_classes)), ``per_sample``
        (method -> metric -> array of shape (n_explain,); ``sample_ids``),
        ``per_variant`` (method -> mean agreement of each variant with the others),
        ``summary`` (method -> metric -> mean/median/quartiles), ``relation``
        (Spearman between a variant's AUROC and its mean agreement, per method),
        ``timing``, ``split``, ``examples`` (top cells of a few samples across variants)
        and the settings.
    """
    from attnscope.estimators import make_estimator
    from attnscope.explain import canonical_method
    from attnscope.metrics._consistency import consistency_summary

    opt = _namer(option_names)
    check_counts(
        data,
        opt,
        n_variants=n_variants,
        n_explain=n_explain,
        top_k=top_k,
        ig_steps=ig_steps,
        n_jobs=n_jobs,
        engine=engine,
        random_state=random_state,
    )
    if getattr(data, "labels", None) is None:
        raise DataError("the consistency study needs labelled data (a task with outcomes).")
    params = dict(params or {})
    own = params.pop("random_state", random_state)
    if own != random_state:  # every variant sets its own: the value would be ignored
        raise ConfigError(
            f"random_state={own!r} among the model parameters: a seed study gives each "
            f"variant its own ({opt('random_state')}, +1, +2, ...); start them there: "
            f"{opt('random_state', own)}."
        )
    if device is not None:
        params["device"] = device
    template = make_estimator(model, params)
    members = template.get_params().get("n_members", 1)
    if int(members) != 1:  # neighbouring variants would share members
        raise ConfigError(
            f"n_members={members}: a seed study trains single models (its variants are its "
            "seeds); leave n_members at 1."
        )
    # one entry per method: 'ig,integrated_gradients' or a repeat computed the maps twice
    methods = list(dict.fromkeys(canonical_method(m, template) for m in methods))
    if not methods:
        raise ConfigError("give at least one attribution method.")
    path = study_path(model, methods, batched=batched, engine=engine, name=opt)
    data = template.as_dataset(data)
    train, val, test, normalised = _split(data, test_size, val_size, split_seed)
    explain_idx = _explain_subset(test, n_explain, split_seed)
    check_maps_memory(test, n_variants, len(explain_idx), len(methods), opt)
    seeds = [int(random_state) + i for i in range(n_variants)]
    study = SeedStudy(
        template, train, val, test, explain_idx, seeds, methods, ig_steps, random_state
    )
    if path == "batched":
        runner = _ray_runner(address) if engine == "ray" else _run_batched
        run = runner(study, member_chunk=member_chunk, sample_chunk=sample_chunk)
    else:
        run = _run_generic(study, n_jobs=n_jobs)
    standalone, standalone_cpu = (
        _time_standalone(template, seeds[0], train, val) if time_standalone else (None, None)
    )

    y_test = np.asarray(test.y)
    auroc, auprc = _predictive(y_test, run["proba"])
    # the variants as one seed ensemble: their mean probability
    ens_auroc, ens_auprc = _predictive(y_test, run["proba"].mean(axis=0, keepdims=True))
    start = time.perf_counter()
    per_sample: dict[str, dict[str, np.ndarray]] = {}
    per_variant: dict[str, np.ndarray] = {}
    for name in methods:
        res = consistency_summary(
            run["maps"][name], top_k=top_k, kendall_pairs=kendall_pairs, random_state=random_state
        )
        per_variant[name] = np.nanmean(res.pop("spearman_per_variant"), axis=1)
        per_sample[name] = res
    metric_seconds = time.perf_counter() - start

    from scipy.stats import spearmanr

    relation = {}
    for name in methods:
        ok = np.isfinite(per_variant[name])
        rho = spearmanr(auroc[ok], per_variant[name][ok]).statistic if ok.sum() > 2 else np.nan
        relation[name] = float(rho)
    summary = {
        name: {metric: summary_stats(values) for metric, values in per_sample[name].items()}
        for name in methods
    }
    per_variant_seconds = run["train_seconds"] / n_variants
    explain_ids = np.asarray(test.sample_ids)[explain_idx]
    return {
        "model": model,
        "path": path,
        "engine": engine,
        "n_variants": n_variants,
        "seeds": seeds,
        "methods": methods,
        "params": template.get_params(),
        "top_k": top_k,
        "ig_steps": ig_steps,
        "kendall_pairs": kendall_pairs,
        "split": {
            "stratified": True,
            "split_seed": split_seed,
            "test_size": test_size,
            "val_size": val_size,
            "n_train": len(train),
            "n_val": len(val),
            "n_test": len(test),
            "n_explained": len(explain_idx),
            "normalised_on_train": normalised,
        },
        "classes": list(train.class_names),
        "predictive": {
            "auroc": auroc,
            "auprc": auprc,
            "auroc_mean": float(auroc.mean()),
            "auroc_std": float(auroc.std(ddof=1)),
            "auprc_mean": float(auprc.mean()),
            "auprc_std": float(auprc.std(ddof=1)),
            "ensemble_auroc": float(ens_auroc[0]),
            "ensemble_auprc": float(ens_auprc[0]),
        },
        "proba": run["proba"],
        "summary": summary,
        "relation": relation,
        "per_sample": per_sample,
        "per_variant": per_variant,
        "sample_ids": explain_ids,
        "target": run["target"],
        "examples": top_cell_examples(run["maps"], methods, explain_ids, test, explain_idx, top_k),
        "timing": {
            "train_seconds": run["train_seconds"],
            "per_variant_seconds": per_variant_seconds,
            "standalone_seconds": standalone,
            "per_variant_over_standalone": (
                per_variant_seconds / standalone if standalone else None
            ),
            "train_cpu_seconds": run["train_cpu_seconds"],
            "per_variant_cpu_seconds": run["train_cpu_seconds"] / n_variants,
            "standalone_cpu_seconds": standalone_cpu,
            "per_variant_over_standalone_cpu": (
                run["train_cpu_seconds"] / n_variants / standalone_cpu if standalone_cpu else None
            ),
            "explain_seconds": run["explain_seconds"],
            "metric_seconds": metric_seconds,
            "threads": torch.get_num_threads(),
        },
    }
