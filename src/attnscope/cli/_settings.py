"""``fit --setting NAME``: which named setting a fit uses, and what the user's own values are.

A setting lies under the user's values (``[params]`` of a config, then ``--set``). A run's
own ``config.toml`` holds every parameter value of its run, so with a new ``--setting`` it
would hide the setting entirely; there only the values the run changed from its own setting
count as the user's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError
from attnscope.estimators import SETTINGS, make_estimator, other_settings, setting_params

__all__ = [
    "SETTING_HELP",
    "checked_setting",
    "own_params",
    "setting_help",
    "setting_source",
    "settings_hint",
]


def setting_help(config: bool = True) -> str:
    """``--setting``'s help; ``config``: the command also takes ``--config`` (fit does)."""
    named = "; ".join(f"{model}: {', '.join(names)}" for model, names in SETTINGS.items())
    if not config:  # consistency: no --config, so no [params] and no config's setting
        return (
            f"Named parameter set a benchmark ran ({named}); --set values override it. "
            "\\[default: the model's defaults]"
        )
    return (
        f"Named parameter set a benchmark ran ({named}); --set and \\[params] values override "
        "it. \\[default: the model's defaults, or --config's setting]"
    )


SETTING_HELP = setting_help()


def _same(a: Any, b: Any) -> bool:
    """Equal values, a TOML list equal to a tuple default."""
    if isinstance(a, Sequence) and not isinstance(a, str):
        a = list(a)
    if isinstance(b, Sequence) and not isinstance(b, str):
        b = list(b)
    return bool(a == b)


def own_params(model: str | None, given: str | None, config: dict[str, Any]) -> dict[str, Any]:
    """The ``[params]`` of ``config`` that are the user's own.

    All of them, except in a run's own config.toml given with another ``--setting``: then
    the values equal to what the run's setting (or the defaults) supplied are left out, so
    the new setting applies; the run's ``random_state`` stays.
    """
    stored = dict(config.get("params", {}))
    if model is None or given is None or "attnscope_version" not in config:
        return stored
    if given == config.get("setting"):
        return stored
    try:
        base = make_estimator(model, setting=config.get("setting")).get_params()
    except ConfigError:  # an unknown model or setting: the checks that follow name it
        return stored
    return {
        k: v
        for k, v in stored.items()
        if k == "random_state" or k not in base or not _same(base[k], v)
    }


def checked_setting(
    model: str, given: str | None, config: dict[str, Any], path: Path | None
) -> str | None:
    """``--setting`` or else the config's ``setting``, checked against ``model``'s settings."""
    setting = given if given is not None else config.get("setting")
    if setting is None:
        return None
    try:
        setting_params(model, setting)
    except ConfigError as exc:
        where = f"{path}: setting = {setting!r}" if given is None else f"--setting {setting}"
        raise ConfigError(f"{where}: {exc}") from exc
    return None if setting == "defaults" else setting  # one record for the defaults


def setting_source(
    exc: ConfigError, model: str, setting: str | None, params: dict[str, Any]
) -> ConfigError:
    """``exc``, saying which value named in it came from the setting and how to override it."""
    if setting is None:
        return exc
    supplied = {k: v for k, v in setting_params(model, setting).items() if k not in params}
    named = [k for k in supplied if re.search(rf"\b{re.escape(k)}\b", str(exc))]
    if not named:
        return exc
    key = named[0]
    return ConfigError(
        f"{exc} ({key}={supplied[key]!r} comes from --setting {setting}; override it with "
        f"--set {key}=...)"
    )


def settings_hint(model: str, used: str | None, summary: dict[str, Any]) -> list[str]:
    """Lines naming ``model``'s other named settings when it did not earn its place."""
    others = other_settings(model, used) if summary.get("earns_place") is False else {}
    if not others:
        return []
    lines = [f"  other settings of {model} (attnscope fit ... --setting NAME):"]
    return lines + [f"    {k}: {s.summary} ({s.source})" for k, s in others.items()]
