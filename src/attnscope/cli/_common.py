"""Helpers shared by CLI commands: option parsing, config files, console output."""

from __future__ import annotations

import json
import sys
from typing import Any

from attnscope.errors import ConfigError
from attnscope.run import read_config

__all__ = ["console", "parse_sets", "read_config", "simulator_options"]


def console() -> Any:
    """A rich console on stdout (plain text when piped, silent under ``--quiet``).

    Piped to a file or another program, tables take the width their cells need: rich's
    80-column default cut every column name of a trust table to four letters in a log.
    """
    from rich.console import Console

    from attnscope.cli._ui import STATE

    piped = not sys.stdout.isatty()
    return Console(
        highlight=False,
        soft_wrap=piped,
        quiet=STATE["verbosity"] == 0,
        width=PIPED_WIDTH if piped else None,
    )


#: Console width off a terminal: wide enough that no table is cut (tables take their
#: content's width, not this one).
PIPED_WIDTH = 10_000


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


def simulator_options(simulator: Any, modality: str, options: dict[str, Any]) -> dict[str, Any]:
    """``--set`` options checked against ``simulator``'s keywords and their defaults' types.

    An unknown key is named with the closest one; a keyword whose default is a whole
    number takes a whole number (``1e3`` is 1000), one whose default is a float a finite
    number (not ``NaN``, ``Infinity`` or ``true``).
    """
    import inspect
    import math

    from attnscope.core import closest_name_hint

    params = inspect.signature(simulator).parameters
    out = dict(options)
    for key, value in options.items():
        if key == "random_state":
            raise ConfigError("--set random_state=...: give the seed as --seed instead.")
        if key not in params:
            hint = closest_name_hint(key, {p for p in params if p != "random_state"})
            raise ConfigError(f"the {modality} simulator has no option {key!r}; {hint}")
        default = params[key].default
        if type(default) not in (int, float):
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise ConfigError(f"--set {key}={value!r}: {key} takes a finite number.")
        if isinstance(default, int):
            if value != int(value):
                raise ConfigError(f"--set {key}={value!r}: {key} takes a whole number.")
            out[key] = int(value)
    return out
