"""Helpers shared by CLI commands: option parsing, config files, console output."""

from __future__ import annotations

import json
import sys
from typing import Any

from attnscope.errors import ConfigError
from attnscope.run import read_config

__all__ = ["console", "parse_sets", "read_config"]


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
