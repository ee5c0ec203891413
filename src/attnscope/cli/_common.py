"""Helpers shared by CLI commands: option parsing, config files, console output."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["console", "parse_sets", "read_config", "write_config"]


def console() -> Any:
    """A rich console on stdout (plain text when piped, silent under ``--quiet``)."""
    from rich.console import Console

    from attnscope.cli._ui import STATE

    return Console(
        highlight=False, soft_wrap=not sys.stdout.isatty(), quiet=STATE["verbosity"] == 0
    )


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value: JSON/TOML-like literals (numbers, true/false, lists), else str."""
    lowered = text.strip()
    if lowered.lower() in ("true", "false"):
        return lowered.lower() == "true"
    if lowered.lower() in ("none", "null"):
        return None
    try:
        return json.loads(lowered)
    except json.JSONDecodeError:
        return text


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """``["lr=0.01", "hidden=[64,32]"]`` -> ``{"lr": 0.01, "hidden": [64, 32]}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}.")
        out[key.strip()] = parse_value(value)
    return out


def read_config(path: Path | None) -> dict[str, Any]:
    """Read a TOML config (``model``, ``[params]``, ``[data]``); empty when ``path`` is None."""
    if path is None:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from exc


def write_config(path: Path, config: dict[str, Any]) -> None:
    """Write ``config`` as TOML atomically (None values dropped: TOML has no null)."""
    import tomli_w

    from attnscope._utils.files import write_text

    def clean(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {str(k): clean(v) for k, v in obj.items() if v is not None}
        if isinstance(obj, (list, tuple)):
            return [clean(v) for v in obj if v is not None]
        if isinstance(obj, Path):
            return str(obj)
        if hasattr(obj, "item"):
            return obj.item()
        return obj

    write_text(path, tomli_w.dumps(clean(config)))
