"""Declarative types and ranges of estimator parameters, checked before any data is read.

One table, keyed by parameter name, covers every estimator of the registry (a name means
the same thing in each). :func:`check_params` is called by
:func:`attnscope.estimators.make_estimator`, so a ``--set`` / config value of the wrong type
or out of range (``epochs=abc``, ``lr=NaN``, ``dropout=1.5``) is one ConfigError naming
the key, the value and the valid range. Parameters not in the table are passed through
(the estimator validates them when it fits).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attnscope.errors import ConfigError

__all__: list[str] = []

_INF = math.inf


@dataclass(frozen=True)
class Param:
    """Type and range of one parameter.

    ``kind``: ``"int"``, ``"float"``, ``"bool"``, ``"choice"``, ``"str"`` or ``"ints"`` (an
    int or a list of ints, each in range). ``low_open`` / ``high_open`` exclude the bound.
    ``optional`` admits None.
    """

    kind: str
    low: float = -_INF
    high: float = _INF
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False

    def describe(self) -> str:
        """The valid values in words, e.g. ``a number in (0, 10]``."""
        if self.kind == "bool":
            text = "true or false"
        elif self.kind in ("choice",):
            text = f"one of {list(self.choices)}"
        elif self.kind == "str":
            text = "a string"
        else:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open or self.high == _INF else "]"
            high = _fmt(self.high)
            noun = {"int": "an integer", "float": "a number", "ints": "an integer or a list of "
                    "integers, each"}[self.kind]  # fmt: skip
            text = f"{noun} in {left}{_fmt(self.low)}, {high}{right}"
        return text + (" (or none)" if self.optional else "")

    def in_range(self, x: float) -> bool:
        """Whether ``x`` lies within the bounds."""
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if x == int(x) else f"{x:g}"


def _int(lo: float = 1, hi: float = _INF, **kw: Any) -> Param:
    return Param("int", lo, hi, **kw)


def _share(**kw: Any) -> Param:
    return Param("float", 0.0, 1.0, high_open=True, **kw)


def _positive(hi: float = _INF, **kw: Any) -> Param:
    return Param("float", 0.0, hi, low_open=True, **kw)


def _choice(*values: str) -> Param:
    return Param("choice", choices=values)


_BOOL = Param("bool")
_WEIGHT = Param("float", 0.0, _INF)

#: Parameter name -> its type and range.
PARAMS: dict[str, Param] = {
    # training loop (BaseClassifier / TrainConfig)
    "epochs": _int(0, 1_000_000),
    "min_epochs": _int(0, 1_000_000),
    "pretrain_epochs": _int(0, 1_000_000),
    "warmup_epochs": _int(0, 1_000_000),
    "batch_size": _int(1, 1 << 24),
    "patience": _int(1, 1_000_000),
    "lr": _positive(10.0),
    "pretrain_lr": _positive(10.0),
    "weight_decay": Param("float", 0.0, 10.0),
    "val_size": _share(),
    "random_state": _int(0, 2**32 - 1, optional=True),
    "clip_grad_norm": _positive(optional=True),
    "clip": _positive(optional=True),
    "optimizer": _choice("adam", "adamw"),
    "monitor": _choice("accuracy", "balanced_accuracy", "auroc", "loss"),
    "class_weight": Param("choice", choices=("balanced",), optional=True),
    "device": Param("str"),
    "verbose": _BOOL,
    "amsgrad": _BOOL,
    # architecture sizes
    **{
        name: _int(1, 1 << 20)
        for name in (
            "dim",
            "embed_dim",
            "attention_dim",
            "key_dim",
            "n_filters",
            "n_clusters",
            "k",
            "heads",
            "n_heads",
            "n_layers",
            "ff_mult",
            "prototypes_per_class",
            "window",
            "kernel_size",
            "min_set_size",
            "max_set_size",
        )
    },
    "hidden": Param("ints", 1, 1 << 20),
    "summary_hidden": _int(0, 1 << 20),
    "n_members": _int(1, 1024),
    "channels": Param("ints", 1, 1 << 20),
    "max_features": _int(1, _INF, optional=True),
    # regularisation
    "dropout": _share(),
    "feature_dropout": _share(),
    "modality_dropout": _share(),
    "mask_fraction": _share(),
    "mask_ratio": _share(),
    "kl_weight": _WEIGHT,
    "cluster_weight": _WEIGHT,
    "separation_weight": _WEIGHT,
    "sparsity_weight": _WEIGHT,
    "proj_l1": _WEIGHT,
    "gate_l1": _WEIGHT,
    "gate_lr": _positive(),
    "init_C": _positive(optional=True),
    "proj_eps": _positive(optional=True),  # None: AdamW's own eps (the paper)
    "proj_init": _positive(),
    "position_scale": _positive(),
    # cohorts streamed from disk (HEMERA)
    "stream_workers": _int(0, 64),
    "stream_chunk_mb": _positive(),
    # genotype quality control
    "maf": Param("float", 0.0, 0.5),
    "max_missing": Param("float", 0.0, 1.0),
    "min_coverage": Param("float", 0.0, 1.0),
    # switches with named values
    "attention": _choice("linformer", "full"),
    "position": _choice("index", "genomic"),
    "masking": _choice("attention", "random"),
    "mask_schedule": _choice("constant", "warmup"),
    "alpha_init": _choice("uniform", "probe"),
    "gene_sets": Param("str", optional=True),
    **{
        name: _BOOL
        for name in (
            "delta",
            "detach_target",
            "snp_gate",
            "static_to_lstm",
            "summary_branch",
            "use_cross",
            "use_kl",
            "use_modality_attention",
        )
    },
}


#: Where one model reads a shared name differently: model -> name -> type and range.
#: ``hidden`` is the MLP's list of layer widths but one state size elsewhere; fusion may
#: have no self-attention block.
BY_MODEL: dict[str, dict[str, Param]] = {
    **{model: {"hidden": _int(1, 1 << 20)} for model in ("attn_lstm", "gru", "attngen")},
    # fusion without self-attention blocks keeps its feature and modality attention pools
    "fusion": {"n_layers": _int(0, 1 << 20)},
}


def _fail(model: str, key: str, value: Any, spec: Param) -> ConfigError:
    return ConfigError(
        f"model {model!r}: parameter {key}={value!r} is invalid; {key} must be "
        f"{spec.describe()} (--set {key}=<value>)."
    )


def _number(value: Any, integer: bool) -> float | None:
    """``value`` as a finite number (an int when ``integer``), else None.

    numpy scalars count (a grid from ``np.arange`` / ``np.logspace``); booleans do not.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    if integer and isinstance(value, numbers.Integral):
        return int(value)  # exact, however large (the range check follows)
    try:
        x = float(value)
    except OverflowError:  # an int beyond the float range
        return None
    if not math.isfinite(x) or (integer and x != math.floor(x)):
        return None
    return int(x) if integer else x


def _check_one(model: str, key: str, value: Any, spec: Param) -> Any:
    if value is None:
        if spec.optional:
            return None
        raise _fail(model, key, value, spec)
    if spec.kind == "bool":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise _fail(model, key, value, spec)
    if spec.kind == "choice":
        if isinstance(value, str) and value in spec.choices:
            return value
        raise _fail(model, key, value, spec)
    if spec.kind == "str":
        if isinstance(value, str):
            return value
        raise _fail(model, key, value, spec)
    if spec.kind == "ints":
        items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        out = [_number(v, integer=True) for v in items]
        if not out or any(v is None or not spec.in_range(v) for v in out):
            raise _fail(model, key, value, spec)
        return value if items is value else [out[0]]  # one width: a list of one
    number = _number(value, integer=spec.kind == "int")
    if number is None or not spec.in_range(number):
        raise _fail(model, key, value, spec)
    return number


def check_params(
    model: str,
    params: Mapping[str, Any],
    *,
    source: str | None = None,
    estimator: str | None = None,
) -> dict[str, Any]:
    """Check ``params`` against :data:`PARAMS`; return them with integral floats as ints.

    ``source`` names where the values were written (a ``--config`` file): the error then
    names it and its ``[params]`` key instead of the ``--set`` option; ``estimator`` (a
    class name, from ``fit``) names the Python parameter instead.

    Raises
    ------
    ConfigError
        The first invalid value, naming the key, the value and the valid range.
    """
    out = dict(params)
    own = BY_MODEL.get(model, {})
    for key, value in params.items():
        spec = own.get(key, PARAMS.get(key))
        if spec is None:
            continue
        try:
            out[key] = _check_one(model, key, value, spec)
        except ConfigError:
            if estimator is not None:
                raise ConfigError(
                    f"{estimator}({key}={value!r}): {key} must be {spec.describe()}."
                ) from None
            if source is None:
                raise
            raise ConfigError(
                f"{source}: [params] {key} = {value!r} is invalid for model {model!r}; {key} "
                f"must be {spec.describe()}. Correct it there, or override it with "
                f"--set {key}=VALUE."
            ) from None
    if params.get("device") is not None:
        from attnscope.core import resolve_device

        try:
            resolve_device(str(params["device"]))  # an unavailable device is refused up front
        except ConfigError as exc:
            if source is None:
                raise
            raise ConfigError(f"{source}: [params] device: {exc}") from None
    return out
