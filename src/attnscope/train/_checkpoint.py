"""Model files: weights in safetensors, everything else in JSON. Never pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from torch import nn

from attnscope._utils.files import write_json, write_with
from attnscope.errors import DataError

__all__ = ["load_checkpoint", "save_checkpoint"]

WEIGHTS = "model.safetensors"
META = "model.json"


def save_checkpoint(directory: str | Path, module: nn.Module, meta: dict[str, Any]) -> Path:
    """Write ``model.safetensors`` and ``model.json`` into ``directory`` atomically."""
    from safetensors.torch import save_file

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    write_with(out / WEIGHTS, lambda tmp: save_file(state, str(tmp)))
    write_json(out / META, meta)
    return out


def load_checkpoint(directory: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(meta, state_dict)`` read from a model directory."""
    from safetensors.torch import load_file

    d = Path(directory)
    meta_path, weights_path = d / META, d / WEIGHTS
    for p in (meta_path, weights_path):
        if not p.is_file():
            raise DataError(f"{p} not found; point to a run directory written by 'attnscope fit'.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{meta_path} is not valid JSON (line {exc.lineno}); re-run the fit."
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{meta_path} is not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x}): "
            "damaged or not the model's description; re-run the fit."
        ) from exc
    if not isinstance(meta, dict):
        raise DataError(
            f"{meta_path} holds a JSON {type(meta).__name__}, not the model's description "
            "(an object); re-run the fit."
        )
    try:
        state = load_file(str(weights_path))
    except Exception as exc:  # safetensors raises its own error types for damaged files
        raise DataError(
            f"{weights_path} is damaged or not a safetensors file ({str(exc)[:120]}); "
            "re-run the fit."
        ) from exc
    for name, tensor in state.items():
        if tensor.is_floating_point() and bool(tensor.isnan().any()):
            raise DataError(
                f"{weights_path}: weight {name!r} holds NaN values, so every prediction "
                "would be NaN (training diverged, or the file was edited); re-run the fit "
                "(a lower lr helps a diverging one)."
            )
    return meta, state
