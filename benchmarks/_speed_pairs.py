"""The pair machinery of ``trust_speed.py``.

:func:`pair` times attnscope and a peer on the same model and data, records the speed ratio,
an agreement figure and (with ``floor``) the model's own cost; every pair function (one
module per peer: ``_speed_captum``, ``_speed_tangermeme``, ``_speed_shap``,
``_speed_quantus``) appends one row per comparison to :data:`PAIRS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

PAIRS: list[dict[str, Any]] = []


#: How a pair is timed: both sides alike, after one warm-up call each.
WARM_BUDGET_S = 2.0
WARM_REPEATS = 5
TIMING = (
    "each side: one warm-up call, then the median of "
    f"{WARM_REPEATS} calls when both warm-up calls took under "
    f"{WARM_BUDGET_S / WARM_REPEATS:g} s, else one call (the same rule for both sides)"
)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def timed_pair(ours: Callable[[], Any], theirs: Callable[[], Any]) -> tuple[Any, float, Any, float]:
    """Outputs and seconds per call of both sides, by the rule in :data:`TIMING`.

    Each side's first call is a warm-up (caches, lazy imports, allocator) and is not timed;
    short calls are repeated, and the number of timed calls is the same on both sides.
    """
    a, first_a = timed(ours)
    b, first_b = timed(theirs)
    k = WARM_REPEATS if max(first_a, first_b) * WARM_REPEATS <= WARM_BUDGET_S else 1
    s_a = float(np.median([timed(ours)[1] for _ in range(k)]))
    s_b = float(np.median([timed(theirs)[1] for _ in range(k)]))
    return a, s_a, b, s_b


def rho(a: np.ndarray, b: np.ndarray) -> float:
    from attnscope.metrics._agreement import rank_correlation_rows

    a2 = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b2 = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    return float(np.nanmean(rank_correlation_rows(a2, b2)))


def pair(
    model: str,
    task: str,
    peer: str,
    ours: Callable[[], tuple[Any, int]],
    theirs: Callable[[], tuple[Any, int]],
    agree: Callable[[Any, Any], dict[str, float]],
    note: str = "",
    floor: Callable[[], float] | None = None,
) -> None:
    """Time both sides (each returns (values, n_samples)), record one row.

    ``floor`` returns the seconds per sample of the model evaluations the method needs
    (:func:`_floor.model_floor`); the row then carries ``ours_over_floor`` and
    ``peer_over_floor``, the largest speed ratio an implementation making the same
    evaluations could reach.
    """
    import torch

    entry: dict[str, Any] = {
        "model": model,
        "task": task,
        "peer": peer,
        "note": note,
        "threads": torch.get_num_threads(),  # both sides and the floor run at these
    }
    try:
        (a, n_ours), s_ours, (b, n_peer), s_peer = timed_pair(ours, theirs)
        per_ours, per_peer = s_ours / n_ours, s_peer / n_peer
        entry.update(
            n_ours=n_ours,
            n_peer=n_peer,
            seconds_ours=s_ours,
            seconds_peer=s_peer,
            per_sample_ours=per_ours,
            per_sample_peer=per_peer,
            speed_ratio=per_peer / per_ours,
            **agree(a, b),
        )
        if floor is not None:
            per_floor = floor()
            entry.update(
                floor_per_sample=per_floor,
                ours_over_floor=per_ours / per_floor,
                peer_over_floor=per_peer / per_floor,
            )
    except Exception as exc:  # a peer that fails is a result too
        entry["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    PAIRS.append(entry)
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in entry.items()}, flush=True)


def attnscope_side(
    est: Any, data: Any, box: dict[str, Any], method: str, **options: Any
) -> Callable[[], tuple[Any, int]]:
    """attnscope's side of a pair: ``attribute`` on all of ``data``; it leaves its targets
    in ``box["target"]`` for the peer's side, which runs after it."""
    from attnscope.explain import attribute

    def ours() -> tuple[Any, int]:
        attr = attribute(est, data, method=method, **options)
        box["target"] = attr.target
        return attr.values, len(data)

    return ours


class Logits:
    """An ``nn.Module`` returning the estimator module's logits (peers want a Tensor)."""

    @staticmethod
    def wrap(module: Any, reshape: tuple[int, ...] | None = None) -> Any:
        from torch import nn

        class _Logits(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = module

            def forward(self, x: Any) -> Any:
                if reshape is not None:
                    x = x.reshape(x.shape[0], *reshape)
                return self.net(x).logits

        return _Logits().eval()
