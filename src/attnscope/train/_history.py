"""The record of a fit: per-epoch scores and the epoch kept; a seed ensemble's summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["History", "ensemble_history"]


@dataclass
class History:
    """Per-epoch record of a fit and which epoch's weights were kept."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = float("nan")
    stopped_early: bool = False
    seconds: float = 0.0
    #: A seed ensemble's record: each member's own history (as dicts); the fields above
    #: then summarise them (see :func:`ensemble_history`).
    members: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (saved with the model)."""
        out = {
            "epochs": self.epochs,
            "best_epoch": self.best_epoch,
            "best_score": self.best_score,
            "stopped_early": self.stopped_early,
            "seconds": self.seconds,
        }
        if self.members is not None:
            out["members"] = self.members
        return out


def ensemble_history(histories: Sequence[History]) -> History:
    """One record of a seed ensemble trained by :func:`fit_members`.

    ``epochs`` averages each numeric entry over the members still training at that epoch
    (a curve steps where a member stops); ``best_epoch`` is -1 (each member kept its own
    epoch: see ``members``), ``best_score`` the mean of the members' best scores,
    ``stopped_early`` whether all stopped early, ``seconds`` the whole training's (each
    member's record holds its share); each member's history is kept in ``members``.
    """
    length = max((len(h.epochs) for h in histories), default=0)
    epochs: list[dict[str, float]] = []
    for e in range(length):
        rows = [h.epochs[e] for h in histories if e < len(h.epochs)]
        keys = dict.fromkeys(k for r in rows for k in r)
        epochs.append({k: float(np.mean([r[k] for r in rows if k in r])) for k in keys})
    return History(
        epochs=epochs,
        best_epoch=-1,
        best_score=float(np.mean([h.best_score for h in histories])),
        stopped_early=all(h.stopped_early for h in histories),
        seconds=float(sum(h.seconds for h in histories)),
        members=[h.to_dict() for h in histories],
    )
