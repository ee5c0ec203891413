"""Model parameters from ``--set`` and ``[params]``: checked before any data is read."""

from __future__ import annotations

import difflib
import inspect
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["check_params"]


def _kind(default: Any) -> str | None:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    return None


def _fits(value: Any, kind: str) -> bool:
    if kind == "true or false":
        return isinstance(value, bool)
    if kind == "an integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_params(model: str, params: dict[str, Any]) -> None:
    """Refuse unknown names (with the closest valid one), wrong value types and devices.

    Raises
    ------
    ConfigError
        ``--set epochs=three`` (a number expected), ``--set epochz=3`` (did you mean
        ``epochs``?), ``--set device=cuda`` without a CUDA device.
    """
    from attnscope.estimators import get_estimator_class

    klass = get_estimator_class(model)
    signature = inspect.signature(klass.__init__).parameters
    valid = sorted(klass._get_param_names())
    try:
        defaults = klass().get_params(deep=False)
    except Exception:  # a model that needs arguments: fall back on its signature
        defaults = {k: p.default for k, p in signature.items()}
    for key, value in params.items():
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean {close[0]}?" if close else f"valid: {', '.join(valid)}."
            raise ConfigError(f"--set {key}=...: model {model!r} has no parameter {key!r}; {hint}")
        default = defaults.get(key)
        kind = _kind(default)
        if kind is not None and value is not None and not _fits(value, kind):
            raise ConfigError(f"--set {key}={value}: {key} takes {kind} (default {default!r}).")
    device = params.get("device")
    if device is not None:
        _check_device(str(device))


def _check_device(device: str) -> None:
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise ConfigError(f"--set device={device}: not a torch device; use cpu or cuda.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"--set device={device}: no CUDA device is available here (torch "
            f"{torch.__version__}); leave device at cpu."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ConfigError(
            f"--set device={device}: only {torch.cuda.device_count()} CUDA device(s) here."
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"--set device={device}: Apple MPS is not available here; use cpu.")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"--set device={device}: attnscope runs on cpu or cuda.")
