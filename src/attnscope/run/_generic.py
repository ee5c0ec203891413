"""The generic path of the seed-consistency study: any registered estimator, one by one.

Each variant is the estimator cloned with ``random_state = seed``, fitted (sequentially or
in ``n_jobs`` processes) and explained through :func:`attnscope.explain.attribute`, the
target being the variants' consensus class of each explained sample.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from attnscope.run._study import SeedStudy, _consensus


def _fit_one(template: Any, seed: int, train: Any, val: Any) -> tuple[Any, float]:
    from sklearn.base import clone

    est = clone(template).set_params(random_state=int(seed))
    start = time.perf_counter()
    est.fit(train, validation_data=val)
    return est, time.perf_counter() - start


def _run_generic(study: SeedStudy, *, n_jobs: int) -> dict[str, Any]:
    """Every variant a clone of the estimator, fitted and explained on its own."""
    from attnscope.explain import attribute

    template, train, val, test = study.template, study.train, study.val, study.test
    start, cpu = time.perf_counter(), time.process_time()
    if n_jobs == 1:
        fitted = [_fit_one(template, s, train, val) for s in study.seeds]
    else:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=n_jobs)(
            delayed(_fit_one)(template, s, train, val) for s in study.seeds
        )
    train_seconds = time.perf_counter() - start
    # CPU time of this process only: with n_jobs > 1 the workers' time is not counted.
    train_cpu = time.process_time() - cpu if n_jobs == 1 else float("nan")
    ests = [e for e, _ in fitted]
    proba = np.stack([e.predict_proba(test) for e in ests])
    sub = test.subset(study.explain_idx)
    target = _consensus(proba[:, study.explain_idx])
    maps: dict[str, np.ndarray] = {}
    seconds = dict.fromkeys(study.methods, 0.0)
    for name in study.methods:
        options: dict[str, Any] = (
            {"n_steps": study.ig_steps} if name == "integrated_gradients" else {}
        )
        parts = []
        for est in ests:
            attr = attribute(
                est, sub, method=name, target=target, random_state=study.random_state, **options
            )
            parts.append(np.asarray(attr.values, dtype=np.float32))
            seconds[name] += attr.seconds
        maps[name] = np.stack(parts)
    return {
        "proba": proba,
        "target": target,
        "maps": maps,
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu,
        "explain_seconds": seconds,
        "fit_seconds_each": [s for _, s in fitted],
    }


def _time_standalone(template: Any, seed: int, train: Any, val: Any) -> tuple[float, float]:
    """Wall and CPU seconds of one standalone training."""
    cpu = time.process_time()
    _, seconds = _fit_one(template, seed, train, val)
    return seconds, time.process_time() - cpu
