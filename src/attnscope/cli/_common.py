"""Helpers shared by CLI commands: option parsing, config files, console output."""

from __future__ import annotations

import json
import sys
from typing import Any

from attnscope.cli._settings import settings_hint
from attnscope.errors import ConfigError
from attnscope.run import read_config
from attnscope.run._config import NONE_WORDS

__all__ = ["console", "parse_sets", "print_fit_summary", "read_config", "simulator_options"]


def console() -> Any:
    """A rich console on stdout (plain text when piped; quiet when ``_ui.silent``).

    Piped to a file or another program, tables take the width their cells need: rich's
    80-column default cut every column name of a trust table to four letters in a log.
    """
    from rich.console import Console

    from attnscope.cli._ui import silent

    piped = not sys.stdout.isatty()
    return Console(
        highlight=False,
        soft_wrap=piped,
        quiet=silent(),
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
    if lowered.lower() in NONE_WORDS:  # as a run's config.toml writes None
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


def print_fit_summary(
    name: str, setting: str | None, params: dict[str, Any], summary: dict[str, Any]
) -> None:
    """What ``fit`` prints: time, held-out metrics, baselines, the verdict and, under a
    losing verdict, the model's other named settings."""
    con = console()
    con.print(f"trained {name} on {summary['n_train']} samples in {summary['seconds']:.1f} s")
    if params.get("epochs") == 0:
        con.print(
            "  epochs=0: no training epoch ran; the saved model is its starting point "
            "(initial weights, or the init_C regression where the model has one)"
        )
    for key, value in summary.get("test", {}).items():
        if isinstance(value, float):
            con.print(f"  test {key}: {value:.4f}")
    for base, row in summary.get("baselines", {}).items():
        con.print(
            f"  baseline {base}: AUROC {row['auroc']:.4f}, AUPRC {row['auprc']:.4f}, "
            f"accuracy {row['accuracy']:.4f} ({row['seconds']:.1f} s)"
        )
    if summary.get("verdict"):
        con.print(f"verdict: {summary['verdict']}", markup=False)
        for line in settings_hint(name, setting, summary):
            con.print(line, markup=False)
