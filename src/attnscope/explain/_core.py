"""Registry of attribution methods and the one ``attribute`` call.

A method is a function ``fn(estimator, spec, target, **options) -> (values, meta)`` where
``spec`` is the estimator's :class:`~attnscope.estimators.AttributionSpec`, ``target`` the
class index per sample and ``values`` an array of shape (n_samples, *feature_shape).
Methods that draw random numbers take a ``random_state`` keyword.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope._utils.numbers import is_finite_number
from attnscope.core import auto_batch_size
from attnscope.errors import ConfigError
from attnscope.explain._attribution import Attribution

__all__ = [
    "ALIASES",
    "METHODS",
    "METHOD_READS",
    "attribute",
    "attribute_spec",
    "available_methods",
    "canonical_method",
    "check_method_options",
    "register_method",
]

#: name -> function(estimator, spec, target, **options) -> (values, meta)
METHODS: dict[str, Callable[..., tuple[np.ndarray, dict[str, Any]]]] = {}
#: short name -> registered name
ALIASES: dict[str, str] = {}
#: name -> the spec inputs the method evaluates the model on: ``"inputs"`` (the
#: attribution inputs, e.g. embeddings), ``"raw"`` (``raw_inputs``: tokens, the model's
#: own input) or ``"layer"`` (``layer_inputs``). Input-noise metrics use it to tell whether
#: a method saw the noise (tokens cannot be perturbed).
METHOD_READS: dict[str, str] = {}


def register_method(
    name: str, *, aliases: tuple[str, ...] = (), reads: str = "inputs"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding an attribution method (and its short names) to :data:`METHODS`;
    ``reads`` is its entry in :data:`METHOD_READS`."""
    if reads not in ("inputs", "raw", "layer"):
        raise ValueError(f"reads must be 'inputs', 'raw' or 'layer', got {reads!r}.")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[name] = fn
        METHOD_READS[name] = reads
        for alias in aliases:
            ALIASES[alias] = name
        return fn

    return deco


def canonical_method(method: str, estimator: Any = None) -> str:
    """The registered name of ``method`` (resolving aliases such as ``ig``)."""
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    if method in extra:  # the estimator's own methods win over generic aliases
        return method
    name = ALIASES.get(method, method)
    if name not in METHODS and name not in extra:
        choices = sorted({*METHODS, *ALIASES, *extra})
        close = difflib.get_close_matches(str(method), choices, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"unknown attribution method {method!r}; {hint}choose from {choices}.")
    return name


def available_methods(estimator: Any = None) -> list[str]:
    """Every registered method name plus the estimator's own ones."""
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    return [*METHODS, *(m for m in extra if m not in METHODS)]


def predicted_targets(spec: Any, batch_size: int = 256, precision: str | None = None) -> np.ndarray:
    """Predicted class per sample from ``spec.raw_forward`` (batched, no grad)."""
    from attnscope.core import autocast, check_finite_logits, iter_batches

    n = spec.n_samples
    parts = []
    device = spec.raw_inputs[0].device
    with torch.no_grad(), autocast(device, precision):
        for sl in iter_batches(n, batch_size):
            parts.append(spec.raw_forward(*(t[sl] for t in spec.raw_inputs)).float())
    logits = torch.cat(parts)
    check_finite_logits(logits)  # argmax of NaN is class 0: every map would be NaN
    return logits.argmax(dim=1).cpu().numpy()


def attribute_spec(
    model: Any,
    spec: Any,
    *,
    method: str,
    target: int | np.ndarray | None = None,
    sample_ids: np.ndarray | None = None,
    device: str | None = None,
    precision: str | None = None,
    **options: Any,
) -> Attribution:
    """Run ``method`` on an already built :class:`~attnscope.core.AttributionSpec`.

    The one runner of every attribution: the model goes to ``device`` for the call (default:
    where it is) with the spec's tensors, in eval mode, with torch's RNG (CPU and CUDA)
    seeded by ``random_state`` and, if asked, autocast to ``precision``. A method's
    ``meta["base_values"]`` becomes :attr:`Attribution.base_values` (NaN when it has
    none) and ``meta["completeness"]`` defaults to False. Used by
    :func:`attribute` and by the trust metrics, which perturb a spec's inputs or swap its
    module. Parameters as in :func:`attribute`.
    """
    from attnscope.core import autocast, eval_mode, frozen, placed, seeded

    name = canonical_method(method, model)
    fn = _method_function(model, name)
    module = model.module_
    random_state = options.pop("random_state", 0)
    check_method_options(model, name, options)
    accepted, _ = _options_of(fn)
    if "random_state" in accepted:
        options["random_state"] = random_state
    n = spec.n_samples
    explicit = None if target is None else class_indices(model, target, n)
    with placed(module, device) as dev, eval_mode(module), frozen(module):
        spec = spec.to(dev)
        targets = predicted_targets(spec, precision=precision) if explicit is None else explicit
        start = time.perf_counter()
        with seeded(random_state, dev), autocast(dev, precision):
            values, meta = fn(model, spec, targets, **options)
        seconds = time.perf_counter() - start
    meta = dict(meta) if isinstance(meta, dict) else {}
    # A method whose values are not per input feature (e.g. per prototype) names its own axis.
    feature_names = meta.pop("feature_names", None)
    # A method with completeness reports the output at its reference(s): its base values;
    # the others have none (NaN), see Attribution.base_values.
    base_values = meta.pop("base_values", None)
    if base_values is None:
        base_values = np.full(len(targets), np.nan)
    meta.setdefault("completeness", False)
    if "feature_axis" in spec.meta and "feature_axis" not in meta and feature_names is None:
        meta["feature_axis"] = spec.meta["feature_axis"]
    return Attribution(
        values=values,
        method=name,
        target=targets,
        seconds=seconds,
        feature_names=spec.feature_names if feature_names is None else np.asarray(feature_names),
        sample_ids=sample_ids,
        meta=meta,
        base_values=base_values,
    )


def _method_function(model: Any, name: str) -> Callable[..., Any]:
    extra = dict(getattr(model, "attribution_methods", {}) or {})
    fn = extra.get(name, METHODS.get(name))
    if fn is None:  # pragma: no cover - canonical_method checked it
        raise ConfigError(f"unknown attribution method {name!r}.")
    return fn


def check_method_options(model: Any, method: str, options: dict[str, Any]) -> None:
    """ConfigError for an option ``method`` does not take (e.g. ``n_stepz``), or one unlike
    its default (``n_steps='10'``, ``nt_samples=0``); ``random_state`` is every method's."""
    name = canonical_method(method, model)
    fn = _method_function(model, name)
    given = {k: v for k, v in options.items() if k != "random_state"}
    accepted, open_ended = _options_of(fn)
    unknown = sorted(set(given) - set(accepted)) if not open_ended else []
    if unknown:
        raise ConfigError(
            f"{name} has no option {', '.join(map(repr, unknown))}; its options are "
            f"{', '.join(accepted) or 'none'}."
        )
    _check_option_values(name, fn, given)
    options.update(given)  # whole floats as ints


def _check_option_values(name: str, fn: Callable[..., Any], options: dict[str, Any]) -> None:
    """ConfigError for an option unlike its default: a count (int default) must be a whole
    number >= 1 (or a sequence, e.g. a window per axis), a level (float default) a finite
    number >= 0; text ('10'), booleans and None are refused (they failed deep inside)."""
    defaults = _defaults_of(fn)
    for key, value in options.items():
        default = defaults.get(key)
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue
        if isinstance(value, list | tuple | np.ndarray) and isinstance(default, int):
            continue
        number = is_finite_number(value)
        if isinstance(default, int):
            if not number or not float(value).is_integer() or value < 1:
                raise ConfigError(
                    f"{name}: {key} must be a whole number >= 1 (default {default}), got {value!r}."
                )
            options[key] = int(value)  # 4.0 or np.int64(4): the method gets an int
        elif not number or value < 0:
            raise ConfigError(
                f"{name}: {key} must be a finite number >= 0 (default {default}), got {value!r}."
            )


@functools.cache
def _defaults_of(fn: Callable[..., Any]) -> dict[str, Any]:
    """A method's keyword options with their defaults (read once per method)."""
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()}


@functools.cache
def _options_of(fn: Callable[..., Any]) -> tuple[tuple[str, ...], bool]:
    """A method's keyword options (after estimator, spec, target) and whether it takes more."""
    params = list(inspect.signature(fn).parameters.values())[3:]
    named = tuple(p.name for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD)
    return named, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def class_indices(model: Any, target: Any, n: int) -> np.ndarray:
    """The explained class of each of ``n`` samples, as indices into the model's outputs.

    Parameters
    ----------
    model : fitted estimator or TorchModel
        Its ``classes_`` give the names and the number of classes.
    target : int, str or array-like of shape (n,)
        A class index (integers are always indices, also when the class labels are
        integers), a class name from ``classes_``, or one of either per sample.
    n : int

    Returns
    -------
    ndarray of shape (n,), int64
    """
    try:
        classes = [str(c) for c in np.asarray(model.classes_)]
    except (ConfigError, AttributeError):  # no class list yet (a wrapped module before
        # as_dataset, or an object without classes_): no range check
        classes = []
    t = np.asarray(target)
    if t.ndim > 1 or (t.ndim == 1 and len(t) != n):
        raise ConfigError(
            f"target must be one class or one per sample ({n}), got an array of shape {t.shape}."
        )
    if t.dtype.kind == "f" and np.all(np.isfinite(t)) and np.all(t == np.round(t)):
        t = t.astype(np.int64)
    if t.dtype.kind in "iub":
        idx = t.astype(np.int64)
    else:
        lookup = {c: i for i, c in enumerate(classes)}
        names = [str(v) for v in np.atleast_1d(t)]
        missing = sorted({v for v in names if v not in lookup})
        if missing:
            raise ConfigError(
                f"target {missing[0]!r} is not a class of this model; give a class index or "
                f"one of {classes}."
            )
        idx = np.asarray([lookup[v] for v in names], dtype=np.int64).reshape(t.shape)
    bad = (idx < 0) | (idx >= len(classes)) if classes else idx < 0
    if np.any(bad):
        raise ConfigError(
            f"target {int(np.atleast_1d(idx)[np.atleast_1d(bad)][0])} is not a class index; "
            f"this model has {len(classes)} classes, indices 0..{len(classes) - 1} "
            f"({classes})."
        )
    return np.broadcast_to(idx, (n,)).copy()


def attribute(
    model: Any,
    data: Any,
    *,
    method: str = "input_x_gradient",
    target: int | np.ndarray | None = None,
    device: str | None = None,
    precision: str | None = None,
    **options: Any,
) -> Attribution:
    """Attribute the predictions of a fitted model on ``data``.

    Parameters
    ----------
    model : fitted estimator, TorchModel or nn.Module
        An attnscope estimator, a module wrapped by :func:`attnscope.explain.wrap_module`,
        or a plain ``nn.Module`` whose input kind is read from ``data`` (see
        :func:`attnscope.explain.infer_kind`).
    data : Dataset or array-like
    method : str, default "input_x_gradient"
        A name in :data:`METHODS` (or an alias in :data:`ALIASES`, e.g. ``ig``), or one of
        the model's own ``attribution_methods``.
    target : int, str or array-like of shape (n_samples,), optional
        Class to explain: an index into the model's classes (integers are indices), a
        class name, or one per sample; default each sample's predicted class.
    device : {"cpu", "cuda", "cuda:N", "mps", "auto"}, optional
        Where to compute; default where the model is.
    precision : {"bf16", "fp16"}, optional
        Autocast for the forward passes; default float32.
    **options
        Passed to the method (e.g. ``n_steps`` for integrated gradients); ``random_state``
        seeds every random draw (default 0).

    Returns
    -------
    Attribution
        ``values`` of shape (n_samples, *feature_shape), e.g. (n, length) for DNA;
        ``base_values`` (n_samples,), the output at the method's reference for methods
        with completeness (``values.sum(features) + base_values`` = the target logit),
        NaN otherwise. ``to_dataframe``, ``to_anndata`` and ``to_shap`` convert it.

    Examples
    --------
    >>> attr = attribute(est, data, method="ig", n_steps=32)  # doctest: +SKIP
    >>> attr.values.shape  # doctest: +SKIP
    (200, 100)
    """
    from attnscope.explain._adapter import as_model

    model = as_model(model, data)
    canonical_method(method, model)
    data = model.as_dataset(data)
    spec = model.attribution_spec(data)
    return attribute_spec(
        model,
        spec,
        method=method,
        target=target,
        sample_ids=data.sample_ids,
        device=device,
        precision=precision,
        **options,
    )


# -- helpers shared by the method modules ---------------------------------------------
def feature_shape(spec: Any) -> tuple[int, ...]:
    """Shape of one sample's attribution, (``*feature_shape``), from ``spec.to_features``.

    A spec whose ``inputs`` are token ids (no float input to differentiate) has one
    feature per token: the shape of ``raw_inputs[0]`` without the sample axis.
    """
    if not all(t.is_floating_point() for t in spec.inputs):
        return tuple(int(s) for s in spec.raw_inputs[0].shape[1:])
    probe = tuple(t[:1].detach() for t in spec.inputs)
    return tuple(int(s) for s in np.asarray(spec.to_features(probe)).shape[1:])


def rows_per_pass(
    batch_size: int | None,
    forward: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    additional_args: tuple[Any, ...] = (),
    *,
    grad: bool = True,
    memory_budget: float | None = None,
) -> int:
    """Rows per forward pass: ``batch_size`` (a positive integer), else as many as fit.

    Without ``batch_size`` the number comes from :func:`attnscope.core.auto_batch_size`
    (``forward`` on ``inputs``, with gradients when ``grad``, within ``memory_budget``).
    """
    if batch_size is not None:
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size}.")
        return int(batch_size)
    return auto_batch_size(forward, inputs, additional_args, grad=grad, memory_budget=memory_budget)


def slice_args(args: tuple[Any, ...], sl: slice, n: int) -> tuple[Any, ...]:
    """Slice the tensors among ``args`` that carry the sample axis."""
    return tuple(a[sl] if torch.is_tensor(a) and a.ndim and a.shape[0] == n else a for a in args)


def unpack(x: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """captum returns a Tensor for one input and a tuple for several."""
    return x if isinstance(x, tuple) else (x,)


def pack(x: tuple[Tensor, ...]) -> Tensor | tuple[Tensor, ...]:
    """What captum expects: a Tensor for one input, a tuple for several."""
    return x[0] if len(x) == 1 else x
