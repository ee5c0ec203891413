"""Seed-consistency studies on Ray: chunks of seed variants trained on Ray workers.

Each task trains one chunk of variants as one member-axis network
(:func:`attnscope.train.fit_members`, the same call as in-process) and returns its test
logits; the trained chunk stays in Ray's object store. Once every chunk has predicted,
the driver computes the variants' consensus class per explained sample and a second task
per chunk attributes it (:func:`attnscope.explain.attribute_spec` on the members-folded
spec). Every step but the execution of a chunk is the in-process path's
(:mod:`attnscope.run._batched`), so the figures are the same.

``address=None`` starts (or reuses) a local Ray; ``address="auto"`` or
``"ray://host:10001"`` joins an existing cluster (``ray.init(address=...)``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.errors import ConfigError

if TYPE_CHECKING:
    from attnscope.run._study import SeedStudy

__all__ = ["run_batched_ray"]


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "engine='ray' needs Ray: pip install 'attnscope[scale]' (or pip install ray)."
        ) from None
    return ray


def _train_task(
    template: Any,
    train: Any,
    val: Any,
    test: Any,
    chunk_seeds: list[int],
    lo: int,
    random_state: int,
    threads: int,
) -> tuple[Any, np.ndarray, float, float]:
    import torch

    from attnscope.run._batched import _train_chunk

    torch.set_num_threads(threads)
    module, logits, seconds, cpu = _train_chunk(
        template, train, val, test, chunk_seeds, lo, random_state
    )
    return module.cpu(), logits.float().numpy(), seconds, cpu


def _explain_task(
    template: Any,
    module: Any,
    explained: Any,
    target: np.ndarray,
    methods: Sequence[str],
    ig_steps: int,
    sample_chunk: int,
    random_state: int,
    threads: int,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    import torch

    from attnscope.run._batched import _ensemble_attributions

    torch.set_num_threads(threads)
    return _ensemble_attributions(
        template,
        module,
        explained,
        target,
        methods,
        ig_steps=ig_steps,
        chunk=sample_chunk,
        random_state=random_state,
    )


def run_batched_ray(
    study: SeedStudy,
    *,
    member_chunk: int,
    sample_chunk: int,
    address: str | None = None,
    num_cpus: int | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """The batched consistency run with every chunk of variants on a Ray worker.

    Parameters as in :func:`attnscope.run._batched._run_batched`, plus ``address``
    (a Ray cluster; default a local Ray), ``num_cpus`` (CPUs of a local Ray; default all)
    and ``threads`` (torch threads per task, one CPU each; tasks ask one GPU each when
    the model's device is CUDA).

    Returns
    -------
    dict
        As the in-process path: ``proba`` (N, n_test, C), ``target``, ``maps`` (method ->
        (N, n_explain, ...)), ``train_seconds`` (wall time of the training round),
        ``train_cpu_seconds`` (summed over workers), ``explain_seconds``.
    """
    from attnscope.run._batched import _assemble, _chunks, _vote

    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        options: dict[str, Any] = {"ignore_reinit_error": True, "include_dashboard": False}
        if address is not None:
            options["address"] = address
        elif num_cpus is not None:
            options["num_cpus"] = int(num_cpus)
        ray.init(log_to_driver=False, **options)
        started = True
    try:
        gpu = 1 if str(study.template._train_config().device).startswith("cuda") else 0
        train_remote = ray.remote(num_cpus=1, num_gpus=gpu, num_returns=4)(_train_task)
        explain_remote = ray.remote(num_cpus=1, num_gpus=gpu)(_explain_task)
        refs = [ray.put(x) for x in (study.template, study.train, study.val, study.test)]
        start = time.perf_counter()
        chunks = [  # (module, logits, wall, cpu) refs; the modules stay in the object store
            train_remote.remote(*refs, chunk_seeds, lo, study.random_state, threads)
            for lo, chunk_seeds in _chunks(study.seeds, member_chunk)
        ]
        logits = ray.get([c[1] for c in chunks])
        train_seconds = time.perf_counter() - start
        train_cpu = sum(ray.get([c[3] for c in chunks]))
        proba, target = _vote(logits, study.explain_idx)
        explained = ray.put(study.test.subset(study.explain_idx))
        parts = ray.get(
            [
                explain_remote.remote(
                    refs[0],
                    c[0],
                    explained,
                    target,
                    study.methods,
                    study.ig_steps,
                    sample_chunk,
                    study.random_state,
                    threads,
                )
                for c in chunks
            ]
        )
    finally:
        if started:
            ray.shutdown()
    return _assemble(proba, target, parts, study.methods, train_seconds, train_cpu)
