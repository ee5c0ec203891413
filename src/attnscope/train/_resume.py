"""Resumable fits: the one loop saves its state after every epoch, and picks it up again.

Inside :func:`checkpointing` every call of the training loop (a *stage*: most estimators
have one, a few train in several) writes ``stage-<i>.safetensors`` into the checkpoint
folder after each epoch: the weights, the best weights so far, the optimiser's moments,
the batch-order generators, the global RNG (dropout) and the early-stopping counters, with
the rest as JSON in the file's metadata (never pickle). One file per stage, replaced
atomically, so a kill at any moment leaves the previous epoch's complete state.

With ``resume=True`` each stage starts where its file ends: a finished stage loads its
final weights and returns at once, an interrupted one continues with the next epoch. On
the CPU the resumed fit gives the same weights as an uninterrupted one, bit for bit (the
loop is deterministic given its generators and RNG state). The checkpoint records what it
was trained on (``fingerprint``: model, parameters, split, training samples); resuming with
anything else is refused with the differences named.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.errors import ConfigError, DataError

__all__ = ["LoopState", "Stage", "checkpointing", "current_stage"]

_KEY = "attnscope_checkpoint"
_ACTIVE: ContextVar[_Checkpointer | None] = ContextVar("attnscope_checkpointer", default=None)


@dataclass
class LoopState:
    """What the loop needs to continue: the next epoch and its early-stopping counters."""

    next_epoch: int
    complete: bool
    best: np.ndarray
    stale: np.ndarray
    active: np.ndarray
    histories: list[dict[str, Any]]
    seconds: float


@dataclass
class _Checkpointer:
    directory: Path
    resume: bool
    fingerprint: dict[str, Any]
    writes: bool
    stages: int = field(default=0)


@contextmanager
def checkpointing(
    directory: str | Path,
    *,
    resume: bool = False,
    fingerprint: dict[str, Any] | None = None,
    writes: bool = True,
) -> Iterator[Path]:
    """Checkpoint every training loop run inside the block into ``directory``.

    Parameters
    ----------
    directory : path
        Folder of the stage files (created on the first save).
    resume : bool, default False
        Continue from the files in ``directory`` (each stage where it stopped). Without
        it, existing files are ignored and replaced.
    fingerprint : dict, optional
        JSON-able description of the fit (model, parameters, data); a resumed stage whose
        file records another fingerprint is refused with the differences named.
    writes : bool, default True
        False on the ranks other than 0 of a process group: they read, rank 0 writes.
    """
    ck = _Checkpointer(Path(directory), resume, dict(fingerprint or {}), writes)
    token = _ACTIVE.set(ck)
    try:
        yield ck.directory
    finally:
        _ACTIVE.reset(token)


def current_stage(config: dict[str, Any]) -> Stage | None:
    """The next stage of the active :func:`checkpointing` block (None outside one).

    ``config`` (the loop's TrainConfig as a dict) joins the fingerprint of this stage.
    """
    ck = _ACTIVE.get()
    if ck is None:
        return None
    index = ck.stages
    ck.stages += 1
    return Stage(ck, index, {**ck.fingerprint, "stage": index, "train_config": config})


class Stage:
    """One training-loop call's checkpoint file."""

    def __init__(self, owner: _Checkpointer, index: int, fingerprint: dict[str, Any]) -> None:
        self.owner, self.index = owner, index
        self.fingerprint = json.loads(json.dumps(fingerprint, default=str))
        self.path = owner.directory / f"stage-{index}.safetensors"

    # ------------------------------------------------------------------------- save
    def save(
        self,
        state: LoopState,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        generators: list[torch.Generator],
        best_weights: dict[str, Tensor] | None,
    ) -> None:
        """Write the state after an epoch (rank 0 only), replacing the previous file."""
        if not self.owner.writes:
            return
        from safetensors.torch import save_file

        from attnscope._utils.files import write_with

        tensors = {f"module.{k}": v for k, v in module.state_dict().items()}
        if best_weights is not None:
            tensors |= {f"best.{k}": v for k, v in best_weights.items()}
        opt = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for pid, slots in opt["state"].items():
            for name, value in slots.items():
                if isinstance(value, Tensor):
                    tensors[f"optim.{pid}.{name}"] = value
                else:
                    scalars.setdefault(str(pid), {})[name] = value
        tensors |= {f"generator.{m}": g.get_state() for m, g in enumerate(generators)}
        tensors["rng.cpu"] = torch.get_rng_state()
        tensors |= {
            "loop.best": torch.as_tensor(state.best, dtype=torch.float64),
            "loop.stale": torch.as_tensor(state.stale, dtype=torch.int64),
            "loop.active": torch.as_tensor(state.active, dtype=torch.bool),
        }
        meta = {
            "fingerprint": self.fingerprint,
            "next_epoch": state.next_epoch,
            "complete": state.complete,
            "histories": state.histories,
            "seconds": state.seconds,
            "has_best": best_weights is not None,
            "param_groups": opt["param_groups"],
            "optim_scalars": scalars,
        }
        flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
        text = {_KEY: json.dumps(meta, default=_json_number)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_with(self.path, lambda tmp: save_file(flat, str(tmp), metadata=text))

    # ------------------------------------------------------------------------- load
    def restore(
        self,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        generators: list[torch.Generator],
    ) -> tuple[LoopState, dict[str, Tensor] | None] | None:
        """Load this stage's file into the objects; None when there is nothing to resume.

        Returns the loop state and the best weights so far (None if none were kept).

        Raises
        ------
        ConfigError
            The file was written by a fit with other options or data.
        DataError
            The file is damaged or does not match the model.
        """
        if not self.owner.resume or not self.path.is_file():
            return None
        from safetensors import safe_open

        try:
            with safe_open(str(self.path), framework="pt") as f:
                meta = json.loads((f.metadata() or {})[_KEY])
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as exc:  # safetensors raises its own error types
            raise DataError(
                f"{self.path}: the checkpoint cannot be read ({exc}); delete the folder "
                f"{self.path.parent} and fit again without --resume."
            ) from exc
        self._check_fingerprint(meta["fingerprint"])
        try:
            module.load_state_dict(_section(tensors, "module"))
        except RuntimeError as exc:
            raise DataError(
                f"{self.path}: the checkpoint does not match the model ({str(exc)[:200]}); "
                "fit again without --resume."
            ) from exc
        if meta["complete"]:
            best = None
        else:
            optimizer.load_state_dict(_optimizer_state(tensors, meta))
            for m, gen in enumerate(generators):
                gen.set_state(tensors[f"generator.{m}"])
            torch.set_rng_state(tensors["rng.cpu"])
            best = _section(tensors, "best") if meta["has_best"] else None
        state = LoopState(
            next_epoch=int(meta["next_epoch"]),
            complete=bool(meta["complete"]),
            best=tensors["loop.best"].numpy().copy(),
            stale=tensors["loop.stale"].numpy().copy(),
            active=tensors["loop.active"].numpy().copy(),
            histories=meta["histories"],
            seconds=float(meta["seconds"]),
        )
        return state, best

    def _check_fingerprint(self, saved: dict[str, Any]) -> None:
        if saved == self.fingerprint:
            return
        keys = sorted(set(saved) | set(self.fingerprint))
        diff = [k for k in keys if saved.get(k) != self.fingerprint.get(k)]
        detail = "; ".join(
            f"{k}: checkpoint {_short(saved.get(k))}, now {_short(self.fingerprint.get(k))}"
            for k in diff[:3]
        )
        raise ConfigError(
            f"{self.path}: the checkpoint was written by a fit with other options or data "
            f"({detail}); repeat the interrupted command with --resume, or drop --resume to "
            "start afresh."
        )


def _section(tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    head = prefix + "."
    return {k[len(head) :]: v for k, v in tensors.items() if k.startswith(head)}


def _optimizer_state(tensors: dict[str, Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in _section(tensors, "optim").items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    for pid, slots in meta["optim_scalars"].items():
        state.setdefault(int(pid), {}).update(slots)
    return {"state": state, "param_groups": meta["param_groups"]}


def _json_number(value: Any) -> Any:
    if isinstance(value, np.generic | Tensor):
        return value.item()
    return str(value)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
