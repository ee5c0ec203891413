"""The run's ``config.toml``: everything needed to reproduce a run, as TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["read_config", "write_config"]


def read_config(path: Path | None) -> dict[str, Any]:
    """Read a TOML config (``model``, ``[params]``, ``[data]``); empty when ``path`` is None."""
    if path is None:
        return {}
    try:
        config = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found.") from exc
    except IsADirectoryError as exc:
        raise ConfigError(
            f"config file {path} is a folder; give the TOML file itself (e.g. RUN/config.toml)."
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); give a TOML file: model = NAME, [params] and [data] tables."
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML ({exc}); correct that line, or re-run 'attnscope fit' "
            "if it is a run's config."
        ) from exc
    _check_shape(config, Path(path))
    if isinstance(config.get("params"), dict):  # TOML has no null: "none", as in --set k=none
        config["params"] = {k: _none(v) for k, v in config["params"].items()}
    return config


#: Words that stand for None where TOML (and ``--set``) have no null, in any case.
NONE_WORDS = ("none", "null")


def _none(value: Any) -> Any:
    """None for a word of :data:`NONE_WORDS` (any case), else ``value``."""
    return None if isinstance(value, str) and value.strip().lower() in NONE_WORDS else value


#: Top-level keys: what a user writes, then what ``fit`` adds to a run's config.toml.
_TOP_KEYS = ("model", "format", "params", "data", "setting", "attnscope_version", "test_size",
             "split_seed", "split")  # fmt: skip
#: Keys of ``[data]`` whose values are file paths (one string each).
_DATA_PATHS = ("path", "labels", "pheno")
#: Keys of ``[data]`` that are tables of ``NAME = "file"``.
_DATA_TABLES = ("classes", "modalities")


def _check_shape(config: dict[str, Any], path: Path) -> None:
    """Raise ConfigError naming ``path`` and the key when a value has the wrong TOML type.

    Only the layout is checked here; values are checked where they are used (parameters
    by the estimator, file names by the readers).
    """

    def wrong(key: str, want: str, value: Any) -> ConfigError:
        return ConfigError(
            f"{path}: {key} must be {want}, not {type(value).__name__} {value!r}; correct it, "
            "or re-run 'attnscope fit' if it is a run's config."
        )

    for key in ("model", "format", "setting"):
        if key in config and not isinstance(config[key], str):
            raise wrong(key, "a string", config[key])
    if "split" in config and not isinstance(config["split"], str):
        raise wrong("split", "a string (random or homology)", config["split"])
    size = config.get("test_size", 0.0)
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        raise wrong("test_size", "a number in [0, 1)", size)
    for key in ("params", "data"):
        if key in config and not isinstance(config[key], dict):
            raise wrong(key, f"a table ([{key}])", config[key])
    data = config.get("data", {})
    for key in (*_DATA_PATHS, "format"):
        if key in data and not isinstance(data[key], str):
            raise wrong(f"[data] {key}", "a string", data[key])
    paths = data.get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise wrong("[data] paths", "a list of strings", paths)
    for key in _DATA_TABLES:
        table = data.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise wrong(f"[data] {key}", 'a table of NAME = "file"', table)
    unknown = [key for key in config if key not in _TOP_KEYS]
    if unknown:  # 'epochs = 3' above [params] was ignored: the fit ran with the default
        from attnscope.core import closest_name_hint

        hint = closest_name_hint(unknown[0], set(_TOP_KEYS[:5]))
        raise ConfigError(
            f"{path}: unknown top-level key {unknown[0]!r} (the top level holds "
            f"{', '.join(_TOP_KEYS[:5])}; {hint}); a model parameter goes under [params] "
            f"([params] {unknown[0]} = ...), a reader option under [data]: move or remove it."
        )


def write_config(path: Path, config: dict[str, Any]) -> None:
    """Write ``config`` as TOML atomically.

    TOML has no null: a None model parameter is written as ``"none"`` (read back as None,
    as ``--set key=none`` is), so a run re-made from its config gets None where a default
    or a named setting holds a value; other None values are dropped.
    """
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

    if isinstance(config.get("params"), dict):
        params = {k: "none" if v is None else v for k, v in config["params"].items()}
        config = {**config, "params": params}
    write_text(path, tomli_w.dumps(clean(config)))
