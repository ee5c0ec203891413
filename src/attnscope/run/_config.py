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
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML ({exc}); correct that line, or re-run 'attnscope fit' "
            "if it is a run's config."
        ) from exc


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
