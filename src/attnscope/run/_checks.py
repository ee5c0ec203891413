"""The seed-consistency study's options, checked before any variant trains.

Errors name the options as the caller spells them: ``run_consistency``'s parameters in
Python, the ``attnscope consistency`` options (:data:`CLI_OPTIONS`) on the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from attnscope._utils.memory import check_memory
from attnscope._utils.random import MAX_SEED, check_seed
from attnscope.errors import ConfigError
from attnscope.explain._integrated import MAX_STEPS
from attnscope.run._batched import BATCHED_METHODS

__all__ = ["CLI_OPTIONS", "MAX_IG_STEPS", "check_counts", "check_maps_memory", "study_path"]

#: ``run_consistency``'s parameters -> the ``attnscope consistency`` options that set them,
#: so that its errors name what the user typed (``--seeds``, not ``n_variants``).
CLI_OPTIONS = {
    "n_variants": "--seeds",
    "n_explain": "--n-explain",
    "top_k": "--top-k",
    "n_jobs": "--jobs",
    "engine": "--engine",
    "ig_steps": "--ig-steps",
    "batched": "--batched",
    "random_state": "--seed",
}
#: Integrated-gradients steps beyond which the rule gains nothing (and memory runs out).
MAX_IG_STEPS = MAX_STEPS

Namer = Callable[..., str]


def _namer(options: Mapping[str, str] | None) -> Namer:
    """``name(key)`` / ``name(key, value)``: the option as the caller spells it."""

    def name(key: str, value: Any = None) -> str:
        flag = (options or {}).get(key)
        if flag is None:
            return key if value is None else f"{key}={value!r}"
        if isinstance(value, bool):
            return flag if value else "--no-" + flag[2:]
        return flag if value is None else f"{flag} {value}"

    return name


def _cells(data: Any) -> int | None:
    """Cells of one sample's map where every method's map has them all (tables, SNPs)."""
    for attr in ("n_features", "n_snps"):
        if hasattr(data, attr):
            return int(getattr(data, attr))
    return None


def _input_cells(data: Any) -> int:
    """Cells of one sample's input (an upper bound on any map's): 4 per base for DNA."""
    cells = _cells(data)
    if cells is not None:
        return cells
    if hasattr(data, "tokens"):
        return 4 * int(data.tokens.shape[1])
    if hasattr(data, "values"):
        return int(np.prod(data.values.shape[1:]))
    return 1


def check_counts(
    data: Any,
    name: Namer,
    *,
    n_variants: int,
    n_explain: int | None,
    top_k: int,
    ig_steps: int,
    n_jobs: int,
    engine: str,
    random_state: int = 0,
) -> None:
    """ConfigError naming the first count or choice out of range."""
    if n_variants < 2:
        raise ConfigError(
            f"{name('n_variants')} must be at least 2 to compare variants, got {n_variants}."
        )
    first = check_seed(random_state, name("random_state"))
    if first + n_variants - 1 > MAX_SEED:  # the last variant's seed, not a model's error
        raise ConfigError(
            f"{name('random_state')} {first} with {name('n_variants')} {n_variants} runs past "
            f"the largest seed {MAX_SEED}; start at {name('random_state')} "
            f"{MAX_SEED - n_variants + 1} or lower."
        )
    if n_explain is not None and n_explain < 1:
        raise ConfigError(
            f"{name('n_explain')} must be at least 1 (default: all test samples), got {n_explain}."
        )
    if top_k < 1:
        raise ConfigError(f"{name('top_k')} must be at least 1, got {top_k}.")
    if not 1 <= ig_steps <= MAX_IG_STEPS:
        raise ConfigError(
            f"{name('ig_steps')} must be in [1, {MAX_IG_STEPS}] (Gauss-Legendre steps), "
            f"got {ig_steps}."
        )
    if n_jobs < 1 and n_jobs != -1:
        raise ConfigError(f"{name('n_jobs')} must be positive (or -1 for all cores), got {n_jobs}.")
    if engine not in ("local", "ray"):
        raise ConfigError(f"{name('engine')} must be 'local' or 'ray', got {engine!r}.")
    cells = _cells(data)
    if cells is not None and top_k > cells:
        raise ConfigError(
            f"{name('top_k')} {top_k} exceeds the {cells} cells of each map (features of "
            f"the data); give {name('top_k')} at most {cells}."
        )


def study_path(
    model: str, methods: Sequence[str], *, batched: bool | None, engine: str, name: Namer
) -> str:
    """``"batched"`` (attention-LSTM ensemble) or ``"generic"``; ConfigError when the
    methods or the engine do not fit that path, or when ``batched=True`` asks for the
    ensemble path of a model that has none (``None``: the ensemble where there is one)."""
    if batched and model != "attn_lstm":
        raise ConfigError(
            f"{name('batched', True)} trains attn_lstm variants as one batched ensemble; "
            f"model {model!r} has no batched path and trains its variants one by one: "
            f"drop {name('batched', True)} (or use --model attn_lstm)."
        )
    path = "batched" if batched is not False and model == "attn_lstm" else "generic"
    unknown = sorted(set(methods) - set(BATCHED_METHODS)) if path == "batched" else []
    if unknown:
        raise ConfigError(
            f"methods {unknown} are not available on the batched attention-LSTM path; "
            f"use {', '.join(BATCHED_METHODS)}, or {name('batched', False)}."
        )
    if path == "generic" and engine == "ray":
        raise ConfigError(
            f"{name('engine', 'ray')} runs the batched attention-LSTM path; model {model!r} "
            f"(or {name('batched', False)}) runs locally: use {name('engine', 'local')} "
            f"with {name('n_jobs')}."
        )
    return path


def check_maps_memory(
    test: Any, n_variants: int, n_explained: int, n_methods: int, name: Namer
) -> None:
    """DataError when the study's maps (float32) would exceed the memory budget."""
    cells = _input_cells(test)
    check_memory(
        4.0 * n_variants * n_explained * cells * n_methods,
        what=f"the maps of {n_variants} variants x {n_explained} samples x {cells} cells "
        f"x {n_methods} methods",
        fix=f"use fewer {name('n_variants')} or {name('n_explain')}.",
    )
