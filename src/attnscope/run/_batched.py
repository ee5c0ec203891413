"""The batched attention-LSTM path of the seed-consistency study, shared by its engines.

The variants train in chunks of ``member_chunk`` as one member-axis network
(:func:`attnscope.train.fit_members`); once every chunk has predicted the test set, the
variants' consensus class per explained sample is the target that every chunk then
explains through the registry (:func:`attnscope.explain.attribute_spec` on the estimator's
members-folded spec). This module holds every step of that path; an engine only says how a
chunk is executed: :func:`_run_batched` runs the chunks one after another in this process,
:func:`attnscope.run._ray.run_batched_ray` runs each on a Ray worker. Chunks, seeds and
targets are the same on both, so the figures are too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.run._study import SeedStudy, _consensus

if TYPE_CHECKING:
    import torch

__all__ = ["BATCHED_METHODS"]

#: Methods the batched path runs through the registry on the members-folded spec.
BATCHED_METHODS = (
    "attention",
    "saliency",
    "input_x_gradient",
    "integrated_gradients",
    "gradient_norm",
)


def _chunks(seeds: list[int], member_chunk: int) -> Iterator[tuple[int, list[int]]]:
    """``(lo, seeds[lo : lo + member_chunk])`` for each chunk of variants, in order."""
    for lo in range(0, len(seeds), member_chunk):
        yield lo, seeds[lo : lo + member_chunk]


def _train_chunk(
    template: Any,
    train: Any,
    val: Any,
    test: Any,
    chunk_seeds: list[int],
    lo: int,
    random_state: int,
) -> tuple[Any, torch.Tensor, float, float]:
    """Train the variants ``chunk_seeds`` (the chunk starting at variant ``lo``) at once.

    Returns the member module, its test logits (a float32 CPU tensor of shape
    (M, n_test, C)) and the wall and CPU seconds of training. The same call on any process
    (in-process or a Ray worker) gives the same numbers.
    """
    import torch

    from attnscope.core import batched_forward, seeded
    from attnscope.train import class_weights, fit_members

    config = template._train_config()
    cw = class_weights(train.y, len(train.class_names)) if template.class_weight else None
    module = template.build_members(train, chunk_seeds)
    start, cpu = time.perf_counter(), time.process_time()
    with seeded(int(random_state) + lo, config.device):
        fit_members(
            module,
            template._make_inputs(train),
            torch.as_tensor(train.y),
            seeds=chunk_seeds,
            config=config,
            val_inputs=template._make_inputs(val),
            val_y=torch.as_tensor(val.y),
            class_weight=cw,
        )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    with torch.no_grad():
        logits = batched_forward(
            module, template._make_inputs(test), batch_size=512, members=len(chunk_seeds)
        )
    return module, logits, seconds, cpu_seconds


def _ensemble_attributions(
    template: Any,
    members: Any,
    data: Any,
    target: np.ndarray,
    methods: Sequence[str],
    *,
    ig_steps: int,
    chunk: int,
    random_state: int,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Maps (M, n, T, V) per method from an ensemble, through the method registry."""
    from types import SimpleNamespace

    from attnscope.explain import attribute_spec

    m = int(members.n_members)
    spec = template.members_spec(members, data)
    model = SimpleNamespace(module_=members, attribution_methods={})
    out: dict[str, np.ndarray] = {}
    seconds = dict.fromkeys(methods, 0.0)
    for name in methods:
        options: dict[str, Any] = {"batch_size": chunk * m, "random_state": random_state}
        if name == "integrated_gradients":
            options["n_steps"] = ig_steps
        if name == "attention":
            options["level"] = "cell"
        attr = attribute_spec(model, spec, method=name, target=np.repeat(target, m), **options)
        values = np.asarray(attr.values, dtype=np.float32)
        out[name] = values.reshape(-1, m, *values.shape[1:]).swapaxes(0, 1)
        seconds[name] += attr.seconds
    return out, seconds


def _vote(logits: Sequence[np.ndarray], explain_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (N, n_test, C) from the chunks' logits, in chunk order, and the target.

    The target is the variants' consensus class of each explained test sample.
    """
    import torch

    stacked = np.concatenate(logits).astype(np.float32)
    proba = torch.softmax(torch.from_numpy(stacked), dim=-1).numpy()
    return proba, _consensus(proba[:, explain_idx])


def _assemble(
    proba: np.ndarray,
    target: np.ndarray,
    parts: Sequence[tuple[dict[str, np.ndarray], dict[str, float]]],
    methods: Sequence[str],
    train_seconds: float,
    train_cpu_seconds: float,
) -> dict[str, Any]:
    """The run's result from the chunks' ``(maps, explain seconds)``, in chunk order."""
    return {
        "proba": proba,
        "target": target,
        "maps": {m: np.concatenate([p[0][m] for p in parts]) for m in methods},
        "train_seconds": float(train_seconds),
        "train_cpu_seconds": float(train_cpu_seconds),
        "explain_seconds": {m: float(sum(p[1][m] for p in parts)) for m in methods},
    }


def _run_batched(study: SeedStudy, *, member_chunk: int, sample_chunk: int) -> dict[str, Any]:
    """The batched consistency run, every chunk in this process, one after another.

    ``member_chunk`` variants train at once; ``sample_chunk`` samples are attributed at once.

    Returns
    -------
    dict
        ``proba`` (N, n_test, C), ``target`` (n_explain,), ``maps`` (method ->
        (N, n_explain, ...)), ``train_seconds`` (summed over chunks), ``train_cpu_seconds``
        and ``explain_seconds`` (method -> seconds).
    """
    trained = [
        _train_chunk(
            study.template, study.train, study.val, study.test, chunk_seeds, lo, study.random_state
        )
        for lo, chunk_seeds in _chunks(study.seeds, member_chunk)
    ]
    proba, target = _vote(
        [logits.float().numpy() for _, logits, _, _ in trained], study.explain_idx
    )
    explained = study.test.subset(study.explain_idx)
    parts = [
        _ensemble_attributions(
            study.template,
            module,
            explained,
            target,
            study.methods,
            ig_steps=study.ig_steps,
            chunk=sample_chunk,
            random_state=study.random_state,
        )
        for module, _, _, _ in trained
    ]
    return _assemble(
        proba,
        target,
        parts,
        study.methods,
        train_seconds=sum(wall for _, _, wall, _ in trained),
        train_cpu_seconds=sum(cpu for _, _, _, cpu in trained),
    )
